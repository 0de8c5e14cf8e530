package dev.advmon.image;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Reads the IHDR chunk and walks the chunk list of a PNG without decoding it.
 *
 * <p>Walking the chunks lets a file cut short be reported as truncated with its offset, instead of as
 * whatever the inflater happens to say when it runs out of input.
 */
final class PngHeaderReader {

  /** Signature, IHDR length and type, 13 data bytes, CRC. */
  private static final int IHDR_END = 8 + 8 + 13 + 4;
  /** The PNG specification limits width, height and chunk lengths to 2^31 - 1. */
  private static final long PNG_MAX_VALUE = Integer.MAX_VALUE;

  private PngHeaderReader() {}

  static ImageHeader readHeader(byte[] b) throws ImageDecodeException {
    requireSignature(b);
    if (b.length < IHDR_END) {
      throw new ImageDecodeException(ImageRejection.TRUNCATED,
          "PNG ends after " + b.length + " bytes, inside its IHDR header (" + IHDR_END + " bytes needed)");
    }
    long length = u32(b, 8);
    String type = new String(b, 12, 4, StandardCharsets.ISO_8859_1);
    if (!"IHDR".equals(type)) {
      throw corrupt("first chunk is '" + printable(type) + "', PNG requires IHDR");
    }
    if (length != 13) {
      throw corrupt("IHDR chunk declares " + length + " data bytes, PNG requires 13");
    }
    CRC32 crc = new CRC32();
    crc.update(b, 12, 4 + 13);
    if (crc.getValue() != u32(b, 29)) {
      throw corrupt("IHDR chunk CRC mismatch: the header is damaged");
    }
    long width = u32(b, 16);
    long height = u32(b, 20);
    if (width > PNG_MAX_VALUE || height > PNG_MAX_VALUE) {
      throw corrupt("IHDR declares " + width + "x" + height + ", PNG limits each dimension to " + PNG_MAX_VALUE);
    }
    int bitDepth = b[24] & 0xFF;
    int colourType = b[25] & 0xFF;
    int components = components(colourType, bitDepth);
    if (b[26] != 0 || b[27] != 0) {
      throw corrupt("IHDR declares compression method " + (b[26] & 0xFF) + " and filter method "
          + (b[27] & 0xFF) + ", PNG defines only 0");
    }
    if ((b[28] & 0xFF) > 1) {
      throw corrupt("IHDR declares interlace method " + (b[28] & 0xFF) + ", PNG defines only 0 and 1");
    }
    return new ImageHeader(ImageFormat.PNG, width, height, components, bitDepth, colourType,
        "bit depth " + bitDepth + ", colour type " + colourType + " (" + colourTypeName(colourType) + ")");
  }

  /**
   * Checks that every chunk after IHDR lies inside the bytes, that image data is present, that no tRNS
   * chunk comes with a colour type that has alpha, and that IEND is reached; bytes after IEND are ignored,
   * as decoders do.
   */
  static void requireCompleteChunks(byte[] b) throws ImageDecodeException {
    int pos = IHDR_END;
    int colourType = b[25] & 0xFF; // readHeader has checked IHDR
    boolean sawIdat = false;
    while (true) {
      if (b.length - pos < 8) {
        throw new ImageDecodeException(ImageRejection.TRUNCATED,
            "PNG ends at byte " + b.length + " before its IEND chunk: the file is truncated");
      }
      long length = u32(b, pos);
      String type = new String(b, pos + 4, 4, StandardCharsets.ISO_8859_1);
      if (!isChunkType(type)) {
        throw corrupt("bytes at offset " + pos + " are not a chunk header (type '" + printable(type) + "')");
      }
      if (length > PNG_MAX_VALUE) {
        throw corrupt("chunk " + type + " at offset " + pos + " declares " + length + " bytes, above the PNG maximum");
      }
      long end = pos + 12L + length;
      if (end > b.length) {
        throw new ImageDecodeException(ImageRejection.TRUNCATED, "PNG chunk " + type + " at offset " + pos
            + " declares " + length + " data bytes but the file ends " + (end - b.length)
            + " bytes short: the file is truncated");
      }
      if ("tRNS".equals(type) && (colourType == 4 || colourType == 6)) {
        // The JDK decoder loses its place in the chunk list on such a chunk and reports a bogus length or a
        // truncation; the chunk itself is what is wrong, so say so.
        throw corrupt("tRNS chunk at offset " + pos + " in an image of colour type " + colourType + " ("
            + colourTypeName(colourType) + "), which carries its own alpha channel; PNG forbids tRNS there");
      }
      if ("IDAT".equals(type)) {
        sawIdat = true;
      } else if ("IEND".equals(type)) {
        if (!sawIdat) {
          throw corrupt("PNG has no IDAT chunk: there is no image data");
        }
        return;
      }
      pos = (int) end;
    }
  }

  private static void requireSignature(byte[] b) throws ImageDecodeException {
    if (ImageFormat.PNG.matches(b)) {
      return;
    }
    if (ImageFormat.PNG.isTruncatedMagic(b)) {
      throw new ImageDecodeException(ImageRejection.TRUNCATED,
          "PNG ends after " + b.length + " bytes, inside its 8-byte signature");
    }
    throw new ImageDecodeException(ImageRejection.BAD_MAGIC,
        "bytes do not start with the PNG signature 89 50 4E 47 0D 0A 1A 0A (found " + Hex.prefix(b, 8) + ")");
  }

  /** Samples per pixel, after checking the bit depth is one the specification allows for the colour type. */
  private static int components(int colourType, int bitDepth) throws ImageDecodeException {
    int[] allowed;
    int components;
    switch (colourType) {
      case 0 -> { allowed = new int[] {1, 2, 4, 8, 16}; components = 1; }
      case 2 -> { allowed = new int[] {8, 16}; components = 3; }
      case 3 -> { allowed = new int[] {1, 2, 4, 8}; components = 1; }
      case 4 -> { allowed = new int[] {8, 16}; components = 2; }
      case 6 -> { allowed = new int[] {8, 16}; components = 4; }
      default -> throw corrupt("IHDR declares colour type " + colourType + ", PNG defines 0, 2, 3, 4 and 6");
    }
    for (int depth : allowed) {
      if (depth == bitDepth) {
        return components;
      }
    }
    throw corrupt("IHDR declares bit depth " + bitDepth + " for colour type " + colourType + " ("
        + colourTypeName(colourType) + "), PNG allows " + java.util.Arrays.toString(allowed));
  }

  private static String colourTypeName(int colourType) {
    return switch (colourType) {
      case 0 -> "grayscale";
      case 2 -> "truecolour";
      case 3 -> "indexed";
      case 4 -> "grayscale with alpha";
      case 6 -> "truecolour with alpha";
      default -> "unknown";
    };
  }

  private static boolean isChunkType(String type) {
    for (int i = 0; i < 4; i++) {
      char c = type.charAt(i);
      if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
        return false;
      }
    }
    return true;
  }

  private static String printable(String s) {
    StringBuilder out = new StringBuilder();
    for (char c : s.toCharArray()) {
      out.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02X", (int) c));
    }
    return out.toString();
  }

  private static long u32(byte[] b, int at) {
    return ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFFL) << 16) | ((b[at + 2] & 0xFFL) << 8) | (b[at + 3] & 0xFFL);
  }

  private static ImageDecodeException corrupt(String message) {
    return new ImageDecodeException(ImageRejection.CORRUPT, "PNG is corrupt: " + message);
  }
}
