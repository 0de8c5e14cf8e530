package dev.advmon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitorConfigTest {

  @TempDir
  Path dir;

  private Path file(String text) throws Exception {
    Path f = dir.resolve("monitor.properties");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void environmentOverridesTheFileAndCommandLineOverridesBoth() throws Exception {
    Path f = file("topics.frames=cam-frames\nstreams.num-threads=2\nmodel.max-batch=64\n");
    MonitorConfig c = MonitorConfig.load(f, Map.of("ADVMON_STREAMS_NUM_THREADS", "4", "ADVMON_MODEL_MAX_BATCH", "32"),
        Map.of("model.max-batch", "16"), dir).validated();
    assertThat(c.string("topics.frames")).isEqualTo("cam-frames");
    assertThat(c.intValue("streams.num-threads")).isEqualTo(4);
    assertThat(c.origin("streams.num-threads")).isEqualTo("environment ADVMON_STREAMS_NUM_THREADS");
    assertThat(c.intValue("model.max-batch")).isEqualTo(16);
    assertThat(c.string("topics.verdicts")).isEqualTo("verdicts");
  }

  @Test
  void kafkaKeysPassThroughFromFileAndEnvironment() throws Exception {
    Path f = file("kafka.bootstrap.servers=b:9092\nkafka.security.protocol=SASL_SSL\n");
    MonitorConfig c = MonitorConfig.load(f,
        Map.of("ADVMON_KAFKA_SASL_JAAS_CONFIG", "secret", "ADVMON_KAFKA_SASL_MECHANISM", "PLAIN"), Map.of(), dir);
    assertThat(c.kafkaClientProperties())
        .containsEntry("bootstrap.servers", "b:9092")
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.jaas.config", "secret")
        .containsEntry("sasl.mechanism", "PLAIN");
  }

  @Test
  void invalidValuesFailNamingTheSettingAndWhereTheValueCameFrom() throws Exception {
    Path f = file("streams.num-threads=zero\n");
    assertThatThrownBy(() -> MonitorConfig.load(f, Map.of("ADVMON_MODEL_ENGINE", "cuda"), Map.of(), dir).validated())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'streams.num-threads' = 'zero'")
        .hasMessageContaining("from " + f)
        .hasMessageContaining("'model.engine' = 'cuda' (from environment ADVMON_MODEL_ENGINE)");
  }

  @Test
  void unknownSettingInTheFileFailsWithASuggestion() throws Exception {
    Path f = file("topics.frame=x\n");
    assertThatThrownBy(() -> MonitorConfig.load(f, Map.of(), Map.of(), dir))
        .hasMessageContaining("unknown setting 'topics.frame'")
        .hasMessageContaining("did you mean 'topics.frames'");
  }

  @Test
  void requiredSettingsNameTheirEnvironmentVariable() {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of(), dir);
    assertThatThrownBy(() -> c.require("kafka.bootstrap.servers"))
        .hasMessageContaining("'kafka.bootstrap.servers' is required")
        .hasMessageContaining("ADVMON_KAFKA_BOOTSTRAP_SERVERS");
  }

  @Test
  void relativePathsResolveAgainstTheHome() {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of(), dir);
    assertThat(c.path("model.dir")).isEqualTo(dir.resolve("models/fashion-mnist-cnn"));
  }

  @Test
  void referenceListsEverySettingWithItsEnvironmentVariable() {
    String ref = MonitorConfig.reference();
    for (Setting s : MonitorConfig.SETTINGS) {
      assertThat(ref).contains("`" + s.key() + "`").contains(s.envName());
    }
  }

  @Test
  void readmeConfigurationReferenceIsCurrent() throws Exception {
    String readme = Files.readString(dev.advmon.testing.TestData.repoRoot().resolve("README.md"));
    for (String line : MonitorConfig.reference().split("\n")) {
      assertThat(readme).as("README.md lacks this reference line; paste the output of `./monitor config`").contains(line);
    }
  }
}
