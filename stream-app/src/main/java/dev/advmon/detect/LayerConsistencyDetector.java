package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import java.util.List;
import java.util.Locale;

/**
 * Do the model's earlier layers agree with its decision? A frame the model decides for good reasons, noisy, dark,
 * blurred or shifted as it may be, has intermediate layers whose patterns are typical of the class it ends up in.
 * An attack moves the logits to another class with changes too small, too sparse or too geometric to change which
 * shapes and textures the earlier layers find (a rotated Coat still has a Coat's edges), so there a layer points to
 * another class than the decision (the layer-wise view of Deep k-NN, Papernot and McDaniel 2018, with the
 * class-conditional Gaussians of Lee et al. 2018). Needs no probes and no attack example: the statistics come from
 * the frame's own forward pass (manifest outputs.layers, per-channel mean and standard deviation of each layer,
 * models/recipe/layer_stats.py), the Gaussians from clean and corrupted training frames.
 *
 * <p>Signal per layer: the squared Mahalanobis distance of the layer's statistics to the predicted class's mean
 * minus that to the nearest class's mean (0 when the layer agrees with the decision). Score: the largest signal in
 * units of its calibrated scale.
 */
public final class LayerConsistencyDetector implements Detector {

  public static final String NAME = "consistency";
  public static final String REASON = "PERTURBATION";

  private final List<Mahalanobis> layers;
  private final SignalScale scale;

  public LayerConsistencyDetector(List<Mahalanobis> layers, SignalScale scale) {
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("the consistency detector needs at least one layer model");
    }
    if (scale.scales().length != layers.size()) {
      throw new IllegalArgumentException("the consistency detector has " + layers.size() + " layers, got "
          + scale.scales().length + " scales");
    }
    this.layers = List.copyOf(layers);
    this.scale = scale;
  }

  public List<Mahalanobis> layers() {
    return layers;
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

  /** The raw signals of row {@code row}: per layer, distance to the predicted class minus that to the nearest class. */
  public double[] signals(BatchOutput out, int row) {
    return signals(distances(out, row), out.argmax(row));
  }

  private static double[] signals(double[][] distances, int predicted) {
    double[] s = new double[distances.length];
    for (int l = 0; l < s.length; l++) {
      s[l] = gap(distances[l], predicted);
    }
    return s;
  }

  /** Per layer, the squared Mahalanobis distance of row {@code row}'s statistics to each class mean. */
  private double[][] distances(BatchOutput out, int row) {
    if (out.layerCount() != layers.size()) {
      throw new IllegalStateException("the model returned " + out.layerCount() + " layer outputs, the calibration has "
          + layers.size() + "; run ./monitor calibrate again after changing manifest outputs.layers");
    }
    double[][] d = new double[layers.size()][];
    for (int l = 0; l < d.length; l++) {
      d[l] = layers.get(l).expandedDistances(out.layer(row, l));
    }
    return d;
  }

  /** d[predicted] - min(d): how much closer another class's mean is than the decided one's. */
  static double gap(double[] distances, int predicted) {
    double nearest = Double.POSITIVE_INFINITY;
    for (double d : distances) {
      nearest = Math.min(nearest, d);
    }
    return predicted < distances.length ? distances[predicted] - nearest : 0;
  }

  @Override
  public Detection evaluate(FloatImage frame, BatchOutput outputs, int frameRow, int firstProbeRow, int probeCount) {
    double[][] distances = distances(outputs, frameRow);
    double[] signals = signals(distances, outputs.argmax(frameRow));
    int top = scale.strongest(signals);
    int nearest = nearestClass(distances[top]);
    // signal names follow manifest outputs.layers order: layer-0, layer-1, ...
    String evidence = String.format(Locale.ROOT, "layer-%d=%.2f;layer-class=%d", top, signals[top], nearest);
    return new Detection(NAME, REASON, scale.score(signals), scale.threshold(), evidence, signals);
  }

  private static int nearestClass(double[] d) {
    int best = 0;
    for (int c = 1; c < d.length; c++) {
      if (d[c] < d[best]) {
        best = c;
      }
    }
    return best;
  }
}
