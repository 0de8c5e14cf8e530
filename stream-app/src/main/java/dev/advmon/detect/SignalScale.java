package dev.advmon.detect;

/**
 * How a detector turns several raw signals into one score: each signal is divided by its scale (its 99th
 * percentile on clean calibration frames), and the score is the largest quotient. Signals with different
 * units (softmax L1 in 0..2, a Mahalanobis distance in the hundreds) then compete on equal terms, and no
 * attack example is needed to weigh them (detection.md §7: weights fitted to one's own attacks fail on
 * held-out attack families).
 */
public record SignalScale(double[] scales, double threshold) {

  public SignalScale {
    for (double s : scales) {
      if (!(s > 0) || Double.isInfinite(s)) {
        throw new IllegalArgumentException("signal scales must be positive and finite, got " + s);
      }
    }
  }

  /** Scales of 1 and no threshold: the raw signals, as calibration needs them before it sets the scales. */
  public static SignalScale identity(int signals) {
    double[] one = new double[signals];
    java.util.Arrays.fill(one, 1.0);
    return new SignalScale(one, Double.POSITIVE_INFINITY);
  }

  /** Index of the signal with the largest scaled value. */
  public int strongest(double[] signals) {
    check(signals);
    int best = 0;
    for (int i = 1; i < signals.length; i++) {
      if (signals[i] / scales[i] > signals[best] / scales[best]) {
        best = i;
      }
    }
    return best;
  }

  public double score(double[] signals) {
    int i = strongest(signals);
    return signals[i] / scales[i];
  }

  private void check(double[] signals) {
    if (signals.length != scales.length) {
      throw new IllegalArgumentException(signals.length + " signals but " + scales.length + " scales: calibration.json does not match the detector's configuration; run ./monitor calibrate again");
    }
  }
}
