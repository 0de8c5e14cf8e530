package dev.advmon.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Builds real and hand-made PNG and JPEG bytes for the decoder tests. */
public final class TestImages {

  static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  private TestImages() {}

  static byte[] png(BufferedImage image) {
    return write(image, "png", null);
  }

  static byte[] interlacedPng(BufferedImage image) {
    return write(image, "png", param -> param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT));
  }

  static byte[] jpeg(BufferedImage image) {
    return write(image, "jpeg", param -> {
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(0.95f);
    });
  }

  static byte[] write(BufferedImage image, String format, java.util.function.Consumer<ImageWriteParam> tune) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      if (tune != null) {
        tune.accept(param);
      }
      writer.write(null, new IIOImage(image, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  /** Signature, IHDR (valid CRC), one IDAT with {@code idatData}, IEND. */
  static byte[] handmadePng(long width, long height, int bitDepth, int colourType, byte[] idatData) {
    ByteBuffer ihdr = ByteBuffer.allocate(13);
    ihdr.putInt((int) width).putInt((int) height).put((byte) bitDepth).put((byte) colourType)
        .put((byte) 0).put((byte) 0).put((byte) 0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(PNG_SIGNATURE);
    out.writeBytes(chunk("IHDR", ihdr.array()));
    out.writeBytes(chunk("IDAT", idatData));
    out.writeBytes(chunk("IEND", new byte[0]));
    return out.toByteArray();
  }

  /** A hand-made PNG whose IDAT is a few bytes of valid zlib data, far too little for the declared size. */
  public static byte[] handmadePng(long width, long height) {
    return handmadePng(width, height, 8, 0, zlib(new byte[16]));
  }

  static byte[] chunk(String type, byte[] data) {
    byte[] typeBytes = type.getBytes(StandardCharsets.ISO_8859_1);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    ByteBuffer chunk = ByteBuffer.allocate(12 + data.length);
    chunk.putInt(data.length).put(typeBytes).put(data).putInt((int) crc.getValue());
    return chunk.array();
  }

  static byte[] zlib(byte[] data) {
    Deflater deflater = new Deflater();
    deflater.setInput(data);
    deflater.finish();
    byte[] buffer = new byte[data.length + 64];
    int n = deflater.deflate(buffer);
    deflater.end();
    return java.util.Arrays.copyOf(buffer, n);
  }

  /** Offset of the first chunk of {@code type}, searching from the end of IHDR. */
  /** {@code png} with a chunk of {@code type} and {@code data} inserted before its first {@code before} chunk. */
  static byte[] withChunkBefore(byte[] png, String before, String type, byte[] data) {
    int at = chunkOffset(png, before);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(png, 0, at);
    out.writeBytes(chunk(type, data));
    out.write(png, at, png.length - at);
    return out.toByteArray();
  }

  static int chunkOffset(byte[] png, String type) {
    int pos = 8;
    while (pos + 8 <= png.length) {
      int length = ByteBuffer.wrap(png, pos, 4).getInt();
      if (new String(png, pos + 4, 4, StandardCharsets.ISO_8859_1).equals(type)) {
        return pos;
      }
      pos += 12 + length;
    }
    throw new IllegalArgumentException("no " + type + " chunk");
  }

  static int pngColourType(byte[] png) {
    return png[25] & 0xFF;
  }

  static int pngBitDepth(byte[] png) {
    return png[24] & 0xFF;
  }

  /** Offset of the first SOFn marker (its 0xFF byte) in a JPEG written by ImageIO. */
  static int sofOffset(byte[] jpeg) {
    int pos = 2;
    while (pos + 4 <= jpeg.length) {
      int marker = jpeg[pos + 1] & 0xFF;
      if (JpegHeaderReader.isStartOfFrame(marker)) {
        return pos;
      }
      pos += 2 + (((jpeg[pos + 2] & 0xFF) << 8) | (jpeg[pos + 3] & 0xFF));
    }
    throw new IllegalArgumentException("no SOF marker");
  }

  /** A minimal JPEG up to its frame header: SOI, SOFn with {@code components} components, EOI. */
  static byte[] jpegHeaderOnly(int sofMarker, int precision, int width, int height, int components) {
    ByteBuffer b = ByteBuffer.allocate(2 + 2 + 8 + 3 * components + 2);
    b.put((byte) 0xFF).put((byte) 0xD8);
    b.put((byte) 0xFF).put((byte) sofMarker).putShort((short) (8 + 3 * components)).put((byte) precision)
        .putShort((short) height).putShort((short) width).put((byte) components);
    for (int c = 0; c < components; c++) {
      b.put((byte) (c + 1)).put((byte) 0x11).put((byte) 0);
    }
    b.put((byte) 0xFF).put((byte) 0xD9);
    return b.array();
  }

  static BufferedImage gray(int width, int height, java.util.function.IntBinaryOperator value) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.getRaster().setSample(x, y, 0, value.applyAsInt(x, y));
      }
    }
    return image;
  }

  static BufferedImage rgb(int width, int height, java.util.function.IntBinaryOperator rgb) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, rgb.applyAsInt(x, y));
      }
    }
    return image;
  }
}
