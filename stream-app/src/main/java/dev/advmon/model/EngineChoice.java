package dev.advmon.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The {@code model.engine} setting: which inference route runs the classifier. Every route goes through DJL;
 * the ONNX Runtime GPU routes are DJL's OnnxRuntime engine on a GPU device, with the execution provider
 * chosen by the model option {@code ortDevice}.
 */
public enum EngineChoice {
  /**
   * The best route this machine can run: ONNX Runtime's CUDA execution provider where a CUDA device, the CUDA 12 /
   * cuDNN 9 libraries and the onnxruntime_gpu build are present; else DJL's TensorRT engine where TensorRT 8 is;
   * else ONNX Runtime on the CPU.
   */
  AUTO("auto"),
  /** DJL's TensorRT engine (TensorRT 8.4, CUDA 11: pre-Hopper GPUs). */
  TENSORRT("TensorRT"),
  /** DJL's ONNX Runtime engine on the CPU. */
  ONNX_RUNTIME("OnnxRuntime"),
  /** DJL's ONNX Runtime engine with ONNX Runtime's CUDA execution provider (onnxruntime_gpu, CUDA 12, cuDNN 9). */
  ONNX_RUNTIME_CUDA("OnnxRuntimeCuda"),
  /** DJL's ONNX Runtime engine with ONNX Runtime's TensorRT execution provider (onnxruntime_gpu, TensorRT 10). */
  ONNX_RUNTIME_TENSORRT("OnnxRuntimeTensorRT");

  private final String settingValue;

  EngineChoice(String settingValue) {
    this.settingValue = settingValue;
  }

  /** The value of the setting that names this choice. */
  public String settingValue() {
    return settingValue;
  }

  /** Every accepted value, for messages: "auto, TensorRT, OnnxRuntime, ...". */
  public static String accepted() {
    return Arrays.stream(values()).map(EngineChoice::settingValue).collect(Collectors.joining(", "));
  }

  public static EngineChoice parse(String value) {
    for (EngineChoice c : values()) {
      if (c.settingValue.toLowerCase(Locale.ROOT).equals(value.trim().toLowerCase(Locale.ROOT))) {
        return c;
      }
    }
    throw new IllegalArgumentException("must be one of " + accepted() + "; was '" + value + "'");
  }
}
