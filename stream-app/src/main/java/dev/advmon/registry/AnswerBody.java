package dev.advmon.registry;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A registry answer's body that is not the registry's JSON, told in a few words for a one-line error. */
final class AnswerBody {

  private static final Pattern HTML =
      Pattern.compile("\\s*(<!--.*?-->\\s*)*<(!doctype\\s+html|html)", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
  private static final Pattern TITLE = Pattern.compile("<title[^>]*>(.*?)</title>", Pattern.CASE_INSENSITIVE
      | Pattern.DOTALL);
  private static final Pattern SCRIPT_OR_STYLE = Pattern.compile("<(script|style)\\b.*?</\\1\\s*>",
      Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
  private static final Pattern TAG = Pattern.compile("<[^>]*>");

  private AnswerBody() {}

  /**
   * An HTML page (a proxy's: nginx's 401, a sign-on page) by its title, else its text, within 120 characters: its
   * markup and scripts tell the operator nothing and ran to kilobytes in the start-up's one-line error. Any other
   * body on one line, within 300 characters.
   */
  static String summary(String body) {
    if (body == null || body.isBlank()) {
      return "(empty body)";
    }
    if (!HTML.matcher(body).lookingAt()) {
      return bounded(body, 300);
    }
    Matcher title = TITLE.matcher(body);
    if (title.find() && !title.group(1).isBlank()) {
      return "an HTML page titled '" + bounded(title.group(1), 120) + "'";
    }
    String text = TAG.matcher(SCRIPT_OR_STYLE.matcher(body).replaceAll(" ")).replaceAll(" ");
    return "an HTML page: '" + bounded(text, 120) + "'";
  }

  /** {@code s} on one line, cut to {@code max} characters. */
  private static String bounded(String s, int max) {
    String oneLine = s.strip().replaceAll("\\s+", " ");
    return oneLine.length() <= max ? oneLine : oneLine.substring(0, max) + "...";
  }
}
