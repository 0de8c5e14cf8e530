package dev.advmon.detect;

import java.util.Arrays;

/** ROC-AUC of a score that should be higher on attacks than on clean frames. */
public final class Roc {

  private Roc() {}

  /** P(attack score > clean score) + 0.5 P(equal), the Mann-Whitney statistic; NaN when a side is empty. */
  public static double auc(double[] clean, double[] attack) {
    if (clean.length == 0 || attack.length == 0) {
      return Double.NaN;
    }
    double[] c = clean.clone();
    Arrays.sort(c);
    double sum = 0;
    for (double a : attack) {
      int below = lowerBound(c, a);
      int notAbove = upperBound(c, a);
      sum += below + 0.5 * (notAbove - below);
    }
    return sum / ((double) clean.length * attack.length);
  }

  private static int lowerBound(double[] s, double v) {
    int lo = 0;
    int hi = s.length;
    while (lo < hi) {
      int m = (lo + hi) >>> 1;
      if (s[m] < v) {
        lo = m + 1;
      } else {
        hi = m;
      }
    }
    return lo;
  }

  private static int upperBound(double[] s, double v) {
    int lo = 0;
    int hi = s.length;
    while (lo < hi) {
      int m = (lo + hi) >>> 1;
      if (s[m] <= v) {
        lo = m + 1;
      } else {
        hi = m;
      }
    }
    return lo;
  }
}
