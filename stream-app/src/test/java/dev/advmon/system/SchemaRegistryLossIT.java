package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.cli.Wiring;
import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.health.SchemaIdRecheck;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.AvroDeserializer;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.registry.WireFormat;
import dev.advmon.schema.FrameVerdict;
import dev.advmon.testing.Await;
import dev.advmon.testing.FrameTraffic;
import dev.advmon.testing.KafkaBroker;
import dev.advmon.testing.LogLines;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.RealKafkaAndRegistry;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.TestData;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.StreamingMonitor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A schema registry that loses its data while the monitor runs: an in-memory Apicurio restarted on the same port,
 * where other producers then take the ids the monitor had written its verdicts with. The monitor's recheck notices
 * it, and the verdicts it writes afterwards carry an id that names their schema in the registry as it is now, so a
 * consumer that has never seen the old registry reads them.
 */
@RealKafkaAndRegistry
class SchemaRegistryLossIT {

  private static final int FRAMES = 3;

  @TempDir
  Path dir;

  @Test
  void verdictsWrittenAfterTheRegistryLostItsDataCarryAnIdThatNamesTheirSchema(KafkaBroker.Info kafka)
      throws Exception {
    SchemaRegistryServer.Running first = SchemaRegistryServer.startDedicated();
    int port = first.port();
    String url = first.url();
    Map<String, String> settings = MonitorSettings.of(kafka.bootstrapServers(), url, "registry-loss", dir);
    settings.put("topics.partitions", "1");
    settings.put("streams.num-threads", "1");
    settings.put("health.check-interval-ms", "500");
    settings.put("registry.recheck-interval-ms", "1000");
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    String frames = config.string("topics.frames");
    String verdicts = config.string("topics.verdicts");
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    try (first;
        LogLines log = LogLines.of(SchemaIdRecheck.class);
        DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
        StreamingMonitor monitor = StreamingMonitor.start(config,
            new HttpSchemaRegistryClient(Wiring.registrySettings(config)), true,
            FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(classifier, List.of(), 64),
            MonitorMetrics.inMemory(), AlertListener.NONE)) {
      assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();
      send(kafka, frames, url, "before");
      List<ConsumerRecord<byte[], byte[]>> before = awaitVerdicts(kafka, verdicts, FRAMES);
      int lostId = WireFormat.schemaId(before.get(0).value());

      first.close(); // kept its schemas in memory: they are gone
      try (SchemaRegistryServer.Running second = SchemaRegistryServer.startDedicated(port)) {
        HttpSchemaRegistryClient others = new HttpSchemaRegistryClient(RegistrySettings.builder(url).build());
        int id = 0;
        for (int k = 0; id < lostId; k++) { // other producers' schemas, until one has the verdicts' old id
          id = others.register("filler-" + k + "-value",
              SchemaBuilder.record("Filler" + k).namespace("test").fields().requiredInt("n").endRecord());
        }
        assertThat(id).as("the precondition: the verdicts' old id names another schema now").isEqualTo(lostId);
        String lost = "schema id " + lostId + " (" + FrameVerdict.getClassSchema().getFullName() + ", written under";
        assertThat(Await.until(() -> log.messages().stream().anyMatch(m -> m.contains(lost)), Duration.ofSeconds(60)))
            .as("a WARN names the lost id: %s", log.messages()).isTrue();

        send(kafka, frames, second.url(), "after");
        List<ConsumerRecord<byte[], byte[]>> all = awaitVerdicts(kafka, verdicts, 2 * FRAMES);
        AvroDeserializer<FrameVerdict> newcomer = new AvroDeserializer<>(FrameVerdict.class,
            new HttpSchemaRegistryClient(RegistrySettings.builder(second.url()).build()));
        List<ConsumerRecord<byte[], byte[]>> after = all.subList(FRAMES, all.size());
        assertThat(after).as("written with a new id").allMatch(r -> WireFormat.schemaId(r.value()) != lostId);
        assertThat(after.stream().map(r -> newcomer.deserialize(verdicts, r.value()).getFrameId().toString()))
            .as("read by a consumer that knows only the registry as it is now")
            .containsExactlyInAnyOrder("after-0", "after-1", "after-2");
      }
    }
  }

  /** {@value #FRAMES} frames written by a camera gateway with its own registry client at {@code url}. */
  private static void send(KafkaBroker.Info kafka, String frames, String url, String prefix) throws Exception {
    try (FrameTraffic traffic = new FrameTraffic(kafka.bootstrapServers(), frames, FRAMES, 20,
        FrameTraffic.cameraFrames(new HttpSchemaRegistryClient(RegistrySettings.builder(url).build()), frames, prefix,
            1))) {
      assertThat(traffic.awaitAllAcked(Duration.ofMinutes(1))).as("the %s frames are written", prefix).isTrue();
    }
  }

  /** The first {@code count} verdict records, raw, read_committed; fails when they do not come within a minute. */
  private static List<ConsumerRecord<byte[], byte[]>> awaitVerdicts(KafkaBroker.Info kafka, String topic, int count) {
    List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (read.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(read::add);
      }
    }
    assertThat(read).as("%d verdicts on %s", count, topic).hasSizeGreaterThanOrEqualTo(count);
    return read.subList(0, count);
  }
}
