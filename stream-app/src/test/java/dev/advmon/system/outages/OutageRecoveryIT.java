package dev.advmon.system.outages;

import static dev.advmon.system.outages.Outages.MAX_KAFKA_LINES_PER_OUTAGE;
import static dev.advmon.system.outages.Outages.MAX_LINES_PER_OUTAGE;
import static dev.advmon.system.outages.Outages.RATE;
import static dev.advmon.system.outages.Outages.assertNothingOpenAndEveryFrameOnce;
import static dev.advmon.system.outages.Outages.faultSettings;
import static dev.advmon.system.outages.Outages.lines;
import static dev.advmon.system.outages.Outages.startMonitor;
import static dev.advmon.system.outages.Outages.transactions;
import static dev.advmon.testing.SystemChecks.frame;
import static dev.advmon.testing.SystemChecks.reasonsContain;
import static dev.advmon.testing.SystemChecks.restarts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.testing.Await;
import dev.advmon.testing.EvolvingFrames;
import dev.advmon.testing.ChildProcess;
import dev.advmon.testing.Footprint;
import dev.advmon.testing.FrameTraffic;
import dev.advmon.testing.LogLines;
import dev.advmon.testing.OutcomeReader;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.StandaloneKafka;
import dev.advmon.testing.TestData;
import dev.advmon.topology.StreamingMonitor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
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

  @TempDir
  Path dir;

  @Test
  void repeatedRegistryAndBrokerOutagesLoseNothingRecoverByThemselvesAndLeaveNothingBehind() throws Exception {
    // the registry boots while the broker starts (neither needs the other)
    try (SchemaRegistryServer.Running registryServer = SchemaRegistryServer.launchDedicated();
        StandaloneKafka kafka = StandaloneKafka.start(dir.resolve("kafka"))) {
      registryServer.ready();
      Map<String, String> settings = faultSettings(kafka.bootstrapServers(), registryServer.url(), "outage", dir);
      settings.put("registry.timeout-ms", "1000"); // a frozen registry fails a call in seconds, not a minute
      settings.put("registry.retries", "2");
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      String appId = config.string("streams.application-id");
      Path state = Path.of(settings.get("streams.state-dir"));
      String frames = config.string("topics.frames");
      SchemaRegistry producers = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
      ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
      // the schema producers write with changes: a new compatible version (hence an id the monitor must fetch) per outage
      EvolvingFrames source = new EvolvingFrames(producers, frames, "outage");
      MonitorMetrics metrics = MonitorMetrics.inMemory();
      try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
          LogLines ownLog = LogLines.of("dev.advmon");
          LogLines kafkaLog = LogLines.of("org.apache.kafka");
          StreamingMonitor monitor = startMonitor(config, bundle, classifier, metrics);
          FrameTraffic traffic = new FrameTraffic(kafka.bootstrapServers(), frames, Integer.MAX_VALUE, RATE,
              source::record);
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
          EvolvingFrames.Version next = source.register("outage" + outage);
          ChildProcess.signal(registryServer.pid(), "STOP");
          try {
            source.writeWith(next); // frames with an id the monitor has not cached yet, while it cannot ask for it
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
        }, Duration.ofSeconds(60));
        assertThat(noGrowth).as("after outage %d vs after outage 1 (%s):%n%s", OUTAGES, perOutage, last[0].diff(first))
            .isTrue();

        traffic.stopAndAwaitAcked(Duration.ofMinutes(1));
        assertThat(reader.awaitCount(source.sent().size(), Duration.ofSeconds(60)))
            .as("an outcome per frame (%d of %d)", reader.count(), source.sent().size()).isTrue();
        List<OutcomeReader.Outcome> outcomes = OutcomeReader.readAll(kafka.bootstrapServers(),
            config.string("topics.verdicts"), config.string("topics.dead-letter"), Duration.ofSeconds(30));
        assertThat(OutcomeReader.duplicates(outcomes)).as("frames with more than one outcome").isEmpty();
        assertThat(outcomes).as("verdicts (no dead letters: the outages are nobody's fault)")
            .allMatch(OutcomeReader.Outcome::verdict);
        assertThat(outcomes.stream().map(OutcomeReader.Outcome::frameId))
            .containsExactlyInAnyOrderElementsOf(source.sent());
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
    // the JVM's shared registry: only the broker fails here
    SchemaRegistryServer.Running registryServer = SchemaRegistryServer.shared();
    try (StandaloneKafka kafka = StandaloneKafka.start(dir.resolve("kafka"),
        Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"))) {
      registryServer.ready();
      try (Outages.Run run = new Outages.Run(kafka.bootstrapServers(), kafka.bootstrapServers(), registryServer.url(),
          "longoutage", "long", txTimeoutMs, dir)) {
        run.assertFlowingAndReady();
        // the broker honours the monitor's timeout (at most its transaction.max.timeout.ms): what the test relies on
        List<Long> timeouts = new ArrayList<>();
        assertThat(Await.until(() -> {
          timeouts.clear();
          timeouts.addAll(transactionTimeouts(run.admin, run.appId));
          return !timeouts.isEmpty();
        }, Duration.ofSeconds(60))).as("the monitor's transactional ids at the coordinator").isTrue();
        assertThat(timeouts).as("transaction timeouts the coordinator holds").containsOnly((long) txTimeoutMs);

        int ownBefore = run.ownLog.events().size();
        int kafkaBefore = run.kafkaLog.events().size();
        double restartsBefore = restarts(run.metrics);
        long stoppedAt = System.currentTimeMillis();
        kafka.stop(); // a controlled shutdown: see above for kill -9
        assertThat(Await.until(() -> reasonsContain(run.monitor, "Kafka at"), Duration.ofSeconds(30)))
            .as("readiness DOWN naming the broker: %s", run.monitor.health().readiness()).isTrue();
        // the outage itself: beyond the transaction timeout plus a margin, counted from the stop
        Await.until(() -> System.currentTimeMillis() - stoppedAt >= 12_000, Duration.ofSeconds(30));
        kafka.restart();
        long backAt = System.currentTimeMillis();
        run.assertRecovered(ownBefore, Duration.ofSeconds(90));
        long recoveredAt = System.currentTimeMillis();
        run.assertEveryFrameAnswered();
        List<String> own = lines(run.ownLog, ownBefore, run.appId);
        List<String> kafkaLines = lines(run.kafkaLog, kafkaBefore, run.appId);
        LoggerFactory.getLogger(OutageRecoveryIT.class).info("broker away {} ms (transaction timeout {} ms): ready with "
            + "all verdicts {} ms after it was back; {} restarts; {} log lines of the monitor, {} of its Kafka clients:"
            + "\n{}\n--- Kafka:\n{}", backAt - stoppedAt, txTimeoutMs, recoveredAt - backAt,
            restarts(run.metrics) - restartsBefore, own.size(), kafkaLines.size(), String.join("\n", own),
            String.join("\n", kafkaLines));

        assertNothingOpenAndEveryFrameOnce(run.admin, kafka.bootstrapServers(), run.config, run.sent);
        assertThat(own).as("the monitor's log lines for the outage").hasSizeLessThanOrEqualTo(MAX_LINES_PER_OUTAGE)
            .anyMatch(l -> l.contains("Kafka at")).anyMatch(l -> l.contains("readiness UP"));
        // the producer's retries while partition leaders come back are expected: a line per partition and attempt
        // (2 per partition and round) would grow with the partition count and bury the two lines above
        assertThat(kafkaLines).as("its Kafka clients' log lines").hasSizeLessThanOrEqualTo(MAX_KAFKA_LINES_PER_OUTAGE)
            .noneMatch(l -> l.contains("retrying (") || l.contains("Going to request metadata update"));
      }
    }
  }

  /** The timeout the coordinator holds for each of the application's transactional ids. */
  private static List<Long> transactionTimeouts(Admin admin, String appId) {
    return transactions(admin, appId).values().stream().map(TransactionDescription::transactionTimeoutMs).toList();
  }
}
