package dev.advmon.detect;

import java.util.Arrays;

/**
 * The value of rank {@code n / 2} (the upper middle) of a small window, as {@code Arrays.sort} would put it there,
 * without sorting: median filters run it for every pixel of every probe (3x3 windows for the median squeezer and
 * the overinterpretation detector's noise- and blur-fill signals), where sorting 9 floats was the stream threads'
 * largest single cost. Exact: an order statistic picked by min/max compare-exchanges is the same value the sort
 * returns (frames hold no NaN).
 */
final class WindowMedian {

  private WindowMedian() {}

  /** The value of rank {@code n / 2} of {@code w[0..n)}; {@code w} may be reordered. */
  static float of(float[] w, int n) {
    return switch (n) {
      case 4 -> upperMiddleOf4(w);
      case 9 -> of9(w);
      default -> {
        Arrays.sort(w, 0, n);
        yield w[n / 2];
      }
    };
  }

  /** Rank 2 of 4: the larger of (the smaller pair maximum, the larger pair minimum). */
  private static float upperMiddleOf4(float[] w) {
    float lo1 = Math.min(w[0], w[1]);
    float hi1 = Math.max(w[0], w[1]);
    float lo2 = Math.min(w[2], w[3]);
    float hi2 = Math.max(w[2], w[3]);
    return Math.max(Math.min(hi1, hi2), Math.max(lo1, lo2));
  }

  /** Rank 4 of 9 with the 19 compare-exchanges of Paeth's median-of-9 network (Graphics Gems, 1990). */
  private static float of9(float[] p) {
    sort(p, 1, 2);
    sort(p, 4, 5);
    sort(p, 7, 8);
    sort(p, 0, 1);
    sort(p, 3, 4);
    sort(p, 6, 7);
    sort(p, 1, 2);
    sort(p, 4, 5);
    sort(p, 7, 8);
    sort(p, 0, 3);
    sort(p, 5, 8);
    sort(p, 4, 7);
    sort(p, 3, 6);
    sort(p, 1, 4);
    sort(p, 2, 5);
    sort(p, 4, 7);
    sort(p, 4, 2);
    sort(p, 6, 4);
    sort(p, 4, 2);
    return p[4];
  }

  /** Puts the smaller of p[a], p[b] at a, the larger at b. */
  private static void sort(float[] p, int a, int b) {
    float x = p[a];
    float y = p[b];
    p[a] = Math.min(x, y);
    p[b] = Math.max(x, y);
  }
}
