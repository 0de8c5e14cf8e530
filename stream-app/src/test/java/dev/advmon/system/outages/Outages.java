package dev.advmon.system.outages;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.advmon.cli.Wiring;
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
import dev.advmon.testing.Await;
import dev.advmon.testing.FrameTraffic;
import dev.advmon.testing.LogLines;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.OutcomeReader;
import dev.advmon.testing.ProductionLogging;
import dev.advmon.testing.TestData;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.StreamingMonitor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What the outage tests ({@link OutageRecoveryIT}, {@link ReplicatedClusterOutageIT}, {@link NetworkPartitionIT})
 * share: the monitor's settings and its start, the limits on what it logs per outage, and the check that every frame
 * got exactly one outcome with no transaction left open. Three classes rather than one, so that the two JVMs of the
 * system-test phase can each take some (as one class they took 4-5 minutes and set the phase's length).
 */
final class Outages {

  static final double RATE = 10; // frames per second, through the outages
  /** The monitor's own log lines one outage may cost: what happened and what it does about it, not a flood. */
  static final int MAX_LINES_PER_OUTAGE = 25;
  /** Kafka's own lines from the monitor's clients per outage: a restart's few, not one per reconnect attempt. */
  static final int MAX_KAFKA_LINES_PER_OUTAGE = 15;

  private Outages() {
  }

  /**
   * What every outage test runs the monitor with: one stream thread, so that each outage meets one producer and one
   * transaction; restarts after at most 1 s; readiness and its probes checked every half second.
   */
  static Map<String, String> faultSettings(String bootstrap, String registryUrl, String name, Path dir) {
    Map<String, String> settings = MonitorSettings.of(bootstrap, registryUrl, name, dir);
    settings.put("streams.num-threads", "1");
    settings.put("streams.restart-backoff-max-ms", "1000");
    settings.put("health.check-interval-ms", "500");
    settings.put("health.probe-timeout-ms", "1000");
    return settings;
  }

  /** The monitor with the real model and no detectors, on its own registry client, as {@code monitor run} wires it. */
  static StreamingMonitor startMonitor(MonitorConfig config, ModelBundle bundle, DjlClassifier classifier,
      MonitorMetrics metrics) throws InterruptedException {
    return StreamingMonitor.start(config, new HttpSchemaRegistryClient(Wiring.registrySettings(config)), true,
        FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(classifier, List.of(), 64),
        metrics, AlertListener.NONE);
  }

  /**
   * The monitor started against a broker and a registry, with the real model, while the test's producer sends camera
   * frames at {@link #RATE} frames per second (each id in {@link #sent}) and the test's reader, admin client and log
   * captures watch it: how the transaction-timeout outage tests ({@link OutageRecoveryIT}'s broker away,
   * {@link NetworkPartitionIT}) start, in one place. Closed in the reverse order of its start.
   */
  static final class Run implements AutoCloseable {
    final MonitorConfig config;
    final String appId;
    final MonitorMetrics metrics = MonitorMetrics.inMemory();
    final Set<String> sent = ConcurrentHashMap.newKeySet();
    final LogLines ownLog;
    final LogLines kafkaLog;
    final StreamingMonitor monitor;
    final FrameTraffic traffic;
    final OutcomeReader reader;
    final Admin admin;
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    /**
     * Starts it. The monitor reaches the broker at {@code monitorBootstrap} (through a proxy, say); the test's own
     * clients at {@code testBootstrap}, so that an outage of the monitor's path leaves them alone. Frame ids are
     * {@code idPrefix-N}; {@code txTimeoutMs} is the monitor's transaction timeout.
     */
    Run(String monitorBootstrap, String testBootstrap, String registryUrl, String name, String idPrefix, int txTimeoutMs,
        Path dir) throws Exception {
      try {
        Map<String, String> settings = faultSettings(monitorBootstrap, registryUrl, name, dir);
        settings.put("streams.transaction-timeout-ms", Integer.toString(txTimeoutMs));
        config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
        appId = config.string("streams.application-id");
        String frames = config.string("topics.frames");
        ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
        IntFunction<FrameTraffic.Record> camera = FrameTraffic.cameraFrames(
            new HttpSchemaRegistryClient(RegistrySettings.builder(registryUrl).build()), frames, idPrefix, 4);
        DjlClassifier classifier = opened(DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME));
        ownLog = opened(LogLines.of("dev.advmon"));
        kafkaLog = opened(LogLines.of("org.apache.kafka"));
        monitor = opened(startMonitor(config, bundle, classifier, metrics));
        traffic = opened(new FrameTraffic(testBootstrap, frames, Integer.MAX_VALUE, RATE, n -> {
          FrameTraffic.Record r = camera.apply(n);
          sent.add(idPrefix + "-" + n);
          return r;
        }));
        reader = opened(new OutcomeReader(testBootstrap, config.string("topics.verdicts"),
            config.string("topics.dead-letter")));
        admin = opened(Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, testBootstrap)));
      } catch (Exception | Error e) {
        closeAll(e);
        throw e;
      }
    }

    private <T extends AutoCloseable> T opened(T resource) {
      opened.push(resource);
      return resource;
    }

    /** Waits until Kafka Streams runs, verdicts flow and the monitor is ready: the state every outage starts from. */
    void assertFlowingAndReady() throws InterruptedException {
      assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();
      assertThat(Await.until(() -> reader.count() >= 20 && monitor.health().readiness().up(), Duration.ofSeconds(60)))
          .as("verdicts flow and the monitor is ready: %s", monitor.health().readiness()).isTrue();
    }

    /**
     * Whether, within {@code timeout}, the monitor is RUNNING and ready again with an outcome for every frame handed
     * over so far, and has logged "readiness UP" since event {@code ownFrom} of its log: the health checker logs a
     * change on its next round, after readiness() already says UP. Asserted, with what it saw.
     */
    void assertRecovered(int ownFrom, Duration timeout) throws InterruptedException {
      int handed = traffic.handedOver();
      boolean recovered = Await.until(() -> monitor.state() == KafkaStreams.State.RUNNING
          && monitor.health().readiness().up() && reader.count() >= handed
          && lines(ownLog, ownFrom, appId).stream().anyMatch(l -> l.contains("readiness UP")), timeout);
      assertThat(recovered).as("RUNNING and ready again, verdicts for the %d frames sent so far (have %d): %s; log:%n%s",
          handed, reader.count(), monitor.health().readiness(), String.join("\n", lines(ownLog, ownFrom, appId)))
          .isTrue();
    }

    /** Stops the frames and waits for an outcome of each. */
    void assertEveryFrameAnswered() throws InterruptedException {
      traffic.stopAndAwaitAcked(Duration.ofMinutes(1));
      assertThat(reader.awaitCount(sent.size(), Duration.ofSeconds(60))).as("an outcome per frame (%d of %d)",
          reader.count(), sent.size()).isTrue();
    }

    @Override
    public void close() throws Exception {
      closeAll(null);
    }

    private void closeAll(Throwable failure) throws Exception {
      Exception first = null;
      while (!opened.isEmpty()) {
        try {
          opened.pop().close();
        } catch (Exception e) {
          if (failure != null) {
            failure.addSuppressed(e);
          } else if (first == null) {
            first = e;
          } else {
            first.addSuppressed(e);
          }
        }
      }
      if (first != null) {
        throw first;
      }
    }
  }

  /** The coordinator's view of each of the application's transactional ids; empty while it cannot tell. */
  static Map<String, TransactionDescription> transactions(Admin admin, String appId) {
    try {
      List<String> ids = admin.listTransactions().all().get(10, TimeUnit.SECONDS).stream()
          .map(TransactionListing::transactionalId).filter(id -> id.startsWith(appId)).toList();
      return ids.isEmpty() ? Map.of() : admin.describeTransactions(ids).all().get(10, TimeUnit.SECONDS);
    } catch (Exception notYet) {
      return Map.of();
    }
  }

  /**
   * Once the frames have stopped: no transaction left open on the monitor's outputs and changelogs (every partition
   * readable to its end by read_committed readers), and every frame in {@code sent} exactly one outcome, a verdict (no
   * dead letters: an outage is nobody's fault).
   */
  static void assertNothingOpenAndEveryFrameOnce(Admin admin, String bootstrap, MonitorConfig config,
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

  /**
   * The output and internal partitions of the application with a transaction still open: last stable offset below
   * the end, or a producer with a transaction start offset; with the coordinator's view of that producer.
   */
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

  /**
   * The lines since event {@code from} that the monitor's own logging configuration prints, of the monitor's threads
   * only (named after its application id; the test's own producer and reader log too), as LEVEL logger - message.
   */
  static List<String> lines(LogLines log, int from, String appId) {
    List<ILoggingEvent> events = log.events();
    return events.subList(from, events.size()).stream()
        .filter(e -> e.getThreadName().contains(appId) || e.getThreadName().startsWith("advmon-"))
        .filter(ProductionLogging::prints)
        .map(e -> e.getLevel() + " " + e.getLoggerName().substring(e.getLoggerName().lastIndexOf('.') + 1) + " - "
            + e.getFormattedMessage())
        .toList();
  }
}
