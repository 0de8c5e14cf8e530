package dev.advmon.model;

/**
 * How many threads ONNX Runtime may use for one inference call, set explicitly rather than left to ONNX
 * Runtime's default (one per physical core, spinning while idle), which ignores that the monitor's stream
 * threads, Kafka clients and the batcher share the same cores. Ignored by the TensorRT engine.
 *
 * @param intraOp threads inside one operator (the convolutions); at least 1
 * @param interOp threads running independent operators at once; 1 = sequential execution
 */
public record InferenceThreads(int intraOp, int interOp) {

  public InferenceThreads {
    if (intraOp < 1 || interOp < 1) {
      throw new IllegalArgumentException("ONNX Runtime thread counts must be at least 1 (intra-op " + intraOp
          + ", inter-op " + interOp + ")");
    }
  }

  /** One intra-op thread per available processor, sequential operators: the offline commands' choice. */
  public static InferenceThreads defaults() {
    return new InferenceThreads(Runtime.getRuntime().availableProcessors(), 1);
  }

  /**
   * From the settings: {@code intraOp} 0 = half the available processors (at least 1), leaving the other half to
   * the stream threads, which prepare probes and compute detector statistics while the model runs.
   */
  public static InferenceThreads of(int intraOp, int interOp) {
    return new InferenceThreads(intraOp == 0 ? Math.max(1, Runtime.getRuntime().availableProcessors() / 2) : intraOp,
        interOp);
  }
}
