package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.testing.KafkaBroker;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.RealKafkaAndRegistry;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.TestData;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.StreamingMonitor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interoperability with Confluent's own JavaScript client (@confluentinc/schemaregistry, with KafkaJS): a producer in
 * another language registers Frame.avsc and writes frames with its AvroSerializer; the monitor scores them; the same
 * client reads the verdicts back with its AvroDeserializer. It also registers Frame as a gateway with shared types
 * does, with a reference to ImageEncoding registered as a subject of its own, and writes a few frames with that schema:
 * the monitor must resolve the reference to read them. Two records a gateway gets wrong (its schema id in a header, a
 * GIF sent as PNG) must come back as dead letters whose advice the same client reads. Real broker, real registry (Apicurio's Confluent API),
 * real model. Needs node and npm (.ci/run installs them where missing); the packages come from npm at their locked
 * versions (stream-app/src/test/js).
 */
@RealKafkaAndRegistry
class ConfluentJavaScriptClientIT {

  private static final int FRAMES = 20;
  /** Frames written with the Frame registered with a reference, after the FRAMES; a few are enough. */
  private static final int FRAMES_WITH_REFERENCE = 3;

  @TempDir
  Path stateDir;

  @Test
  void framesWrittenByConfluentsJavaScriptClientGetVerdictsItReadsBack(KafkaBroker.Info broker,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Path js = installJavaScriptClient();
    Map<String, String> settings = MonitorSettings.ofQuickStart(
        broker.bootstrapServers(), registryServer.url(), "js", stateDir);
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
        StreamingMonitor monitor = StreamingMonitor.start(config, registry, true,
            FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(classifier, List.of(), 64),
            MonitorMetrics.inMemory(), AlertListener.NONE)) {
      assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();

      Path images = TestData.repoRoot().resolve("models/eval/fashion-mnist-test");
      ProcessBuilder node = new ProcessBuilder("node", js.resolve("interop.js").toString(), broker.bootstrapServers(),
          registryServer.url(), config.string("topics.frames"), config.string("topics.verdicts"),
          config.string("topics.dead-letter"), TestData.repoRoot().resolve("schemas/src/main/avro/Frame.avsc").toString(),
          images.toString(), Integer.toString(FRAMES), Integer.toString(FRAMES_WITH_REFERENCE))
          .redirectError(js.resolve("interop.err").toFile());
      node.environment().put("KAFKAJS_NO_PARTITIONER_WARNING", "1");
      Process client = node.start();
      String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(client.waitFor(200, TimeUnit.SECONDS)).as("the JavaScript client finishes").isTrue();
      assertThat(client.exitValue()).as("the JavaScript client's errors:%n%s", Files.readString(js.resolve("interop.err")))
          .isZero();

      ObjectMapper json = new ObjectMapper();
      List<JsonNode> verdicts = new ArrayList<>();
      Map<String, JsonNode> deadLetters = new java.util.HashMap<>();
      for (String line : out.split("\n")) {
        if (line.startsWith("{")) {
          JsonNode read = json.readTree(line);
          if (read.has("deadLetterKey")) {
            deadLetters.put(read.path("deadLetterKey").asText(), read);
          } else {
            verdicts.add(read);
          }
        }
      }
      assertThat(deadLetters).as("dead letters of the two records a gateway got wrong")
          .containsOnlyKeys("js-dead-header-id", "js-dead-gif-as-png");
      JsonNode inHeader = deadLetters.get("js-dead-header-id");
      assertThat(inHeader.path("reason").asText()).isEqualTo("BAD_MAGIC_BYTE");
      assertThat(inHeader.path("errorMessage").asText()).as("the Avro body with its id in a header")
          .contains("header __value_schema_id", "PrefixSchemaIdSerializer").doesNotContain("looks like JSON");
      JsonNode gif = deadLetters.get("js-dead-gif-as-png");
      assertThat(gif.path("reason").asText()).isEqualTo("UNDECODABLE_IMAGE");
      assertThat(gif.path("errorMessage").asText()).as("the GIF sent as PNG").contains("a GIF image", "convert it to PNG");
      assertThat(verdicts).as("one verdict per frame, read by Confluent's deserializer")
          .hasSize(FRAMES + FRAMES_WITH_REFERENCE);
      List<String> labels = bundle.manifest().labels();
      for (JsonNode v : verdicts) {
        assertThat(v.path("frameId").asText()).startsWith("js-");
        assertThat(v.path("cameraId").asText()).startsWith("js-cam-");
        assertThat(labels).contains(v.path("predictedLabel").asText());
        assertThat(v.path("attributes").path("client").asText()).as("attributes carried through").isEqualTo("confluent-js");
      }
      assertThat(verdicts.stream().map(v -> v.path("frameId").asText()).distinct())
          .hasSize(FRAMES + FRAMES_WITH_REFERENCE);
      assertThat(verdicts.stream().filter(v -> v.path("frameId").asText().startsWith("js-ref-")))
          .as("verdicts on the frames written with the Frame registered with a reference").hasSize(FRAMES_WITH_REFERENCE);
    }
  }

  /**
   * stream-app/src/test/js installed into target/interop-js with {@code npm ci} (the locked versions), once per
   * lock file: a later run with the same lock reuses it.
   */
  private static Path installJavaScriptClient() throws Exception {
    Path source = TestData.repoRoot().resolve("stream-app/src/test/js");
    Path dir = TestData.repoRoot().resolve("stream-app/target/interop-js");
    Files.createDirectories(dir);
    for (String f : List.of("package.json", "package-lock.json", "interop.js")) {
      Files.copy(source.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    Path installed = dir.resolve("node_modules/.installed-lock");
    String lock = Files.readString(dir.resolve("package-lock.json"));
    if (Files.isRegularFile(installed) && Files.readString(installed).equals(lock)) {
      return dir;
    }
    Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error").directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(dir.resolve("npm.log").toFile()).start();
    assertThat(npm.waitFor(300, TimeUnit.SECONDS)).as("npm ci finishes").isTrue();
    assertThat(npm.exitValue()).as("npm ci (node and npm are needed; log: %s):%n%s", dir.resolve("npm.log"),
        Files.readString(dir.resolve("npm.log"))).isZero();
    Files.writeString(installed, lock);
    return dir;
  }
}
