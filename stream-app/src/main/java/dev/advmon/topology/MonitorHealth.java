package dev.advmon.topology;

import dev.advmon.config.MonitorConfig;
import dev.advmon.health.BrokerCheck;
import dev.advmon.health.DependencyProbe;
import dev.advmon.health.HangingTransactions;
import dev.advmon.health.HealthCheck;
import dev.advmon.health.HealthReport;
import dev.advmon.health.RebalanceWatch;
import dev.advmon.health.RegistryProbe;
import dev.advmon.health.SchemaIdRecheck;
import dev.advmon.health.StallDetector;
import dev.advmon.registry.SchemaRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's readiness and liveness.
 *
 * <p>Readiness is UP only while all of these hold, else DOWN with one reason per failing condition:
 * Kafka Streams is RUNNING (not rebalancing, not being restarted after a failure); the broker answers a
 * metadata request and its KRaft controller quorum a describe-quorum request ({@link BrokerCheck}), and the registry
 * a {@code GET /config}, each within {@code health.probe-timeout-ms}
 * (probed every {@code health.check-interval-ms}); scoring works (it has not failed for every frame since the
 * last frame scored); the stream is not stalled (records wait on its input and nothing was committed for
 * {@code health.stall-timeout-ms}); no hanging transaction that it did not abort sits on its topics
 * ({@link HangingTransactions}).
 *
 * <p>Liveness is DOWN only when restarting the process is the remedy: the monitor stopped for good (a fatal
 * configuration error), Kafka Streams is NOT_RUNNING or ERROR without a restart under way, a new Kafka Streams
 * client could not be started {@link StreamingMonitor#STUCK_AFTER} times in a row (this process's own state, such
 * as a state folder lock a closed client kept), or one frame has been in the model longer than
 * {@code health.heartbeat-timeout-ms} (a hung call). An unreachable broker or registry never makes it DOWN: a
 * restart would not bring them back.
 *
 * <p>A background checker probes, samples the stall detector and logs every change of readiness with its
 * reasons, so that the log tells the same story as the endpoint. It also restarts Kafka Streams in place when a
 * rebalance has made no progress for {@code health.rebalance-timeout-ms} with the broker reachable
 * ({@link RebalanceWatch}).
 */
