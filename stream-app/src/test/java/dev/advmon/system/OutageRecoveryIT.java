package dev.advmon.system;

import static dev.advmon.testing.SystemChecks.frame;
import static dev.advmon.testing.SystemChecks.reasonsContain;
import static dev.advmon.testing.SystemChecks.restarts;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.advmon.cli.Wiring;
import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.health.HealthReport;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.schema.Frame;
import dev.advmon.schema.ImageEncoding;
import dev.advmon.testing.Await;
import dev.advmon.testing.ChildProcess;
import dev.advmon.testing.Footprint;
import dev.advmon.testing.FrameTraffic;
import dev.advmon.testing.LogLines;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.OutcomeReader;
import dev.advmon.testing.ProductionLogging;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.StandaloneKafka;
import dev.advmon.testing.TcpProxy;
import dev.advmon.testing.TestData;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.StreamingMonitor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What a pod that lives for weeks meets from outside, several times over: the schema registry frozen (SIGSTOP) while
 * frames written with a schema id the monitor has not cached arrive, then, while it still is, the broker stopped;
 * then the registry thawed and the broker started again. After each outage the in-process monitor must come back to
 * RUNNING and ready by itself; over all of them every frame gets exactly one verdict (read_committed), and what the
 * monitor holds (its {@link Footprint}) and how much it logs must not grow from outage to outage.
 */
class OutageRecoveryIT {

  private static final int OUTAGES = 3;
  private static final double RATE = 10; // frames per second, through the outages
  /** The monitor's own log lines one outage may cost: what happened and what it does about it, not a flood. */
  private static final int MAX_LINES_PER_OUTAGE = 25;
  /** Kafka's own lines from the monitor's clients per outage: a restart's few, not one per reconnect attempt. */
  private static final int MAX_KAFKA_LINES_PER_OUTAGE = 15;

  @TempDir
  Path dir;

