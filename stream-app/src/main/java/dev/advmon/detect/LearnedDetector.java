package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import java.util.List;
import java.util.Locale;

/**
 * Reads the bundle's detector head: a small network grafted onto the classifier graph
 * (models/recipe/detector_head.py) that looks at the pixels and at the classifier's own features and
 * log-probabilities and scores clean / perturbation / fooling. It costs no probe: the head runs in the same
 * forward pass as the classifier. Score = 1 - p(clean); the reason is whichever attack class the head finds
 * likelier, so an alert still says PERTURBATION or FOOLING.
 *
 * <p>Unlike the other detectors it was trained on attack examples (made from training images by the recipe's
 * own attacks), so it is only as general as those attacks: BENCHMARKS.md reports it with attack families
 * held out of its training as well.
 */
public final class LearnedDetector implements Detector {

  public static final String NAME = "learned";
  static final int CLEAN = 0;
  static final int PERTURBATION = 1;
  static final int FOOLING = 2;

  private final double threshold;

  public LearnedDetector(double threshold) {
    this.threshold = threshold;
  }

  public double threshold() {
    return threshold;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** The usual reason; a single frame's may be {@link FeatureSpaceDetector#REASON} (see {@link #evaluate}). */
  @Override
  public String reason() {
    return FeatureSqueezingDetector.REASON;
  }

  @Override
  public List<FloatImage> probes(FloatImage frame) {
    return List.of();
  }

  /** The raw signal of row {@code row}: 1 - p(clean). */
  public static double signal(BatchOutput out, int row) {
    return 1.0 - out.adversarial(row, CLEAN);
  }

  @Override
  public Detection evaluate(FloatImage frame, BatchOutput outputs, int frameRow, int firstProbeRow, int probeCount) {
    double pert = outputs.adversarial(frameRow, PERTURBATION);
    double fool = outputs.adversarial(frameRow, FOOLING);
    String reason = fool > pert ? FeatureSpaceDetector.REASON : FeatureSqueezingDetector.REASON;
    String evidence = String.format(Locale.ROOT, "p_perturbation=%.4f;p_fooling=%.4f", pert, fool);
    double s = signal(outputs, frameRow);
    return new Detection(NAME, reason, s, threshold, evidence, new double[] {s});
  }
}
