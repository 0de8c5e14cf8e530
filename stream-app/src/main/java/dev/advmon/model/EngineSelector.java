package dev.advmon.model;

import ai.djl.engine.Engine;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the {@code model.engine} setting into a DJL engine name, checking up front what the engine needs so
 * that a missing GPU or library fails at start-up with one clear message instead of a chain of native errors.
 *
 * <p>Why the system properties: with the TensorRT jar on the classpath DJL makes TensorRT its default engine,
 * and ONNX Runtime's NDManager then looks up that "alternative" engine and fails even when ONNX Runtime was
 * asked for (see shared/notes/stack.md). DJL must also never call home (offline mode).
 */
public final class EngineSelector {

  private static final Logger log = LoggerFactory.getLogger(EngineSelector.class);

  /** TensorRT 8 libraries that DJL's TensorRT engine 0.33.0 links against. */
  static final List<String> TENSORRT_LIBRARIES =
      List.of("libnvinfer.so.8", "libnvonnxparser.so.8", "libnvparsers.so.8", "libnvinfer_plugin.so.8");

  private final NativeEnvironment environment;

  public EngineSelector(NativeEnvironment environment) {
    this.environment = environment;
  }

  /** Sets DJL's process-wide switches; call before any other DJL class is used. */
  public static void configureDjl(String engineName) {
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("ai.djl.default_engine", engineName);
    if (!"TensorRT".equals(engineName)) {
      System.setProperty("ai.djl.onnx.disable_alternative", "true");
    }
  }

  /** What is missing for TensorRT on this machine; empty when it may load. */
  public List<String> missingForTensorRt() {
    List<String> missing = new ArrayList<>();
    if (environment.cudaDevice().isEmpty()) {
      missing.add("no CUDA device (none of /dev/nvidia0, /dev/nvidiactl)");
    }
    List<String> libraries = TENSORRT_LIBRARIES.stream().filter(l -> environment.findLibrary(l).isEmpty()).toList();
    if (!libraries.isEmpty()) {
      missing.add("TensorRT 8 libraries not found: " + String.join(", ", libraries)
          + " (searched LD_LIBRARY_PATH, /usr/lib/x86_64-linux-gnu, /usr/local/cuda/lib64, /usr/local/tensorrt/lib and the ldconfig cache)");
    }
    return missing;
  }

  /** The DJL engine name for {@code choice}, without loading it. */
  public String resolve(EngineChoice choice) {
    return switch (choice) {
      case ONNX_RUNTIME -> "OnnxRuntime";
      case TENSORRT -> {
        List<String> missing = missingForTensorRt();
        if (!missing.isEmpty()) {
          throw tensorRtUnavailable(String.join("; ", missing), null);
        }
        yield "TensorRT";
      }
      case AUTO -> {
        List<String> missing = missingForTensorRt();
        if (missing.isEmpty()) {
          yield "TensorRT";
        }
        log.info("model.engine=auto: using OnnxRuntime (CPU) because TensorRT cannot run here: {}", String.join("; ", missing));
        yield "OnnxRuntime";
      }
    };
  }

  /**
   * Resolves {@code choice}, sets DJL's switches and loads the engine, converting native loading errors
   * into one message. Under AUTO a TensorRT engine that fails to load falls back to ONNX Runtime.
   */
  public String select(EngineChoice choice) {
    String name = resolve(choice);
    configureDjl(name);
    try {
      Engine.getEngine(name);
      return name;
    } catch (Throwable e) { // native loading fails with Errors (UnsatisfiedLinkError, ExceptionInInitializerError)
      if (choice == EngineChoice.AUTO && name.equals("TensorRT")) {
        log.warn("model.engine=auto: TensorRT failed to load ({}); using OnnxRuntime", rootMessage(e));
        configureDjl("OnnxRuntime");
        Engine.getEngine("OnnxRuntime");
        return "OnnxRuntime";
      }
      if (name.equals("TensorRT")) {
        throw tensorRtUnavailable(rootMessage(e), e);
      }
      throw new EngineUnavailableException("model.engine=" + choice.settingValue() + ": the " + name
          + " engine failed to load: " + rootMessage(e), e);
    }
  }

  private static EngineUnavailableException tensorRtUnavailable(String what, Throwable cause) {
    return new EngineUnavailableException("model.engine=TensorRT cannot run on this machine: " + what
        + ". TensorRT needs an NVIDIA GPU with CUDA and the TensorRT 8.x libraries; install them or set"
        + " model.engine=auto (falls back to OnnxRuntime on CPU) or model.engine=OnnxRuntime.", cause);
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
