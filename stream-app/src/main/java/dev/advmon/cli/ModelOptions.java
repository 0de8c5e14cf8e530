package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The --model and --engine flags shared by the offline commands, and the configuration they override. */
final class ModelOptions {

  @Option(names = "--model", paramLabel = "DIR",
      description = "Model bundle folder (default: setting model.dir, the bundled fashion-mnist-cnn).")
  Path model;

  @Option(names = "--engine", paramLabel = "ENGINE",
      description = "auto, OnnxRuntime, OnnxRuntimeCuda, OnnxRuntimeTensorRT or TensorRT (default: setting model.engine).")
  String engine;

  /** Defaults, then the environment, then these flags; validated. */
  MonitorConfig config() {
    Map<String, String> overrides = new HashMap<>();
    if (model != null) {
      overrides.put("model.dir", model.toAbsolutePath().toString());
    }
    if (engine != null) {
      overrides.put("model.engine", engine);
    }
    return MonitorConfig.fromEnvironment(overrides, Main.home()).validated();
  }
}
