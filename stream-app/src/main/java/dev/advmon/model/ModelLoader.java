package dev.advmon.model;

/**
 * How an offline command loads every model it needs (the bundle's classifier, the leave-one-family-out head
 * variants, a second bundle): one engine choice and one set of ONNX Runtime thread counts, so that a setting such as
 * {@code model.intra-op-threads} holds for all of them, not only for the first.
 *
 * @param engine the engine the settings ask for
 * @param threads ONNX Runtime's thread counts (ignored by TensorRT)
 */
public record ModelLoader(EngineChoice engine, InferenceThreads threads) {

  /** Loads {@code bundle}; the caller closes it. */
  public DjlClassifier load(ModelBundle bundle) {
    return DjlClassifier.load(bundle, engine, threads);
  }
}
