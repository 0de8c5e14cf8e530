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

  /**
   * How many typos apart two names are: a letter inserted, deleted or changed, or two neighbours swapped ("lables"),
   * each counts one (optimal string alignment distance; without swaps the commonest typo would count two).
   */
  public static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      for (int j = 0; j <= b.length(); j++) {
        if (i == 0 || j == 0) {
          d[i][j] = i + j;
          continue;
        }
        int change = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + change);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