final class MonitorHealth implements HealthCheck, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(MonitorHealth.class);

  private final StreamingMonitor monitor;
  private final ScoringGuard guard;
  private final DependencyProbe broker;
  private final DependencyProbe registry;
  private final StallDetector stall;
  private final HangingTransactions.Mode hangingMode;
  private final HangingTransactions hanging;
  private final long hangingIntervalMs;
  private final RebalanceWatch rebalance;
  private final SchemaIdRecheck schemaIds;
  private final long schemaIdsIntervalMs; // 0: off
  private final long intervalMs;
  private final long heartbeatTimeoutMs;
  private final Admin admin;
  private final ScheduledThreadPoolExecutor checker;
  private final ReadinessChanges readinessChanges; // checker thread only

  MonitorHealth(StreamingMonitor monitor, MonitorConfig config, SchemaRegistry schemaRegistry, ScoringGuard guard) {
    this.monitor = monitor;
    this.guard = guard;
    this.intervalMs = config.longValue("health.check-interval-ms");
    this.heartbeatTimeoutMs = config.longValue("health.heartbeat-timeout-ms");
    long probeTimeout = config.longValue("health.probe-timeout-ms");
    Map<String, Object> adminProps = new java.util.HashMap<>(config.kafkaClientProperties());
    adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, StreamingMonitor.groupInstanceId(config) + "-health");
    adminProps.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) probeTimeout);
    adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) probeTimeout);
    adminProps.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
    this.admin = Admin.create(adminProps);
    this.broker = BrokerSilence.probe(adminProps.get("bootstrap.servers"), BrokerCheck.of(admin, probeTimeout),
        probeTimeout, System::currentTimeMillis);
    this.registry = RegistryProbe.of(schemaRegistry, probeTimeout, System::currentTimeMillis);
    this.hangingMode = HangingTransactions.Mode.parse(config.string("health.hanging-transactions"));
    long hangingAge = config.hangingTransactionAgeMs();
    this.hangingIntervalMs = Math.max(1_000, Math.min(30_000, hangingAge / 4));
    this.hanging = hangingTransactions(config, hangingAge, probeTimeout);
    this.stall = new StallDetector(config.longValue("health.stall-timeout-ms"));
    // the longest a group join waits (for a member gone without a word): an expected DOWN that lasts past it warns
    this.readinessChanges = new ReadinessChanges(config.longValue("streams.session-timeout-ms"));
    this.rebalance = new RebalanceWatch(config.longValue("health.rebalance-timeout-ms"));
    this.schemaIds = new SchemaIdRecheck(schemaRegistry, Duration.ofMillis(probeTimeout),
        config.bool("registry.auto-register"));
    this.schemaIdsIntervalMs = config.longValue("registry.recheck-interval-ms");
    this.checker = new ScheduledThreadPoolExecutor(5, r -> {
      Thread t = new Thread(r, "advmon-health");
      t.setDaemon(true);
      return t;
    });
    checker.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  void start() {
    // one thread per probe, so that a hanging broker does not delay the registry's probe or the log
    checker.scheduleWithFixedDelay(broker::check, 0, intervalMs, TimeUnit.MILLISECONDS);
    checker.scheduleWithFixedDelay(registry::check, 0, intervalMs, TimeUnit.MILLISECONDS);
    checker.scheduleWithFixedDelay(this::sampleAndLog, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    if (hangingMode != HangingTransactions.Mode.OFF) {
      checker.scheduleWithFixedDelay(hanging::check, hangingIntervalMs, hangingIntervalMs, TimeUnit.MILLISECONDS);
    }
    if (schemaIdsIntervalMs > 0) {
      checker.scheduleWithFixedDelay(schemaIds::check, schemaIdsIntervalMs, schemaIdsIntervalMs,
          TimeUnit.MILLISECONDS);
    }
  }

  /**
   * The hanging-transaction check over every topic this monitor reads or writes: its own (verdicts, alerts, dead
   * letters, and its changelog and repartition topics, {@link MonitorTopology#internalTopics} by exact name),
   * the frames topic, which other producers write, and its group's partition of {@code __consumer_offsets}.
   */
  private HangingTransactions hangingTransactions(MonitorConfig config, long minAgeMs, long probeTimeout) {
    String frames = config.string("topics.frames");
    Set<String> outputs = Set.of(config.string("topics.verdicts"), config.string("topics.alerts"),
        config.string("topics.dead-letter"));
    Set<String> all = new java.util.TreeSet<>(outputs);
    all.add(frames);
    all.addAll(MonitorTopology.internalTopics(config.string("streams.application-id")));
    java.util.function.Supplier<java.util.Collection<String>> topics = () -> all; // one not made yet: nothing to see
    return new HangingTransactions(admin, topics, frames, config.string("streams.application-id"), hangingMode,
        minAgeMs, config.longValue("health.hanging-transaction-frames-age-ms"), probeTimeout, System::currentTimeMillis,
        String.valueOf(config.kafkaClientProperties().get("bootstrap.servers")));
  }

  /** The hanging-transaction check, for its counts in /metrics. */
  HangingTransactions hangingTransactions() {
    return hanging;
  }

  /** Why the registry counts as unreachable; null while it answers. */
  String registryProblem() {
    return registry.problem();
  }

  @Override
  public HealthReport readiness() {
    // `restarting` also read before the state, as in liveness(): /cameras tells a restart from a stop by it, and read
    // after the state only, a restart that ended in between left the old client's ERROR read as a stop
    boolean restartBefore = monitor.restarting().isPresent();
    KafkaStreams.State state = monitor.state();
    List<String> reasons = new ArrayList<>();
    // each read once: a restart that began between two reads left a state other than RUNNING with no reason (UP)
    Optional<String> failure = monitor.failure();
    Optional<String> restarting = monitor.restarting();
    failure.ifPresent(reasons::add);
    restarting.ifPresent(reasons::add);
    if (state != KafkaStreams.State.RUNNING && restarting.isEmpty() && failure.isEmpty()) {
      reasons.add(ReadinessChanges.stateReason(state));
    }
    addIfPresent(reasons, broker.problem());
    addIfPresent(reasons, registry.problem());
    addIfPresent(reasons, guard.problem());
    addIfPresent(reasons, stall.problem());
    addIfPresent(reasons, hanging.problem());
    boolean replacing = (restartBefore || restarting.isPresent()) && !monitor.closing();
    return new HealthReport(reasons.isEmpty(), state.name(), reasons, replacing);
  }

  @Override
  public HealthReport liveness() {
    // `restarting` read on both sides of the state: a restart sets it before its failed client leaves RUNNING and
    // clears it only after the new client started, so a state of the old client read just before the new one took
    // over (or of a client failing just after a first read) is seen with it set at least once. Read on one side
    // only, either interleaving answered DOWN once for a monitor that was only restarting (k8s/ waits for three
    // DOWNs in a row; a stricter probe would restart a healthy pod)
    boolean restartUnderWay = monitor.restarting().isPresent();
    KafkaStreams.State state = monitor.state();
    restartUnderWay |= monitor.restarting().isPresent();
    List<String> reasons = new ArrayList<>();
    Optional<String> failure = monitor.failure(); // read once, as in readiness()
    failure.ifPresent(reasons::add);
    boolean down = state == KafkaStreams.State.NOT_RUNNING || state == KafkaStreams.State.ERROR;
    if (down && !restartUnderWay && failure.isEmpty() && !monitor.closing()) {
      reasons.add("Kafka Streams is " + state + " and no restart is under way");
    }
    monitor.stuck().ifPresent(reasons::add);
    long inModel = guard.longestInFlightMs();
    if (inModel > heartbeatTimeoutMs) {
      reasons.add("wedged: a frame has been in the model for " + inModel / 1000 + " s (health.heartbeat-timeout-ms="
          + heartbeatTimeoutMs + ")");
    }
    return new HealthReport(reasons.isEmpty(), state.name(), reasons, restartUnderWay && !monitor.closing());
  }

  private static void addIfPresent(List<String> reasons, String reason) {
    if (reason != null) {
      reasons.add(reason);
    }
  }

  private void sampleAndLog() {
    try {
      KafkaStreams client = monitor.streams();
      double lag = 0;
      double commits = 0;
      for (Map.Entry<MetricName, ? extends Metric> e : client.metrics().entrySet()) {
        MetricName n = e.getKey();
        boolean restore = RebalanceWatch.ofRestoreConsumer(n);
        if (n.name().equals("records-lag") && n.group().equals("consumer-fetch-manager-metrics")
            && n.tags().containsKey("partition") && !restore) {
          lag += positive(e.getValue().metricValue());
        } else if (n.name().equals("commit-total") && n.group().equals("stream-thread-metrics")) {
          commits += positive(e.getValue().metricValue());
        }
      }
      long now = System.currentTimeMillis();
      stall.sample(new StallDetector.Sample(now, lag, commits, client));
      String stalled = rebalance.sample(new RebalanceWatch.Sample(now, client.state() == KafkaStreams.State.REBALANCING,
          monitor.restores().steps(), broker.problem() == null, client));
      if (stalled != null) {
        monitor.restartStalled(client, stalled);
      }
      HealthReport ready = readiness();
      ReadinessChanges.Line line = readinessChanges.next(ready, now);
      if (line != null) {
        log.atLevel(line.level()).log(line.message());
      }
    } catch (RuntimeException e) {
      log.debug("health sample failed: {}", e.toString());
    }
  }

  private static double positive(Object value) {
    return value instanceof Number n && n.doubleValue() > 0 && !Double.isNaN(n.doubleValue()) ? n.doubleValue() : 0;
  }

  @Override
  public void close() {
    checker.shutdownNow();
    admin.close(Duration.ofSeconds(5));
  }
}
