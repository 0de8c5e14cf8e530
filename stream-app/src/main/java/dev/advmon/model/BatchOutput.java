package dev.advmon.model;

import java.util.List;

/**
 * What one batched forward pass returned, flat and row-major: {@code size} rows of {@code numClasses}
 * probabilities and (when the model exports them) {@code featureDim} penultimate features.
 */
public final class BatchOutput {

  private final int size;
  private final int numClasses;
  private final float[] probabilities;
  private final int featureDim;
  private final float[] features;
  private final int adversarialDim;
  private final float[] adversarial;
  private final int[] layerDims;
  private final float[][] layers;

  BatchOutput(int size, int numClasses, float[] probabilities, int featureDim, float[] features) {
    this(size, numClasses, probabilities, featureDim, features, 0, null, new int[0], new float[0][]);
  }

  private BatchOutput(int size, int numClasses, float[] probabilities, int featureDim, float[] features,
      int adversarialDim, float[] adversarial, int[] layerDims, float[][] layers) {
    this.size = size;
    this.numClasses = numClasses;
    this.probabilities = probabilities;
    this.featureDim = featureDim;
    this.features = features;
    this.adversarialDim = adversarialDim;
    this.adversarial = adversarial;
    this.layerDims = layerDims;
    this.layers = layers;
  }

  /**
   * The same outputs plus the statistics of intermediate layers ({@code size} rows of each; manifest
   * outputs.layers, in that order).
   */
  public BatchOutput withLayers(List<float[]> stats) {
    int[] dims = new int[stats.size()];
    float[][] rows = new float[stats.size()][];
    for (int l = 0; l < dims.length; l++) {
      float[] v = stats.get(l);
      if (v.length == 0 || v.length % size != 0) {
        throw new IllegalStateException("model returned " + v.length + " values of layer output " + l + " for a batch of " + size);
      }
      dims[l] = v.length / size;
      requireFinite(v, dims[l], "layer output " + l);
      rows[l] = v;
    }
    return new BatchOutput(size, numClasses, probabilities, featureDim, features, adversarialDim, adversarial, dims, rows);
  }

  /** How many intermediate-layer outputs the model returned (manifest outputs.layers). */
  public int layerCount() {
    return layers.length;
  }

  /** A copy of row {@code row}'s statistics of intermediate layer {@code layer}. */
  public float[] layer(int row, int layer) {
    if (layer < 0 || layer >= layers.length) {
      throw new IllegalStateException("the model exports " + layers.length + " layer outputs (manifest outputs.layers), not " + (layer + 1));
    }
    float[] f = new float[layerDims[layer]];
    System.arraycopy(layers[layer], row * layerDims[layer], f, 0, f.length);
    return f;
  }

  /**
   * The same outputs plus a detector head's logits ({@code size} rows over the head's classes), turned into
   * probabilities here.
   */
  public BatchOutput withAdversarial(float[] headLogits) {
    if (headLogits.length % size != 0) {
      throw new IllegalStateException("model returned " + headLogits.length + " detector-head scores for a batch of " + size);
    }
    int k = headLogits.length / size;
    float[] head = softmaxRows(headLogits, size, k);
    requireFinite(head, k, "detector-head score");
    return new BatchOutput(size, numClasses, probabilities, featureDim, features, k, head, layerDims, layers);
  }

  /** Rows {@code from} to {@code from + count - 1} as an output of their own (a caller's share of a shared call). */
  public BatchOutput rows(int from, int count) {
    if (from < 0 || count < 1 || from + count > size) {
      throw new IndexOutOfBoundsException("rows " + from + ".." + (from + count - 1) + " of a batch of " + size);
    }
    float[][] layerRows = new float[layers.length][];
    for (int l = 0; l < layers.length; l++) {
      layerRows[l] = slice(layers[l], layerDims[l], from, count);
    }
    return new BatchOutput(count, numClasses, slice(probabilities, numClasses, from, count), featureDim,
        features == null ? null : slice(features, featureDim, from, count), adversarialDim,
        adversarial == null ? null : slice(adversarial, adversarialDim, from, count), layerDims, layerRows);
  }

