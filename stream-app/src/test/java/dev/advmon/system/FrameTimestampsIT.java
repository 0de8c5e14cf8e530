package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.advmon.testing.FrameTraffic;
import dev.advmon.testing.KafkaBroker;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.OutcomeReader;
import dev.advmon.testing.RealKafkaAndRegistry;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.TestData;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.StreamingMonitor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frames whose record timestamps a broker accepts on the frames topic but refuses on the monitor's own topics: a
 * Kafka 4 broker refuses records stamped more than an hour ahead of its clock by default
 * ({@code log.message.timestamp.after.max.ms}), and a frames topic may be set to take them (a camera with a wrong
 * clock, a gateway that keeps the camera's time). The verdict written with that timestamp would be refused, the
 * transaction aborted and the frame read again, for ever: the partition would stall behind one frame.
 */
@RealKafkaAndRegistry
class FrameTimestampsIT {

  @TempDir
  Path dir;

  @Test
  void framesStampedFarAheadOfTheClockGetTheirVerdictsInsteadOfStallingThePartition(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = MonitorSettings.of(kafka.bootstrapServers(), registryServer.url(), "future", dir);
    settings.put("topics.partitions", "1");
    settings.put("streams.num-threads", "1");
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    String frames = config.string("topics.frames");
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(frames, 1, (short) 1).configs(Map.of(
          TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, Long.toString(Long.MAX_VALUE))))).all().get();
    }
    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    IntFunction<FrameTraffic.Record> frame = FrameTraffic.cameraFrames(registry, frames, "future", 2);
    long now = System.currentTimeMillis();
    long[] stamps = {now, now + Duration.ofHours(2).toMillis(), now + Duration.ofDays(400).toMillis(), now};
    try (KafkaProducer<byte[], byte[]> camera = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int n = 0; n < stamps.length; n++) {
        FrameTraffic.Record r = frame.apply(n);
        camera.send(new ProducerRecord<>(frames, 0, stamps[n], r.key(), r.value())).get();
      }
    }

    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
        StreamingMonitor monitor = StreamingMonitor.start(config, registry, true,
            FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(classifier, List.of(), 64),
            MonitorMetrics.inMemory(), AlertListener.NONE);
        OutcomeReader reader = new OutcomeReader(kafka.bootstrapServers(), config.string("topics.verdicts"),
            config.string("topics.dead-letter"))) {
      assertThat(reader.awaitCount(stamps.length, Duration.ofSeconds(90)))
          .as("a verdict for every frame, those stamped hours and a year ahead too: %d of %d (Kafka Streams %s)",
              reader.count(), stamps.length, monitor.state()).isTrue();
      List<OutcomeReader.Outcome> outcomes = reader.outcomes();
      assertThat(outcomes).allMatch(OutcomeReader.Outcome::verdict);
      assertThat(outcomes.stream().map(OutcomeReader.Outcome::frameId))
          .containsExactlyInAnyOrder("future-0", "future-1", "future-2", "future-3");
    }
  }

  @Test
  void framesOlderThanTheOutputTopicsAcceptGetTheirVerdictsInsteadOfStallingThePartition(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = MonitorSettings.of(kafka.bootstrapServers(), registryServer.url(), "past", dir);
    settings.put("topics.partitions", "1");
    settings.put("streams.num-threads", "1");
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    String frames = config.string("topics.frames");
    // the frames topic keeps any time (the default); the monitor's own topics refuse records older than a day
    Map<String, String> dayLimit = Map.of(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG,
        Long.toString(Duration.ofDays(1).toMillis()));
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(frames, 1, (short) 1),
          new NewTopic(config.string("topics.verdicts"), 1, (short) 1).configs(dayLimit),
          new NewTopic(config.string("topics.alerts"), 1, (short) 1).configs(dayLimit),
          new NewTopic(config.string("topics.dead-letter"), 1, (short) 1).configs(dayLimit))).all().get();
    }
    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    IntFunction<FrameTraffic.Record> frame = FrameTraffic.cameraFrames(registry, frames, "past", 2);
    long now = System.currentTimeMillis();
    // a backlog two days old, a camera whose clock was reset to 2000-01-01, a frame of today
    long[] stamps = {now - Duration.ofDays(2).toMillis(), 946_684_800_000L, now};
    try (KafkaProducer<byte[], byte[]> camera = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int n = 0; n < stamps.length; n++) {
        FrameTraffic.Record r = frame.apply(n);
        camera.send(new ProducerRecord<>(frames, 0, stamps[n], r.key(), r.value())).get();
      }
      // a record no Avro reader takes, stamped long ago: its dead letter must be written too
      camera.send(new ProducerRecord<>(frames, 0, 946_684_800_000L, "past-cam".getBytes(), new byte[] {1, 2, 3})).get();
    }

    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
        StreamingMonitor monitor = StreamingMonitor.start(config, registry, true,
            FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(classifier, List.of(), 64),
            MonitorMetrics.inMemory(), AlertListener.NONE);
        OutcomeReader reader = new OutcomeReader(kafka.bootstrapServers(), config.string("topics.verdicts"),
            config.string("topics.dead-letter"))) {
      assertThat(reader.awaitCount(stamps.length + 1, Duration.ofSeconds(90)))
          .as("an outcome for every record, those stamped days and years ago too: %d of %d (Kafka Streams %s)",
              reader.count(), stamps.length + 1, monitor.state()).isTrue();
      List<OutcomeReader.Outcome> outcomes = reader.outcomes();
      assertThat(outcomes.stream().filter(OutcomeReader.Outcome::verdict).map(OutcomeReader.Outcome::frameId))
          .containsExactlyInAnyOrder("past-0", "past-1", "past-2");
      assertThat(outcomes).filteredOn(o -> !o.verdict()).extracting(OutcomeReader.Outcome::reason)
          .containsExactly("BAD_MAGIC_BYTE");
    }
  }
}
