package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Perturbation detector by feature squeezing (Xu, Evans, Qi, NDSS 2018). Probes: one squeezed copy of the
 * frame per squeezer. Signals per squeezer: the L1 distance between the softmax of the frame and of the
 * squeezed copy (the paper's score), and optionally how far the penultimate features move relative to their
 * length ({@code feature-shift}; detection.md §7: it separates high-confidence attacks that the softmax,
 * saturated at 1.0 on both copies, hides). Score: the largest signal in units of its clean scale.
 */
public final class FeatureSqueezingDetector implements Detector {

  public static final String NAME = "perturbation";
  public static final String REASON = "PERTURBATION";
  public static final String SOFTMAX_L1 = "softmax-l1";
  public static final String FEATURE_SHIFT = "feature-shift";

  private final List<Squeezer> squeezers;
  private final List<String> signalKinds;
  private final SignalScale scale;

  public FeatureSqueezingDetector(List<Squeezer> squeezers, List<String> signalKinds, SignalScale scale) {
    if (squeezers.isEmpty()) {
      throw new IllegalArgumentException("feature squeezing needs at least one squeezer");
    }
    for (String k : signalKinds) {
      if (!k.equals(SOFTMAX_L1) && !k.equals(FEATURE_SHIFT)) {
        throw new IllegalArgumentException("unknown perturbation signal '" + k + "': use " + SOFTMAX_L1 + " or " + FEATURE_SHIFT);
      }
    }
    if (signalKinds.isEmpty()) {
      throw new IllegalArgumentException("feature squeezing needs at least one signal (" + SOFTMAX_L1 + ")");
    }
    this.squeezers = List.copyOf(squeezers);
    this.signalKinds = List.copyOf(signalKinds);
    this.scale = scale;
  }

  public List<Squeezer> squeezers() {
    return squeezers;
  }

  public List<String> signalKinds() {
    return signalKinds;
  }

  /** Signal names in the order of {@link #signals}: kind:squeezer. */
  public List<String> signalNames() {
    List<String> names = new ArrayList<>();
    for (String k : signalKinds) {
      for (Squeezer s : squeezers) {
        names.add(k + ":" + s.spec());
      }
    }
    return names;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String reason() {
    return REASON;
  }

  @Override
  public List<FloatImage> probes(FloatImage frame) {
    List<FloatImage> out = new ArrayList<>(squeezers.size());
    for (Squeezer s : squeezers) {
      out.add(s.apply(frame));
    }
    return out;
  }

  /** The raw signals, unscaled, in the order of {@link #signalNames}. */
  public double[] signals(BatchOutput out, int frameRow, int firstProbeRow, int probeCount) {
    if (probeCount != squeezers.size()) {
      throw new IllegalStateException("expected " + squeezers.size() + " squeezed probes, got " + probeCount);
    }
    double[] signals = new double[signalKinds.size() * squeezers.size()];
    float[] p = out.probabilities(frameRow);
    float[] f = signalKinds.contains(FEATURE_SHIFT) ? out.features(frameRow) : null;
    int i = 0;
    for (String kind : signalKinds) {
      for (int s = 0; s < squeezers.size(); s++) {
        int row = firstProbeRow + s;
        signals[i++] = kind.equals(SOFTMAX_L1) ? l1(p, out.probabilities(row)) : relativeShift(f, out.features(row));
      }
    }
    return signals;
  }

  @Override
  public Detection evaluate(FloatImage frame, BatchOutput outputs, int frameRow, int firstProbeRow, int probeCount) {
    double[] signals = signals(outputs, frameRow, firstProbeRow, probeCount);
    int top = scale.strongest(signals);
    String evidence = String.format(Locale.ROOT, "%s=%.4f", signalNames().get(top), signals[top]);
    return new Detection(NAME, REASON, scale.score(signals), scale.threshold(), evidence);
  }

  static double l1(float[] a, float[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d += Math.abs(a[i] - b[i]);
    }
    return d;
  }

  /** ||a - b|| / ||a||: how far the features move, relative to their length (0 when both are zero). */
  static double relativeShift(float[] a, float[] b) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < a.length; i++) {
      double d = a[i] - b[i];
      diff += d * d;
      norm += (double) a[i] * a[i];
    }
    return diff == 0 ? 0 : Math.sqrt(diff) / Math.sqrt(norm + 1e-12);
  }
}
