package dev.advmon.image;

import java.util.Objects;

/**
 * An image in the model's geometry, planar (channel, row, column), values in [0, 1] (8-bit value / 255).
 *
 * <p>Detectors work in this pixel domain (bit-depth squeezing, masking); the model boundary applies the
 * bundle's scale, mean and std and the tensor layout. The array is owned by this object: callers that
 * change pixels work on {@link #copy()}.
 */
public record FloatImage(int channels, int height, int width, float[] data) {

  public FloatImage {
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException("image dimensions must be positive: " + channels + "x" + height + "x" + width);
    }
    Objects.requireNonNull(data, "data");
    if (data.length != channels * height * width) {
      throw new IllegalArgumentException("data has " + data.length + " values, expected " + channels * height * width);
    }
  }

  /**
   * A coordinate outside {@code [0, n)} reflected back inside the way SciPy's {@code mode='reflect'} does (the edge
   * pixel repeats: -1 -> 0, -2 -> 1, n -> n-1), for filters that read past an edge.
   */
  public static int reflect(int i, int n) {
    if (n == 1) {
      return 0;
    }
    int period = 2 * n;
    int m = Math.floorMod(i, period);
    return m < n ? m : period - 1 - m;
  }

  /** Index of (c, y, x) in {@link #data()}. */
  public int index(int c, int y, int x) {
    return (c * height + y) * width + x;
  }

  public float get(int c, int y, int x) {
    return data[index(c, y, x)];
  }

  public int pixels() {
    return height * width;
  }

  public FloatImage copy() {
    return new FloatImage(channels, height, width, data.clone());
  }
}
