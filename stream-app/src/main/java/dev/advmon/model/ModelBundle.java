package dev.advmon.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A model bundle on disk: a folder with the ONNX model, its manifest and (once calibrated) calibration.json. */
public record ModelBundle(Path directory, ModelManifest manifest) {

  public static final String MANIFEST = "manifest.json";
  public static final String CALIBRATION = "calibration.json";

  /** Loads and validates the bundle in {@code directory}. */
  public static ModelBundle load(Path directory) throws IOException {
    Path dir = directory.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw new InvalidBundleException(dir + (Files.exists(dir) ? " is a file, not a model bundle folder" : ": model "
          + "bundle folder not found") + " (set model.dir or --model to a folder with model.onnx and manifest.json)");
    }
    ModelManifest manifest = ModelManifest.read(dir.resolve(MANIFEST));
    requireFile(dir, "model_file", manifest.modelFile(), "the ONNX file",
        "set it to the name of your ONNX file in " + dir + " (default model.onnx)");
    if (manifest.calibrationHoldout() != null) {
      // optional for a bundle of one's own, but with a detector head it is the images the head did not train on:
      // calibrate would otherwise set the learned detector's threshold on images it has seen, too low for new frames
      requireFile(dir, "calibration_holdout", manifest.calibrationHoldout(), "the file of training-image indices",
          manifest.outputs().adversarial() != null
              ? "put it there (" + ModelDocs.recipe("detector_head.py") + " writes it with the head it belongs to; "
                  + "without it calibrate would set the learned detector's threshold on images the head trained on)"
              : "put it there, or remove the field (it is optional: calibrate then splits its images itself)");
    }
    return new ModelBundle(dir, manifest);
  }

  /** A manifest field that names a file in the bundle: a folder of that name is said to be one, not missing. */
  private static void requireFile(Path dir, String field, String name, String what, String whatToDo) {
    Path file = dir.resolve(name);
    if (Files.isDirectory(file)) {
      throw new InvalidBundleException(dir.resolve(MANIFEST) + ": field '" + field + "' names " + name
          + ", which is a folder; name " + what + " inside " + dir);
    }
    if (!Files.isRegularFile(file)) {
      throw new InvalidBundleException(dir.resolve(MANIFEST) + ": field '" + field + "' names " + name
          + ", which is not in " + dir + ": " + whatToDo);
    }
  }

  /**
   * The training-split indices that neither the classifier nor its detector head trained on (manifest
   * {@code calibration_holdout}: one index per line), or an empty list when the bundle names none.
   */
  public List<Integer> calibrationHoldout() throws IOException {
    if (manifest.calibrationHoldout() == null) {
      return List.of();
    }
    Path file = directory.resolve(manifest.calibrationHoldout());
    List<Integer> out = new ArrayList<>();
    int line = 0;
    for (String s : Files.readAllLines(file)) {
      line++;
      if (s.isBlank()) {
        continue;
      }
      try {
        out.add(Integer.parseInt(s.trim()));
      } catch (NumberFormatException e) {
        throw new InvalidBundleException(file + ":" + line + ": not a training-image index: '" + s.trim() + "'");
      }
    }
    return out;
  }

  public Path modelFile() {
    return directory.resolve(manifest.modelFile());
  }

  public Path calibrationFile() {
    return directory.resolve(CALIBRATION);
  }

  /** name:version, as verdicts report it. */
  public String id() {
    return manifest.name() + ":" + manifest.version();
  }
}
