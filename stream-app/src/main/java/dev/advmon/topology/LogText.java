package dev.advmon.topology;

/**
 * Text from a frame's producer (camera, frame and alert ids) as it may go into a log line: control characters
 * (CR, LF, ESC, ...) and the Unicode line and paragraph separators are written as escapes ({@code \n}, {@code \r},
 * {@code \t}, else a backslash, u and four hex digits), so an id cannot end the line and forge the ones after it,
 * nor send terminal escapes to whoever reads the log. The records keep the ids as they were sent; only the log is
 * escaped.
 */
public final class LogText {

  private LogText() {}

  public static String of(String text) {
    if (text == null || text.chars().noneMatch(LogText::escaped)) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> out.append(escaped(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
      }
    }
    return out.toString();
  }

  private static boolean escaped(int c) {
    return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
  }
}
