package dev.advmon.model;

import java.util.Map;

/**
 * One way to run the classifier: a DJL engine, on the CPU or the first GPU, with the model options that pick an
 * ONNX Runtime execution provider. {@code name} is what verdicts and logs report (the {@code model.engine} value).
 */
public record EngineRoute(String name, String djlEngine, boolean gpu, Map<String, String> modelOptions) {

  public static final EngineRoute ONNX_RUNTIME_CPU = new EngineRoute("OnnxRuntime", "OnnxRuntime", false, Map.of());
  /** DJL's OrtModel adds the CUDA execution provider whenever the model's device is a GPU and no ortDevice is set. */
  public static final EngineRoute ONNX_RUNTIME_CUDA = new EngineRoute("OnnxRuntimeCuda", "OnnxRuntime", true, Map.of());
  /** ortDevice=TensorRT: DJL's OrtModel adds the TensorRT execution provider for the model's GPU. */
  public static final EngineRoute ONNX_RUNTIME_TENSORRT =
      new EngineRoute("OnnxRuntimeTensorRT", "OnnxRuntime", true, Map.of("ortDevice", "TensorRT"));
  public static final EngineRoute TENSORRT = new EngineRoute("TensorRT", "TensorRT", true, Map.of());

  public EngineRoute {
    modelOptions = Map.copyOf(modelOptions);
  }

  /** The route a fixed (non-auto) choice names. */
  public static EngineRoute of(EngineChoice choice) {
    return switch (choice) {
      case ONNX_RUNTIME -> ONNX_RUNTIME_CPU;
      case ONNX_RUNTIME_CUDA -> ONNX_RUNTIME_CUDA;
      case ONNX_RUNTIME_TENSORRT -> ONNX_RUNTIME_TENSORRT;
      case TENSORRT -> TENSORRT;
      case AUTO -> throw new IllegalArgumentException("auto names no single route; use EngineSelector.candidates");
    };
  }
}
