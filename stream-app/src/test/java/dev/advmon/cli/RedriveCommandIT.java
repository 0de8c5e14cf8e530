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
    Map<String, String> settings = MonitorSettings.ofQuickStart(
        kafka.bootstrapServers(), registryServer.url(), "redrive", dir);
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

      // as Kafka Streams' processing handler writes it: no camera field, the frame (of cam-1) kept, keyed by site;
      // --camera reads its camera from the kept frame through the registry, not from the key
      FrameTraffic.Record ofCam1 = frame.apply(3);
      try (KafkaProducer<String, DeadLetter> p = new KafkaProducer<>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new StringSerializer(), serde.serializer())) {
        p.send(new ProducerRecord<>(dlq, "site-7", deadLetter(frames, 5, "site-7".getBytes(StandardCharsets.UTF_8),
            ofCam1.value(), "PROCESSING_FAILED", null, null, null))).get();
      }
      String[] byCamera = redrive(settings, "--camera", FrameTraffic.cameraId(1), "--dry-run");
      assertThat(byCamera[0]).as("exit status; stderr: %s", byCamera[2]).isEqualTo("0");
      assertThat(byCamera[1]).containsPattern("PROCESSING_FAILED +1 +1 +0 +0");
      String[] bySite = redrive(settings, "--camera", "site-7", "--dry-run");
      assertThat(bySite[1]).containsPattern("PROCESSING_FAILED +1 +0 +1 +0  1 other camera");
    }
  }

  /**
   * An operator who runs redrive twice (a retry after a timeout, a second operator, a cron job) must not send the same
   * frames twice: each would get a second verdict and count twice in its camera's campaign window. The dead letters
   * written after a run (frames that failed again) are the next run's; {@code --again} sends again on purpose.
   */
  @Test
  void aSecondRunSendsOnlyTheDeadLettersWrittenSinceTheFirst(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = topicsOnly(kafka, registryServer, "twice");
    String frames = settings.get("topics.frames");
    write(kafka, registryServer, settings, List.of(
        dl(frames, 0, "cam-0", "a", "SCORING_FAILED", 1_000), dl(frames, 1, "cam-1", "b", "REGISTRY_REQUEST_FAILED", 1_001),
        dl(frames, 2, "cam-0", "c", "SCORING_FAILED", 1_002), dl(frames, 3, "cam-1", "bad", "BAD_AVRO", 1_003)));

    String[] first = redrive(settings);
    assertThat(first[0]).as("stderr: %s", first[2]).isEqualTo("0");
    assertThat(first[1]).contains("sent 3 of 4 dead letters");
    String[] second = redrive(settings);
    assertThat(second[0]).as("stderr: %s", second[2]).isEqualTo("0");
    assertThat(second[1]).containsPattern("SCORING_FAILED +2 +0 +2 +0  2 sent by an earlier run")
        .contains("sent 0 of 4 dead letters");
    assertThat(values(kafka, frames)).containsExactlyInAnyOrder("a", "b", "c");

    // frame a fails again after the first runs: its new dead letter is the next run's, and only it
    write(kafka, registryServer, settings, List.of(dl(frames, 0, "cam-0", "a", "SCORING_FAILED", 1_000)));
    assertThat(redrive(settings)[1]).contains("sent 1 of 5 dead letters");
    assertThat(redrive(settings, "--dry-run")[1]).contains("would send 0 of 5 dead letters");
    assertThat(values(kafka, frames)).containsExactlyInAnyOrder("a", "b", "c", "a");

    String[] again = redrive(settings, "--again", "--camera", "cam-1");
    assertThat(again[1]).as("--again sends what was sent before, on purpose").contains("sent 1 of 5 dead letters");
    assertThat(values(kafka, frames)).containsExactlyInAnyOrder("a", "b", "c", "a", "b");
    assertThat(redrive(settings)[1]).contains("sent 0 of 5 dead letters");
  }

  /**
   * A run's selection decides what it sends, and only what it sent is remembered: what one run skipped (another
   * camera, another reason, another time) is sent by a later run that chooses it, and a wider run after narrower
   * ones sends only what they left.
   */
  @Test
  void whatOneSelectionSkippedIsSentByALaterRunThatChoosesIt(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = topicsOnly(kafka, registryServer, "select");
    String frames = settings.get("topics.frames");
    write(kafka, registryServer, settings, List.of(
        dl(frames, 0, "cam-0", "a", "SCORING_FAILED", 1_000), dl(frames, 1, "cam-1", "b", "SCORING_FAILED", 2_000),
        dl(frames, 2, "cam-2", "c", "OUTPUT_FAILED", 3_000), dl(frames, 3, "cam-0", "d", "SCORING_FAILED", 4_000),
        dl(frames, 4, "cam-1", "bad", "BAD_AVRO", 5_000)));

    assertThat(redrive(settings, "--camera", "cam-1")[1]).contains("sent 1 of 5");
    assertThat(values(kafka, frames)).containsExactlyInAnyOrder("b");
    assertThat(redrive(settings, "--until", at(3_500).toString())[1])
        .as("a, c (b was sent)").contains("sent 2 of 5");
    assertThat(redrive(settings, "--since", at(1_500).toString())[1]).as("d").contains("sent 1 of 4");
    assertThat(redrive(settings)[1]).contains("sent 0 of 5");
    assertThat(redrive(settings, "--reason", "BAD_AVRO")[1]).as("a reason no earlier run chose").contains("sent 1 of 5");
    assertThat(redrive(settings, "--reason", "BAD_AVRO", "--reason", "SCORING_FAILED")[1]).contains("sent 0 of 5");
    assertThat(values(kafka, frames)).containsExactlyInAnyOrder("b", "a", "c", "d", "bad");
  }

  /**
   * A dead-letter topic deleted and re-created starts its offsets again at 0: what earlier runs remember of the old
   * topic (their offsets, their selections) must not mark the new topic's dead letters as sent, nor be taken as
   * describing them. Redrive needs no topic id for that: the broker deletes every group's committed offsets of a
   * deleted topic, and with them redrive's record (Kafka's group coordinator, onPartitionsDeleted). This holds that
   * it does, and that the new topic's dead letters are then sent once, and remembered as the new topic's.
   */
  @Test
  void aDeadLetterTopicDeletedAndReCreatedHasItsDeadLettersSentOnce(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = topicsOnly(kafka, registryServer, "recreated");
    String frames = settings.get("topics.frames");
    String dlq = settings.get("topics.dead-letter");
    write(kafka, registryServer, settings, List.of(
        dl(frames, 0, "cam-0", "a", "SCORING_FAILED", 1_000), dl(frames, 1, "cam-0", "b", "SCORING_FAILED", 1_001),
        dl(frames, 2, "cam-1", "c", "SCORING_FAILED", 1_002)));
    assertThat(redrive(settings)[1]).contains("sent 3 of 3 dead letters");

    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
        org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin.deleteTopics(List.of(dlq)).all().get();
      assertThat(Await.until(() -> {
        try {
          admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(dlq, 2, (short) 1))).all().get();
          return true;
        } catch (java.util.concurrent.ExecutionException e) {
          return false; // the deletion is still being completed (TopicExistsException)
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }, Duration.ofSeconds(30))).as("%s re-created", dlq).isTrue();
    }
    MonitorConfig c = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    try (KafkaConsumer<byte[], byte[]> group = new KafkaConsumer<>(RedriveCommand.consumerProperties(c),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      var partitions = java.util.Set.of(new TopicPartition(dlq, 0), new TopicPartition(dlq, 1));
      assertThat(Await.until(() -> group.committed(partitions, Duration.ofSeconds(30)).values().stream()
          .allMatch(java.util.Objects::isNull), Duration.ofSeconds(30)))
          .as("the broker deleted the redrive group's offsets (and record) of the deleted topic").isTrue();
    }
    // the same camera's frames again: the same partition, offsets 0 and 1 again
    write(kafka, registryServer, settings, List.of(
        dl(frames, 0, "cam-0", "d", "SCORING_FAILED", 2_000), dl(frames, 1, "cam-0", "e", "SCORING_FAILED", 2_001)));

    String[] next = redrive(settings);
    assertThat(next[0]).as("stderr: %s", next[2]).isEqualTo("0");
    assertThat(next[1]).as("stderr: %s", next[2]).contains("sent 2 of 2 dead letters");
    assertThat(values(kafka, frames)).containsExactlyInAnyOrder("a", "b", "c", "d", "e");
    assertThat(redrive(settings)[1]).contains("sent 0 of 2 dead letters");
    write(kafka, registryServer, settings, List.of(dl(frames, 2, "cam-0", "f", "SCORING_FAILED", 2_002)));
    assertThat(redrive(settings)[1]).as("offset 2 of the new topic: sent by no run").contains("sent 1 of 3 dead letters");
    assertThat(values(kafka, frames)).containsExactlyInAnyOrder("a", "b", "c", "d", "e", "f");
  }

  /**
   * "Sent" and "remembered as sent" are one transaction: a run that dies after sending but before committing leaves
   * nothing that a read_committed reader (the monitor) sees and nothing remembered, so the next run sends all of it,
   * once, after fencing the dead run's transaction.
   */
  @Test
  void aRunThatDiesBeforeItsCommitLeavesNothingVisibleAndNothingRemembered(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = topicsOnly(kafka, registryServer, "dies");
    String frames = settings.get("topics.frames");
    write(kafka, registryServer, settings, List.of(
        dl(frames, 0, "cam-0", "a", "SCORING_FAILED", 1_000), dl(frames, 1, "cam-1", "b", "SCORING_FAILED", 1_001)));
    dieBeforeCommit(settings);
    assertThat(values(kafka, frames)).as("nothing visible to read_committed").isEmpty();
    MonitorConfig c = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    var partitions = java.util.Set.of(new TopicPartition(c.string("topics.dead-letter"), 0),
        new TopicPartition(c.string("topics.dead-letter"), 1));
    // the next run's producer fences the dead one: its transaction, frames and offsets, is aborted
    try (KafkaProducer<byte[], byte[]> next = new KafkaProducer<>(RedriveCommand.producerProperties(c),
        new org.apache.kafka.common.serialization.ByteArraySerializer(),
        new org.apache.kafka.common.serialization.ByteArraySerializer());
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(RedriveCommand.consumerProperties(c),
            new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      next.initTransactions();
      assertThat(consumer.committed(partitions, Duration.ofSeconds(30)).values())
          .as("nothing remembered").allMatch(java.util.Objects::isNull);
    }
    assertThat(values(kafka, frames)).as("nothing visible to read_committed").isEmpty();

    String[] next = redrive(settings);
    assertThat(next[0]).as("stderr: %s", next[2]).isEqualTo("0");
    assertThat(next[1]).contains("sent 2 of 2");
    assertThat(values(kafka, frames)).as("each frame once").containsExactlyInAnyOrder("a", "b");
    assertThat(redrive(settings)[1]).contains("sent 0 of 2");
  }

  /**
   * A dry run cannot know what a run that died with its transaction open will be remembered for until that transaction
   * ends (the broker aborts it after the producer's transaction timeout, 60 s by default, and a real run at once):
   * it says so and what to do, instead of Kafka's bare "Timeout expired" after a minute.
   */
  @Test
  void aDryRunWhileADeadRunsTransactionIsOpenSaysWhyItCannotAnswerAndWhatToDo(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = topicsOnly(kafka, registryServer, "dry-dies");
    String frames = settings.get("topics.frames");
    write(kafka, registryServer, settings, List.of(
        dl(frames, 0, "cam-0", "a", "SCORING_FAILED", 1_000), dl(frames, 1, "cam-1", "b", "SCORING_FAILED", 1_001)));
    dieBeforeCommit(settings);
    String group = RedriveCommand.redriveId(MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated());

    String[] dry = redrive(settings, Duration.ofSeconds(5), "--dry-run");

    assertThat(dry[0]).as("stdout: %s", dry[1]).isEqualTo("2");
    assertThat(dry[2]).contains("consumer group " + group).contains("transaction open")
        .contains("run redrive without --dry-run");
    String[] real = redrive(settings);
    assertThat(real[0]).as("stderr: %s", real[2]).isEqualTo("0");
    assertThat(real[1]).as("the real run aborts the dead one's transaction and sends its frames").contains("sent 2 of 2");
  }

  /**
   * The committed Job k8s/jobs/redrive runs --dry-run. Over a record of earlier runs that leaves no room, the dry run
   * warned that the real run would be refused, and exited 0: the Job showed complete. Now it exits 3 (the help's
   * list), with the warning as the reason, and sends nothing.
   */
  @Test
  void aDryRunWhoseRealRunWouldBeRefusedExits3(KafkaBroker.Info kafka, SchemaRegistryServer.Info registryServer)
      throws Exception {
    Map<String, String> settings = topicsOnly(kafka, registryServer, "dry-refused");
    String frames = settings.get("topics.frames");
    String dlq = settings.get("topics.dead-letter");
    write(kafka, registryServer, settings, List.of(dl(frames, 0, "cam-0", "a", "SCORING_FAILED", 1_000)));
    String group = RedriveCommand.redriveId(MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated());
    // the record as many earlier runs of one camera each left it, on both partitions of the dead-letter topic
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        kafka.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, group), new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      String full = RedriveCommandTest.fullRecord().encode();
      c.commitSync(Map.of(new TopicPartition(dlq, 0), new org.apache.kafka.clients.consumer.OffsetAndMetadata(100, full),
          new TopicPartition(dlq, 1), new org.apache.kafka.clients.consumer.OffsetAndMetadata(100, full)));
    }

    String[] dry = redrive(settings, "--dry-run");

    assertThat(dry[0]).as("stdout: %s%nstderr: %s", dry[1], dry[2]).isEqualTo("3");
    assertThat(dry[2]).contains("without --dry-run this run would be refused before sending anything (exit status 3)")
        .contains("--reason SCORING_FAILED");
    assertThat(values(kafka, frames)).as("nothing sent").isEmpty();
  }

  /** Runs redrive's copy with a producer that dies before its commit: its transaction (frames, offsets) stays open. */
  private static void dieBeforeCommit(Map<String, String> settings) throws Exception {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    String dlq = c.string("topics.dead-letter");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(RedriveCommand.consumerProperties(c),
            new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<byte[], byte[]> producer = new DiesBeforeCommit(RedriveCommand.producerProperties(c))) {
      var partitions = List.of(new TopicPartition(dlq, 0), new TopicPartition(dlq, 1));
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RedriveCommand().copy(consumer, producer, partitions,
          new RedriveCommand.Selection(RedriveCommand.TRANSIENT, java.util.Set.of(), null, null,
              c.string("topics.frames")),
          new AvroSerde<>(DeadLetter.class, new HttpSchemaRegistryClient(Wiring.registrySettings(c)), false, false)
              .deserializer(), (topic, bytes) -> {
                throw new AssertionError("no kept frame is read: this run chooses no camera");
              }))
          .hasMessageContaining("died");
    }
  }

  /** A producer whose process dies between sending and committing: its transaction stays open on the broker. */
  private static final class DiesBeforeCommit extends KafkaProducer<byte[], byte[]> {
    DiesBeforeCommit(Map<String, Object> properties) {
      super(properties, new org.apache.kafka.common.serialization.ByteArraySerializer(),
          new org.apache.kafka.common.serialization.ByteArraySerializer());
    }

    @Override
    public void commitTransaction() {
      flush(); // the frames are on the broker, in the open transaction
      close(Duration.ZERO); // forced: no abort is sent, as after kill -9
      throw new org.apache.kafka.common.KafkaException("the process died before its commit");
    }
  }

  /** Settings with a frames topic and a two-partition dead-letter topic, created here (no monitor runs). */
  private static Map<String, String> topicsOnly(KafkaBroker.Info kafka, SchemaRegistryServer.Info registryServer,
      String name) throws Exception {
    Map<String, String> settings = MonitorSettings.ofQuickStart(kafka.bootstrapServers(), registryServer.url(), name,
        Path.of("unused"));
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
        org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(settings.get("topics.frames"), 1, (short) 1),
          new org.apache.kafka.clients.admin.NewTopic(settings.get("topics.dead-letter"), 2, (short) 1))).all().get();
    }
    return settings;
  }

  /**
   * Where the dead letters' record times start: an hour ago, not 1970. The broker deletes a segment whose newest record
   * is older than retention.ms (7 days by default) at its retention check (30 s after its start, then every 5
   * minutes), so dead letters and frames of 1970 vanished from the shared broker in the middle of a test.
   */
  private static final long T0 = System.currentTimeMillis() - Duration.ofHours(1).toMillis();

  /** The instant {@code millis} after {@link #T0}. */
  private static Instant at(long millis) {
    return Instant.ofEpochMilli(T0 + millis);
  }

  /**
   * A dead letter of camera {@code camera}'s frame whose value is {@code value}'s bytes, at record time {@code time}
   * milliseconds after {@link #T0}.
   */
  private static ProducerRecord<String, DeadLetter> dl(String frames, long offset, String camera, String value,
      String reason, long time) {
    byte[] key = camera.getBytes(StandardCharsets.UTF_8);
    return new ProducerRecord<>("", null, at(time).toEpochMilli(), camera, deadLetter(frames, offset, key,
        value.getBytes(StandardCharsets.UTF_8), reason, value, camera, null));
  }

  /** Writes the dead letters to the dead-letter topic (a camera's on one partition), as the topology does. */
  private static void write(KafkaBroker.Info kafka, SchemaRegistryServer.Info registryServer,
      Map<String, String> settings, List<ProducerRecord<String, DeadLetter>> deadLetters) throws Exception {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    AvroSerde<DeadLetter> serde = new AvroSerde<>(DeadLetter.class,
        new HttpSchemaRegistryClient(Wiring.registrySettings(c)), false, true);
    try (KafkaProducer<String, DeadLetter> p = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new StringSerializer(), serde.serializer())) {
      for (ProducerRecord<String, DeadLetter> r : deadLetters) {
        p.send(new ProducerRecord<>(settings.get("topics.dead-letter"), null, r.timestamp(), r.key(), r.value())).get();
      }
    }
  }

  /** The values of every committed record of {@code topic}, as text. */
  private static List<String> values(KafkaBroker.Info kafka, String topic) {
    return readAll(kafka.bootstrapServers(), topic).stream()
        .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
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
    return redrive(settings, Duration.ofSeconds(60), args);
  }

  /** Runs redrive with {@code args}, its broker answers awaited for {@code timeout}: exit status, stdout, stderr. */
  static String[] redrive(Map<String, String> settings, Duration timeout, String... args) {
    RedriveCommand command = new RedriveCommand();
    command.overrides = settings;
    command.metadataTimeout = timeout;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    // the error handler writes to picocli's err: the same stream, so that stderr holds the error too
    int rc = new CommandLine(command).setErr(new java.io.PrintWriter(command.err, true))
        .setExecutionExceptionHandler(Main.errorHandler()).execute(args);
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
