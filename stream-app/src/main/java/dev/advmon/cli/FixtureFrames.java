package dev.advmon.cli;

import dev.advmon.evaluation.CsvTable;
import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
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
   * Refuses {@code fixtures} when the first frame of any kind in its manifest.csv is not of the model's width and
   * height. Only headers are read; a frame that cannot be read here is left to the evaluation, which names it.
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
    Set<String> seen = new HashSet<>();
    for (int r = 0; r < table.size(); r++) {
      if (!seen.add(table.get(r, table.column("kind")))) {
        continue;
      }
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

  /** Width and height from the image's header; null where no reader of the JDK knows the file. */
  private static int[] size(Path frame) throws IOException {
    if (!Files.isRegularFile(frame)) {
      return null;
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
