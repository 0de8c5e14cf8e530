package dev.advmon.model;

import java.util.Locale;

/** The {@code model.engine} setting: which DJL engine runs the classifier. */
public enum EngineChoice {
  /** TensorRT where a CUDA device and the TensorRT 8 libraries are present, else ONNX Runtime. */
  AUTO("auto"),
  /** DJL's TensorRT engine (GPU). Refused at start-up, with what is missing, where it cannot load. */
  TENSORRT("TensorRT"),
  /** DJL's ONNX Runtime engine (CPU). */
  ONNX_RUNTIME("OnnxRuntime");

  private final String settingValue;

  EngineChoice(String settingValue) {
    this.settingValue = settingValue;
  }

  /** The DJL engine name (for AUTO, the setting value). */
  public String settingValue() {
    return settingValue;
  }

  public static EngineChoice parse(String value) {
    for (EngineChoice c : values()) {
      if (c.settingValue.toLowerCase(Locale.ROOT).equals(value.trim().toLowerCase(Locale.ROOT))) {
        return c;
      }
    }
    throw new IllegalArgumentException("must be one of auto, TensorRT, OnnxRuntime; was '" + value + "'");
  }
}
