package dev.advmon.topology;

import dev.advmon.config.MonitorConfig;
import dev.advmon.campaign.CampaignSettings;
import dev.advmon.detect.DynamicBatcher;
import dev.advmon.detect.FrameScorer;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.InferenceThreads;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.RegistryUnavailableException;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.schema.Alert;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor running on Kafka: waits for the registry and the broker (saying so in the log), makes sure the
 * topics exist, then runs the topology with exactly-once processing. Used by {@code run}, the demo and the
 * system tests alike.
 */
public final class StreamingMonitor implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(StreamingMonitor.class);

  private final KafkaStreams streams;
  private final MonitorMetrics metrics;
  private final DynamicBatcher batcher;
  private final Optional<HostInfo> server;

  private StreamingMonitor(KafkaStreams streams, MonitorMetrics metrics, DynamicBatcher batcher,
      Optional<HostInfo> server) {
    this.streams = streams;
    this.metrics = metrics;
    this.batcher = batcher;
    this.server = server;
  }

  /**
   * Starts the monitor; blocks while the registry or broker is unreachable (interruptible). The Kafka Streams
   * metrics are bound to {@code metrics}; the caller keeps owning it (and closes it after this monitor).
   * {@code alerts} sees every alert with its frame (the dashboard's feed; {@link AlertListener#NONE} for none).
   */
  public static StreamingMonitor start(MonitorConfig config, SchemaRegistry registry, boolean autoRegister,
      FramePreparer preparer, FrameScorer scorer, MonitorMetrics metrics, AlertListener alerts)
      throws InterruptedException {
    Topics topics = Topics.of(
        config.string("topics.frames"), new AvroSerde<>(Frame.class, registry, false, autoRegister),
        config.string("topics.verdicts"), new AvroSerde<>(FrameVerdict.class, registry, false, autoRegister),
        config.string("topics.alerts"), new AvroSerde<>(Alert.class, registry, false, autoRegister),
        config.string("topics.dead-letter"), new AvroSerde<>(DeadLetter.class, registry, false, autoRegister));
    awaitRegistry(config, registry, autoRegister, topics);
    new TopicAdmin(config.kafkaClientProperties()).ensureTopics(topics.names(), config.bool("topics.create"),
        config.intValue("topics.partitions"), (short) config.intValue("topics.replication-factor"),
        config.longValue("startup.retry-interval-ms"), config.longValue("startup.max-wait-ms"));

    // Shared by all stream threads; closed after Kafka Streams, whose threads may hand in frames while closing.
    int maxFrames = Math.min(config.intValue("model.batch.max-frames"), config.intValue("streams.num-threads"));
    int workers = config.intValue("model.batch.workers") > 0 ? config.intValue("model.batch.workers")
        : Math.max(1, Runtime.getRuntime().availableProcessors()
            / InferenceThreads.of(config.intValue("model.intra-op-threads"), 1).intraOp());
    DynamicBatcher batcher = new DynamicBatcher(scorer, maxFrames,
        Duration.ofMillis(config.longValue("model.batch.max-wait-ms")), workers, metrics::batchScored);
    metrics.pendingFrames(batcher::pending);
    log.info("model calls of up to {} frame(s) (one per stream thread, streams.num-threads={}, model.batch.max-frames={}), "
        + "{} at a time (model.batch.workers), waiting at most {} ms for each other", maxFrames,
        config.intValue("streams.num-threads"), config.intValue("model.batch.max-frames"), maxFrames == 1 ? "each thread's own"
            : Integer.toString(workers), config.longValue("model.batch.max-wait-ms"));
    Topology topology = MonitorTopology.buildTopology(new StreamsBuilder(),
        new TopologySettings(topics, preparer, scorer, CampaignSettings.from(config), metrics, alerts, batcher));
    log.debug("topology:\n{}", topology.describe());
    KafkaStreams streams;
    try {
      streams = new KafkaStreams(topology, streamsProperties(config));
    } catch (RuntimeException e) {
      batcher.close();
      throw e;
    }
    streams.setUncaughtExceptionHandler(e -> {
      // e.g. the registry went away mid-stream: the task restarts from its last commit, nothing is lost
      log.error("stream thread failed; replacing it (processing resumes from the last commit): {}", e.toString());
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    streams.setStateListener((now, before) -> log.info("Kafka Streams {} -> {}", before, now));
    metrics.bind(streams);
    streams.start();
    log.info("monitor started: {} -> {} / {} / {} (model {}, engine {})", topics.frames().name(),
        topics.verdicts().name(), topics.alerts().name(), topics.deadLetters().name(),
        scorer.manifest().name() + ":" + scorer.manifest().version(), scorer.engineName());
    return new StreamingMonitor(streams, metrics, batcher, applicationServer(config));
  }

  /**
   * Where this instance's HTTP endpoints are reached by the other instances: {@code streams.application-server},
   * or this host's name and {@code http.port}; empty when HTTP is off ({@code http.port} = 0).
   */
  public static Optional<HostInfo> applicationServer(MonitorConfig c) {
    String configured = c.string("streams.application-server");
    if (!configured.isBlank()) {
      return Optional.of(HostInfo.buildFromEndpoint(configured));
    }
    if (c.intValue("http.port") == 0) {
      return Optional.empty();
    }
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("localhost");
    }
    return Optional.of(new HostInfo(host, c.intValue("http.port")));
  }

  /** Kafka Streams settings: exactly-once v2, plus every kafka.* pass-through (security, SASL, ...). */
  public static Properties streamsProperties(MonitorConfig c) {
    Properties p = new Properties();
    p.putAll(c.kafkaClientProperties());
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, c.string("streams.application-id"));
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, c.intValue("streams.num-threads"));
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, c.longValue("streams.commit-interval-ms"));
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, c.intValue("topics.replication-factor"));
    applicationServer(c).ifPresent(h -> p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, h.host() + ":" + h.port()));
    if (!c.string("streams.state-dir").isBlank()) {
      p.put(StreamsConfig.STATE_DIR_CONFIG, c.string("streams.state-dir"));
    }
    return p;
  }

  /** Registers (or, without auto-register, looks up) the output schemas, retrying while the registry is down. */
  private static void awaitRegistry(MonitorConfig config, SchemaRegistry registry, boolean autoRegister, Topics topics)
      throws InterruptedException {
    long start = System.currentTimeMillis();
    long interval = config.longValue("startup.retry-interval-ms");
    long maxWait = config.longValue("startup.max-wait-ms");
    for (int attempt = 1; ; attempt++) {
      try {
        for (var entry : java.util.Map.of(
            topics.verdicts().name(), FrameVerdict.getClassSchema(),
            topics.alerts().name(), Alert.getClassSchema(),
            topics.deadLetters().name(), DeadLetter.getClassSchema()).entrySet()) {
          String subject = entry.getKey() + "-value";
          Schema schema = entry.getValue();
          int id = autoRegister ? registry.register(subject, schema) : registry.idOf(subject, schema);
          log.debug("schema registry: {} has id {}", subject, id);
        }
        log.info("schema registry {} reachable; output schemas {}", registry, autoRegister ? "registered" : "found");
        return;
      } catch (RegistryUnavailableException e) {
        long waited = System.currentTimeMillis() - start;
        if (maxWait > 0 && waited >= maxWait) {
          throw new IllegalStateException("schema registry still unreachable after " + waited
              + " ms (startup.max-wait-ms=" + maxWait + "): " + e.getMessage(), e);
        }
        log.warn("waiting for the schema registry (attempt {}, {} s so far): {}; retrying in {} ms",
            attempt, waited / 1000, e.getMessage(), interval);
        Thread.sleep(interval);
      }
    }
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  public KafkaStreams streams() {
    return streams;
  }

  public MonitorMetrics metrics() {
    return metrics;
  }

  /** Per-camera campaign state, from this instance's state store. */
  public CameraQueries cameras() {
    return new CameraQueries(streams);
  }

  /** What this instance advertises to the others ({@code application.server}); empty when HTTP is off. */
  public Optional<HostInfo> server() {
    return server;
  }

  /**
   * The other running instances of this application, by their {@code application.server}, from the group's
   * metadata (empty while rebalancing or alone). Instances that advertise no server cannot be asked and are
   * left out.
   */
  public List<HostInfo> peers() {
    try {
      return streams.metadataForAllStreamsClients().stream().map(StreamsMetadata::hostInfo)
          .filter(h -> h.port() > 0 && !server.map(h::equals).orElse(false))
          .distinct().toList();
    } catch (RuntimeException e) { // not yet started, or closing
      return List.of();
    }
  }

  /** Waits until Kafka Streams is RUNNING; false if it did not get there in time. */
  public boolean awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (streams.state() == KafkaStreams.State.RUNNING) {
        return true;
      }
      Thread.sleep(50);
    }
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  /** Commits what was processed and leaves the group; bounded so that SIGTERM never hangs. */
  @Override
  public void close() {
    try {
      streams.close(Duration.ofSeconds(30));
    } finally {
      batcher.close();
    }
  }
}
