package dev.advmon.config;

import java.util.Collection;

/**
 * Which known name a misspelt one most likely means: what setting keys, environment variables and command-line
 * values that must be one of a known set suggest in their errors ("did you mean ...?").
 */
public final class Spelling {

  private Spelling() {}

  /** The candidate within three edits of {@code name} (the closest one), or null: a typo's likely target. */
  public static String nearest(String name, Collection<String> candidates) {
    String best = null;
    int bestDistance = 4;
    for (String known : candidates) {
      int d = distance(name, known);
      if (d < bestDistance) {
        bestDistance = d;
        best = known;
      }
    }
    return best;
  }

  /** Levenshtein distance: insertions, deletions and substitutions of one character each count one. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
