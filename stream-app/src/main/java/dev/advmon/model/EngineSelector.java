package dev.advmon.model;

import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the {@code model.engine} setting into the routes to try, checking up front what each GPU route needs, so
 * that a missing GPU, driver, library or jar fails at start-up with one message naming every missing piece instead
 * of a chain of native errors.
 *
 * <p>The routes: ONNX Runtime's CUDA or TensorRT execution provider (DJL's OnnxRuntime engine on a GPU device, with
 * the GPU build com.microsoft.onnxruntime:onnxruntime_gpu 1.21.0: CUDA 12.x + cuDNN 9.x, built for compute
 * capability 7.0 to 9.0, so Hopper included); DJL's TensorRT engine 0.33.0 (TensorRT 8.4 with CUDA 11.x, so
 * pre-Hopper GPUs only); ONNX Runtime on the CPU. The library lists below are what the natives link against
 * ({@code readelf -d} of the 1.21.0 provider libraries and of DJL's TensorRT JNI library's documented needs).
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
  /** The NVIDIA driver's user-space library; the CUDA runtime loads it. Mounted by the NVIDIA container toolkit. */
  static final String CUDA_DRIVER = "libcuda.so.1";
  /** NEEDED by libonnxruntime_providers_cuda.so of onnxruntime_gpu 1.21.0: CUDA 12.x and cuDNN 9.x. */
  static final List<String> ORT_CUDA_LIBRARIES = List.of("libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12",
      "libcurand.so.10", "libcufft.so.11", "libnvrtc.so.12", "libcudnn.so.9");
  /** NEEDED by libonnxruntime_providers_tensorrt.so of onnxruntime_gpu 1.21.0 (TensorRT 10.x; 10.8 per ORT's table). */
  static final List<String> ORT_TENSORRT_LIBRARIES = List.of("libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12",
      "libcudnn.so.9", "libnvinfer.so.10", "libnvinfer_plugin.so.10", "libnvonnxparser.so.10");
  static final String ORT_CUDA_PROVIDER = "libonnxruntime_providers_cuda.so";
  static final String ORT_TENSORRT_PROVIDER = "libonnxruntime_providers_tensorrt.so";
  static final String ORT_GPU_ARTIFACT = "com.microsoft.onnxruntime:onnxruntime_gpu:1.21.0";
  /** A class of DJL's TensorRT engine jar (ai.djl.tensorrt:tensorrt); the CPU image leaves that jar out. */
  static final String DJL_TENSORRT_CLASS = "ai.djl.tensorrt.engine.TrtEngineProvider";

  private final NativeEnvironment environment;

  public EngineSelector(NativeEnvironment environment) {
    this.environment = environment;
  }

  /** What is missing on this machine for {@code route}; empty when it may load. The CPU route needs nothing. */
  public List<String> missingFor(EngineRoute route) {
    List<String> missing = new ArrayList<>();
    if (!route.gpu()) {
      return missing;
    }
    if (environment.cudaDevice().isEmpty()) {
      missing.add("no CUDA device (none of /dev/nvidia0, /dev/nvidiactl)");
    }
    if (route.djlEngine().equals("TensorRT")) {
      if (!environment.hasClass(DJL_TENSORRT_CLASS)) {
        missing.add("DJL's TensorRT engine (ai.djl.tensorrt:tensorrt) is not on the classpath (the CPU image leaves it out)");
      }
      addMissingLibraries(missing, "TensorRT 8 libraries", TENSORRT_LIBRARIES);
      return missing;
    }
    if (environment.findLibrary(CUDA_DRIVER).isEmpty()) {
      missing.add("NVIDIA driver library " + CUDA_DRIVER + " not found (on Kubernetes the NVIDIA container toolkit"
          + " mounts it into pods that request nvidia.com/gpu)");
    }
    boolean tensorRtProvider = route.modelOptions().containsKey("ortDevice");
    addMissingLibraries(missing, tensorRtProvider ? "CUDA 12 / cuDNN 9 / TensorRT 10 libraries" : "CUDA 12 / cuDNN 9 libraries",
        tensorRtProvider ? ORT_TENSORRT_LIBRARIES : ORT_CUDA_LIBRARIES);
    String provider = tensorRtProvider ? ORT_TENSORRT_PROVIDER : ORT_CUDA_PROVIDER;
    if (environment.onnxRuntimeNative(provider).isEmpty()) {
      missing.add("ONNX Runtime on the classpath is the CPU build (" + provider + " is not in it); the GPU build is "
          + ORT_GPU_ARTIFACT + ", in the GPU image");
    }
    return missing;
  }

  private void addMissingLibraries(List<String> missing, String what, List<String> libraries) {
    List<String> absent = libraries.stream().filter(l -> environment.findLibrary(l).isEmpty()).toList();
    if (!absent.isEmpty()) {
      missing.add(what + " not found: " + String.join(", ", absent)
          + " (searched LD_LIBRARY_PATH, /usr/lib/x86_64-linux-gnu, /usr/local/cuda/lib64, /usr/local/nvidia/lib64,"
          + " /usr/local/tensorrt/lib and the ldconfig cache)");
    }
  }

  /** TensorRT's missing pieces (kept for callers that only ask about DJL's TensorRT engine). */
  public List<String> missingForTensorRt() {
    return missingFor(EngineRoute.TENSORRT);
  }

  /**
   * The routes to try for {@code choice}, best first. A fixed choice gives its one route, or is refused naming
   * every missing piece; {@code auto} gives the GPU routes that may run here (ONNX Runtime CUDA, then DJL's
   * TensorRT) followed by the CPU, which always comes last so that a GPU route that fails to load falls back.
   */
  public List<EngineRoute> candidates(EngineChoice choice) {
    if (choice != EngineChoice.AUTO) {
      EngineRoute route = EngineRoute.of(choice);
      List<String> missing = missingFor(route);
      if (!missing.isEmpty()) {
        throw unavailable(choice, String.join("; ", missing), null);
      }
      return List.of(route);
    }
    List<EngineRoute> routes = new ArrayList<>();
    List<String> why = new ArrayList<>();
    for (EngineRoute gpu : List.of(EngineRoute.ONNX_RUNTIME_CUDA, EngineRoute.TENSORRT)) {
      List<String> missing = missingFor(gpu);
      if (missing.isEmpty()) {
        routes.add(gpu);
      } else {
        why.add(gpu.name() + ": " + String.join("; ", missing));
      }
    }
    routes.add(EngineRoute.ONNX_RUNTIME_CPU);
    if (routes.size() == 1) {
      if (environment.cudaDevice().isPresent()) {
        // a GPU is there but cannot be used: worth a warning, the operator probably expected it to be
        log.warn("model.engine=auto: a CUDA device is present but no GPU route can run, using OnnxRuntime (CPU): {}",
            String.join(" | ", why));
      } else {
        log.info("model.engine=auto: no CUDA device, using OnnxRuntime (CPU)");
      }
    }
    return List.copyOf(routes);
  }

  /**
   * Sets DJL's process-wide switches for {@code route}, and for ONNX Runtime where its natives are loaded from; call
   * before any other DJL class is used.
   */
  public static void configureDjl(EngineRoute route) {
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("ai.djl.default_engine", route.djlEngine());
    if (!"TensorRT".equals(route.djlEngine())) {
      System.setProperty("ai.djl.onnx.disable_alternative", "true");
      OrtNatives.prepare(); // from the cache, not a new temp folder per start: before ONNX Runtime initialises
    }
  }

  /**
   * Sets DJL's switches and loads the route's DJL engine, converting native loading errors into one message; for
   * the ONNX Runtime GPU routes also checks that ONNX Runtime can create its CUDA execution provider here (this
   * loads the provider library and its CUDA libraries).
   */
  public static void activate(EngineRoute route, EngineChoice choice) {
    configureDjl(route);
    Engine engine;
    try {
      engine = Engine.getEngine(route.djlEngine());
    } catch (Throwable e) { // native loading fails with Errors (UnsatisfiedLinkError, ExceptionInInitializerError)
      throw unavailable(choice, route, "the " + route.djlEngine() + " engine failed to load: " + rootMessage(e), e);
    }
    if (!"TensorRT".equals(route.djlEngine())) {
      OrtNatives.removeEmptyTempFolder(); // ONNX Runtime is initialised now, and made its temp folder all the same
    }
    if (route.equals(EngineRoute.ONNX_RUNTIME_CUDA) && !engine.hasCapability(StandardCapabilities.CUDA)) {
      throw unavailable(choice, route, "ONNX Runtime could not create its CUDA execution provider (the driver, CUDA 12"
          + " or cuDNN 9 libraries failed to load, or the GPU is not supported: see DJL's warning above)", null);
    }
  }

  static EngineUnavailableException unavailable(EngineChoice choice, EngineRoute route, String what, Throwable cause) {
    String setting = choice == EngineChoice.AUTO ? "model.engine=auto (trying " + route.name() + ")" : "model.engine=" + route.name();
    return new EngineUnavailableException(setting + ": " + what + ". " + needs(route) + ". Or set model.engine=auto"
        + " (falls back to OnnxRuntime on CPU) or model.engine=OnnxRuntime.", cause);
  }

  private static EngineUnavailableException unavailable(EngineChoice choice, String what, Throwable cause) {
    EngineRoute route = EngineRoute.of(choice);
    return new EngineUnavailableException("model.engine=" + route.name() + " cannot run on this machine: " + what + ". "
        + needs(route) + ". Or set model.engine=auto (falls back to OnnxRuntime on CPU) or model.engine=OnnxRuntime.", cause);
  }

  private static String needs(EngineRoute route) {
    return switch (route.name()) {
      case "TensorRT" -> "DJL's TensorRT engine needs an NVIDIA GPU with CUDA 11.x and the TensorRT 8.x libraries"
          + " (TensorRT 8.4: pre-Hopper GPUs); install them";
      case "OnnxRuntimeCuda" -> "ONNX Runtime's CUDA execution provider needs an NVIDIA GPU (compute capability 7.0 to"
          + " 9.0), its driver, CUDA 12.x, cuDNN 9.x and the onnxruntime_gpu build: run the GPU image";
      case "OnnxRuntimeTensorRT" -> "ONNX Runtime's TensorRT execution provider needs an NVIDIA GPU, its driver, CUDA"
          + " 12.x, cuDNN 9.x, TensorRT 10.x and the onnxruntime_gpu build: run the GPU image on a base with TensorRT 10";
      default -> "ONNX Runtime on the CPU needs nothing more: report this as a bug";
    };
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
