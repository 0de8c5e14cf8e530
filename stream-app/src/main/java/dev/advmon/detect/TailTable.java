package dev.advmon.detect;

import java.util.Arrays;

/**
 * A detector's score distribution on the threshold frames, kept as its upper tail: {@code values[k]} is the score
 * that a share {@code exp(-k * STEP)} of those frames reach or exceed. It turns a score into its surprise,
 * {@code -ln p} with {@code p} the share of threshold frames scoring at least as high: 0 for a score no higher than
 * the lowest, at most {@code ln(n)} for one above them all. Scores between two entries are interpolated.
 */
public final class TailTable {

  /** Step in -ln p between entries: 0.02 keeps the interpolation error far below one frame's share. */
  public static final double STEP = 0.02;

  private final double[] values;

  public TailTable(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("a tail table needs at least one value");
    }
    for (int k = 1; k < values.length; k++) {
      if (!(values[k] >= values[k - 1])) {
        throw new IllegalArgumentException("tail table values must not decrease: entry " + k + " is " + values[k]
            + " after " + values[k - 1]);
      }
    }
    this.values = values.clone();
  }

  /** The tail of {@code scores}: entries down to the share of one frame. */
  public static TailTable of(double[] scores) {
    if (scores.length == 0) {
      throw new IllegalArgumentException("a tail table needs at least one score");
    }
    double[] s = scores.clone();
    Arrays.sort(s);
    int n = s.length;
    int entries = (int) Math.floor(Math.log(n) / STEP) + 1;
    double[] v = new double[entries];
    for (int k = 0; k < entries; k++) {
      // the score that ceil(n p) frames reach: the (n - ceil(n p))-th smallest
      int reach = Math.max(1, (int) Math.ceil(n * Math.exp(-k * STEP) - 1e-9));
      v[k] = s[n - reach];
    }
    return new TailTable(v);
  }

  public double[] values() {
    return values.clone();
  }

  /** -ln p of {@code score}: how rare a score at least this high is among the threshold frames. */
  public double surprise(double score) {
    if (!(score > values[0])) {
      return 0; // NaN too: no evidence
    }
    int k = Arrays.binarySearch(values, score);
    if (k >= 0) {
      while (k > 0 && values[k - 1] == score) {
        k--; // the first entry that reaches it: the largest share scoring at least this
      }
      return k * STEP;
    }
    int above = -k - 1; // first entry > score
    if (above >= values.length) {
      return (values.length - 1) * STEP;
    }
    double lo = values[above - 1];
    double hi = values[above];
    return (above - 1 + (score - lo) / (hi - lo)) * STEP;
  }
}
