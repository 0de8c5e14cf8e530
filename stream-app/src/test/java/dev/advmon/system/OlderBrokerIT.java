package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.health.HangingTransactions;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.testing.Await;
import dev.advmon.testing.FrameTraffic;
import dev.advmon.testing.GhostTransaction;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.OutcomeReader;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.StandaloneKafka;
import dev.advmon.testing.SystemChecks;
import dev.advmon.testing.TestData;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.StreamingMonitor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor (Kafka 4.x clients: Kafka Streams with exactly_once_v2) against an Apache Kafka 3.9.1 broker, as many
 * production clusters still run (Confluent Platform 7.x, MSK): one KRaft node as a child process
 * ({@link StandaloneKafka#startKafka39}, production defaults). Every other test runs a 4.3.1 broker.
 *
 * <p>Besides the exactly-once path itself (transactions, read_committed outcomes), what differs on a 3.x broker is
 * its limit on record times: {@code message.timestamp.difference.max.ms} (both directions; Kafka 4 removed it, and
 * its clients no longer name it), which a 3.9 broker still applies wherever {@code message.timestamp.before.max.ms}
 * is not set. The output topics here carry a one-day {@code difference.max.ms}, and some frames are two days old: a
 * monitor that did not read that limit at start-up would write their verdicts with the frame's time, the broker would
 * refuse them, and under exactly-once the partition would stall behind that frame for ever.
 *
 * <p>The hanging-transaction check ({@link HangingTransactions}) asks the broker what only Kafka 3.0 on answers
 * (DescribeProducers, ListTransactions, DescribeTransactions, WriteTxnMarkers through {@code abortTransaction}): it is
 * driven here on the same 3.9 broker, a second test sharing it, as {@code HangingTransactionIT} drives it on 4.3.1.
 */
@ExtendWith(SchemaRegistryServer.class) // launched in beforeAll: it boots while the broker starts
class OlderBrokerIT {

  private static final int GOOD = 240;
  private static final int UNDECODABLE = 24;
  /** Every OLD_EVERY-th good frame is stamped two days ago, past the outputs' one-day limit. */
  private static final int OLD_EVERY = 10;
  private static final long DAY_MS = Duration.ofDays(1).toMillis();

  @TempDir
  static Path brokerDir;
  /** One 3.9 broker for both tests (starting one takes about 5 s); their topics and groups are apart. */
  private static StandaloneKafka kafka;

  @TempDir
  Path dir;

  @BeforeAll
  static void startBroker() throws InterruptedException {
    kafka = StandaloneKafka.startKafka39(brokerDir.resolve("kafka"), Map.of());
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void scoresEveryFrameExactlyOnceOnAKafka39Broker(SchemaRegistryServer.Info registryServer) throws Exception {
    String bootstrap = kafka.bootstrapServers();
    Map<String, String> settings = MonitorSettings.ofQuickStart(bootstrap, registryServer.url(), "kafka39", dir);
    // alerts carry pictures: start-up then requires (and with topics.create raises) the alerts topic's
    // max.message.bytes too
    settings.put("alerts.evidence-image", "true");
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    String frames = config.string("topics.frames");
    List<String> outputs = List.of(config.string("topics.verdicts"), config.string("topics.alerts"),
        config.string("topics.dead-letter"));

    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
      assertThat(admin.describeFeatures().featureMetadata().get().finalizedFeatures().get("metadata.version")
          .maxVersionLevel()).as("metadata.version of a 3.9 broker (3.9-IV0 is 21)").isLessThan((short) 22);
      // the outputs exist already, as an operator made them: a one-day limit on record times (Kafka 3's key), and
      // records smaller than the monitor must write (the monitor raises that; the frames topic it creates itself)
      Map<String, String> outputConfigs = Map.of("message.timestamp.difference.max.ms", Long.toString(DAY_MS),
          TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "100000");
      admin.createTopics(outputs.stream().map(t -> new NewTopic(t, 3, (short) 1).configs(outputConfigs)).toList())
          .all().get();
    }

    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    MonitorMetrics metrics = MonitorMetrics.inMemory();
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    long t0 = System.nanoTime();
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
        StreamingMonitor monitor = StreamingMonitor.start(config, registry, true,
            FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(classifier, List.of(), 64),
            metrics, AlertListener.NONE);
        OutcomeReader reader = new OutcomeReader(bootstrap, config.string("topics.verdicts"),
            config.string("topics.dead-letter"))) {
      // start-up's topic checks on 3.9: the frames topic created, max.message.bytes raised where too small
      try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
        List<ConfigResource> resources = new ArrayList<>();
        resources.add(new ConfigResource(ConfigResource.Type.TOPIC, frames));
        outputs.forEach(t -> resources.add(new ConfigResource(ConfigResource.Type.TOPIC, t)));
        Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
        Map<String, Long> maxBytes = configs.entrySet().stream().collect(Collectors.toMap(e -> e.getKey().name(),
            e -> Long.parseLong(e.getValue().get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value())));
        assertThat(maxBytes.get(frames)).as("max.message.bytes of the frames topic the monitor created")
            .isGreaterThan(ImageLimits.defaults().maxEncodedBytes());
        assertThat(maxBytes.get(config.string("topics.dead-letter"))).as("the dead letters' max.message.bytes, raised")
            .isGreaterThan(ImageLimits.defaults().maxEncodedBytes());
        assertThat(maxBytes.get(config.string("topics.alerts"))).as("the alerts' max.message.bytes, raised")
            .isGreaterThan(config.longValue("alerts.evidence-image-max-bytes"));
        assertThat(maxBytes.get(config.string("topics.verdicts"))).as("the verdicts' max.message.bytes, left as set")
            .isEqualTo(100_000L);
        assertThat(configs.get(resources.get(0)).get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("delete");
      }

      Map<String, String> expected = send(bootstrap, registry, frames);
      // until every outcome is read, or Kafka Streams failed (a refused output fails it again at every restart:
      // waiting longer would prove nothing more)
      Await.until(() -> SystemChecks.restarts(metrics) > 0 || reader.count() >= expected.size(),
          Duration.ofSeconds(120));
      assertThat(reader.count() >= expected.size())
          .as("an outcome for every record, the two-day-old frames too: %d of %d (Kafka Streams %s, %s restarts)",
              reader.count(), expected.size(), monitor.state(), SystemChecks.restarts(metrics)).isTrue();
      long ms = (System.nanoTime() - t0) / 1_000_000;

      List<OutcomeReader.Outcome> outcomes = reader.outcomes();
      assertThat(OutcomeReader.duplicates(outcomes)).as("frames with more than one outcome").isEmpty();
      Map<String, String> got = new HashMap<>();
      outcomes.forEach(o -> got.put(o.frameId(), o.verdict() ? "VERDICT" : o.reason()));
      assertThat(got).as("what each record became (read_committed)").isEqualTo(expected);
      assertThat(SystemChecks.restarts(metrics))
          .as("Kafka Streams restarts (an output refused for its time fails the task)").isZero();
      assertThat(monitor.state()).isEqualTo(KafkaStreams.State.RUNNING);
      // readiness asks the broker's KRaft quorum too (describeMetadataQuorum, forwarded to the controller): a 3.9
      // broker answers it, so the monitor is ready there as on 4.x
      assertThat(Await.until(() -> monitor.health().readiness().up(), Duration.ofSeconds(30)))
          .as("readiness on a Kafka 3.9 broker: %s", monitor.health().readiness()).isTrue();
      org.slf4j.LoggerFactory.getLogger(OlderBrokerIT.class).info(
          "{} records, one outcome each, through a Kafka 3.9.1 broker in {} ms from the monitor's start",
          expected.size(), ms);
    }
  }

  /**
   * On a 3.9 broker the check finds transactions no coordinator tracks and tells them from a live one beside them:
   * under {@code abort-own} it aborts the one on a topic the monitor writes and the one holding its group's offset
   * commit on {@code __consumer_offsets}, and reports the one on the frames topic with the command that aborts it.
   */
  @Test
  void findsAndAbortsHangingTransactionsOnAKafka39Broker() throws Exception {
    String bootstrap = kafka.bootstrapServers();
    TopicPartition verdicts = new TopicPartition("hanging-verdicts", 0);
    TopicPartition frames = new TopicPartition("hanging-frames", 0);
    String group = "hanging-group";
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap));
        KafkaProducer<byte[], byte[]> live = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap, ProducerConfig.TRANSACTIONAL_ID_CONFIG, "hanging-live"), new ByteArraySerializer(),
            new ByteArraySerializer())) {
      admin.createTopics(List.of(new NewTopic(verdicts.topic(), 1, (short) 1), new NewTopic(frames.topic(), 1,
          (short) 1))).all().get();
      live.initTransactions();
      live.beginTransaction();
      live.send(new ProducerRecord<>(verdicts.topic(), 0, null, new byte[] {1})).get();
      GhostTransaction.Left onVerdicts = GhostTransaction.leaveOpen(bootstrap, verdicts, 3);
      GhostTransaction.Left onFrames = GhostTransaction.leaveOpen(bootstrap, frames, 3);
      long onOffsets = GhostTransaction.leaveOffsetCommitOpen(bootstrap, group, frames, 0);
      HangingTransactions check = new HangingTransactions(admin, () -> List.of(verdicts.topic(), frames.topic()),
          frames.topic(), group, HangingTransactions.Mode.ABORT_OWN, 0, 0, 10_000, System::currentTimeMillis,
          bootstrap);
      check.check(); // first seen
      check.check(); // old enough (age 0): judged

      assertThat(check.aborted()).as("the one on the verdicts (producer %d) and the one holding the group's offset "
          + "commit (producer %d) aborted", onVerdicts.producerId(), onOffsets).isEqualTo(2);
      assertThat(admin.describeProducers(List.of(verdicts)).partitionResult(verdicts).get().activeProducers())
          .as("on %s the live transaction still open, the hanging one gone", verdicts)
          .anyMatch(p -> p.currentTransactionStartOffset().isPresent())
          .noneMatch(p -> p.producerId() == onVerdicts.producerId() && p.currentTransactionStartOffset().isPresent());
      String command = "kafka-transactions.sh --bootstrap-server " + bootstrap + " abort --topic " + frames.topic()
          + " --partition 0 --start-offset " + onFrames.startOffset();
      assertThat(check.problem()).as("the one on the frames topic reported with the command, not aborted")
          .contains("hanging transaction on " + frames, command);
      live.commitTransaction();
    }
  }

  /**
   * Writes the good frames (every {@link #OLD_EVERY}-th stamped two days ago) and the undecodable records, interleaved;
   * returns what each must become, by frame id (the record key for an undecodable one).
   */
  private static Map<String, String> send(String bootstrap, SchemaRegistry registry, String frames) throws Exception {
    Map<String, String> expected = new HashMap<>();
    IntFunction<FrameTraffic.Record> frame = FrameTraffic.cameraFrames(registry, frames, "k39", 4);
    long twoDaysAgo = System.currentTimeMillis() - 2 * DAY_MS;
    try (KafkaProducer<byte[], byte[]> camera = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrap), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int n = 0; n < GOOD; n++) {
        FrameTraffic.Record r = frame.apply(n);
        Long stamp = n % OLD_EVERY == 0 ? twoDaysAgo : null;
        camera.send(new ProducerRecord<>(frames, null, stamp, r.key(), r.value()));
        expected.put("k39-" + n, "VERDICT");
        if (n % (GOOD / UNDECODABLE) == 0) {
          String key = "bad-" + n;
          // not the Confluent wire format: no Avro reader takes it
          camera.send(new ProducerRecord<>(frames, null, stamp, key.getBytes(StandardCharsets.UTF_8),
              new byte[] {1, 2, 3}));
          expected.put(key, "BAD_MAGIC_BYTE");
        }
      }
      camera.flush();
    }
    return expected;
  }
}
