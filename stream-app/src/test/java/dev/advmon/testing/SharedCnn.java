package dev.advmon.testing;

import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.ModelBundle;

/**
 * The bundled CNN on ONNX Runtime, loaded once for the test JVM and shared by the topology tests that only need a
 * real model to score with (each loading its own cost a second and repeated the same lifecycle code). Never closed:
 * the JVM's exit frees it. Tests must not close it.
 */
public final class SharedCnn {

  private static DjlClassifier classifier;

  private SharedCnn() {}

  public static synchronized DjlClassifier get() {
    if (classifier == null) {
      try {
        classifier = DjlClassifier.load(ModelBundle.load(TestData.defaultBundle()), EngineChoice.ONNX_RUNTIME);
      } catch (Exception e) {
        throw new IllegalStateException("cannot load " + TestData.defaultBundle() + ": " + e, e);
      }
    }
    return classifier;
  }
}
