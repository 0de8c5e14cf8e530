package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Fooling-image detector in the model's penultimate feature space; needs no probes. Max-softmax and energy
 * fail on fooling images by construction (they are made to maximise the softmax); where a frame's features
 * lie relative to clean training frames does not. Signals: class-conditional Mahalanobis distance (shared
 * covariance) and/or the nearest-neighbour distance in normalised feature space; score = the largest signal
 * in units of its clean scale.
 */
public final class FeatureSpaceDetector implements Detector {

  public static final String NAME = "fooling";
  public static final String REASON = "FOOLING";

  private final Mahalanobis mahalanobis;
  private final KnnBank knn;
  private final SignalScale scale;

  /** Either model may be null, not both. */
  public FeatureSpaceDetector(Mahalanobis mahalanobis, KnnBank knn, SignalScale scale) {
    if (mahalanobis == null && knn == null) {
      throw new IllegalArgumentException("the fooling detector needs a Mahalanobis model, a KNN bank or both");
    }
    this.mahalanobis = mahalanobis;
    this.knn = knn;
    this.scale = scale;
  }

  public List<String> signalNames() {
    List<String> names = new ArrayList<>();
    if (mahalanobis != null) {
      names.add("mahalanobis");
    }
    if (knn != null) {
      names.add("knn-" + knn.k());
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
    return List.of();
  }

  /** The raw signals of row {@code row}, in the order of {@link #signalNames}. */
  public double[] signals(BatchOutput out, int row) {
    float[] f = out.features(row);
    double[] s = new double[signalNames().size()];
    int i = 0;
    if (mahalanobis != null) {
      s[i++] = mahalanobis.score(f);
    }
    if (knn != null) {
      s[i] = knn.score(f);
    }
    return s;
  }

  @Override
  public Detection evaluate(FloatImage frame, BatchOutput outputs, int frameRow, int firstProbeRow, int probeCount) {
    double[] signals = signals(outputs, frameRow);
    int top = scale.strongest(signals);
    String evidence = String.format(Locale.ROOT, "%s=%.4f", signalNames().get(top), signals[top]);
    return new Detection(NAME, REASON, scale.score(signals), scale.threshold(), evidence, signals);
  }
}
