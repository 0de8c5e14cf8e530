package dev.advmon.image;

/**
 * Size limits that {@link ImageDecoder} enforces before any pixel is decoded.
 *
 * <p>They exist because a frame is untrusted input: a few hundred bytes of PNG can declare billions of
 * pixels, and decoding that would take the stream thread (or the JVM) down with it.
 *
 * @param maxEncodedBytes largest accepted encoded frame ({@value #MAX_ENCODED_BYTES_SETTING})
 * @param maxPixels largest accepted width x height ({@value #MAX_PIXELS_SETTING})
 * @param maxDimension largest accepted width or height ({@value #MAX_DIMENSION_SETTING})
 */
public record ImageLimits(long maxEncodedBytes, long maxPixels, int maxDimension) {

  public static final String MAX_ENCODED_BYTES_SETTING = "image.max-encoded-bytes";
  public static final String MAX_PIXELS_SETTING = "image.max-pixels";
  public static final String MAX_DIMENSION_SETTING = "image.max-dimension";

  public static final long DEFAULT_MAX_ENCODED_BYTES = 8L * 1024 * 1024;
  /** 4096 x 4096: a full-resolution camera still fits, a decompression bomb does not. */
  public static final long DEFAULT_MAX_PIXELS = 4096L * 4096;
  public static final int DEFAULT_MAX_DIMENSION = 16_384;

  /** Decoded RGB bytes (and the model's float planes) live in one Java array, indexed by int. */
  public static final long PIXELS_ADDRESSABLE = Integer.MAX_VALUE / 3;

  public ImageLimits {
    if (maxEncodedBytes <= 0) {
      throw new IllegalArgumentException(MAX_ENCODED_BYTES_SETTING + " must be positive, got " + maxEncodedBytes);
    }
    if (maxEncodedBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(MAX_ENCODED_BYTES_SETTING + " = " + maxEncodedBytes
          + " is above " + Integer.MAX_VALUE + ", the largest byte array a JVM can hold");
    }
    if (maxPixels <= 0) {
      throw new IllegalArgumentException(MAX_PIXELS_SETTING + " must be positive, got " + maxPixels);
    }
    if (maxPixels > PIXELS_ADDRESSABLE) {
      throw new IllegalArgumentException(MAX_PIXELS_SETTING + " = " + maxPixels + " is above " + PIXELS_ADDRESSABLE
          + ", the most pixels whose RGB bytes fit in one array");
    }
    if (maxDimension <= 0) {
      throw new IllegalArgumentException(MAX_DIMENSION_SETTING + " must be positive, got " + maxDimension);
    }
  }

  public static ImageLimits defaults() {
    return new ImageLimits(DEFAULT_MAX_ENCODED_BYTES, DEFAULT_MAX_PIXELS, DEFAULT_MAX_DIMENSION);
  }
}
