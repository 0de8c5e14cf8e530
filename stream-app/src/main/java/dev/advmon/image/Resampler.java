package dev.advmon.image;

/**
 * Separable 1-D resampling weights and the two passes that apply them.
 *
 * <p>Shrinking uses area averaging: each output pixel is the mean of the source pixels it covers, weighted
 * by overlap. Point or bilinear sampling when shrinking skips source pixels and aliases fine texture into
 * spurious patterns, which detectors would see as a perturbation the camera never produced. Enlarging
 * uses bilinear interpolation with pixel centres aligned (as PIL and OpenCV do), which creates no detail.
 * Equal sizes copy. Every weight row sums to one, so flat images stay flat.
 */
final class Resampler {

  /** Per output index: first source index, number of taps, and the weights (stride {@code taps}). */
  record Weights(int[] first, int[] count, float[] weights, int taps) {}

  private Resampler() {}

  static Weights weights(int source, int target) {
    if (target == source) {
      return copy(source);
    }
    return target < source ? area(source, target) : bilinear(source, target);
  }

  /**
   * Resamples each row of one channel of interleaved 8-bit samples ({@code rows x source x channels}) to a
   * {@code rows x weights.length} plane of values in [0, 1].
   */
  static float[] horizontal(byte[] pixels, int channels, int channel, int rows, int source, Weights w) {
    int target = w.first().length;
    float[] out = new float[rows * target];
    for (int y = 0; y < rows; y++) {
      int in = y * source;
      for (int x = 0; x < target; x++) {
        float sum = 0f;
        int base = x * w.taps();
        for (int k = 0; k < w.count()[x]; k++) {
          sum += w.weights()[base + k] * ((pixels[(in + w.first()[x] + k) * channels + channel] & 0xFF) / 255f);
        }
        out[y * target + x] = sum;
      }
    }
    return out;
  }

  /** Resamples each column of a {@code source x columns} plane to {@code weights.length x columns}. */
  static float[] vertical(float[] plane, int columns, Weights w) {
    int target = w.first().length;
    float[] out = new float[target * columns];
    for (int y = 0; y < target; y++) {
      int base = y * w.taps();
      int o = y * columns;
      for (int k = 0; k < w.count()[y]; k++) {
        float weight = w.weights()[base + k];
        int in = (w.first()[y] + k) * columns;
        for (int x = 0; x < columns; x++) {
          out[o + x] += weight * plane[in + x];
        }
      }
    }
    return out;
  }

  private static Weights copy(int size) {
    int[] first = new int[size];
    int[] count = new int[size];
    float[] weights = new float[size];
    for (int i = 0; i < size; i++) {
      first[i] = i;
      count[i] = 1;
      weights[i] = 1f;
    }
    return new Weights(first, count, weights, 1);
  }

  private static Weights area(int source, int target) {
    double scale = (double) source / target;
    int taps = (int) Math.ceil(scale) + 1;
    int[] first = new int[target];
    int[] count = new int[target];
    float[] weights = new float[target * taps];
    for (int i = 0; i < target; i++) {
      double lo = i * scale;
      double hi = Math.min(source, (i + 1) * scale);
      int from = (int) Math.floor(lo);
      int to = Math.min(source, (int) Math.ceil(hi)); // exclusive
      first[i] = from;
      count[i] = to - from;
      for (int j = from; j < to; j++) {
        double overlap = Math.min(hi, j + 1) - Math.max(lo, j);
        weights[i * taps + j - from] = (float) (overlap / scale);
      }
    }
    return new Weights(first, count, weights, taps);
  }

  private static Weights bilinear(int source, int target) {
    double scale = (double) source / target;
    int[] first = new int[target];
    int[] count = new int[target];
    float[] weights = new float[target * 2];
    for (int i = 0; i < target; i++) {
      double position = Math.max(0, Math.min(source - 1, (i + 0.5) * scale - 0.5));
      int left = (int) Math.floor(position);
      double fraction = position - left;
      first[i] = left;
      if (left + 1 < source && fraction > 0) {
        count[i] = 2;
        weights[i * 2] = (float) (1 - fraction);
        weights[i * 2 + 1] = (float) fraction;
      } else {
        count[i] = 1;
        weights[i * 2] = 1f;
      }
    }
    return new Weights(first, count, weights, 2);
  }
}
