package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Perturbation detector by feature squeezing (Xu, Evans, Qi, NDSS 2018): does the DECISION survive denoising?
 * Probes: one squeezed copy of the frame per squeezer (bit-depth reduction, median filters, seeded noise).
 * Signals per squeezer: the L1 distance between the softmax of the frame and of the squeezed copy (the paper's
 * score); {@code margin-drop}, how much the log-odds of the frame's class against the runner-up fall on the
 * squeezed copy (Roth et al., ICML 2019, watch log-odds rather than probabilities: a fooling image at 0.999 and
 * a clean frame at 0.999 look alike in the softmax, not in the log-odds); and optionally how far the
 * penultimate features move relative to their length ({@code feature-shift}; it also moves on frames that are
 * merely noisy, e.g. impulse noise, which a median removes, so it is off by default). Score: the largest signal
 * in units of its calibrated scale.
 */
public final class FeatureSqueezingDetector implements Detector {

  public static final String NAME = "perturbation";
  public static final String REASON = "PERTURBATION";
  public static final String SOFTMAX_L1 = "softmax-l1";
  public static final String FEATURE_SHIFT = "feature-shift";
  public static final String MARGIN_DROP = "margin-drop";
  static final List<String> KINDS = List.of(SOFTMAX_L1, MARGIN_DROP, FEATURE_SHIFT);

  private final List<Squeezer> squeezers;
  private final List<String> signalKinds;
  private final SignalScale scale;

  public FeatureSqueezingDetector(List<Squeezer> squeezers, List<String> signalKinds, SignalScale scale) {
    if (squeezers.isEmpty()) {
      throw new IllegalArgumentException("feature squeezing needs at least one squeezer");
    }
    for (String k : signalKinds) {
      if (!KINDS.contains(k)) {
        throw new IllegalArgumentException("unknown perturbation signal '" + k + "': use " + String.join(", ", KINDS));
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
    int y = out.argmax(frameRow);
    double margin = logOdds(p, y);
    int i = 0;
    for (String kind : signalKinds) {
      for (int s = 0; s < squeezers.size(); s++) {
        int row = firstProbeRow + s;
        signals[i++] = switch (kind) {
          case SOFTMAX_L1 -> l1(p, out.probabilities(row));
          case MARGIN_DROP -> Math.max(0, margin - logOdds(out.probabilities(row), y));
          default -> relativeShift(f, out.features(row));
        };
      }
    }
    return signals;
  }

  @Override
  public Detection evaluate(FloatImage frame, BatchOutput outputs, int frameRow, int firstProbeRow, int probeCount) {
    double[] signals = signals(outputs, frameRow, firstProbeRow, probeCount);
    int top = scale.strongest(signals);
    String evidence = String.format(Locale.ROOT, "%s=%.4f", signalNames().get(top), signals[top]);
    return new Detection(NAME, REASON, scale.score(signals), scale.threshold(), evidence, signals);
  }

  /** Smallest probability a log is taken of: float softmax underflows below about 1e-38. */
  static final double LOG_FLOOR = 1e-38;

  /**
   * log p(y) - log of the largest other probability: the logit margin of class {@code y} over the runner-up
   * (negative when another class is more likely).
   */
  public static double logOdds(float[] p, int y) {
    double other = 0;
    for (int k = 0; k < p.length; k++) {
      if (k != y) {
        other = Math.max(other, p[k]);
      }
    }
    return Math.log(Math.max(p[y], LOG_FLOOR)) - Math.log(Math.max(other, LOG_FLOOR));
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
