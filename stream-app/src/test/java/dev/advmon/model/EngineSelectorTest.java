package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.image.FloatImage;
import dev.advmon.image.ImageLimits;
import dev.advmon.testing.TestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The engine choice on machines we do not have: every GPU machine is a fake {@link NativeEnvironment} here, since
 * no GPU exists on the development and CI machines. What runs for real is the refusal on this machine.
 */
class EngineSelectorTest {

  /** A machine: a CUDA device or not, the shared libraries it has, the ONNX Runtime build's natives, DJL's engine jars. */
  private static final class Machine implements NativeEnvironment {
    boolean device;
    final Set<String> libraries = new HashSet<>();
    final Set<String> ortNatives = new HashSet<>();
    boolean djlTensorRtJar = true;

    Machine gpu() {
      device = true;
      libraries.add(EngineSelector.CUDA_DRIVER);
      return this;
    }

    Machine with(List<String> names) {
      libraries.addAll(names);
      return this;
    }

    Machine without(String name) {
      libraries.remove(name);
      return this;
    }

    Machine ortGpuBuild() {
      ortNatives.addAll(List.of(EngineSelector.ORT_CUDA_PROVIDER, EngineSelector.ORT_TENSORRT_PROVIDER));
      return this;
    }

    @Override
    public Optional<String> cudaDevice() {
      return device ? Optional.of("/dev/nvidia0") : Optional.empty();
    }

    @Override
    public Optional<Path> findLibrary(String fileName) {
      return libraries.contains(fileName) ? Optional.of(Path.of("/usr/lib", fileName)) : Optional.empty();
    }

    @Override
    public Optional<String> onnxRuntimeNative(String fileName) {
      return ortNatives.contains(fileName) ? Optional.of("/app/native/" + fileName) : Optional.empty();
    }

    @Override
    public boolean hasClass(String className) {
      return djlTensorRtJar && className.equals(EngineSelector.DJL_TENSORRT_CLASS);
    }
  }

  /** What the GPU image on a GPU node with the NVIDIA container toolkit looks like: CUDA 12, cuDNN 9, ORT GPU build. */
  private static Machine gpuImageOnGpuNode() {
    return new Machine().gpu().with(EngineSelector.ORT_CUDA_LIBRARIES).ortGpuBuild();
  }

  private static List<String> names(List<EngineRoute> routes) {
    return routes.stream().map(EngineRoute::name).toList();
  }

  @Test
  void autoPicksOnnxRuntimeCudaFirstWhereTheGpuImageRunsOnAGpu() {
    EngineSelector s = new EngineSelector(gpuImageOnGpuNode().with(EngineSelector.TENSORRT_LIBRARIES));
    assertThat(names(s.candidates(EngineChoice.AUTO))).containsExactly("OnnxRuntimeCuda", "TensorRT", "OnnxRuntime");
    assertThat(names(new EngineSelector(gpuImageOnGpuNode()).candidates(EngineChoice.AUTO)))
        .containsExactly("OnnxRuntimeCuda", "OnnxRuntime");
  }

  @Test
  void autoKeepsDjlTensorRtWhereTensorRt8IsInstalledButOnnxRuntimeIsTheCpuBuild() {
    Machine m = new Machine().gpu().with(EngineSelector.TENSORRT_LIBRARIES).with(EngineSelector.ORT_CUDA_LIBRARIES);
    assertThat(names(new EngineSelector(m).candidates(EngineChoice.AUTO))).containsExactly("TensorRT", "OnnxRuntime");
  }

  @Test
  void autoUsesTheCpuWithoutAGpuEvenWhereEveryLibraryIsInstalled() {
    Machine m = new Machine().with(EngineSelector.ORT_CUDA_LIBRARIES).with(EngineSelector.TENSORRT_LIBRARIES).ortGpuBuild();
    m.libraries.add(EngineSelector.CUDA_DRIVER);
    assertThat(names(new EngineSelector(m).candidates(EngineChoice.AUTO))).containsExactly("OnnxRuntime");
  }

  @Test
  void autoFallsBackToTheCpuWhenOneCudaLibraryIsMissing() {
    Machine m = gpuImageOnGpuNode().without("libcudnn.so.9");
    assertThat(names(new EngineSelector(m).candidates(EngineChoice.AUTO))).containsExactly("OnnxRuntime");
  }

