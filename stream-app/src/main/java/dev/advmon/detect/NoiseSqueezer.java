package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * A copy of the frame with Gaussian noise of standard deviation {@code sigma} (clipped to [0,1]): how the
 * decision reacts to small random noise (Roth et al., ICML 2019; Hu et al., NeurIPS 2019). The noise is seeded
 * by the frame's content, so that a replayed frame gets the same verdict; {@code index} tells the copies of one
 * frame apart.
 */
public final class NoiseSqueezer implements Squeezer {

  private final double sigma;
  private final int index;

  public NoiseSqueezer(double sigma, int index) {
    if (!(sigma > 0 && sigma <= 0.5)) {
      throw new IllegalArgumentException("noise sigma must be in (0, 0.5], got " + sigma);
    }
    if (index < 0) {
      throw new IllegalArgumentException("noise copy index must be at least 0, got " + index);
    }
    this.sigma = sigma;
    this.index = index;
  }

  @Override
  public String spec() {
    String s = String.format(Locale.ROOT, "noise-%s", trim(sigma));
    return index == 0 ? s : s + "#" + index;
  }

  private static String trim(double v) {
    String s = String.format(Locale.ROOT, "%.4f", v);
    return s.replaceAll("0+$", "").replaceAll("\\.$", "");
  }

  @Override
  public FloatImage apply(FloatImage frame) {
    Random r = new Random(31L * Arrays.hashCode(frame.data()) + index);
    float[] in = frame.data();
    float[] out = new float[in.length];
    for (int i = 0; i < in.length; i++) {
      double v = in[i] + sigma * r.nextGaussian();
      out[i] = (float) (v < 0 ? 0 : v > 1 ? 1 : v);
    }
    return new FloatImage(frame.channels(), frame.height(), frame.width(), out);
  }
}
