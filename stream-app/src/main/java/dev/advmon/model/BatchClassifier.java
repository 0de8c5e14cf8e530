package dev.advmon.model;

import dev.advmon.image.FloatImage;
import java.util.List;

/**
 * The inference boundary: one call runs the model once over a whole batch (a frame and all its detector
 * probes, or many frames). Implementations own their native model and are closed with try-with-resources.
 * Thread-safe.
 */
public interface BatchClassifier extends AutoCloseable {

  ModelManifest manifest();

  /** The DJL engine that runs the model (OnnxRuntime, TensorRT). */
  String engineName();

  /** Runs the model once over {@code images}, each already in the model's channels, height and width. */
  BatchOutput classify(List<FloatImage> images);

  @Override
  void close();
}