  @Test
  void onnxRuntimeCudaOnTheCpuImageWithoutAGpuNamesEveryMissingPiece() {
    EngineSelector s = new EngineSelector(new Machine());
    assertThatThrownBy(() -> s.candidates(EngineChoice.ONNX_RUNTIME_CUDA))
        .isInstanceOf(EngineUnavailableException.class)
        .hasMessageStartingWith("model.engine=OnnxRuntimeCuda cannot run on this machine")
        .hasMessageContaining("no CUDA device")
        .hasMessageContaining("NVIDIA driver library libcuda.so.1 not found")
        .hasMessageContaining("libcudart.so.12, libcublas.so.12, libcublasLt.so.12, libcurand.so.10, libcufft.so.11,"
            + " libnvrtc.so.12, libcudnn.so.9")
        .hasMessageContaining("CPU build (libonnxruntime_providers_cuda.so is not in it)")
        .hasMessageContaining("com.microsoft.onnxruntime:onnxruntime_gpu:1.21.0")
        .hasMessageContaining("model.engine=OnnxRuntime.");
  }

  @Test
  void onnxRuntimeCudaNamesOnlyWhatIsMissing() {
    Machine m = gpuImageOnGpuNode().without("libcudnn.so.9").without(EngineSelector.CUDA_DRIVER);
    assertThatThrownBy(() -> new EngineSelector(m).candidates(EngineChoice.ONNX_RUNTIME_CUDA))
        .hasMessageContaining("libcuda.so.1")
        .hasMessageContaining("CUDA 12 / cuDNN 9 libraries not found: libcudnn.so.9 (")
        .hasMessageNotContaining("no CUDA device")
        .hasMessageNotContaining("libcudart")
        .hasMessageNotContaining("CPU build");
  }

  @Test
  void onnxRuntimeTensorRtAlsoNeedsTensorRt10() {
    EngineSelector cudaOnly = new EngineSelector(gpuImageOnGpuNode());
    assertThatThrownBy(() -> cudaOnly.candidates(EngineChoice.ONNX_RUNTIME_TENSORRT))
        .hasMessageStartingWith("model.engine=OnnxRuntimeTensorRT cannot run on this machine")
        .hasMessageContaining("libnvinfer.so.10, libnvinfer_plugin.so.10, libnvonnxparser.so.10")
        .hasMessageContaining("TensorRT 10.x");
    EngineSelector full = new EngineSelector(gpuImageOnGpuNode().with(EngineSelector.ORT_TENSORRT_LIBRARIES));
    EngineRoute route = full.candidates(EngineChoice.ONNX_RUNTIME_TENSORRT).get(0);
    assertThat(route.djlEngine()).isEqualTo("OnnxRuntime");
    assertThat(route.gpu()).isTrue();
    assertThat(route.modelOptions()).containsEntry("ortDevice", "TensorRT"); // DJL's OrtModel option for the TensorRT EP
  }

  @Test
  void theCudaRouteIsDjlsOnnxRuntimeEngineOnAGpuDeviceWithoutOrtDevice() {
    EngineRoute route = new EngineSelector(gpuImageOnGpuNode()).candidates(EngineChoice.ONNX_RUNTIME_CUDA).get(0);
    assertThat(route.djlEngine()).isEqualTo("OnnxRuntime");
    assertThat(route.gpu()).isTrue();
    assertThat(route.modelOptions()).isEmpty(); // DJL 0.33's OrtModel adds the CUDA EP for a GPU device by itself
  }

  @Test
  void tensorRtWithoutItsLibrariesFailsNamingEachMissingPiece() {
    EngineSelector s = new EngineSelector(new Machine().gpu().with(List.of("libnvinfer.so.8")));
    assertThatThrownBy(() -> s.candidates(EngineChoice.TENSORRT))
        .isInstanceOf(EngineUnavailableException.class)
        .hasMessageContaining("model.engine=TensorRT")
        .hasMessageContaining("libnvonnxparser.so.8")
        .hasMessageContaining("TensorRT 8 libraries not found")
        .hasMessageContaining("pre-Hopper")
        .hasMessageNotContaining("no CUDA device");
  }

