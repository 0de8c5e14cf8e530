package dev.advmon.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The committed model bundles and evaluation images, found from the repository root. */
public final class TestData {

  private TestData() {}

  public static Path repoRoot() {
    String root = System.getProperty("advmon.repo.root");
    Path p = root != null ? Path.of(root) : Path.of("..");
    return p.toAbsolutePath().normalize();
  }

  public static Path defaultBundle() {
    return repoRoot().resolve("models/fashion-mnist-cnn");
  }

  /**
   * A copy of the 3x16x16 RGB test bundle (tiny-rgb: model.onnx and manifest.json, no calibration) in a new folder
   * {@code name} under {@code dir}: the tests of a model of another shape write beside it or change its manifest.
   */
  public static Path tinyRgbCopy(Path dir, String name) {
    try {
      Path copy = Files.createDirectory(dir.resolve(name));
      Path src = repoRoot().resolve("stream-app/src/test/resources/models/tiny-rgb");
      for (String f : List.of("model.onnx", "manifest.json")) {
        Files.copy(src.resolve(f), copy.resolve(f));
      }
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Path evalImages() {
    return repoRoot().resolve("models/eval/fashion-mnist-test");
  }

  /** One labelled image of the evaluation subset. */
  public record Labelled(Path file, int label) {}

  /** The evaluation subset's images with their true labels, in file order. */
  public static List<Labelled> evalSet() {
    return labelled(evalImages());
  }

  /** The committed 1,000-image sample of the TRAINING split (models/eval/fashion-mnist-train-sample), in file order. */
  public static List<Labelled> trainSample() {
    return labelled(repoRoot().resolve("models/eval/fashion-mnist-train-sample"));
  }

  private static List<Labelled> labelled(Path dir) {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("labels.csv"));
      List<Labelled> out = new ArrayList<>();
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.split(",");
        out.add(new Labelled(dir.resolve(f[0]), Integer.parseInt(f[1])));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("evaluation subset missing under " + dir, e);
    }
  }
}
