package dev.advmon.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A model bundle on disk: a folder with the ONNX model, its manifest and (once calibrated) calibration.json. */
public record ModelBundle(Path directory, ModelManifest manifest) {

  public static final String MANIFEST = "manifest.json";
  public static final String CALIBRATION = "calibration.json";

  /** Loads and validates the bundle in {@code directory}. */
  public static ModelBundle load(Path directory) throws IOException {
    Path dir = directory.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw new InvalidBundleException(dir + ": model bundle folder not found (set model.dir or --model to a folder with model.onnx and manifest.json)");
    }
    ModelManifest manifest = ModelManifest.read(dir.resolve(MANIFEST));
    Path model = dir.resolve(manifest.modelFile());
    if (!Files.isRegularFile(model)) {
      throw new InvalidBundleException(dir.resolve(MANIFEST) + ": field 'model_file' names " + manifest.modelFile() + ", which is not in " + dir);
    }
    return new ModelBundle(dir, manifest);
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
