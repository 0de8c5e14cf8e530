package dev.advmon.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Grayscale images from an IDX file (MNIST / Fashion-MNIST format, gzip), as the raw dataset ships them. */
public final class IdxImages {

  private final byte[] pixels;
  private final int count;
  private final int height;
  private final int width;

  private IdxImages(byte[] pixels, int count, int height, int width) {
    this.pixels = pixels;
    this.count = count;
    this.height = height;
    this.width = width;
  }

  public static IdxImages read(Path gz) throws IOException {
    byte[] data;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
      data = in.readAllBytes();
    }
    if (data.length < 16 || data[2] != 0x08 || data[3] != 3) {
      throw new IOException(gz + ": not an IDX file of unsigned-byte images (magic 0x00000803)");
    }
    int count = readInt(data, 4);
    int h = readInt(data, 8);
    int w = readInt(data, 12);
    if ((long) count * h * w + 16 != data.length) {
      throw new IOException(gz + ": header says " + count + " images of " + h + "x" + w + " but the file has " + (data.length - 16) + " pixel bytes");
    }
    return new IdxImages(data, count, h, w);
  }

  private static int readInt(byte[] b, int o) {
    return ((b[o] & 0xff) << 24) | ((b[o + 1] & 0xff) << 16) | ((b[o + 2] & 0xff) << 8) | (b[o + 3] & 0xff);
  }

  public int count() {
    return count;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  /** Image {@code i} as a 1-channel frame with values byte / 255. */
  public FloatImage image(int i) {
    float[] out = new float[height * width];
    int o = 16 + i * height * width;
    for (int j = 0; j < out.length; j++) {
      out[j] = (pixels[o + j] & 0xff) / 255f;
    }
    return new FloatImage(1, height, width, out);
  }

  public List<FloatImage> images(List<Integer> indices) {
    List<FloatImage> out = new ArrayList<>(indices.size());
    indices.forEach(i -> out.add(image(i)));
    return out;
  }
}
