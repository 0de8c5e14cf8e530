package dev.advmon.detect;

import dev.advmon.image.FloatImage;

/**
 * Bit-depth reduction to {@code bits} bits: round(x * (2^bits - 1)) / (2^bits - 1), the paper's formula.
 *
 * <p>The cut-offs are fixed, not randomised (He et al. 2017 randomise the 1-bit cut-off against adaptive
 * attacks): a verdict must be the same when Kafka replays a frame (alert ids derive from frame ids), and a
 * per-frame random cut-off would make replays disagree.
 */
public final class BitDepthSqueezer implements Squeezer {

  private final int bits;
  private final float levels;

  public BitDepthSqueezer(int bits) {
    if (bits < 1 || bits > 8) {
      throw new IllegalArgumentException("bit depth must be 1..8, got " + bits);
    }
    this.bits = bits;
    this.levels = (1 << bits) - 1;
  }

  @Override
  public String spec() {
    return "bit-depth-" + bits;
  }

  @Override
  public FloatImage apply(FloatImage frame) {
    float[] in = frame.data();
    float[] out = new float[in.length];
    for (int i = 0; i < in.length; i++) {
      // Math.rint rounds halves to even, as numpy's round does, so the reference code and this agree.
      out[i] = (float) (Math.rint(in[i] * levels) / levels);
    }
    return new FloatImage(frame.channels(), frame.height(), frame.width(), out);
  }
}