  @Test
  void repeatedRegistryAndBrokerOutagesLoseNothingRecoverByThemselvesAndLeaveNothingBehind() throws Exception {
    // the registry boots while the broker starts (neither needs the other)
    try (SchemaRegistryServer.Running registryServer = SchemaRegistryServer.launchDedicated();
        StandaloneKafka kafka = StandaloneKafka.start(dir.resolve("kafka"))) {
      registryServer.ready();
      Map<String, String> settings = faultSettings(kafka.bootstrapServers(), registryServer.url(), "outage");
      settings.put("registry.timeout-ms", "1000"); // a frozen registry fails a call in seconds, not a minute
      settings.put("registry.retries", "2");
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      String appId = config.string("streams.application-id");
      Path state = Path.of(settings.get("streams.state-dir"));
      String frames = config.string("topics.frames");
      SchemaRegistry registry = new HttpSchemaRegistryClient(Wiring.registrySettings(config)); // the monitor's
      SchemaRegistry producers = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
      ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
      List<byte[]> pngs = new ArrayList<>();
      for (TestData.Labelled l : TestData.evalSet().subList(0, 20)) {
        pngs.add(Files.readAllBytes(l.file()));
      }
      Set<String> sent = ConcurrentHashMap.newKeySet();
      AvroSerde<Frame> serde = AvroSerde.forClass(Frame.class, producers);
      // the schema producers write with now: a new compatible version (hence an id the monitor must fetch) per outage
      Object[] writer = {null, 0};
      MonitorMetrics metrics = MonitorMetrics.inMemory();
      try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
          LogLines ownLog = LogLines.of("dev.advmon");
          LogLines kafkaLog = LogLines.of("org.apache.kafka");
          StreamingMonitor monitor = StreamingMonitor.start(config, registry, true,
              FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(classifier, List.of(), 64),
              metrics, AlertListener.NONE);
          FrameTraffic traffic = new FrameTraffic(kafka.bootstrapServers(), frames, Integer.MAX_VALUE, RATE, n -> {
            String id = "outage-" + n;
            String camera = "cam-" + n % 4;
            sent.add(id);
            byte[] png = pngs.get(n % pngs.size());
            byte[] value = writer[0] == null
                ? serde.serializer().serialize(frames, Frame.newBuilder().setFrameId(id).setCameraId(camera)
                    .setCaptureTime(Instant.now()).setEncoding(ImageEncoding.PNG).setImage(ByteBuffer.wrap(png)).build())
                : frame((Schema) writer[0], (Integer) writer[1], id, camera, png);
            return new FrameTraffic.Record(camera.getBytes(StandardCharsets.UTF_8), value, null);
          });
          OutcomeReader reader = new OutcomeReader(kafka.bootstrapServers(), config.string("topics.verdicts"),
              config.string("topics.dead-letter"))) {
        assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();
        assertThat(Await.until(() -> reader.count() >= 20 && monitor.health().readiness().up(), Duration.ofSeconds(60)))
            .as("verdicts flow and the monitor is ready: %s", monitor.health().readiness()).isTrue();

        Footprint afterFirst = null;
        List<String> perOutage = new ArrayList<>();
        for (int outage = 1; outage <= OUTAGES; outage++) {
          int ownBefore = ownLog.events().size();
          int kafkaBefore = kafkaLog.events().size();
          double restartsBefore = restarts(metrics);
          Schema next = new Schema.Parser().parse(Frame.getClassSchema().toString().replaceFirst("\"fields\":\\[",
              "\"fields\":[{\"name\":\"outage" + outage + "\",\"type\":[\"null\",\"long\"],\"default\":null},"));
          int nextId = producers.register(frames + "-value", next);
          ChildProcess.signal(registryServer.pid(), "STOP");
          try {
            writer[0] = next; // frames with an id the monitor has not cached yet, while it cannot ask for it
            writer[1] = nextId;
            assertThat(Await.until(() -> reasonsContain(monitor, "schema registry"), Duration.ofSeconds(30)))
                .as("outage %d: readiness DOWN naming the registry: %s", outage, monitor.health().readiness()).isTrue();
            assertThat(Await.until(() -> restarts(metrics) > restartsBefore, Duration.ofSeconds(30)))
                .as("outage %d: a frame with the new id stops the stream thread (not dead-lettered)", outage).isTrue();
            // the broker goes only once the failed client is closed. Without this wait, 3 of 14 runs left the next
            // client restoring for good (REBALANCING, ready DOWN, live UP): a changelog partition's last stable
            // offset stuck below its end with no transaction open at the coordinator. A known gap, not covered here
            assertThat(Await.until(() -> monitor.state() == KafkaStreams.State.ERROR
                || monitor.state() == KafkaStreams.State.NOT_RUNNING, Duration.ofSeconds(60)))
                .as("outage %d: the failed client closed: %s", outage, monitor.state()).isTrue();
            kafka.stop();
            assertThat(Await.until(() -> reasonsContain(monitor, "Kafka at"), Duration.ofSeconds(30)))
                .as("outage %d: readiness DOWN naming the broker: %s", outage, monitor.health().readiness()).isTrue();
          } finally {
            ChildProcess.signal(registryServer.pid(), "CONT");
          }
          kafka.restart();
          int handed = traffic.handedOver();
          boolean recovered = Await.until(() -> monitor.state() == KafkaStreams.State.RUNNING
              && monitor.health().readiness().up() && reader.count() >= handed
              && lines(ownLog, ownBefore, appId).stream().anyMatch(l -> l.contains("readiness UP")), Duration.ofSeconds(90));
          assertThat(recovered).as("outage %d: RUNNING and ready again, verdicts for the %d frames sent so far (have %d): "
              + "%s; log:%n%s", outage, handed, reader.count(), monitor.health().readiness(),
              String.join("\n", lines(ownLog, ownBefore, appId))).isTrue();
          List<String> own = lines(ownLog, ownBefore, appId);
          List<String> kafkaLines = lines(kafkaLog, kafkaBefore, appId);
          perOutage.add("outage " + outage + ": " + own.size() + " + " + kafkaLines.size() + " lines, "
              + (restarts(metrics) - restartsBefore) + " restarts");
          LoggerFactory.getLogger(OutageRecoveryIT.class).info("outage {}: {} log lines of the monitor, {} of its Kafka "
              + "clients, {} restarts:\n{}", outage, own.size(), kafkaLines.size(), restarts(metrics) - restartsBefore,
              String.join("\n", own));
          assertThat(own).as("outage %d: the monitor's log lines", outage).hasSizeLessThanOrEqualTo(MAX_LINES_PER_OUTAGE)
              .anyMatch(l -> l.contains("schema registry at")).anyMatch(l -> l.contains("Kafka at"))
              .anyMatch(l -> l.contains("readiness UP"));
          // one per client and reconnect attempt (about 8 a second with the broker away) would bury the lines above
          assertThat(kafkaLines).as("outage %d: its Kafka clients' log lines, as the monitor's logback.xml prints them",
              outage).hasSizeLessThanOrEqualTo(MAX_KAFKA_LINES_PER_OUTAGE);
          if (outage == 1) {
            afterFirst = Footprint.take(appId, state, metrics, registryServer.port());
          }
        }
        Footprint first = afterFirst;
        Footprint[] last = {null};
        boolean noGrowth = Await.until(() -> {
          last[0] = Footprint.take(appId, state, metrics, registryServer.port());
          return last[0].noMoreThan(first);
        }, Duration.ofSeconds(20));
        assertThat(noGrowth).as("after outage %d vs after outage 1 (%s):%n%s", OUTAGES, perOutage, last[0].diff(first))
            .isTrue();

        traffic.stopAndAwaitAcked(Duration.ofMinutes(1));
        assertThat(reader.awaitCount(sent.size(), Duration.ofSeconds(60))).as("an outcome per frame (%d of %d)",
            reader.count(), sent.size()).isTrue();
        List<OutcomeReader.Outcome> outcomes = OutcomeReader.readAll(kafka.bootstrapServers(),
            config.string("topics.verdicts"), config.string("topics.dead-letter"), Duration.ofSeconds(30));
        assertThat(OutcomeReader.duplicates(outcomes)).as("frames with more than one outcome").isEmpty();
        assertThat(outcomes).as("verdicts (no dead letters: the outages are nobody's fault)")
            .allMatch(OutcomeReader.Outcome::verdict);
        assertThat(outcomes.stream().map(OutcomeReader.Outcome::frameId)).containsExactlyInAnyOrderElementsOf(sent);
      }
    }
  }

  /**
   * A broker stopped and away longer than the transaction timeout (here its minimum, 5 s, and at least 12 s away: a
   * rolling restart of a minute meets the default 30 s the same way) while frames keep arriving. Stopped, not killed:
   * with a lone broker killed with kill -9, 3 of 7 runs failed: Kafka Streams waiting for good on a transaction the
   * coordinator no longer tracked while partitions still held it open, or its frames committed after all
   * (duplicates); with transaction.version 1 too: the broker losing a transaction. The monitor now aborts such a
   * hanging transaction on its own topics ({@code HangingTransactionIT}); the repeated frames remain (2 of 7 runs with
   * the check on), which no client can undo (README, "Faults, restarts and health"). Every frame must still get exactly one outcome (read_committed), the
   * monitor must come back to RUNNING and ready by itself, say so in a few lines (not a line per partition and retry), and leave no transaction open on its
   * outputs or changelogs once the frames stop. In the runs so far no in-place restart was needed.
   */
  @Test
  void aBrokerAwayLongerThanTheTransactionTimeoutLosesAndRepeatsNothingAndLeavesNoTransactionOpen() throws Exception {
    int txTimeoutMs = 5_000;
    // the coordinator looks for timed-out transactions every 10 s by default, from its start: a producer back within
    // that beats it. Once a second here, as when the coordinator moved to a broker that has been up for a while
    try (SchemaRegistryServer.Running registryServer = SchemaRegistryServer.launchDedicated();
        StandaloneKafka kafka = StandaloneKafka.start(dir.resolve("kafka"),
            Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"))) {
      registryServer.ready();
      Map<String, String> settings = faultSettings(kafka.bootstrapServers(), registryServer.url(), "longoutage");
      settings.put("streams.transaction-timeout-ms", Integer.toString(txTimeoutMs));
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      String appId = config.string("streams.application-id");
      String frames = config.string("topics.frames");
      ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
      MonitorMetrics metrics = MonitorMetrics.inMemory();
      Set<String> sent = ConcurrentHashMap.newKeySet();
      IntFunction<FrameTraffic.Record> camera = FrameTraffic.cameraFrames(
          new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build()), frames, "long", 4);
      try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
          LogLines ownLog = LogLines.of("dev.advmon");
          LogLines kafkaLog = LogLines.of("org.apache.kafka");
          StreamingMonitor monitor = startMonitor(config, bundle, classifier, metrics);
          FrameTraffic traffic = new FrameTraffic(kafka.bootstrapServers(), frames, Integer.MAX_VALUE, RATE, n -> {
            FrameTraffic.Record r = camera.apply(n);
            sent.add("long-" + n);
            return r;
          });
          OutcomeReader reader = new OutcomeReader(kafka.bootstrapServers(), config.string("topics.verdicts"),
              config.string("topics.dead-letter"));
          Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();
        assertThat(Await.until(() -> reader.count() >= 20 && monitor.health().readiness().up(), Duration.ofSeconds(60)))
            .as("verdicts flow and the monitor is ready: %s", monitor.health().readiness()).isTrue();
        // the broker honours the monitor's timeout (at most its transaction.max.timeout.ms): what the test relies on
        List<Long> timeouts = new ArrayList<>();
        assertThat(Await.until(() -> {
          timeouts.clear();
          timeouts.addAll(transactionTimeouts(admin, appId));
          return !timeouts.isEmpty();
        }, Duration.ofSeconds(20))).as("the monitor's transactional ids at the coordinator").isTrue();
        assertThat(timeouts).as("transaction timeouts the coordinator holds").containsOnly((long) txTimeoutMs);

        int ownBefore = ownLog.events().size();
        int kafkaBefore = kafkaLog.events().size();
        double restartsBefore = restarts(metrics);
        long stoppedAt = System.currentTimeMillis();
        kafka.stop(); // a controlled shutdown: see above for kill -9
        assertThat(Await.until(() -> reasonsContain(monitor, "Kafka at"), Duration.ofSeconds(30)))
            .as("readiness DOWN naming the broker: %s", monitor.health().readiness()).isTrue();
        // the outage itself: beyond the transaction timeout plus a margin, counted from the stop
        Await.until(() -> System.currentTimeMillis() - stoppedAt >= 12_000, Duration.ofSeconds(30));
        kafka.restart();
        long backAt = System.currentTimeMillis();
        int handed = traffic.handedOver();
        // the log line too: the health checker logs a change on its next round, after readiness() already says UP
        boolean recovered = Await.until(() -> monitor.state() == KafkaStreams.State.RUNNING
            && monitor.health().readiness().up() && reader.count() >= handed
            && lines(ownLog, ownBefore, appId).stream().anyMatch(l -> l.contains("readiness UP")), Duration.ofSeconds(90));
        long recoveredAt = System.currentTimeMillis();
        List<String> own = lines(ownLog, ownBefore, appId);
        assertThat(recovered).as("RUNNING and ready again, verdicts for the %d frames sent so far (have %d): %s; log:%n%s",
            handed, reader.count(), monitor.health().readiness(), String.join("\n", own)).isTrue();
        traffic.stopAndAwaitAcked(Duration.ofMinutes(1));
        assertThat(reader.awaitCount(sent.size(), Duration.ofSeconds(60))).as("an outcome per frame (%d of %d)",
            reader.count(), sent.size()).isTrue();
        own = lines(ownLog, ownBefore, appId);
        List<String> kafkaLines = lines(kafkaLog, kafkaBefore, appId);
        LoggerFactory.getLogger(OutageRecoveryIT.class).info("broker away {} ms (transaction timeout {} ms): ready with "
            + "all verdicts {} ms after it was back; {} restarts; {} log lines of the monitor, {} of its Kafka clients:"
            + "\n{}\n--- Kafka:\n{}", backAt - stoppedAt, txTimeoutMs, recoveredAt - backAt,
            restarts(metrics) - restartsBefore, own.size(), kafkaLines.size(), String.join("\n", own),
            String.join("\n", kafkaLines));

        assertNothingOpenAndEveryFrameOnce(admin, kafka.bootstrapServers(), config, sent);
        assertThat(own).as("the monitor's log lines for the outage").hasSizeLessThanOrEqualTo(MAX_LINES_PER_OUTAGE)
            .anyMatch(l -> l.contains("Kafka at")).anyMatch(l -> l.contains("readiness UP"));
        // the producer's retries while partition leaders come back are expected: a line per partition and attempt
        // (2 per partition and round) would grow with the partition count and bury the two lines above
        assertThat(kafkaLines).as("its Kafka clients' log lines").hasSizeLessThanOrEqualTo(MAX_KAFKA_LINES_PER_OUTAGE)
            .noneMatch(l -> l.contains("retrying (") || l.contains("Going to request metadata update"));
      }
    }
  }

  /**
   * Production runs a replicated cluster: three nodes (brokers and controller voters), every topic replicated three
   * times with {@code min.insync.replicas} 2. The node that is the monitor's transaction coordinator is killed with
   * {@code kill -9} while frames keep arriving (the lone broker's kill -9 can repeat verdicts: the method above), and
   * started again a while later; then the active KRaft controller alone is killed, and readiness must stay UP
   * through the election; then every node is restarted in turn (SIGTERM, as a rolling upgrade does, each once
   * its partitions are back in sync). Every frame must get exactly one outcome (read_committed), the monitor must stay
   * or come back RUNNING and ready by itself, and no transaction may stay open on its outputs or changelogs.
   */
  @Test
  void aReplicatedClusterKilledANodeAndRestartedNodeByNodeLosesAndRepeatsNothing() throws Exception {
    SchemaRegistryServer.Running booting = SchemaRegistryServer.launchDedicated(); // boots while the nodes start
    List<StandaloneKafka> nodes;
    try {
      nodes = StandaloneKafka.startCluster(dir.resolve("cluster"), 3, Map.of());
    } catch (Exception | Error e) {
      booting.close();
      throw e;
    }
    try (SchemaRegistryServer.Running registryServer = booting) {
      registryServer.ready();
      String bootstrap = StandaloneKafka.bootstrapServers(nodes);
      Map<String, String> settings = faultSettings(bootstrap, registryServer.url(), "replicated");
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      String appId = config.string("streams.application-id");
      String frames = config.string("topics.frames");
      ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
      Set<String> sent = ConcurrentHashMap.newKeySet();
      IntFunction<FrameTraffic.Record> camera = FrameTraffic.cameraFrames(
          new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build()), frames, "repl", 4);
      try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
          StreamingMonitor monitor = startMonitor(config, bundle, classifier, MonitorMetrics.inMemory());
          FrameTraffic traffic = new FrameTraffic(bootstrap, frames, Integer.MAX_VALUE, RATE, n -> {
            FrameTraffic.Record r = camera.apply(n);
            sent.add("repl-" + n);
            return r;
          });
          OutcomeReader reader = new OutcomeReader(bootstrap, config.string("topics.verdicts"),
              config.string("topics.dead-letter"));
          Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
        assertThat(monitor.awaitRunning(Duration.ofSeconds(90))).as("Kafka Streams reaches RUNNING").isTrue();
        assertThat(Await.until(() -> reader.count() >= 20 && monitor.health().readiness().up(), Duration.ofSeconds(90)))
            .as("verdicts flow and the monitor is ready: %s", monitor.health().readiness()).isTrue();
        assertThat(admin.describeTopics(List.of(config.string("topics.verdicts"))).allTopicNames().get()
            .get(config.string("topics.verdicts")).partitions()).as("the precondition: replicated three times")
            .allMatch(p -> p.replicas().size() == 3);
        int coordinator = admin.describeTopics(List.of("__transaction_state")).allTopicNames().get()
            .get("__transaction_state").partitions().get(0).leader().id();
        StandaloneKafka victim = nodes.stream().filter(n -> n.nodeId() == coordinator).findFirst().orElseThrow();

        long killedAt = System.currentTimeMillis();
        victim.kill();
        int atKill = traffic.handedOver();
        assertThat(Await.until(() -> reader.count() >= atKill + 50, Duration.ofSeconds(90)))
            .as("verdicts go on with a node down (%d, %d sent before the kill)", reader.count(), atKill).isTrue();
        long goingOnAt = System.currentTimeMillis();
        victim.restart();
        long backAt = System.currentTimeMillis();
        int handed = traffic.handedOver();
        assertThat(Await.until(() -> monitor.state() == KafkaStreams.State.RUNNING
            && monitor.health().readiness().up() && reader.count() >= handed, Duration.ofSeconds(90)))
            .as("RUNNING and ready with the node back, verdicts for the %d frames sent so far (have %d): %s", handed,
                reader.count(), monitor.health().readiness()).isTrue();
        LoggerFactory.getLogger(OutageRecoveryIT.class).info("node {} (the transaction coordinator) killed: outcomes "
            + "for 50 frames more than had been sent at the kill {} ms later; restarted, back in {} ms; ready with all "
            + "verdicts {} ms after that", coordinator, goingOnAt - killedAt, backAt - goingOnAt,
            System.currentTimeMillis() - backAt);

        controllerFailover(nodes, monitor, traffic, reader, admin, config, appId);

        for (StandaloneKafka node : nodes) { // a rolling restart
          assertThat(Await.until(() -> inSync(admin, config, appId), Duration.ofSeconds(90)))
              .as("every partition back in sync before node %d goes", node.nodeId()).isTrue();
          long stoppedAt = System.currentTimeMillis();
          node.stop();
          int atStop = traffic.handedOver();
          List<String> down = new ArrayList<>();
          assertThat(Await.until(() -> {
            HealthReport r = monitor.health().readiness();
            if (!r.up()) {
              down.add((System.currentTimeMillis() - stoppedAt) + " ms: " + r);
            }
            return reader.count() >= atStop + 20;
          }, Duration.ofSeconds(90))).as("verdicts go on with node %d stopped", node.nodeId()).isTrue();
          long goneOnAt = System.currentTimeMillis();
          node.restart();
          LoggerFactory.getLogger(OutageRecoveryIT.class).info("node {} stopped: outcomes for 20 frames more than had "
              + "been sent at the stop {} ms later; back {} ms after that; readiness DOWN at {} looks: {}",
              node.nodeId(), goneOnAt - stoppedAt, System.currentTimeMillis() - goneOnAt, down.size(),
              String.join("; ", down));
        }
        int handedAll = traffic.handedOver();
        assertThat(Await.until(() -> monitor.state() == KafkaStreams.State.RUNNING
            && monitor.health().readiness().up() && reader.count() >= handedAll, Duration.ofSeconds(90)))
            .as("RUNNING and ready after the rolling restart, verdicts for the %d frames sent so far (have %d): %s",
                handedAll, reader.count(), monitor.health().readiness()).isTrue();

        // a majority lost: two of the three nodes killed at once, the transaction coordinator among them. The KRaft
        // quorum is gone and no partition takes a write (min.insync.replicas 2), cameras' frames included, until
        // both are back, started one after the other
        assertThat(Await.until(() -> inSync(admin, config, appId), Duration.ofSeconds(90)))
            .as("every partition back in sync before two nodes go").isTrue();
        int coordinatorNow = admin.describeTopics(List.of("__transaction_state")).allTopicNames().get()
            .get("__transaction_state").partitions().get(0).leader().id();
        List<StandaloneKafka> majority = nodes.stream()
            .sorted(java.util.Comparator.comparing((StandaloneKafka n) -> n.nodeId() != coordinatorNow)).limit(2)
            .toList();
        long majorityAt = System.currentTimeMillis();
        for (StandaloneKafka node : majority) {
          node.kill();
        }
        int ackedAtKill = traffic.acked();
        // readiness says so, whichever node is left, and keeps saying so: it flapped between DOWN and UP every 2-3 s
        // when the metadata request alone was the probe (the node left answered it, the dead ones still listed in
        // its stale metadata did not)
        // the wording of a lost quorum (README), not that of a quorum request failing with an error of its own
        String lostQuorum = "no KRaft controller quorum does";
        assertThat(Await.until(() -> reasonsContain(monitor, lostQuorum), Duration.ofSeconds(30)))
            .as("readiness DOWN naming the lost quorum: %s", monitor.health().readiness()).isTrue();
        List<String> readinessWhileLost = new ArrayList<>();
        assertThat(Await.until(() -> {
          HealthReport r = monitor.health().readiness();
          if (r.up() || r.reasons().stream().noneMatch(reason -> reason.contains(lostQuorum))) {
            readinessWhileLost.add(r.toString());
          }
          return traffic.handedOver() - traffic.acked() >= 200;
        }, Duration.ofSeconds(90)))
            .as("the outage is felt: 200 frames (20 s of traffic) wait to be written (handed over %d, acked %d, "
                + "%d acked at the kill)", traffic.handedOver(), traffic.acked(), ackedAtKill).isTrue();
        assertThat(readinessWhileLost).as("readiness while the quorum is lost: DOWN naming it at every look").isEmpty();
        KafkaStreams.State during = monitor.state();
        String readinessDuring = monitor.health().readiness().toString();
        int waiting = traffic.handedOver() - traffic.acked();
        long restartAt = System.currentTimeMillis();
        for (StandaloneKafka node : majority) {
          node.restart();
        }
        long majorityBackAt = System.currentTimeMillis();
        int handedAfter = traffic.handedOver();
        assertThat(Await.until(() -> monitor.state() == KafkaStreams.State.RUNNING
            && monitor.health().readiness().up() && reader.count() >= handedAfter, Duration.ofSeconds(120)))
            .as("RUNNING and ready with the majority back, verdicts for the %d frames sent so far (have %d): %s",
                handedAfter, reader.count(), monitor.health().readiness()).isTrue();
        LoggerFactory.getLogger(OutageRecoveryIT.class).info("nodes {} (the coordinator {} among them) killed: {} "
            + "frames waiting after {} ms (monitor {}, readiness {}); both back {} ms after their restart began; ready "
            + "with every verdict {} ms after that", majority.stream().map(StandaloneKafka::nodeId).toList(),
            coordinatorNow, waiting, restartAt - majorityAt, during, readinessDuring,
            majorityBackAt - restartAt, System.currentTimeMillis() - majorityBackAt);
        traffic.stopAndAwaitAcked(Duration.ofMinutes(1));
        assertThat(reader.awaitCount(sent.size(), Duration.ofSeconds(60))).as("an outcome per frame (%d of %d)",
            reader.count(), sent.size()).isTrue();

        assertNothingOpenAndEveryFrameOnce(admin, bootstrap, config, sent);
      }
    } finally {
      nodes.forEach(StandaloneKafka::close);
    }
  }

  /**
   * The broker stays up but the monitor cannot reach it (a network partition, a firewall change: a {@link TcpProxy}
   * the broker advertises, so that every connection of the monitor goes through it, either cuts every connection and
   * refuses new ones, or stalls them, letting no byte through and closing nothing) for longer than the
   * transaction timeout (its minimum, 5 s) while frames keep arriving. Unlike a broker that is away, the coordinator
   * keeps its clock: it aborts the transaction the monitor left open on its own timer and bumps the producer epoch,
   * which the test sees happen (Admin, from outside the partition). When the network heals, the monitor's producer
   * finds itself fenced: the frames of the aborted transaction must be processed again, every frame must get exactly
   * one outcome (read_committed), the monitor must come back to RUNNING and ready by itself, say so in a few lines,
   * and leave no transaction open. Seen so far, either way of partition, by which late request the broker refuses
   * first: a produce (InvalidProducerEpochException), then Kafka Streams migrates its tasks, no in-place restart; or
   * the commit (InvalidTxnStateException), then the stream thread fails and the monitor restarts Kafka Streams in
   * place once.
   */
  @ParameterizedTest(name = "connections {0}")
  @ValueSource(strings = {"cut", "stalled"})
  void aPartitionLongerThanTheTransactionTimeoutGetsTheOpenTransactionAbortedYetLosesAndRepeatsNothing(String how)
      throws Exception {
    int txTimeoutMs = 5_000;
    try (TcpProxy network = TcpProxy.open();
        SchemaRegistryServer.Running registryServer = SchemaRegistryServer.launchDedicated();
        StandaloneKafka kafka = StandaloneKafka.start(dir.resolve("kafka"),
            Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"), network)) {
      registryServer.ready();
      Map<String, String> settings = faultSettings(kafka.proxiedBootstrapServers(), registryServer.url(), "partition");
      settings.put("streams.transaction-timeout-ms", Integer.toString(txTimeoutMs));
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      String appId = config.string("streams.application-id");
      String frames = config.string("topics.frames");
      ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
      MonitorMetrics metrics = MonitorMetrics.inMemory();
      Set<String> sent = ConcurrentHashMap.newKeySet();
      IntFunction<FrameTraffic.Record> camera = FrameTraffic.cameraFrames(
          new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build()), frames, "part", 4);
      // the test's own clients go direct: only the monitor is partitioned
      try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
          LogLines ownLog = LogLines.of("dev.advmon");
          LogLines kafkaLog = LogLines.of("org.apache.kafka");
          StreamingMonitor monitor = startMonitor(config, bundle, classifier, metrics);
          FrameTraffic traffic = new FrameTraffic(kafka.bootstrapServers(), frames, Integer.MAX_VALUE, RATE, n -> {
            FrameTraffic.Record r = camera.apply(n);
            sent.add("part-" + n);
            return r;
          });
          OutcomeReader reader = new OutcomeReader(kafka.bootstrapServers(), config.string("topics.verdicts"),
              config.string("topics.dead-letter"));
          Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();
        assertThat(Await.until(() -> reader.count() >= 20 && monitor.health().readiness().up(), Duration.ofSeconds(60)))
            .as("verdicts flow and the monitor is ready: %s", monitor.health().readiness()).isTrue();

        int ownBeforeAttempt = 0;
        int kafkaBeforeAttempt = 0;
        double restartsBeforeAttempt = 0;
        long cutAtAttempt = 0;
        long abortedAt = 0;
        boolean aborted = false;
        String coordinator = "";
        // A commit already on its way when the connections stop (in the broker's socket buffer, or relayed just
        // before a stall) still completes at the coordinator: then there is no open transaction to abort, which says
        // nothing of the monitor. Heal, let it go on, and cut again, at most three times.
        for (int attempt = 1; attempt <= 3; attempt++) {
          ownBeforeAttempt = ownLog.events().size();
          kafkaBeforeAttempt = kafkaLog.events().size();
          restartsBeforeAttempt = restarts(metrics);
          // cut while the coordinator holds a transaction of the monitor's open
          Map<String, TransactionDescription> open = new HashMap<>();
          assertThat(Await.until(() -> {
            open.clear();
            transactions(admin, appId).forEach((id, d) -> {
              if (d.state() == TransactionState.ONGOING) {
                open.put(id, d);
              }
            });
            if (open.isEmpty()) {
              return false;
            }
            if (how.equals("cut")) {
              network.cut();
            } else {
              network.stall();
            }
            // the monitor may have committed between the look and the cut: then heal and wait for the next one
            Map<String, TransactionDescription> now = transactions(admin, appId);
            open.keySet().removeIf(id -> now.get(id) == null || now.get(id).state() != TransactionState.ONGOING
                || now.get(id).producerEpoch() != open.get(id).producerEpoch());
            if (open.isEmpty()) {
              network.heal();
            }
            return !open.isEmpty();
          }, Duration.ofSeconds(30))).as("a transaction of the monitor open at the coordinator").isTrue();
          cutAtAttempt = System.currentTimeMillis();
          // the point of this test: the coordinator aborts it by itself (the monitor cannot reach it to end it)
          Map<String, TransactionDescription> after = new HashMap<>();
          boolean[] committed = new boolean[1];
          Await.until(() -> {
            after.clear();
            after.putAll(transactions(admin, appId));
            committed[0] = open.keySet().stream().anyMatch(id -> after.containsKey(id)
                && (after.get(id).state() == TransactionState.PREPARE_COMMIT
                    || after.get(id).state() == TransactionState.COMPLETE_COMMIT));
            return committed[0] || open.entrySet().stream().allMatch(e -> after.containsKey(e.getKey())
                && after.get(e.getKey()).producerEpoch() > e.getValue().producerEpoch()
                && (after.get(e.getKey()).state() == TransactionState.PREPARE_ABORT
                    || after.get(e.getKey()).state() == TransactionState.COMPLETE_ABORT));
          }, Duration.ofSeconds(20));
          abortedAt = System.currentTimeMillis();
          aborted = !committed[0] && open.entrySet().stream().allMatch(e -> after.containsKey(e.getKey())
              && after.get(e.getKey()).producerEpoch() > e.getValue().producerEpoch()
              && (after.get(e.getKey()).state() == TransactionState.PREPARE_ABORT
                  || after.get(e.getKey()).state() == TransactionState.COMPLETE_ABORT));
          coordinator = open.keySet().stream().map(id -> id + ": " + describe(open.get(id)) + " -> "
              + describe(after.get(id))).collect(java.util.stream.Collectors.joining("; "))
              + (attempt > 1 ? " (attempt " + attempt + ")" : "");
          if (!committed[0]) {
            break;
          }
          LoggerFactory.getLogger(OutageRecoveryIT.class).info("a commit in flight completed during the partition "
              + "({}): healing and cutting again", coordinator);
          network.heal();
          int seen = reader.count();
          int attemptFrom = ownBeforeAttempt;
          // and the health checker's log caught up: it logs a change on its next round, after readiness() is UP
          // again; its "readiness UP" for this attempt, left to the next one's lines, would stand in for that one's
          // (the assertions below read only the last attempt's lines) and count against its lines
          assertThat(Await.until(() -> monitor.state() == KafkaStreams.State.RUNNING && monitor.health().readiness().up()
              && reader.count() > seen && lastReadinessLogged(lines(ownLog, attemptFrom, appId)).map(
                  l -> l.contains("readiness UP")).orElse(true), Duration.ofSeconds(60)))
              .as("verdicts flow again after the heal, and readiness UP logged if DOWN was").isTrue();
        }
        final int ownBefore = ownBeforeAttempt;
        final int kafkaBefore = kafkaBeforeAttempt;
        final double restartsBefore = restartsBeforeAttempt;
        final long cutAt = cutAtAttempt;
        assertThat(aborted).as("the coordinator aborted the open transaction and bumped the epoch during the partition:"
            + " %s", coordinator).isTrue();
        assertThat(Await.until(() -> reasonsContain(monitor, "Kafka at"), Duration.ofSeconds(30)))
            .as("readiness DOWN naming the broker: %s", monitor.health().readiness()).isTrue();
        // 12 s in CI; -Dadvmon.partition-ms=300000 for the long form (past the session and delivery timeouts)
        long partitionMs = Long.getLong("advmon.partition-ms", 12_000);
        Await.until(() -> System.currentTimeMillis() - cutAt >= partitionMs, Duration.ofMillis(partitionMs + 30_000));
        network.heal();
        long healedAt = System.currentTimeMillis();
        int handed = traffic.handedOver();
        // the log line too: the health checker logs a change on its next round, after readiness() already says UP
        boolean recovered = Await.until(() -> monitor.state() == KafkaStreams.State.RUNNING
            && monitor.health().readiness().up() && reader.count() >= handed
            && lines(ownLog, ownBefore, appId).stream().anyMatch(l -> l.contains("readiness UP")), Duration.ofSeconds(60));
        long recoveredAt = System.currentTimeMillis();
        List<String> own = lines(ownLog, ownBefore, appId);
        assertThat(recovered).as("RUNNING and ready again, verdicts for the %d frames sent so far (have %d): %s; log:%n%s",
            handed, reader.count(), monitor.health().readiness(), String.join("\n", own)).isTrue();
        traffic.stopAndAwaitAcked(Duration.ofMinutes(1));
        assertThat(reader.awaitCount(sent.size(), Duration.ofSeconds(60))).as("an outcome per frame (%d of %d)",
            reader.count(), sent.size()).isTrue();
        own = lines(ownLog, ownBefore, appId);
        List<String> kafkaLines = lines(kafkaLog, kafkaBefore, appId);
        double restarts = restarts(metrics) - restartsBefore;
        LoggerFactory.getLogger(OutageRecoveryIT.class).info("connections {} {} ms (transaction timeout {} ms; {} "
            + "connections refused); the coordinator aborted after {} ms: {}; ready with all verdicts {} ms after the "
            + "heal; {} restarts; {} log lines of the monitor, {} of its Kafka clients:\n{}\n--- Kafka:\n{}",
            how, healedAt - cutAt, txTimeoutMs, network.refused(), abortedAt - cutAt, coordinator, recoveredAt - healedAt,
            restarts, own.size(), kafkaLines.size(), String.join("\n", own), String.join("\n", kafkaLines));

        assertNothingOpenAndEveryFrameOnce(admin, kafka.bootstrapServers(), config, sent);
        assertThat(restarts).as("in-place restarts (one fencing, not a loop)").isLessThanOrEqualTo(1);
        assertThat(own).as("the monitor's log lines for the partition").hasSizeLessThanOrEqualTo(MAX_LINES_PER_OUTAGE)
            .anyMatch(l -> l.contains("Kafka at")).anyMatch(l -> l.contains("readiness UP"));
        assertThat(kafkaLines).as("its Kafka clients' log lines").hasSizeLessThanOrEqualTo(MAX_KAFKA_LINES_PER_OUTAGE);
      }
    }
  }

  /** The coordinator's view of each of the application's transactional ids. */
  private static Map<String, TransactionDescription> transactions(Admin admin, String appId) {
    try {
      List<String> ids = admin.listTransactions().all().get(10, TimeUnit.SECONDS).stream()
          .map(TransactionListing::transactionalId).filter(id -> id.startsWith(appId)).toList();
      return ids.isEmpty() ? Map.of() : admin.describeTransactions(ids).all().get(10, TimeUnit.SECONDS);
    } catch (Exception notYet) {
      return Map.of();
    }
  }

  private static String describe(TransactionDescription d) {
    return d == null ? "gone" : d.state() + " producer " + d.producerId() + " epoch " + d.producerEpoch() + " on "
        + d.topicPartitions().size() + " partitions";
  }

  /** The timeout the coordinator holds for each of the application's transactional ids. */
  private static List<Long> transactionTimeouts(Admin admin, String appId) {
    try {
      List<String> ids = admin.listTransactions().all().get(10, TimeUnit.SECONDS).stream()
          .map(TransactionListing::transactionalId).filter(id -> id.startsWith(appId)).toList();
      if (ids.isEmpty()) {
        return List.of();
      }
      return admin.describeTransactions(ids).all().get(10, TimeUnit.SECONDS).values().stream()
          .map(TransactionDescription::transactionTimeoutMs).toList();
    } catch (Exception notYet) {
      return List.of();
    }
  }

  /**
   * The output and internal partitions of the application with a transaction still open: last stable offset below
   * the end, or a producer with a transaction start offset; with the coordinator's view of that producer.
   */
  /**
   * What every test here runs the monitor with: one stream thread, so that each outage meets one producer and one
   * transaction; restarts after at most 1 s; readiness and its probes checked every half second.
   */
  private Map<String, String> faultSettings(String bootstrap, String registryUrl, String name) {
    Map<String, String> settings = MonitorSettings.of(bootstrap, registryUrl, name, dir);
    settings.put("streams.num-threads", "1");
    settings.put("streams.restart-backoff-max-ms", "1000");
    settings.put("health.check-interval-ms", "500");
    settings.put("health.probe-timeout-ms", "1000");
    return settings;
  }

  /** The monitor with the real model and no detectors, on its own registry client, as {@code monitor run} wires it. */
  private static StreamingMonitor startMonitor(MonitorConfig config, ModelBundle bundle, DjlClassifier classifier,
      MonitorMetrics metrics) throws InterruptedException {
    return StreamingMonitor.start(config, new HttpSchemaRegistryClient(Wiring.registrySettings(config)), true,
        FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(classifier, List.of(), 64),
        metrics, AlertListener.NONE);
  }

  /**
   * The active KRaft controller alone killed with {@code kill -9} (the quorum description says which node it is):
   * the two voters left elect a new one within seconds, a majority all along. Readiness, looked at every 0.1 s from
   * the kill until a new active controller answers and verdicts for 30 frames more than had been sent at the kill
   * are out, must stay UP: a DOWN for an election would take every pod out of its Service at once (it was DOWN for
   * one probe, about 0.5 s, 1.4 s after the kill, naming a lost quorum, before the probe bore with an election).
   */
  private static void controllerFailover(List<StandaloneKafka> nodes, StreamingMonitor monitor, FrameTraffic traffic,
      OutcomeReader reader, Admin admin, MonitorConfig config, String appId) throws Exception {
    assertThat(Await.until(() -> inSync(admin, config, appId), Duration.ofSeconds(90)))
        .as("every partition back in sync before the active controller goes").isTrue();
    int active = admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).leaderId();
    StandaloneKafka controller = nodes.stream().filter(n -> n.nodeId() == active).findFirst().orElseThrow();
    long killedAt = System.currentTimeMillis();
    controller.kill();
    int atKill = traffic.handedOver();
    List<String> down = new ArrayList<>();
    // the quorum asked without holding up the looks at readiness: again whenever the last request has ended
    List<org.apache.kafka.common.KafkaFuture<org.apache.kafka.clients.admin.QuorumInfo>> look = new ArrayList<>();
    long[] electedAt = {-1};
    int[] leader = {-1};
    boolean goneOn = Await.until(() -> {
      HealthReport r = monitor.health().readiness();
      if (!r.up()) {
        down.add((System.currentTimeMillis() - killedAt) + " ms: " + r);
      }
      if (electedAt[0] < 0 && (look.isEmpty() || look.get(0).isDone())) {
        try {
          if (!look.isEmpty() && look.get(0).get().leaderId() != active) {
            leader[0] = look.get(0).get().leaderId();
            electedAt[0] = System.currentTimeMillis() - killedAt;
          }
        } catch (Exception notYet) {
          // no active controller answered this time
        }
        look.clear();
        look.add(admin.describeMetadataQuorum(new org.apache.kafka.clients.admin.DescribeMetadataQuorumOptions()
            .timeoutMs(1_000)).quorumInfo());
      }
      return electedAt[0] >= 0 && reader.count() >= atKill + 30;
    }, Duration.ofSeconds(90));
    LoggerFactory.getLogger(OutageRecoveryIT.class).info("node {} (the active controller) killed: node {} the active "
        + "controller {} ms later, outcomes for 30 frames more {} ms after the kill; readiness DOWN at {} of the "
        + "looks: {}", active, leader[0], electedAt[0], System.currentTimeMillis() - killedAt, down.size(),
        String.join("; ", down));
    assertThat(goneOn).as("a new active controller (node %d, %d ms) and verdicts going on after node %d's kill "
        + "(%d, %d sent before it)", leader[0], electedAt[0], active, reader.count(), atKill).isTrue();
    controller.restart();
    assertThat(down).as("readiness while the active controller fails over: UP at every look").isEmpty();
  }

  /** Whether every partition of the monitor's topics has all its replicas in sync (what a rolling restart waits for). */
  private static boolean inSync(Admin admin, MonitorConfig config, String appId) {
    try {
      List<String> topics = new ArrayList<>(List.of(config.string("topics.frames"), config.string("topics.verdicts"),
          config.string("topics.alerts"), config.string("topics.dead-letter"), "__transaction_state",
          "__consumer_offsets"));
      admin.listTopics().names().get(10, TimeUnit.SECONDS).stream().filter(t -> t.startsWith(appId))
          .forEach(topics::add);
      return admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values().stream()
          .flatMap(d -> d.partitions().stream()).allMatch(p -> p.isr().size() == p.replicas().size());
    } catch (Exception notNow) {
      if (notNow instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return false;
    }
  }

  /**
   * Once the frames have stopped: no transaction left open on the monitor's outputs and changelogs (every partition
   * readable to its end by read_committed readers), and every frame in {@code sent} exactly one outcome, a verdict (no
   * dead letters: an outage is nobody's fault).
   */
  private static void assertNothingOpenAndEveryFrameOnce(Admin admin, String bootstrap, MonitorConfig config,
      Set<String> sent) throws InterruptedException {
    String appId = config.string("streams.application-id");
    List<String> open = new ArrayList<>();
    boolean settled = Await.until(() -> {
      open.clear();
      open.addAll(openTransactions(admin, appId, config));
      return open.isEmpty();
    }, Duration.ofSeconds(30));
    assertThat(settled).as("partitions whose last stable offset stays below their end: %s", open).isTrue();
    List<OutcomeReader.Outcome> outcomes = OutcomeReader.readAll(bootstrap, config.string("topics.verdicts"),
        config.string("topics.dead-letter"), Duration.ofSeconds(30));
    assertThat(OutcomeReader.duplicates(outcomes)).as("frames with more than one outcome").isEmpty();
    assertThat(outcomes).as("verdicts (no dead letters: an outage is nobody's fault)")
        .allMatch(OutcomeReader.Outcome::verdict);
    assertThat(outcomes.stream().map(OutcomeReader.Outcome::frameId)).containsExactlyInAnyOrderElementsOf(sent);
  }

  private static List<String> openTransactions(Admin admin, String appId, MonitorConfig config) {
    try {
      List<String> topics = new ArrayList<>(List.of(config.string("topics.verdicts"), config.string("topics.alerts"),
          config.string("topics.dead-letter")));
      admin.listTopics().names().get(10, TimeUnit.SECONDS).stream().filter(t -> t.startsWith(appId)).forEach(topics::add);
      List<TopicPartition> partitions = new ArrayList<>();
      admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).forEach((name, d) ->
          d.partitions().forEach(p -> partitions.add(new TopicPartition(name, p.partition()))));
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
      var committed = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
          .get(10, TimeUnit.SECONDS);
      var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all()
          .get(10, TimeUnit.SECONDS);
      var producers = admin.describeProducers(partitions).all().get(10, TimeUnit.SECONDS);
      List<String> open = new ArrayList<>();
      for (TopicPartition tp : partitions) {
        List<String> active = producers.get(tp).activeProducers().stream()
            .filter(s -> s.currentTransactionStartOffset().isPresent())
            .map(s -> "producer " + s.producerId() + " epoch " + s.producerEpoch() + " since offset "
                + s.currentTransactionStartOffset().getAsLong())
            .toList();
        if (committed.get(tp).offset() < ends.get(tp).offset() || !active.isEmpty()) {
          open.add(tp + " LSO " + committed.get(tp).offset() + " end " + ends.get(tp).offset() + " " + active);
        }
      }
      return open;
    } catch (Exception e) {
      return List.of("cannot tell: " + e);
    }
  }

  /** The last of {@code lines} in which the health checker logged a change of readiness. */
  private static java.util.Optional<String> lastReadinessLogged(List<String> lines) {
    return lines.stream().filter(l -> l.contains("MonitorHealth - readiness ")).reduce((a, b) -> b);
  }

  /**
   * The lines since event {@code from} that the monitor's own logging configuration prints, of the monitor's threads
   * only (named after its application id; the test's own producer and reader log too), as LEVEL logger - message.
   */
  private static List<String> lines(LogLines log, int from, String appId) {
    List<ILoggingEvent> events = log.events();
    return events.subList(from, events.size()).stream()
        .filter(e -> e.getThreadName().contains(appId) || e.getThreadName().startsWith("advmon-"))
        .filter(ProductionLogging::prints)
        .map(e -> e.getLevel() + " " + e.getLoggerName().substring(e.getLoggerName().lastIndexOf('.') + 1) + " - "
            + e.getFormattedMessage())
        .toList();
  }
}
