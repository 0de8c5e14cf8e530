package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The --config, --model and --engine flags shared by the offline commands, and the configuration they override. */
final class ModelOptions {

  // the monitor's own file, so that an offline command scores with the bundle, engine and image limits it runs with
  @Option(names = "--config", paramLabel = "FILE",
      description = "The monitor's properties file: its model.* and image.* settings are used (default: none; the environment and the flags below override it).")
  Path config;

  @Option(names = "--model", paramLabel = "DIR",
      description = "Model bundle folder (default: setting model.dir, from --config or ADVMON_MODEL_DIR; else the bundled fashion-mnist-cnn).")
  Path model;

  @Option(names = "--engine", paramLabel = "ENGINE",
      description = "auto, OnnxRuntime, OnnxRuntimeCuda, OnnxRuntimeTensorRT or TensorRT (default: setting model.engine).")
  String engine;

  /** Defaults, then the --config file, then the environment, then these flags; validated. */
  MonitorConfig config() {
    Map<String, String> overrides = new HashMap<>();
    if (model != null) {
      overrides.put("model.dir", model.toAbsolutePath().toString());
    }
    if (engine != null) {
      overrides.put("model.engine", engine);
    }
    return MonitorConfig.load(config, System.getenv(), overrides, Main.home()).validated();
  }
}
