package dev.advmon.detect;

import dev.advmon.image.FloatImage;

/**
 * Smooths the frame's roughest square only (after Local Gradients Smoothing, Naseer et al., WACV 2019, a defence
 * against adversarial patches): the {@code window} x {@code window} square whose pixels stand out most from their
 * 3x3 neighbourhood median (the sum over its pixels and channels of |pixel - median|) is replaced by a {@code k} x
 * {@code k} median of the frame ({@link MedianSqueezer} semantics); every other pixel is kept. A sticker or patch
 * an attacker optimised is a small square of saturated, high-frequency pixels, so it is that square (or, for a
 * larger sticker, its roughest part), and a decision that rests on it changes when it goes; an honest frame's
 * roughest square is a bit of texture, an edge or a patch of sensor noise, and its decision rests on the whole
 * garment, so it survives. The question the issue asks of stickers ("does the decision rest on a small region?")
 * at the cost of one probe, not one per place. Ties between squares go to the first in row-major order, so a
 * replay agrees.
 */
public final class LocalMedianSqueezer implements Squeezer {

  private final int window;
  private final MedianSqueezer roughness = new MedianSqueezer(3);
  private final MedianSqueezer fill;
  private final String spec;

  LocalMedianSqueezer(int window, int k, String spec) {
    if (window < 1) {
      throw new IllegalArgumentException("squeezer '" + spec + "': the window must be at least 1 pixel, got " + window);
    }
    if (k < 2 || k > 7) {
      throw new IllegalArgumentException("squeezer '" + spec + "': the median that fills the square must be 2..7 pixels wide, got " + k);
    }
    this.window = window;
    this.fill = new MedianSqueezer(k);
    this.spec = spec;
  }

  public LocalMedianSqueezer(int window, int k) {
    this(window, k, "local-median-" + window + "x" + window + "-" + k + "x" + k);
  }

  @Override
  public String spec() {
    return spec;
  }

  @Override
  public FloatImage apply(FloatImage frame) {
    int[] corner = roughestSquare(frame);
    float[] out = frame.data().clone();
    // the fill median of the square's pixels only: the rest of the frame is kept as it is
    float[] scratch = new float[fill.size() * fill.size()];
    for (int c = 0; c < frame.channels(); c++) {
      for (int y = corner[0]; y < corner[0] + window; y++) {
        for (int x = corner[1]; x < corner[1] + window; x++) {
          out[frame.index(c, y, x)] = fill.at(frame, c, y, x, scratch);
        }
      }
    }
    return new FloatImage(frame.channels(), frame.height(), frame.width(), out);
  }

  /** Top-left corner {row, column} of the square with the largest summed deviation from the 3x3 median. */
  int[] roughestSquare(FloatImage frame) {
    int h = frame.height();
    int w = frame.width();
    if (window > h || window > w) {
      throw new IllegalArgumentException("squeezer '" + spec + "': a " + window + "x" + window + " window does not fit a "
          + w + "x" + h + " frame; use a smaller window");
    }
    float[] in = frame.data();
    float[] med = roughness.apply(frame).data();
    // integral image of the per-pixel deviation, summed over channels: every square's sum in four lookups
    double[] sum = new double[(h + 1) * (w + 1)];
    for (int y = 0; y < h; y++) {
      double row = 0;
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < frame.channels(); c++) {
          int i = frame.index(c, y, x);
          row += Math.abs(in[i] - med[i]);
        }
        sum[(y + 1) * (w + 1) + x + 1] = sum[y * (w + 1) + x + 1] + row;
      }
    }
    int[] best = {0, 0};
    double bestSum = Double.NEGATIVE_INFINITY;
    for (int y = 0; y + window <= h; y++) {
      for (int x = 0; x + window <= w; x++) {
        double s = sum[(y + window) * (w + 1) + x + window] - sum[y * (w + 1) + x + window]
            - sum[(y + window) * (w + 1) + x] + sum[y * (w + 1) + x];
        if (s > bestSum) {
          bestSum = s;
          best = new int[] {y, x};
        }
      }
    }
    return best;
  }
}
