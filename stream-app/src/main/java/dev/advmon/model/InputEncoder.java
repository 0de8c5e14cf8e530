package dev.advmon.model;

import dev.advmon.image.FloatImage;
import java.util.List;

/**
 * Writes a batch of images into the model's input tensor: the bundle's scale, mean and std, in its layout.
 * Pure and allocation-light, so that it can be tested without a model and costs little on the hot path.
 */
public final class InputEncoder {

  /** The most elements a Java array may hold on common JVMs (a few below Integer.MAX_VALUE). */
  static final long MAX_VALUES = Integer.MAX_VALUE - 8;

  private final ModelManifest.InputSpec spec;
  private final float[] multiplier;
  private final float[] offset;

  public InputEncoder(ModelManifest.InputSpec spec) {
    this.spec = spec;
    // value = (p01 * 255 * scale - mean) / std = p01 * multiplier + offset, folded once here
    multiplier = new float[spec.channels()];
    offset = new float[spec.channels()];
    for (int c = 0; c < spec.channels(); c++) {
      multiplier[c] = 255f * spec.scale() / spec.std()[c];
      offset[c] = -spec.mean()[c] / spec.std()[c];
    }
  }

  public int imageSize() {
    return spec.channels() * spec.height() * spec.width();
  }

  public long[] shape(int batch) {
    return spec.layout() == ModelManifest.Layout.NCHW
        ? new long[] {batch, spec.channels(), spec.height(), spec.width()}
        : new long[] {batch, spec.height(), spec.width(), spec.channels()};
  }

  /** The batch as one flat tensor buffer. */
  public float[] encode(List<FloatImage> images) {
    long values = (long) images.size() * spec.channels() * spec.height() * spec.width();
    if (values > MAX_VALUES) {
      // int arithmetic wrapped here before, and a large input (4096x4096 at the default model.max-batch) failed with
      // a bare NegativeArraySizeException that named neither the size nor the setting
      long perImage = (long) spec.channels() * spec.height() * spec.width();
      throw new IllegalArgumentException("a model call of " + images.size() + " images of " + spec.channels() + "x"
          + spec.height() + "x" + spec.width() + " values needs " + values + " values, more than one Java array holds ("
          + MAX_VALUES + ")" + (perImage > MAX_VALUES ? ": this model's input is too large to run from Java"
          : ": set model.max-batch to at most " + MAX_VALUES / perImage + " (a frame and its probes always share a "
          + "call: if they alone are more images than that, this model's input is too large for the monitor)"));
    }
    int n = imageSize();
    float[] out = new float[images.size() * n];
    for (int i = 0; i < images.size(); i++) {
      encodeInto(images.get(i), out, i * n);
    }
    return out;
  }

  void encodeInto(FloatImage img, float[] out, int base) {
    if (img.channels() != spec.channels() || img.height() != spec.height() || img.width() != spec.width()) {
      throw new IllegalArgumentException("image is " + img.channels() + "x" + img.height() + "x" + img.width()
          + " but the model takes " + spec.channels() + "x" + spec.height() + "x" + spec.width()
          + "; convert it with ImageConverter first");
    }
    float[] src = img.data();
    int hw = spec.height() * spec.width();
    int channels = spec.channels();
    if (spec.layout() == ModelManifest.Layout.NCHW) {
      for (int c = 0; c < channels; c++) {
        float m = multiplier[c];
        float o = offset[c];
        int s = c * hw;
        int d = base + c * hw;
        for (int i = 0; i < hw; i++) {
          out[d + i] = src[s + i] * m + o;
        }
      }
    } else {
      for (int i = 0; i < hw; i++) {
        for (int c = 0; c < channels; c++) {
          out[base + i * channels + c] = src[c * hw + i] * multiplier[c] + offset[c];
        }
      }
    }
  }
}
