package dev.advmon.detect;

import dev.advmon.image.FloatImage;

/**
 * Median filter over a k x k window per channel with SciPy's {@code median_filter(size=k, mode='reflect')}
 * semantics, which the paper's reference code uses: the window spans rows y - k/2 .. y + (k-1) - k/2 (so a
 * 2x2 window has its centre at the lower right), edges reflect with the edge pixel repeated
 * (d c b a | a b c d | d c b a), and for an even window the median is the upper middle value
 * (SciPy's rank k*k/2), not the mean of the two middle values.
 */
public final class MedianSqueezer implements Squeezer {

  private final int k;

  public MedianSqueezer(int k) {
    if (k < 2 || k > 7) {
      throw new IllegalArgumentException("median window must be 2..7, got " + k);
    }
    this.k = k;
  }

  @Override
  public String spec() {
    return "median-" + k + "x" + k;
  }

  @Override
  public FloatImage apply(FloatImage frame) {
    float[] out = new float[frame.data().length];
    float[] window = new float[k * k];
    for (int c = 0; c < frame.channels(); c++) {
      for (int y = 0; y < frame.height(); y++) {
        for (int x = 0; x < frame.width(); x++) {
          out[frame.index(c, y, x)] = at(frame, c, y, x, window);
        }
      }
    }
    return new FloatImage(frame.channels(), frame.height(), frame.width(), out);
  }

  /** The filtered value of one pixel, as {@link #apply} gives it; {@code window} is scratch space of k * k values. */
  float at(FloatImage frame, int c, int y, int x, float[] window) {
    int before = k / 2;
    int n = 0;
    for (int dy = -before; dy < k - before; dy++) {
      int yy = FloatImage.reflect(y + dy, frame.height());
      for (int dx = -before; dx < k - before; dx++) {
        window[n++] = frame.get(c, yy, FloatImage.reflect(x + dx, frame.width()));
      }
    }
    return WindowMedian.of(window, k * k);
  }

  int size() {
    return k;
  }

}
