package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.campaign.CameraStatus;
import dev.advmon.campaign.CameraStatusSerde;
import dev.advmon.campaign.CampaignFlag;
import dev.advmon.campaign.CampaignFlagSerde;
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
import dev.advmon.testing.Await;
import dev.advmon.testing.FrameTraffic;
import dev.advmon.testing.KafkaBroker;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.OutcomeReader;
import dev.advmon.testing.RealKafkaAndRegistry;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.SystemChecks;
import dev.advmon.testing.TestData;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.MonitorTopology;
import dev.advmon.topology.StreamingMonitor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Frames whose record timestamps a broker accepts on the frames topic but refuses on the monitor's own topics: a
 * Kafka 4 broker refuses records stamped more than an hour ahead of its clock by default
 * ({@code log.message.timestamp.after.max.ms}), and a frames topic may be set to take them (a camera with a wrong
 * clock, a gateway that keeps the camera's time); a limit on old records ({@code message.timestamp.before.max.ms})
 * may be set on the monitor's topics and not on the frames topic, or be reached only by the time the monitor writes.
 * The verdict written with that timestamp would be refused, the transaction aborted and the frame read again, for
 * ever: the partition would stall behind one frame. The same holds for campaign flags read back from the campaign
 * repartition topic, which Kafka Streams reads with their own time, not through the monitor's extractor.
 */
@RealKafkaAndRegistry
class FrameTimestampsIT {

  @TempDir
  Path dir;

  @Test
  void framesStampedFarAheadOfTheClockGetTheirVerdictsInsteadOfStallingThePartition(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    MonitorConfig config = oneThread(kafka, registryServer, "future");
    createTopics(kafka, config, Map.of(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, Long.toString(Long.MAX_VALUE)),
        Map.of());
    SchemaRegistry registry = registry(registryServer);
    long now = System.currentTimeMillis();
    long[] stamps = {now, now + Duration.ofHours(2).toMillis(), now + Duration.ofDays(400).toMillis(), now};
    try (KafkaProducer<byte[], byte[]> camera = camera(kafka)) {
      sendFrames(camera, registry, config, "future", stamps);
    }

    List<OutcomeReader.Outcome> outcomes = outcomes(kafka, config, registry, stamps.length,
        "a verdict for every frame, those stamped hours and a year ahead too");
    assertThat(outcomes).allMatch(OutcomeReader.Outcome::verdict);
    assertThat(outcomes.stream().map(OutcomeReader.Outcome::frameId))
        .containsExactlyInAnyOrder("future-0", "future-1", "future-2", "future-3");
  }

  /**
   * The monitor keeps a frame stamped up to 5 minutes ahead of its clock, which a broker's default hour takes; an
   * output topic set to take records at most a minute ahead refused that frame's verdict, and the frame was read
   * again after every restart, for ever, with the frame of now behind it.
   */
  @Test
  void framesAheadOfTheClockByMoreThanTheOutputTopicsAcceptGetTheirVerdictsInsteadOfStallingThePartition(
      KafkaBroker.Info kafka, SchemaRegistryServer.Info registryServer) throws Exception {
    MonitorConfig config = oneThread(kafka, registryServer, "ahead");
    createTopics(kafka, config, Map.of(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, Long.toString(Long.MAX_VALUE)),
        Map.of(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, Long.toString(Duration.ofMinutes(1).toMillis())));
    SchemaRegistry registry = registry(registryServer);
    long now = System.currentTimeMillis();
    // three minutes ahead: inside the monitor's own 5 minutes, outside the outputs' minute
    long[] stamps = {now + Duration.ofMinutes(3).toMillis(), now};
    try (KafkaProducer<byte[], byte[]> camera = camera(kafka)) {
      sendFrames(camera, registry, config, "ahead", stamps);
    }

    MonitorMetrics metrics = MonitorMetrics.inMemory();
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
        StreamingMonitor monitor = monitor(config, registry, bundle, classifier, metrics);
        OutcomeReader reader = new OutcomeReader(kafka.bootstrapServers(), config.string("topics.verdicts"),
            config.string("topics.dead-letter"))) {
      // until both verdicts are read, or Kafka Streams failed (then it fails again at every restart: waiting longer
      // would prove nothing more)
      Await.until(() -> SystemChecks.restarts(metrics) > 0 || reader.count() >= stamps.length, Duration.ofSeconds(90));

      assertThat(SystemChecks.restarts(metrics))
          .as("Kafka Streams restarts (the verdicts topic refusing the verdict's time fails the task); it is %s",
              monitor.state()).isZero();
      assertThat(reader.outcomes()).allMatch(OutcomeReader.Outcome::verdict);
      assertThat(reader.outcomes().stream().map(OutcomeReader.Outcome::frameId).distinct())
          .containsExactlyInAnyOrder("ahead-0", "ahead-1");
    }
  }

  @Test
  void framesOlderThanTheOutputTopicsAcceptGetTheirVerdictsInsteadOfStallingThePartition(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    MonitorConfig config = oneThread(kafka, registryServer, "past");
    // the frames topic keeps any time (the default); the monitor's own topics refuse records older than a day
    createTopics(kafka, config, Map.of(), Map.of(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG,
        Long.toString(Duration.ofDays(1).toMillis())));
    SchemaRegistry registry = registry(registryServer);
    long now = System.currentTimeMillis();
    long year2000 = 946_684_800_000L;
    // a backlog two days old, a camera whose clock was reset to 2000-01-01, a frame of today
    long[] stamps = {now - Duration.ofDays(2).toMillis(), year2000, now};
    try (KafkaProducer<byte[], byte[]> camera = camera(kafka)) {
      sendFrames(camera, registry, config, "past", stamps);
      // a record no Avro reader takes, stamped long ago: its dead letter must be written too
      camera.send(new ProducerRecord<>(config.string("topics.frames"), 0, year2000, "past-cam".getBytes(),
          new byte[] {1, 2, 3})).get();
    }

    List<OutcomeReader.Outcome> outcomes = outcomes(kafka, config, registry, stamps.length + 1,
        "an outcome for every record, those stamped days and years ago too");
    assertThat(outcomes.stream().filter(OutcomeReader.Outcome::verdict).map(OutcomeReader.Outcome::frameId))
        .containsExactlyInAnyOrder("past-0", "past-1", "past-2");
    assertThat(outcomes).filteredOn(o -> !o.verdict()).extracting(OutcomeReader.Outcome::reason)
        .containsExactly("BAD_MAGIC_BYTE");
  }

  @Test
  void aLimitSetOnTheOutputsWhileTheMonitorRunsIsReadAgainWhenAFrameIsRefusedForIt(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    MonitorConfig config = oneThread(kafka, registryServer, "lowered");
    createTopics(kafka, config, Map.of(), Map.of(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG,
        Long.toString(Long.MAX_VALUE)));
    SchemaRegistry registry = registry(registryServer);
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
        StreamingMonitor monitor = monitor(config, registry, bundle, classifier);
        OutcomeReader reader = new OutcomeReader(kafka.bootstrapServers(), config.string("topics.verdicts"),
            config.string("topics.dead-letter"));
        KafkaProducer<byte[], byte[]> camera = camera(kafka);
        Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
      long now = System.currentTimeMillis();
      sendFrames(camera, registry, config, "lowered", new long[] {now});
      assertThat(reader.awaitCount(1, Duration.ofSeconds(90))).as("running, the outputs unlimited").isTrue();

      // an operator sets a one-day limit on the outputs while the monitor runs (or start-up could not read it)
      Map<org.apache.kafka.common.config.ConfigResource, java.util.Collection<org.apache.kafka.clients.admin.AlterConfigOp>>
          dayLimit = new java.util.HashMap<>();
      for (String output : List.of("topics.verdicts", "topics.alerts", "topics.dead-letter")) {
        dayLimit.put(new org.apache.kafka.common.config.ConfigResource(
            org.apache.kafka.common.config.ConfigResource.Type.TOPIC, config.string(output)),
            List.of(new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry(
                TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, Long.toString(Duration.ofDays(1).toMillis())),
                org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)));
      }
      admin.incrementalAlterConfigs(dayLimit).all().get();
      // the broker applies it a moment later: until then the old frame would be accepted and prove nothing
      assertThat(dev.advmon.testing.Await.until(() -> {
        try {
          return admin.describeConfigs(dayLimit.keySet()).all().get().values().stream().allMatch(c ->
              c.get(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG).value()
                  .equals(Long.toString(Duration.ofDays(1).toMillis())));
        } catch (Exception e) {
          return false;
        }
      }, Duration.ofMinutes(2))).as("the broker applies the new limit").isTrue();
      // frames-1 two days old, frames-2 of now: neither may wait for ever behind the first
      IntFunction<FrameTraffic.Record> frame = FrameTraffic.cameraFrames(registry, config.string("topics.frames"),
          "lowered", 2);
      long[] stamps = {now - Duration.ofDays(2).toMillis(), System.currentTimeMillis()};
      for (int n = 0; n < stamps.length; n++) {
        FrameTraffic.Record r = frame.apply(n + 1);
        camera.send(new ProducerRecord<>(config.string("topics.frames"), 0, stamps[n], r.key(), r.value())).get();
      }
      assertThat(reader.awaitCount(3, Duration.ofSeconds(90)))
          .as("a verdict for the frame older than the new limit too: %d of 3 (Kafka Streams %s)", reader.count(),
              monitor.state()).isTrue();
      assertThat(reader.outcomes().stream().map(OutcomeReader.Outcome::frameId))
          .containsExactlyInAnyOrder("lowered-0", "lowered-1", "lowered-2");
    }
  }

  /**
   * {@code outputsToo} false: the limit is set on the camera store's changelog alone, which the monitor then read no
   * limit from (it read the outputs' and the broker's default only), and the flag was refused at every restart.
   */
  @ParameterizedTest(name = "limit on the outputs too: {0}")
  @ValueSource(booleans = {true, false})
  void aCampaignFlagLeftInTheRepartitionTopicLongerThanTheTopicsAcceptIsCountedInsteadOfFailingTheTaskAtEveryRestart(
      boolean outputsToo, KafkaBroker.Info kafka, SchemaRegistryServer.Info registryServer) throws Exception {
    MonitorConfig config = oneThread(kafka, registryServer, outputsToo ? "stale-flag" : "stale-flag-changelog");
    Map<String, String> dayLimit = Map.of(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG,
        Long.toString(Duration.ofDays(1).toMillis()));
    createTopics(kafka, config, Map.of(), outputsToo ? dayLimit : Map.of());
    // Kafka Streams' own topics, made before it runs under the names it uses (it takes existing ones as they are):
    // the camera store's changelog refuses records older than a day, as the outputs do. The repartition topic has no
    // limit, only so that a flag stamped two days ago can be written into it here: in production the flag was written
    // while fresh, just before the monitor stopped, and aged there (a limit checks a record's age when it is written)
    String appId = config.string("streams.application-id");
    String changelog = appId + "-" + MonitorTopology.CAMERA_STORE + "-changelog";
    String repartition = appId + "-" + MonitorTopology.CAMPAIGN_REPARTITION + "-repartition";
    assertThat(MonitorTopology.internalTopics(appId)).containsExactlyInAnyOrder(changelog, repartition);
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
      Map<String, String> changelogConfigs = new java.util.HashMap<>(dayLimit);
      changelogConfigs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
      admin.createTopics(List.of(new NewTopic(changelog, 1, (short) 1).configs(changelogConfigs),
          new NewTopic(repartition, 1, (short) 1))).all().get();
    }
    SchemaRegistry registry = registry(registryServer);
    long now = System.currentTimeMillis();
    long twoDaysAgo = now - Duration.ofDays(2).toMillis();
    try (KafkaProducer<byte[], byte[]> camera = camera(kafka)) {
      // a flag the previous run wrote just before it stopped, two days ago, and never read back
      byte[] flag = new CampaignFlagSerde().serializer().serialize(repartition,
          new CampaignFlag(true, List.of("stale"), "stale-flag-before-the-stop"));
      camera.send(new ProducerRecord<>(repartition, 0, twoDaysAgo, "stale-cam".getBytes(StandardCharsets.UTF_8),
          flag)).get();
      sendFrames(camera, registry, config, "stale", new long[] {now, now});
    }

    MonitorMetrics metrics = MonitorMetrics.inMemory();
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    Map<String, Long> changelogTimes = new java.util.concurrent.ConcurrentHashMap<>();
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
        StreamingMonitor monitor = monitor(config, registry, bundle, classifier, metrics);
        OutcomeReader reader = new OutcomeReader(kafka.bootstrapServers(), config.string("topics.verdicts"),
            config.string("topics.dead-letter"));
        KafkaConsumer<byte[], byte[]> changelogReader = committedFromStart(kafka, changelog)) {
      // until the stale camera's state is committed to the changelog and both frames have their verdicts, or Kafka
      // Streams failed (then it fails again at every restart: waiting longer would prove nothing more)
      Await.until(() -> {
        noteTimes(changelogReader, changelogTimes);
        return SystemChecks.restarts(metrics) > 0
            || (changelogTimes.containsKey("stale-cam") && reader.count() >= 2);
      }, Duration.ofSeconds(90));

      assertThat(SystemChecks.restarts(metrics))
          .as("Kafka Streams restarts (the changelog refusing the stale flag's time fails the task); it is %s",
              monitor.state()).isZero();
      assertThat(reader.outcomes().stream().filter(OutcomeReader.Outcome::verdict)
          .map(OutcomeReader.Outcome::frameId).distinct())
          .as("verdicts (Kafka Streams %s)", monitor.state())
          .containsExactlyInAnyOrder("stale-0", "stale-1");
      assertThat(changelogTimes).as("cameras committed to %s", changelog).containsKey("stale-cam");
      assertThat(changelogTimes.get("stale-cam"))
          .as("the stale camera's changelog record time, counted at the clock's")
          .isGreaterThan(now - Duration.ofDays(1).toMillis());
      assertThat(monitor.cameras().one("stale-cam")).as("the stale flag's camera in the camera store").isPresent();
      assertThat(monitor.state()).isEqualTo(KafkaStreams.State.RUNNING);
    }
  }

  /**
   * A campaign alert is stamped with the end of the window it judges. A camera whose window was open when the monitor
   * stopped, two days ago, has that window closed by the clock at the next start: its alert, written with the window's
   * end, was refused by an alerts topic that takes records a day old at most, and the task failed at every restart.
   */
  @Test
  void theCampaignAlertOfAWindowOpenWhenTheMonitorStoppedDaysAgoIsWrittenInsteadOfFailingTheTaskAtEveryRestart(
      KafkaBroker.Info kafka, SchemaRegistryServer.Info registryServer) throws Exception {
    MonitorConfig config = oneThread(kafka, registryServer, "stale-window");
    createTopics(kafka, config, Map.of(), Map.of(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG,
        Long.toString(Duration.ofDays(1).toMillis())));
    // the camera store's changelog as the previous run left it, two days ago (no limit on it, so that the test can
    // write that state; the limit that matters here is the alerts topic's)
    String appId = config.string("streams.application-id");
    String changelog = appId + "-" + MonitorTopology.CAMERA_STORE + "-changelog";
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(changelog, 1, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
          TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
    }
    long now = System.currentTimeMillis();
    long windowMs = config.longValue("campaign.window-ms");
    long twoDaysAgo = now - Duration.ofDays(2).toMillis();
    long windowStart = twoDaysAgo - Math.floorMod(twoDaysAgo, windowMs);
    int streak = config.intValue("campaign.consecutive-windows") - 1;
    // one hot window short of a campaign, its current window full of flagged frames: closing it raises the campaign
    CameraStatus before = new CameraStatus("stale-cam", CameraStatus.NORMAL, windowStart, 50, 50, windowStart - windowMs,
        50, 50, streak, 0, -1, 50L * (streak + 1), 50L * (streak + 1));
    SchemaRegistry registry = registry(registryServer);
    try (KafkaProducer<byte[], byte[]> camera = camera(kafka)) {
      camera.send(new ProducerRecord<>(changelog, 0, twoDaysAgo, "stale-cam".getBytes(StandardCharsets.UTF_8),
          new CameraStatusSerde().serializer().serialize(changelog, before))).get();
      // frames of another camera: the campaign clock starts with the first frame read after a start
      sendFrames(camera, registry, config, "fresh", new long[] {now, now});
    }

    MonitorMetrics metrics = MonitorMetrics.inMemory();
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    Map<String, Long> alertTimes = new java.util.concurrent.ConcurrentHashMap<>();
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
        StreamingMonitor monitor = monitor(config, registry, bundle, classifier, metrics);
        KafkaConsumer<byte[], byte[]> alerts = committedFromStart(kafka, config.string("topics.alerts"))) {
      // until the stale camera's campaign alert is committed, or Kafka Streams failed (then it fails again at every
      // restart: waiting longer would prove nothing more)
      Await.until(() -> {
        noteTimes(alerts, alertTimes);
        return SystemChecks.restarts(metrics) > 0 || alertTimes.containsKey("stale-cam");
      }, Duration.ofSeconds(90));

      assertThat(SystemChecks.restarts(metrics))
          .as("Kafka Streams restarts (the alerts topic refusing the alert's time fails the task); it is %s",
              monitor.state()).isZero();
      assertThat(alertTimes).as("alerts committed").containsKey("stale-cam");
      assertThat(alertTimes.get("stale-cam")).as("the alert's record time: the clock's, not the window's end")
          .isGreaterThan(now - Duration.ofDays(1).toMillis());
      assertThat(monitor.cameras().one("stale-cam")).as("the stale camera, now in a campaign")
          .hasValueSatisfying(c -> assertThat(c.inCampaign()).isTrue());
      assertThat(monitor.state()).isEqualTo(KafkaStreams.State.RUNNING);
    }
  }

  /** A read_committed reader of partition 0 of {@code topic}, from its first record. */
  private static KafkaConsumer<byte[], byte[]> committedFromStart(KafkaBroker.Info kafka, String topic) {
    KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    c.assign(List.of(new TopicPartition(topic, 0)));
    c.seekToBeginning(c.assignment());
    return c;
  }

  /** One poll of {@code reader}: the record time of each keyed record, by its key (the last one read wins). */
  private static void noteTimes(KafkaConsumer<byte[], byte[]> reader, Map<String, Long> times) {
    for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(100))) {
      if (r.key() != null) {
        times.put(new String(r.key(), StandardCharsets.UTF_8), r.timestamp());
      }
    }
  }

  /** A monitor on one partition and one thread, so that every frame waits behind the one before it. */
  private MonitorConfig oneThread(KafkaBroker.Info kafka, SchemaRegistryServer.Info registryServer, String name) {
    Map<String, String> settings = MonitorSettings.ofQuickStart(
        kafka.bootstrapServers(), registryServer.url(), name, dir);
    settings.put("topics.partitions", "1");
    settings.put("streams.num-threads", "1");
    return MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
  }

  /** The frames topic with {@code framesConfigs}, the monitor's output topics with {@code outputConfigs}. */
  private static void createTopics(KafkaBroker.Info kafka, MonitorConfig config, Map<String, String> framesConfigs,
      Map<String, String> outputConfigs) throws Exception {
    List<NewTopic> topics = new java.util.ArrayList<>(
        List.of(new NewTopic(config.string("topics.frames"), 1, (short) 1).configs(framesConfigs)));
    if (!outputConfigs.isEmpty()) {
      for (String output : List.of("topics.verdicts", "topics.alerts", "topics.dead-letter")) {
        topics.add(new NewTopic(config.string(output), 1, (short) 1).configs(outputConfigs));
      }
    }
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(topics).all().get();
    }
  }

  private static SchemaRegistry registry(SchemaRegistryServer.Info registryServer) {
    return new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
  }

  private static KafkaProducer<byte[], byte[]> camera(KafkaBroker.Info kafka) {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
        new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Frames {@code name-0}, {@code name-1}, ... with the record timestamps {@code stamps}, in that order. */
  private static void sendFrames(KafkaProducer<byte[], byte[]> camera, SchemaRegistry registry, MonitorConfig config,
      String name, long[] stamps) throws Exception {
    String frames = config.string("topics.frames");
    IntFunction<FrameTraffic.Record> frame = FrameTraffic.cameraFrames(registry, frames, name, 2);
    for (int n = 0; n < stamps.length; n++) {
      FrameTraffic.Record r = frame.apply(n);
      camera.send(new ProducerRecord<>(frames, 0, stamps[n], r.key(), r.value())).get();
    }
  }

  /** The monitor on the bundled model without detectors: what is measured here is the path, not the scores. */
  private static StreamingMonitor monitor(MonitorConfig config, SchemaRegistry registry, ModelBundle bundle,
      DjlClassifier classifier) throws Exception {
    return monitor(config, registry, bundle, classifier, MonitorMetrics.inMemory());
  }

  private static StreamingMonitor monitor(MonitorConfig config, SchemaRegistry registry, ModelBundle bundle,
      DjlClassifier classifier, MonitorMetrics metrics) throws Exception {
    return StreamingMonitor.start(config, registry, true, FramePreparer.forModel(ImageLimits.defaults(),
        bundle.manifest()), new FrameScorer(classifier, List.of(), 64), metrics, AlertListener.NONE);
  }

  /** Runs the monitor (bundled model, no detectors) until {@code expected} outcomes are read, and returns them. */
  private static List<OutcomeReader.Outcome> outcomes(KafkaBroker.Info kafka, MonitorConfig config,
      SchemaRegistry registry, int expected, String what) throws Exception {
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
        StreamingMonitor monitor = monitor(config, registry, bundle, classifier);
        OutcomeReader reader = new OutcomeReader(kafka.bootstrapServers(), config.string("topics.verdicts"),
            config.string("topics.dead-letter"))) {
      assertThat(reader.awaitCount(expected, Duration.ofSeconds(90)))
          .as("%s: %d of %d (Kafka Streams %s)", what, reader.count(), expected, monitor.state()).isTrue();
      return reader.outcomes();
    }
  }
}
