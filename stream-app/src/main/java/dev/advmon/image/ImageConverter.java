package dev.advmon.image;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * Converts decoded frames to a model's input geometry, and model-geometry images back to pictures for
 * alert evidence. Stateless and thread-safe.
 *
 * <p>Resizing is described in {@link Resampler}: area averaging when shrinking, bilinear when enlarging.
 * Rows are resampled first, straight from the 8-bit samples, so that a large frame never exists as floats
 * at full resolution; channel conversion is linear and is applied to the row-resampled planes.
 */
public final class ImageConverter {

  /** ITU-R BT.601 luma weights, the ones most training pipelines (PIL "L", OpenCV) use for RGB to gray. */
  static final float LUMA_R = 0.299f;
  static final float LUMA_G = 0.587f;
  static final float LUMA_B = 0.114f;

  /**
   * Planar {@code channels x height x width} floats in [0, 1] (sample / 255).
   *
   * @param channels 1 (gray; RGB is reduced with BT.601 luma) or 3 (RGB; gray is replicated)
   */
  public FloatImage toModelInput(DecodedImage image, int channels, int height, int width) {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("model channels must be 1 or 3, got " + channels);
    }
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("model size must be positive, got " + height + "x" + width);
    }
    Resampler.Weights columns = Resampler.weights(image.width(), width);
    Resampler.Weights rows = Resampler.weights(image.height(), height);
    float[][] narrowed = new float[image.channels()][];
    for (int c = 0; c < image.channels(); c++) {
      narrowed[c] = Resampler.horizontal(image.sharedPixels(), image.channels(), c, image.height(), image.width(),
          columns);
    }
    float[] data = new float[channels * height * width];
    int planeSize = height * width;
    if (channels == image.channels()) {
      for (int c = 0; c < channels; c++) {
        System.arraycopy(Resampler.vertical(narrowed[c], width, rows), 0, data, c * planeSize, planeSize);
      }
    } else if (channels == 1) {
      System.arraycopy(Resampler.vertical(luma(narrowed), width, rows), 0, data, 0, planeSize);
    } else {
      float[] gray = Resampler.vertical(narrowed[0], width, rows);
      for (int c = 0; c < 3; c++) {
        System.arraycopy(gray, 0, data, c * planeSize, planeSize);
      }
    }
    return new FloatImage(channels, height, width, data);
  }

  /** A gray (1 channel) or RGB (3 channels) picture; values are clamped to [0, 1] and rounded to 8 bits. */
  public static BufferedImage toBufferedImage(FloatImage image) {
    int channels = image.channels();
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("only 1 or 3 channel images can be pictured, got " + channels);
    }
    int width = image.width();
    int height = image.height();
    BufferedImage picture = new BufferedImage(width, height,
        channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
    WritableRaster raster = picture.getRaster();
    int[] row = new int[width * channels];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        for (int c = 0; c < channels; c++) {
          row[x * channels + c] = to8Bits(image.get(c, y, x));
        }
      }
      raster.setPixels(0, y, width, 1, row);
    }
    return picture;
  }

  /** PNG bytes of {@link #toBufferedImage}: lossless, so evidence shows exactly what was scored. */
  public static byte[] toPng(FloatImage image) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(toBufferedImage(image), "png", out)) {
        throw new IllegalStateException("this JVM has no ImageIO PNG writer");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("writing PNG to memory failed", e);
    }
    return out.toByteArray();
  }

  private static float[] luma(float[][] rgb) {
    float[] gray = new float[rgb[0].length];
    for (int i = 0; i < gray.length; i++) {
      gray[i] = LUMA_R * rgb[0][i] + LUMA_G * rgb[1][i] + LUMA_B * rgb[2][i];
    }
    return gray;
  }

  private static int to8Bits(float value) {
    if (!(value > 0f)) {
      return 0; // also NaN
    }
    return value >= 1f ? 255 : Math.round(value * 255f);
  }
}
