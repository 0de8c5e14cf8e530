package dev.advmon.detect;

import dev.advmon.image.FloatImage;

/**
 * Total-variation denoising (Rudin-Osher-Fatemi, solved by Chambolle's projection, J. Math. Imaging Vis. 2004;
 * used against adversarial frames by Guo et al., ICLR 2018): the image closest to the frame whose total variation
 * is small, weighted by {@code weight}. It flattens dense low-amplitude texture, which small-budget gradient attacks
 * are made of, and keeps edges, which a garment's decision rests on. Each channel alone; {@value #ITERATIONS}
 * iterations at step {@value #TAU} (Chambolle's bound 1/8); the result rounded to 8 bits, what a PNG carries.
 */
public final class TvSqueezer implements Squeezer {

  static final int ITERATIONS = 50;
  static final float TAU = 0.125f;

  private final double weight;
  private final String spec;

  public TvSqueezer(double weight, String spec) {
    if (!(weight > 0 && weight < 1)) {
      throw new IllegalArgumentException("squeezer '" + spec + "': the TV weight must lie in (0, 1), got " + weight);
    }
    this.weight = weight;
    this.spec = spec;
  }

  @Override
  public String spec() {
    return spec;
  }

  @Override
  public FloatImage apply(FloatImage frame) {
    int h = frame.height();
    int w = frame.width();
    int plane = h * w;
    float[] in = frame.data();
    float[] out = new float[in.length];
    float lambda = (float) weight;
    float[] px = new float[plane];
    float[] py = new float[plane];
    float[] div = new float[plane];
    for (int c = 0; c < frame.channels(); c++) {
      int off = c * plane;
      java.util.Arrays.fill(px, 0);
      java.util.Arrays.fill(py, 0);
      for (int it = 0; it < ITERATIONS; it++) {
        divergence(px, py, h, w, div);
        for (int i = 0; i < plane; i++) {
          div[i] -= in[off + i] / lambda; // v = div p - f / lambda, its gradient below
        }
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            int i = y * w + x;
            float gx = x < w - 1 ? div[i + 1] - div[i] : 0;
            float gy = y < h - 1 ? div[i + w] - div[i] : 0;
            float norm = (float) Math.sqrt(gx * gx + gy * gy);
            px[i] = (px[i] + TAU * gx) / (1 + TAU * norm);
            py[i] = (py[i] + TAU * gy) / (1 + TAU * norm);
          }
        }
      }
      divergence(px, py, h, w, div);
      for (int i = 0; i < plane; i++) {
        float u = Math.max(0f, Math.min(1f, in[off + i] - lambda * div[i]));
        out[off + i] = (float) (Math.rint(u * 255) / 255);
      }
    }
    return new FloatImage(frame.channels(), frame.height(), frame.width(), out);
  }

  /** The discrete divergence, the negative adjoint of the forward-difference gradient used above. */
  private static void divergence(float[] px, float[] py, int h, int w, float[] out) {
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        float dx = w == 1 ? 0 : x == 0 ? px[i] : x == w - 1 ? -px[i - 1] : px[i] - px[i - 1];
        float dy = h == 1 ? 0 : y == 0 ? py[i] : y == h - 1 ? -py[i - w] : py[i] - py[i - w];
        out[i] = dx + dy;
      }
    }
  }
}