  @Test
  void tensorRtIsRefusedWhereItsDjlEngineJarIsLeftOut() {
    Machine m = new Machine().gpu().with(EngineSelector.TENSORRT_LIBRARIES);
    m.djlTensorRtJar = false;
    assertThatThrownBy(() -> new EngineSelector(m).candidates(EngineChoice.TENSORRT))
        .hasMessageContaining("ai.djl.tensorrt:tensorrt) is not on the classpath");
    assertThat(names(new EngineSelector(m).candidates(EngineChoice.AUTO))).containsExactly("OnnxRuntime");
  }

  @Test
  void onThisMachineAutoRunsOnTheCpuAndEachGpuRouteIsRefusedClearly() {
    EngineSelector real = new EngineSelector(NativeEnvironment.system());
    Assumptions.assumeTrue(NativeEnvironment.system().cudaDevice().isEmpty(),
        "this machine has a CUDA device; the no-GPU behaviour is covered by the fake machines above");
    assertThat(names(real.candidates(EngineChoice.AUTO))).containsExactly("OnnxRuntime");
    for (EngineChoice gpu : List.of(EngineChoice.TENSORRT, EngineChoice.ONNX_RUNTIME_CUDA, EngineChoice.ONNX_RUNTIME_TENSORRT)) {
      assertThatThrownBy(() -> real.candidates(gpu))
          .isInstanceOf(EngineUnavailableException.class)
          .hasMessageContaining("model.engine=" + gpu.settingValue() + " cannot run on this machine: no CUDA device");
    }
    // the build's classpath has ONNX Runtime's CPU build, so the message says so
    assertThatThrownBy(() -> real.candidates(EngineChoice.ONNX_RUNTIME_CUDA)).hasMessageContaining("CPU build");
  }

  @Test
  void autoLoadsTheBundledModelOnTheCpuHere() throws Exception {
    Assumptions.assumeTrue(NativeEnvironment.system().cudaDevice().isEmpty(), "this machine has a CUDA device");
    try (DjlClassifier c = DjlClassifier.load(ModelBundle.load(TestData.defaultBundle()), EngineChoice.AUTO)) {
      assertThat(c.engineName()).isEqualTo("OnnxRuntime");
    }
  }

  /**
   * The GPU route for real: runs only where this process can use ONNX Runtime's CUDA execution provider (a GPU, CUDA
   * 12, cuDNN 9 and the onnxruntime_gpu jar on the classpath instead of the CPU build); skipped, saying why, elsewhere.
   */
  @Test
  void theCudaRouteGivesTheCpusPredictionsWhereItCanRun() throws Exception {
    EngineSelector real = new EngineSelector(NativeEnvironment.system());
    List<String> missing = real.missingFor(EngineRoute.ONNX_RUNTIME_CUDA);
    Assumptions.assumeTrue(missing.isEmpty(), "no GPU route here: " + String.join("; ", missing));
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    FramePreparer preparer = FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest());
    List<FloatImage> images = new ArrayList<>();
    for (TestData.Labelled l : TestData.evalSet().subList(0, 64)) {
      images.add(preparer.prepare(l.file()));
    }
    try (DjlClassifier gpu = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME_CUDA);
        DjlClassifier cpu = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME)) {
      assertThat(gpu.engineName()).isEqualTo("OnnxRuntimeCuda");
      BatchOutput g = gpu.classify(images);
      BatchOutput c = cpu.classify(images);
      for (int i = 0; i < images.size(); i++) {
        assertThat(g.argmax(i)).as("image %d", i).isEqualTo(c.argmax(i));
      }
    }
  }

  @Test
  void parsesTheSettingCaseInsensitivelyAndRefusesOthers() {
    assertThat(EngineChoice.parse("tensorrt")).isEqualTo(EngineChoice.TENSORRT);
    assertThat(EngineChoice.parse("OnnxRuntime")).isEqualTo(EngineChoice.ONNX_RUNTIME);
    assertThat(EngineChoice.parse("onnxruntimecuda")).isEqualTo(EngineChoice.ONNX_RUNTIME_CUDA);
    assertThat(EngineChoice.parse(" OnnxRuntimeTensorRT ")).isEqualTo(EngineChoice.ONNX_RUNTIME_TENSORRT);
    assertThatThrownBy(() -> EngineChoice.parse("pytorch"))
        .hasMessageContaining("auto, TensorRT, OnnxRuntime, OnnxRuntimeCuda, OnnxRuntimeTensorRT");
  }
}
