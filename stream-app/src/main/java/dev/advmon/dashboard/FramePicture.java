package dev.advmon.dashboard;

import dev.advmon.image.DecodedImage;
import dev.advmon.image.FloatImage;
import dev.advmon.image.ImageConverter;
import dev.advmon.image.ImageDecodeException;
import dev.advmon.image.ImageDecoder;
import dev.advmon.image.ImageFormat;
import dev.advmon.image.ImageLimits;
import dev.advmon.image.ImageRejection;
import dev.advmon.schema.Frame;
import java.nio.ByteBuffer;

/**
 * A frame as the dashboard shows it: decoded under the monitor's limits, shrunk to at most {@code maxSide}
 * pixels a side, and re-encoded as a PNG written here. The browser therefore never decodes the camera's own
 * bytes (which an attacker controls), and the memory per kept alert is bounded whatever the camera sends.
 */
public record FramePicture(byte[] png, int width, int height) {

  /** The picture of {@code frame}, or null if it cannot be decoded (it was decoded once already, so rarely). */
  public static FramePicture of(Frame frame, ImageLimits limits, int maxSide) {
    return of(bytes(frame.getImage()), format(frame), frame.getWidth(), frame.getHeight(), limits, maxSide);
  }

  /** The picture of encoded image bytes (format null = PNG or JPEG by signature), or null if undecodable. */
  public static FramePicture of(byte[] image, ImageFormat format, Integer width, Integer height, ImageLimits limits,
      int maxSide) {
    DecodedImage decoded;
    try {
      decoded = new ImageDecoder(limits).decode(image, format, width, height);
    } catch (ImageDecodeException | RuntimeException e) {
      return null;
    }
    return written(decoded, maxSide);
  }

  /**
   * Another instance's alert picture (a PNG it made, at most {@code maxSide} pixels a side) decoded here under limits of
   * that size, checked from its header before anything is decoded, and written again; or why it is not one.
   */
  public static FramePicture ofPeer(byte[] png, int maxSide) throws ImageDecodeException {
    long pixels = (long) maxSide * maxSide;
    long maxBytes = 4 * pixels + 64 * 1024; // far above the PNG of maxSide x maxSide RGB that this class writes
    if (png.length > maxBytes) {
      throw new ImageDecodeException(ImageRejection.TOO_MANY_BYTES, "it has " + png.length + " bytes, more than the "
          + maxBytes + " a picture of at most " + maxSide + " px a side needs");
    }
    if (png.length >= 24 && ImageFormat.detect(png).orElse(null) == ImageFormat.PNG
        && new String(png, 12, 4, java.nio.charset.StandardCharsets.US_ASCII).equals("IHDR")) {
      long w = Integer.toUnsignedLong(ByteBuffer.wrap(png).getInt(16)); // IHDR's width and height
      long h = Integer.toUnsignedLong(ByteBuffer.wrap(png).getInt(20));
      if (w > maxSide || h > maxSide) {
        throw new ImageDecodeException(ImageRejection.TOO_MANY_PIXELS, "its PNG header declares " + w + "x" + h
            + ", larger than " + maxSide + " px a side; refused before decoding");
      }
    }
    return written(new ImageDecoder(new ImageLimits(maxBytes, pixels, maxSide)).decode(png), maxSide);
  }

  /** {@code decoded} shrunk to at most {@code maxSide} a side, as a PNG written here. */
  private static FramePicture written(DecodedImage decoded, int maxSide) {
    double shrink = Math.min(1.0, (double) maxSide / Math.max(decoded.width(), decoded.height()));
    int w = Math.max(1, (int) Math.round(decoded.width() * shrink));
    int h = Math.max(1, (int) Math.round(decoded.height() * shrink));
    FloatImage shown = new ImageConverter().toModelInput(decoded, decoded.channels(), h, w);
    return new FramePicture(ImageConverter.toPng(shown), w, h);
  }

  private static ImageFormat format(Frame frame) {
    return switch (frame.getEncoding()) {
      case PNG -> ImageFormat.PNG;
      case JPEG -> ImageFormat.JPEG;
      case GRAY8 -> ImageFormat.GRAY8;
      case RGB8 -> ImageFormat.RGB8;
      case UNKNOWN -> null; // let the decoder recognise it by its signature
    };
  }

  static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate(); // Avro may hand out a view into a larger array
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
