package dev.advmon.cli;

import dev.advmon.testing.TestData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The exit statuses a command's call() can return, read from its source: each return's value (an int literal, a
 * constant of the class, each branch of a ternary, or a call of another int method of the class, read the same way,
 * every overload of its name).
 * A value it cannot read fails the test naming it, so that a new kind of return is not silently left unchecked.
 */
final class ReturnedStatuses {

  private ReturnedStatuses() {}

  static Set<String> of(Class<?> command) {
    String source;
    try {
      source = Files.readString(TestData.repoRoot().resolve("stream-app/src/main/java/"
          + command.getName().replace('.', '/').replaceAll("\\$.*", "") + ".java"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return of(command, source);
  }

  /** As {@link #of(Class)}, from {@code source} given; {@code command}'s constants are read by reflection. */
  static Set<String> of(Class<?> command, String source) {
    // strings, characters and comments can hold braces and the word return
    String code = Pattern.compile("(?s)\"(?:\\\\.|[^\"\\\\])*\"|'(?:\\\\.|[^'\\\\])+'|//[^\n]*|/\\*.*?\\*/").matcher(source)
        .replaceAll(t -> t.group().startsWith("/") ? "" : "\"\"");
    Set<String> statuses = new LinkedHashSet<>();
    method(command, code, "call", statuses, new LinkedHashSet<>());
    return statuses;
  }

  private static void method(Class<?> type, String code, String name, Set<String> out, Set<String> seen) {
    if (!seen.add(name)) {
      return;
    }
    // every int method of that name: a call may be to any overload, and reading only the first one missed the others'
    Matcher m = Pattern.compile("\\b(?:int|Integer)\\s+" + name + "\\s*\\([^)]*\\)[^{;]*\\{").matcher(code);
    boolean found = false;
    while (m.find()) {
      found = true;
      int depth = 1;
      int end = m.end();
      while (depth > 0) {
        char c = code.charAt(end++);
        depth += c == '{' ? 1 : c == '}' ? -1 : 0;
      }
      Matcher r = Pattern.compile("\\breturn\\s+([^;]+);").matcher(code.substring(m.end(), end - 1));
      while (r.find()) {
        value(type, code, r.group(1).strip(), out, seen);
      }
    }
    if (!found) {
      throw new AssertionError(type.getSimpleName() + ": no int method " + name + "()");
    }
  }

  private static void value(Class<?> type, String code, String expression, Set<String> out, Set<String> seen) {
    int question = topLevel(expression, '?', 0);
    if (question >= 0) {
      int depth = 0;
      for (int i = question + 1; i < expression.length(); i++) { // the ':' that closes this '?'
        char c = expression.charAt(i);
        if (c == '?') {
          depth++;
        } else if (c == ':' && depth-- == 0) {
          value(type, code, expression.substring(question + 1, i).strip(), out, seen);
          value(type, code, expression.substring(i + 1).strip(), out, seen);
          return;
        }
      }
    }
    if (expression.matches("\\d+")) {
      out.add(expression);
    } else if (expression.matches("[A-Z][A-Z0-9_]*")) {
      try {
        out.add(String.valueOf(type.getDeclaredField(expression).getInt(null)));
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(type.getSimpleName() + ": cannot read constant " + expression, e);
      }
    } else if (expression.matches("\\w+\\(.*\\)")
        && closingParen(expression, expression.indexOf('(')) == expression.length() - 1) {
      // one call, its parentheses closing at the end: "f(a) + g(b)" also starts with a name and ends with ')'; read
      // as f alone it dropped g's statuses and the sum, so it is refused below as any other expression
      method(type, code, expression.substring(0, expression.indexOf('(')), out, seen);
    } else {
      throw new AssertionError(type.getSimpleName() + " returns " + expression + ", which this test cannot read as a "
          + "status: return a literal, a constant or an int method's result");
    }
  }

  /** The index of the ')' that closes the '(' at {@code open}, or -1. */
  private static int closingParen(String s, int open) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      depth += s.charAt(i) == '(' ? 1 : s.charAt(i) == ')' ? -1 : 0;
      if (depth == 0) {
        return i;
      }
    }
    return -1;
  }

  /** The index of {@code c} outside parentheses, or -1. */
  private static int topLevel(String s, char c, int from) {
    int depth = 0;
    for (int i = from; i < s.length(); i++) {
      char x = s.charAt(i);
      depth += x == '(' ? 1 : x == ')' ? -1 : 0;
      if (depth == 0 && x == c) {
        return i;
      }
    }
    return -1;
  }
}
