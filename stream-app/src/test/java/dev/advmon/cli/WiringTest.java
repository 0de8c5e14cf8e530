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

  /**
   * The registry's client key store (mutual TLS): the client and the certificate watch took one, but no setting of the
   * monitor's gave it, so the advice for a refused client certificate had nothing to name.
   */
  @Test
  void theRegistrysClientKeyStoreSettingsReachTheRegistryClient() {
    dev.advmon.registry.RegistrySettings settings = Wiring.registrySettings(config(Map.of("registry.url",
        "https://registry:8443", "registry.ssl.keystore.location", "/etc/advmon/registry-client.p12",
        "registry.ssl.keystore.password", "secret", "registry.ssl.keystore.type", "JKS")));

    assertThat(settings.keystore()).isEqualTo(new dev.advmon.registry.RegistrySettings.Store(
        Path.of("/etc/advmon/registry-client.p12"), "JKS", "secret"));
    assertThat(Wiring.registrySettings(config(Map.of("registry.url", "https://registry:8443"))).keystore()).isNull();
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
