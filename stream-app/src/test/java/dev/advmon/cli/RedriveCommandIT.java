package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.schema.DeadLetter;
import dev.advmon.testing.Await;
import dev.advmon.testing.FrameTraffic;
import dev.advmon.testing.KafkaBroker;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.OutcomeReader;
import dev.advmon.testing.RealKafkaAndRegistry;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.TestData;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.StreamingMonitor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code monitor redrive} against a real broker and registry, with the monitor running: dead letters of a transient
 * reason go back to the frames topic with their original key and value bytes and are scored; the producer's-fault
 * ones stay where they are, and a cut value is never sent.
 */
@RealKafkaAndRegistry
class RedriveCommandIT {

  @TempDir
  Path dir;

  @Test
  void transientDeadLettersGoBackWithTheirOriginalBytesAndAreScored(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = MonitorSettings.of(kafka.bootstrapServers(), registryServer.url(), "redrive", dir);
    settings.put("topics.partitions", "2");
    settings.put("streams.num-threads", "1");
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    String frames = config.string("topics.frames");
    String dlq = config.string("topics.dead-letter");
    SchemaRegistry registry = new HttpSchemaRegistryClient(Wiring.registrySettings(config));
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
        StreamingMonitor monitor = StreamingMonitor.start(config, registry, true,
            FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(classifier, List.of(), 64),
            MonitorMetrics.inMemory(), AlertListener.NONE)) {
      assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();

      // three real frames that failed scoring (cam-0, cam-1, cam-0), one BAD_AVRO, one RECORD_TOO_LARGE kept cut
      var frame = FrameTraffic.cameraFrames(registry, frames, "redo", 2);
      List<FrameTraffic.Record> failed = List.of(frame.apply(0), frame.apply(1), frame.apply(2));
      AvroSerde<DeadLetter> serde = new AvroSerde<>(DeadLetter.class, registry, false, true); // as the topology does
      try (KafkaProducer<String, DeadLetter> p = new KafkaProducer<>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new StringSerializer(), serde.serializer())) {
        for (int n = 0; n < failed.size(); n++) {
          String camera = FrameTraffic.cameraId(n % 2);
          p.send(new ProducerRecord<>(dlq, camera, deadLetter(frames, n, failed.get(n).key(), failed.get(n).value(),
              "SCORING_FAILED", "redo-" + n, camera, null))).get();
        }
        p.send(new ProducerRecord<>(dlq, "cam-1", deadLetter(frames, 3, "cam-1".getBytes(StandardCharsets.UTF_8),
            new byte[] {0, 0, 0, 0, 42, 1, 2, 3}, "BAD_AVRO", null, null, null))).get();
        p.send(new ProducerRecord<>(dlq, "cam-0", deadLetter(frames, 4, "cam-0".getBytes(StandardCharsets.UTF_8),
            new byte[] {0, 0, 0, 0, 42}, "RECORD_TOO_LARGE", null, null, 99_000_000L))).get();
      }

      String[] first = redrive(settings);
      assertThat(first[0]).as("exit status; stderr: %s", first[2]).isEqualTo("0");
      assertThat(first[1]).containsPattern("SCORING_FAILED +3 +3 +0 +0")
          .containsPattern("BAD_AVRO +1 +0 +1 +0  1 reason not chosen")
          .containsPattern("RECORD_TOO_LARGE +1 +0 +1 +1  1 value cut")
          .contains("sent 3 of 5 dead letters of " + dlq + " to " + frames);

      List<FrameTraffic.Record> onFrames = readAll(kafka.bootstrapServers(), frames);
      assertThat(onFrames).as("exactly the SCORING_FAILED frames, original key and value bytes, a camera's in order")
          .hasSize(3);
      assertThat(onFrames.stream().filter(r -> Arrays.equals(r.key(), failed.get(1).key())).map(FrameTraffic.Record::value))
          .containsExactly(failed.get(1).value());
      assertThat(onFrames.stream().filter(r -> Arrays.equals(r.key(), failed.get(0).key())).map(FrameTraffic.Record::value))
          .containsExactly(failed.get(0).value(), failed.get(2).value());

      try (OutcomeReader outcomes = new OutcomeReader(kafka.bootstrapServers(), config.string("topics.verdicts"), dlq)) {
        assertThat(Await.until(() -> outcomes.outcomes().stream().filter(OutcomeReader.Outcome::verdict)
            .map(OutcomeReader.Outcome::frameId).distinct().count() == 3, Duration.ofSeconds(60)))
            .as("the running monitor scores the redriven frames: %s", outcomes.outcomes()).isTrue();
        assertThat(outcomes.outcomes().stream().filter(OutcomeReader.Outcome::verdict).map(OutcomeReader.Outcome::frameId))
            .containsExactlyInAnyOrder("redo-0", "redo-1", "redo-2");
      }

      // naming the permanent reasons: BAD_AVRO would go (with a warning), the cut value never does; nothing is sent
      String[] dry = redrive(settings, "--reason", "BAD_AVRO", "--reason", "RECORD_TOO_LARGE", "--dry-run");
      assertThat(dry[0]).isEqualTo("0");
      assertThat(dry[1]).containsPattern("BAD_AVRO +1 +1 +0 +0")
          .containsPattern("RECORD_TOO_LARGE +1 +0 +1 +1  1 value cut")
          .contains("would send 1 of 5 dead letters");
      assertThat(dry[2]).contains("warning: BAD_AVRO is the producer's fault");
      assertThat(readAll(kafka.bootstrapServers(), frames)).as("a dry run sends nothing").hasSize(3);
    }
  }

  private static DeadLetter deadLetter(String topic, long offset, byte[] key, byte[] value, String reason,
      String frameId, String cameraId, Long valueSize) {
    return DeadLetter.newBuilder().setKey(ByteBuffer.wrap(key)).setValue(ByteBuffer.wrap(value))
        .setValueSize(valueSize).setSourceTopic(topic).setPartition(0).setOffset(offset).setReason(reason)
        .setErrorClass("test.Failure").setErrorMessage("failed in a test").setFrameId(frameId).setCameraId(cameraId)
        .setTime(Instant.now()).build();
  }

  /** Runs {@code monitor redrive} in-process with the monitor's settings: exit status, stdout, stderr. */
  private static String[] redrive(Map<String, String> settings, String... args) {
    RedriveCommand command = new RedriveCommand();
    command.overrides = settings;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    int rc = new CommandLine(command).setExecutionExceptionHandler(Main.errorHandler()).execute(args);
    return new String[] {Integer.toString(rc), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  /** Every committed record of {@code topic}, read from the beginning to its end. */
  private static List<FrameTraffic.Record> readAll(String bootstrap, String topic) {
    List<FrameTraffic.Record> read = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
        16 * 1024 * 1024), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      c.assign(partitions);
      c.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = c.endOffsets(partitions, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (partitions.stream().anyMatch(p -> c.position(p) < end.get(p)) && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(r -> read.add(new FrameTraffic.Record(r.key(), r.value(), r.timestamp())));
      }
    }
    return read;
  }
}
