package dev.advmon.deploy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The series selectors and grouping labels of a PromQL expression, read token by token (strings, ranges and comments
 * skipped), so that a metric written without braces or after a function is found too: a regex for {@code name{...}}
 * alone misses {@code sum(advmon_frames_total)}. Not a parser: whether the expression is valid PromQL is promtool's
 * to say.
 */
final class PromQlSelectors {

  /**
   * Words that are not metric names where they stand without a following '(' or '{': operators, modifiers, and the
   * aggregations, which a grouping clause may part from their '(' ({@code sum by (pod) (...)}).
   */
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
      "ignoring", "group_left", "group_right", "inf", "nan", "atan2", "start", "end", "sum", "min", "max", "avg",
      "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
  /** Words whose '(' opens a list of label names, not an argument. */
  private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

  /** One label matcher: {@code label op "value"}, the value unescaped as written. */
  record LabelMatcher(String label, String op, String value) {}

  /** A selector: its metric name (null for a bare {@code {...}}) and its label matchers. */
  record Selector(String metric, List<LabelMatcher> matchers) {

    boolean matches(String label, String op, String value) {
      return matchers.contains(new LabelMatcher(label, op, value));
    }

    /**
     * Whether Prometheus would select a series of this metric with these labels: an absent label reads "", and a
     * regex must match the whole value (Prometheus anchors it; Java's syntax stands in for RE2's, the same for the
     * character classes, alternations and repetitions the rules use).
     */
    boolean selects(java.util.Map<String, String> labels) {
      for (LabelMatcher m : matchers) {
        String v = labels.getOrDefault(m.label(), "");
        boolean ok = switch (m.op()) {
          case "=" -> v.equals(m.value());
          case "!=" -> !v.equals(m.value());
          case "=~" -> v.matches(m.value());
          case "!~" -> !v.matches(m.value());
          default -> throw new IllegalArgumentException("label matcher operator " + m.op());
        };
        if (!ok) {
          return false;
        }
      }
      return true;
    }
  }

  /** What an expression selects and groups by. */
  record Parts(List<Selector> selectors, Set<String> groupingLabels) {}

  private final String s;
  private int i;

  private PromQlSelectors(String s) {
    this.s = s;
  }

  static Parts of(String expr) {
    return new PromQlSelectors(expr).read();
  }

  private Parts read() {
    List<Selector> selectors = new ArrayList<>();
    Set<String> grouping = new LinkedHashSet<>();
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '"' || c == '\'' || c == '`') {
        string();
      } else if (c == '#') {
        while (i < s.length() && s.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '[') {
        while (i < s.length() && s.charAt(i) != ']') {
          i++;
        }
        i++;
      } else if (c == '{') {
        selectors.add(new Selector(null, matchers()));
      } else if (Character.isDigit(c) || c == '.') {
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.' || s.charAt(i) == '_')) {
          i++; // a number or a duration (offset 5m)
        }
      } else if (Character.isLetter(c) || c == '_' || c == ':') {
        int start = i;
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == ':')) {
          i++;
        }
        String word = s.substring(start, i);
        char next = nextSignificant();
        if (next == '(' && GROUPING.contains(word)) {
          grouping.addAll(labelList());
        } else if (next == '(') {
          continue; // a function or an aggregation
        } else if (next == '{') {
          skipWhitespace();
          selectors.add(new Selector(word, matchers()));
        } else if (!KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
          selectors.add(new Selector(word, List.of()));
        }
      } else {
        i++;
      }
    }
    return new Parts(selectors, grouping);
  }

  private char nextSignificant() {
    int j = i;
    while (j < s.length() && Character.isWhitespace(s.charAt(j))) {
      j++;
    }
    return j < s.length() ? s.charAt(j) : '\0';
  }

  private void skipWhitespace() {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
  }

  /** The label names of {@code (a, b)} at i. */
  private List<String> labelList() {
    skipWhitespace();
    int close = s.indexOf(')', i);
    if (close < 0) {
      throw new IllegalArgumentException("unclosed label list at " + i + " of: " + s);
    }
    List<String> labels = new ArrayList<>();
    for (String l : s.substring(i + 1, close).split(",")) {
      if (!l.isBlank()) {
        labels.add(l.strip());
      }
    }
    i = close + 1;
    return labels;
  }

  /** The matchers of {@code {...}} at i. */
  private List<LabelMatcher> matchers() {
    i++; // '{'
    List<LabelMatcher> out = new ArrayList<>();
    while (true) {
      skipWhitespace();
      if (i >= s.length()) {
        throw new IllegalArgumentException("unclosed '{' in: " + s);
      }
      if (s.charAt(i) == '}') {
        i++;
        return out;
      }
      if (s.charAt(i) == ',') {
        i++;
        continue;
      }
      int start = i;
      while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
        i++;
      }
      String label = s.substring(start, i);
      skipWhitespace();
      String op = s.startsWith("=~", i) || s.startsWith("!~", i) || s.startsWith("!=", i) ? s.substring(i, i + 2) : "=";
      i += op.length();
      skipWhitespace();
      out.add(new LabelMatcher(label, op, string()));
    }
  }

  /** The string literal at i, unescaped. */
  private String string() {
    char quote = s.charAt(i++);
    StringBuilder b = new StringBuilder();
    while (i < s.length() && s.charAt(i) != quote) {
      if (s.charAt(i) == '\\' && quote != '`' && i + 1 < s.length()) {
        i++;
      }
      b.append(s.charAt(i++));
    }
    i++;
    return b.toString();
  }
}
