package dev.advmon.cli;

import dev.advmon.evaluation.CsvTable;
import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Attack fixtures must be frames of the model's own size. The scoring path resizes any frame to the model's input,
 * which serves a camera of another resolution, but an attack resized is no longer the attack: the committed
 * Fashion-MNIST fixtures (28x28 grey) given with a 3x16x16 colour model came out as "100.0% detected, ROC-AUC 1.0000,
 * met" for every kind, a rate of frames that were not attacks on that model.
 */
final class FixtureFrames {

  private FixtureFrames() {}

  /**
   * Refuses {@code fixtures} when a frame of its manifest.csv is not of the model's width and height, naming the
   * first. Every frame: checking the first of each kind let a folder of mixed sizes through, and its later frames
   * were resized and measured as attacks. Only headers are read (a few hundred bytes a frame); a frame that cannot be
   * read here is left to the evaluation, which names it.
   */
  static void requireModelSize(ModelBundle bundle, Path fixtures) throws IOException {
    Path manifest = fixtures.resolve("manifest.csv");
    if (!Files.isRegularFile(manifest)) {
      return; // the evaluation's own error names the missing manifest
    }
    CsvTable table = CsvTable.read(manifest);
    if (!table.has("file") || !table.has("kind")) {
      return;
    }
    ModelManifest.InputSpec in = bundle.manifest().input();
    for (int r = 0; r < table.size(); r++) {
      Path frame = fixtures.resolve(table.get(r, table.column("file")));
      int[] size = size(frame);
      if (size != null && (size[0] != in.width() || size[1] != in.height())) {
        throw new IllegalArgumentException(frame + " (kind " + table.get(r, table.column("kind")) + " of FIXTURES "
            + fixtures + ") is " + size[0] + "x" + size[1] + ", but " + bundle.directory().resolve(ModelBundle.MANIFEST)
            + " takes " + in.width() + "x" + in.height() + " frames (width x height): an attack resized to the model's"
            + " input is no longer the attack, so its detection rate would say nothing about this model; give FIXTURES"
            + " made on this model's own frames, or none");
      }
    }
  }

  /**
   * A PNG's width and height from its signature and IHDR chunk, which the format puts first (33 bytes), read and
   * checked as the monitor's decoder reads them ({@link dev.advmon.image.ImageDecoder#pngSize}); null for any other
   * file or a damaged header. Every fixture frame is checked, thousands of them, and ImageIO's reader took about half
   * a millisecond a frame.
   */
  private static int[] pngSize(Path frame) throws IOException {
    byte[] head;
    try (java.io.InputStream in = Files.newInputStream(frame)) {
      head = in.readNBytes(dev.advmon.image.ImageDecoder.PNG_HEADER_BYTES);
    }
    return dev.advmon.image.ImageDecoder.pngSize(head);
  }

  /** Width and height from the image's header; null where no reader of the JDK knows the file. */
  private static int[] size(Path frame) throws IOException {
    if (!Files.isRegularFile(frame)) {
      return null;
    }
    int[] png = pngSize(frame);
    if (png != null) {
      return png;
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(frame.toFile())) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        return null;
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        return new int[] {reader.getWidth(0), reader.getHeight(0)};
      } catch (IOException e) {
        return null; // a damaged header: the evaluation's read names the file
      } finally {
        reader.dispose();
      }
    }
  }
}
