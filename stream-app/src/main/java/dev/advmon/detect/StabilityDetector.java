package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Is the decision stable? Attacks that stop at the decision boundary (minimal L2 such as Carlini-Wagner and
 * DeepFool, decision-based and score-based black-box attacks, sparse and spatial attacks) leave a decision that
 * a nudge undoes, while a frame the model decides for good reasons, noisy, dark or blurred as it may be, keeps
 * its class when the camera moves by a pixel (Hu et al., NeurIPS 2019: natural frames are robust to small
 * changes; adversarial ones sit where they are not). Forward passes only, no attack example.
 *
 * <p>Probes: the frame shifted by {@code step} pixels right, left, down and up (edges repeated), with
 * {@code step} one pixel per 28 of the frame's shorter side, so a larger frame moves by the same share. Signals:
 * <ul>
 *   <li>{@code boundary}: 1 / the log-odds of the predicted class against the runner-up on the frame itself
 *       (unbounded at the boundary: a bounded odds ratio could not rise above a threshold set among the
 *       discrete shift-flips levels, which switched it off for one of the bundles measured);
 *   <li>{@code shift-l1}: mean L1 distance between the frame's softmax and each shifted copy's;
 *   <li>{@code shift-flips}: share of shifted copies whose class differs from the frame's.
 * </ul>
 * Score: the largest signal in units of its calibrated scale.
 */
public final class StabilityDetector implements Detector {

  public static final String NAME = "stability";
  public static final String REASON = "PERTURBATION";
  public static final List<String> SIGNALS = List.of("boundary", "shift-l1", "shift-flips");
  /** Log-odds below this count as this (the boundary signal is then 1 / MIN_MARGIN). */
  static final double MIN_MARGIN = 1e-3;
  static final int[][] DIRECTIONS = {{0, 1}, {0, -1}, {1, 0}, {-1, 0}};

  /** The first signal of a calibration made before {@code boundary}: p(runner-up) / p(predicted), kept readable. */
  public static final String LEGACY_ODDS = "runner-up-odds";

  private final SignalScale scale;
  private final boolean legacyOdds;

  public StabilityDetector(SignalScale scale) {
    this(scale, false);
  }

  /**
   * {@code legacyOdds}: the first signal is the bounded runner-up odds an older calibration.json was fitted on
   * (so that such a file keeps working as it was measured; recalibrating gives the boundary signal).
   */
  public StabilityDetector(SignalScale scale, boolean legacyOdds) {
    this.legacyOdds = legacyOdds;
    if (scale.scales().length != SIGNALS.size()) {
      throw new IllegalArgumentException("the stability detector has " + SIGNALS.size() + " signals, got "
          + scale.scales().length + " scales");
    }
    this.scale = scale;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String reason() {
    return REASON;
  }

  /** Pixels a probe moves the frame by: one per 28 pixels of the shorter side, at least one. */
  static int step(FloatImage frame) {
    return Math.max(1, (int) Math.round(Math.min(frame.height(), frame.width()) / 28.0));
  }

  @Override
  public List<FloatImage> probes(FloatImage frame) {
    int s = step(frame);
    List<FloatImage> out = new ArrayList<>(DIRECTIONS.length);
    for (int[] d : DIRECTIONS) {
      out.add(shift(frame, d[0] * s, d[1] * s));
    }
    return out;
  }

  /** The frame moved by (dy, dx) pixels, the edge pixels repeated into the gap. */
  static FloatImage shift(FloatImage f, int dy, int dx) {
    float[] out = new float[f.data().length];
    for (int c = 0; c < f.channels(); c++) {
      for (int y = 0; y < f.height(); y++) {
        int sy = Math.min(f.height() - 1, Math.max(0, y - dy));
        for (int x = 0; x < f.width(); x++) {
          int sx = Math.min(f.width() - 1, Math.max(0, x - dx));
          out[f.index(c, y, x)] = f.get(c, sy, sx);
        }
      }
    }
    return new FloatImage(f.channels(), f.height(), f.width(), out);
  }

  /** The raw signals, in the order of {@link #SIGNALS}. */
  public static double[] signals(BatchOutput out, int frameRow, int firstProbeRow, int probeCount) {
    return signals(out, frameRow, firstProbeRow, probeCount, false);
  }

  static double[] signals(BatchOutput out, int frameRow, int firstProbeRow, int probeCount, boolean legacyOdds) {
    if (probeCount != DIRECTIONS.length) {
      throw new IllegalStateException("expected " + DIRECTIONS.length + " shifted probes, got " + probeCount);
    }
    float[] p = out.probabilities(frameRow);
    int y = out.argmax(frameRow);
    double margin = FeatureSqueezingDetector.logOdds(p, y);
    double odds = legacyOdds ? Math.exp(-margin) : 1 / Math.max(MIN_MARGIN, margin);
    double l1 = 0;
    int flips = 0;
    for (int i = 0; i < probeCount; i++) {
      l1 += FeatureSqueezingDetector.l1(p, out.probabilities(firstProbeRow + i));
      flips += out.argmax(firstProbeRow + i) != y ? 1 : 0;
    }
    return new double[] {odds, l1 / probeCount, (double) flips / probeCount};
  }

  @Override
  public Detection evaluate(FloatImage frame, BatchOutput outputs, int frameRow, int firstProbeRow, int probeCount) {
    double[] s = signals(outputs, frameRow, firstProbeRow, probeCount, legacyOdds);
    String evidence = String.format(Locale.ROOT, (legacyOdds ? LEGACY_ODDS : SIGNALS.get(0)) + "=%.4f;shift-l1=%.4f;shift-flips=%.2f", s[0], s[1], s[2]);
    return new Detection(NAME, REASON, scale.score(s), scale.threshold(), evidence, s);
  }
}
