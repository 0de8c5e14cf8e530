package dev.advmon.evaluation;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Class labels from an IDX label file (MNIST / Fashion-MNIST format, gzip, magic 0x00000801). */
public final class IdxLabels {

  private IdxLabels() {}

  public static int[] read(Path gz) throws IOException {
    byte[] data;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
      data = in.readAllBytes();
    }
    if (data.length < 8 || data[2] != 0x08 || data[3] != 1) {
      throw new IOException(gz + ": not an IDX label file (magic 0x00000801)");
    }
    int count = ((data[4] & 0xff) << 24) | ((data[5] & 0xff) << 16) | ((data[6] & 0xff) << 8) | (data[7] & 0xff);
    if (count + 8 != data.length) {
      throw new IOException(gz + ": header says " + count + " labels but the file has " + (data.length - 8));
    }
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = data[8 + i] & 0xff;
    }
    return out;
  }

  /**
   * The label file that goes with an image file of the dataset's naming ({@code train-images-idx3-ubyte.gz} ->
   * {@code train-labels-idx1-ubyte.gz}), or null when there is none next to it.
   */
  public static Path besides(Path images) {
    Path labels = lookedFor(images);
    return labels != null && Files.isRegularFile(labels) ? labels : null;
  }

  /**
   * Where {@link #besides} looks for the label file of {@code images}, whether or not it is there (for a message that
   * says what to add), or null for a name without "images-idx3", for which no label file is looked for.
   */
  public static Path lookedFor(Path images) {
    String name = images.getFileName().toString();
    return name.contains("images-idx3") ? images.resolveSibling(name.replace("images-idx3", "labels-idx1")) : null;
  }
}
