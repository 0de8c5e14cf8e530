package dev.advmon.image;

/** Hex dumps of a few bytes, for messages about unexpected signatures and markers. */
final class Hex {

  private Hex() {}

  static String prefix(byte[] b, int max) {
    if (b.length == 0) {
      return "no bytes";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < Math.min(max, b.length); i++) {
      if (i > 0) {
        out.append(' ');
      }
      out.append(String.format("%02X", b[i] & 0xFF));
    }
    return out.toString();
  }

  static String of(int value) {
    return String.format("%02X", value & 0xFF);
  }
}
