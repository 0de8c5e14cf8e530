package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.InferenceThreads;
import dev.advmon.model.ModelLoader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the offline commands turn the model settings into the loader every model of theirs goes through. */
class WiringTest {

  private static MonitorConfig config(Map<String, String> overrides) {
    return MonitorConfig.load(null, Map.of(), overrides, Path.of(".")).validated();
  }

  @Test
  void offlineCommandsLoadEveryModelWithTheConfiguredThreadCounts() {
    ModelLoader loader = Wiring.offlineModelLoader(config(Map.of("model.intra-op-threads", "3",
        "model.inter-op-threads", "2", "model.engine", "OnnxRuntime")));

    assertThat(loader.threads()).isEqualTo(new InferenceThreads(3, 2));
    assertThat(loader.engine()).isEqualTo(EngineChoice.parse("OnnxRuntime"));
  }

  @Test
  void offlineCommandsUseEveryCoreWhenTheThreadCountIsLeftAtZero() {
    ModelLoader loader = Wiring.offlineModelLoader(config(Map.of()));

    assertThat(loader.threads()).isEqualTo(InferenceThreads.defaults());
  }

  /** The standby fill-in of /cameras is asked for only where the instances keep replicas (the default keeps none). */
  @Test
  void standbyReplicasAreReadFromTheKafkaStreamsSetting() {
    assertThat(Wiring.standbyReplicas(config(Map.of()))).isZero();
    assertThat(Wiring.standbyReplicas(config(Map.of("kafka.num.standby.replicas", " 1")))).isEqualTo(1);
  }
}
