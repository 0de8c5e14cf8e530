package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EngineSelectorTest {

  /** A machine with the given device and libraries. */
  private static NativeEnvironment machine(boolean gpu, Set<String> libraries) {
    return new NativeEnvironment() {
      @Override
      public Optional<String> cudaDevice() {
        return gpu ? Optional.of("/dev/nvidia0") : Optional.empty();
      }

      @Override
      public Optional<Path> findLibrary(String fileName) {
        return libraries.contains(fileName) ? Optional.of(Path.of("/usr/lib", fileName)) : Optional.empty();
      }
    };
  }

  private static final Set<String> ALL_TRT = Set.copyOf(EngineSelector.TENSORRT_LIBRARIES);

  @Test
  void autoPicksTensorRtWhereAGpuAndTheTensorRtLibrariesArePresent() {
    assertThat(new EngineSelector(machine(true, ALL_TRT)).resolve(EngineChoice.AUTO)).isEqualTo("TensorRT");
  }

  @Test
  void autoPicksOnnxRuntimeWithoutAGpuOrWithoutTensorRt() {
    assertThat(new EngineSelector(machine(false, ALL_TRT)).resolve(EngineChoice.AUTO)).isEqualTo("OnnxRuntime");
    assertThat(new EngineSelector(machine(true, Set.of("libnvinfer.so.8"))).resolve(EngineChoice.AUTO)).isEqualTo("OnnxRuntime");
  }

  @Test
  void tensorRtWithoutItsLibrariesFailsNamingEachMissingPiece() {
    EngineSelector s = new EngineSelector(machine(true, Set.of("libnvinfer.so.8")));
    assertThatThrownBy(() -> s.resolve(EngineChoice.TENSORRT))
        .isInstanceOf(EngineUnavailableException.class)
        .hasMessageContaining("model.engine=TensorRT")
        .hasMessageContaining("libnvonnxparser.so.8")
        .hasMessageContaining("libraries not found")
        .hasMessageNotContaining("no CUDA device");
  }

  @Test
  void onThisMachineAutoGivesOnnxRuntimeAndTensorRtGivesTheClearError() {
    EngineSelector real = new EngineSelector(NativeEnvironment.system());
    org.junit.jupiter.api.Assumptions.assumeTrue(!real.missingForTensorRt().isEmpty(),
        "this machine has a GPU and TensorRT; the no-GPU behaviour is covered by the fake machines above");
    assertThat(real.select(EngineChoice.AUTO)).isEqualTo("OnnxRuntime");
    assertThatThrownBy(() -> real.select(EngineChoice.TENSORRT))
        .isInstanceOf(EngineUnavailableException.class)
        .hasMessageContaining("TensorRT cannot run on this machine")
        .hasMessageContaining("model.engine=OnnxRuntime");
  }

  @Test
  void parsesTheSettingCaseInsensitivelyAndRefusesOthers() {
    assertThat(EngineChoice.parse("tensorrt")).isEqualTo(EngineChoice.TENSORRT);
    assertThat(EngineChoice.parse("OnnxRuntime")).isEqualTo(EngineChoice.ONNX_RUNTIME);
    assertThatThrownBy(() -> EngineChoice.parse("pytorch")).hasMessageContaining("auto, TensorRT, OnnxRuntime");
  }
}
