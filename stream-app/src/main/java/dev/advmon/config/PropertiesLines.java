package dev.advmon.config;

import java.io.IOException;
import java.io.StringReader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The line on which each key of a properties file starts, so that an error can point at it: in a file of fifty
 * settings and their comments, the setting's name alone left the line to be searched for.
 */
final class PropertiesLines {

  private PropertiesLines() {}

  /**
   * Each key of {@code text} with its 1-based line. Every logical line (a line and its continuations) is read on its
   * own by {@link Properties}, so that escapes, ':' or blank separators and continuations count as they do there; a
   * key given twice keeps its first line (the file is refused then anyway).
   */
  static Map<String, Integer> of(String text) {
    Map<String, Integer> at = new HashMap<>();
    List<String> lines = text.lines().toList();
    int i = 0;
    while (i < lines.size()) {
      int start = i;
      String first = lines.get(i).stripLeading();
      boolean comment = first.startsWith("#") || first.startsWith("!");
      StringBuilder logical = new StringBuilder(lines.get(i));
      while (!comment && continues(lines.get(i)) && i + 1 < lines.size()) {
        i++;
        logical.append('\n').append(lines.get(i));
      }
      i++;
      if (comment || first.isEmpty()) {
        continue;
      }
      Properties one = new Properties();
      try {
        one.load(new StringReader(logical.toString()));
      } catch (IOException | IllegalArgumentException e) {
        continue; // the whole file's reading reports it
      }
      one.stringPropertyNames().forEach(key -> at.putIfAbsent(key, start + 1));
    }
    return at;
  }

  /** Whether a line ends in an odd number of backslashes, which joins the next line to it. */
  private static boolean continues(String line) {
    int n = 0;
    for (int j = line.length() - 1; j >= 0 && line.charAt(j) == '\\'; j--) {
      n++;
    }
    return n % 2 == 1;
  }
}
