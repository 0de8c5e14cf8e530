package dev.advmon.detect;

import dev.advmon.image.FloatImage;

/**
 * Switching median filter (the classic impulse-noise remover): a pixel is replaced by the median of its k x k
 * window ({@link MedianSqueezer} semantics) only where it differs from that median by more than {@code t}; every
 * other pixel is kept as it is. A plain median filter also rounds corners and thins strokes, so the model's answer
 * moves on honest frames and the squeezer's threshold must sit high; this one leaves edges, texture and smooth
 * regions alone and removes exactly what sparse attacks add: a few isolated pixels pushed far from their
 * neighbours (JSMA, L0 attacks, small stickers). A frame whose decision rests on such pixels changes its answer
 * when they go; a frame with ordinary impulse noise or a thin scratch is restored and keeps it.
 */
public final class SwitchingMedianSqueezer implements Squeezer {

  private final MedianSqueezer median;
  private final double t;
  private final String spec;

  /**
   * @param spec the spec it was parsed from, kept verbatim so that calibration.json round-trips
   *     ({@code switching-median-3x3-0.5})
   */
  SwitchingMedianSqueezer(int k, double t, String spec) {
    if (!(t > 0 && t < 1)) {
      throw new IllegalArgumentException("squeezer '" + spec + "': the switching threshold must be in (0, 1), got " + t);
    }
    this.median = new MedianSqueezer(k);
    this.t = t;
    this.spec = spec;
  }

  public SwitchingMedianSqueezer(int k, double t) {
    this(k, t, "switching-median-" + k + "x" + k + "-" + t);
  }

  @Override
  public String spec() {
    return spec;
  }

  @Override
  public FloatImage apply(FloatImage frame) {
    float[] in = frame.data();
    float[] med = median.apply(frame).data();
    float[] out = new float[in.length];
    for (int i = 0; i < in.length; i++) {
      out[i] = Math.abs(in[i] - med[i]) > t ? med[i] : in[i];
    }
    return new FloatImage(frame.channels(), frame.height(), frame.width(), out);
  }
}