  private static float[] slice(float[] rows, int width, int from, int count) {
    float[] out = new float[width * count];
    System.arraycopy(rows, from * width, out, 0, out.length);
    return out;
  }

  public boolean hasAdversarial() {
    return adversarial != null;
  }

  /**
   * Row {@code row}'s detector-head probability of class {@code k} (ModelManifest.ADVERSARIAL_CLASSES order).
   */
  public float adversarial(int row, int k) {
    if (adversarial == null) {
      throw new IllegalStateException("the model exports no detector head (manifest outputs.adversarial)");
    }
    return adversarial[row * adversarialDim + k];
  }

  /** Builds from raw model outputs, applying softmax where the model returns logits. */
  public static BatchOutput fromModel(int size, float[] scores, boolean alreadyProbabilities, float[] features) {
    if (size <= 0 || scores.length % size != 0) {
      throw new IllegalStateException("model returned " + scores.length + " class scores for a batch of " + size);
    }
    int k = scores.length / size;
    float[] probs = alreadyProbabilities ? scores : softmaxRows(scores, size, k);
    requireFinite(probs, k, "class score");
    int d = 0;
    if (features != null) {
      if (features.length % size != 0) {
        throw new IllegalStateException("model returned " + features.length + " features for a batch of " + size);
      }
      d = features.length / size;
      requireFinite(features, d, "feature");
    }
    return new BatchOutput(size, k, probs, d, features);
  }

  /**
   * Refuses NaN and infinity: every comparison with NaN is false, so a verdict built on one would read "clean"
   * with no detector able to say otherwise. The failure names the row, which FrameScorer turns into the frame or probe
   * it was; the scoring guard then dead-letters that frame (SCORING_FAILED), or stops scoring when the model does this
   * for every frame.
   */
  static void requireFinite(float[] rows, int width, String what) {
    for (int i = 0; i < rows.length; i++) {
      if (!Float.isFinite(rows[i])) {
        throw new NonFiniteOutputException(what, rows[i], i / width, rows.length / width);
      }
    }
  }

  static float[] softmaxRows(float[] logits, int rows, int k) {
    float[] out = new float[logits.length];
    for (int r = 0; r < rows; r++) {
      int o = r * k;
      float max = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < k; i++) {
        max = Math.max(max, logits[o + i]);
      }
      double sum = 0;
      for (int i = 0; i < k; i++) {
        double e = Math.exp(logits[o + i] - max); // shifted by the max so that large logits do not overflow
        out[o + i] = (float) e;
        sum += e;
      }
      for (int i = 0; i < k; i++) {
        out[o + i] = (float) (out[o + i] / sum);
      }
    }
    return out;
  }

  public int size() {
    return size;
  }

  public int numClasses() {
    return numClasses;
  }

  public boolean hasFeatures() {
    return features != null;
  }

  public int featureDim() {
    return featureDim;
  }

  /** Probability of class {@code k} for row {@code row}. */
  public float probability(int row, int k) {
    return probabilities[row * numClasses + k];
  }

  /** A copy of row {@code row}'s probabilities. */
  public float[] probabilities(int row) {
    float[] p = new float[numClasses];
    System.arraycopy(probabilities, row * numClasses, p, 0, numClasses);
    return p;
  }

  /** A copy of row {@code row}'s features. */
  public float[] features(int row) {
    if (features == null) {
      throw new IllegalStateException("the model exports no features output (manifest outputs.features)");
    }
    float[] f = new float[featureDim];
    System.arraycopy(features, row * featureDim, f, 0, featureDim);
    return f;
  }

  /** Index of the most probable class of row {@code row} (the lowest index on ties). */
  public int argmax(int row) {
    int o = row * numClasses;
    int best = 0;
    for (int i = 1; i < numClasses; i++) {
      if (probabilities[o + i] > probabilities[o + best]) {
        best = i;
      }
    }
    return best;
  }

  public float confidence(int row) {
    return probability(row, argmax(row));
  }
}
