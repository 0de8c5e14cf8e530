package dev.advmon.image;

/**
 * A decoded frame: 8-bit samples, interleaved (R, G, B or gray), row-major, 1 or 3 channels.
 *
 * <p>Immutable: the pixel array is copied in and out, so that a frame shared between detectors cannot be
 * changed under one of them.
 */
public final class DecodedImage {

  private final int width;
  private final int height;
  private final int channels;
  private final byte[] pixels;

  public DecodedImage(int width, int height, int channels, byte[] pixels) {
    this(width, height, channels, pixels.clone(), Adopt.ADOPT);
  }

  private enum Adopt { ADOPT }

  // The marker parameter only tells this constructor apart from the public, copying one.
  private DecodedImage(int width, int height, int channels, byte[] pixels, Adopt adopt) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("dimensions must be positive: " + width + "x" + height);
    }
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
    }
    long expected = (long) width * height * channels;
    if (pixels.length != expected) {
      throw new IllegalArgumentException(
          "pixels has " + pixels.length + " bytes, " + width + "x" + height + "x" + channels + " needs " + expected);
    }
    this.width = width;
    this.height = height;
    this.channels = channels;
    this.pixels = pixels;
  }

  /** For arrays this package has just filled and hands over: skips the defensive copy. */
  static DecodedImage adopt(int width, int height, int channels, byte[] pixels) {
    return new DecodedImage(width, height, channels, pixels, Adopt.ADOPT);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public int channels() {
    return channels;
  }

  /** A copy of the interleaved samples. */
  public byte[] pixels() {
    return pixels.clone();
  }

  /** Sample (0..255) of channel {@code c} at column {@code x}, row {@code y}. */
  public int sample(int x, int y, int c) {
    if (x < 0 || x >= width || y < 0 || y >= height || c < 0 || c >= channels) {
      throw new IndexOutOfBoundsException("(" + x + ", " + y + ", " + c + ") outside " + this);
    }
    return pixels[(y * width + x) * channels + c] & 0xFF;
  }

  /** The array itself, for the converter in this package, which only reads it. */
  byte[] sharedPixels() {
    return pixels;
  }

  @Override
  public String toString() {
    return "DecodedImage[" + width + "x" + height + "x" + channels + "]";
  }
}
