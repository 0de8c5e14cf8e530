package dev.advmon.topology;

import dev.advmon.campaign.CampaignSettings;
import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.Detector;
import dev.advmon.detect.DynamicBatcher;
import dev.advmon.detect.FrameScorer;
import dev.advmon.health.EachRegistryUrl;
import dev.advmon.health.HealthCheck;
import dev.advmon.health.RegistryProbe;
import dev.advmon.health.RestoreProgress;
import dev.advmon.health.StartupWaits;
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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
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
 * topics exist and can hold the largest dead letter, then runs the topology with exactly-once processing.
 * Used by {@code run}, the demo and the system tests alike.
 *
 * <p>Recovery in seconds:
 * <ul>
 *   <li>static membership: {@code group.instance.id} = {@code <application-id>-<instance-id>} (Kafka Streams
 *       adds the thread number), so that a restarted instance takes its partitions back without their moving to another instance;
 *   <li>the instance id also fixes Kafka Streams' process id (written to its state folder before it starts),
 *       hence its transactional ids: a restarted instance fences its predecessor's open transaction at once
 *       instead of waiting for it to time out, even on a new host with an empty state folder;
 *   <li>a failure that stops the stream thread (scoring fails for every frame, the registry stays unreachable,
 *       anything unexpected) restarts the whole Kafka Streams client in place, with the same identity, after a
 *       backoff (1 s doubling to {@code streams.restart-backoff-max-ms}); Kafka Streams' own thread replacement
 *       would join as a new static member and wait out the old one's session. A fatal failure (the registry
 *       refuses our credentials) stops the monitor with the message ({@link #failure()}).
 * </ul>
 * Readiness and liveness: {@link #health()}.
 *
 * <p>Throughput: the stream threads' model calls are merged by one {@link DynamicBatcher} (see there why nothing is
 * held past a commit). It lives as long as the monitor, across in-place restarts, and is closed after the last
 * Kafka Streams client. Several instances advertise {@code streams.application-server} to each other so that each
 * can answer for every camera ({@link #peers()}).
 */
public final class StreamingMonitor implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(StreamingMonitor.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
  private static final long FIRST_BACKOFF_MS = 1_000;
  /** Failed starts of a new Kafka Streams client in a row after which liveness goes DOWN (with the backoff, about 7 s). */
  static final int STUCK_AFTER = 3;
  /**
   * The longest a stopped or failed start waits for its topic check's thread to end: its admin client's close then
   * abandons the request under way, which takes milliseconds; the bound only keeps a hung client from holding the stop.
   */
  private static final Duration TOPIC_CHECK_END = Duration.ofSeconds(10);
  /**
   * How long a failed start-up check waits for the other's current try, so that both failures are named: a refusal
   * comes within a second; a try that waits out a silent peer's timeout is not waited for to the end.
   */
  private static final Duration OTHER_CHECK_GRACE = Duration.ofSeconds(5);

  private final MonitorConfig config;
  private final Properties properties;
  private final TopologySettings topologySettings;
  private final MonitorMetrics metrics;
  private final ScheduledExecutorService supervisor;
  private final CountDownLatch stoppedForGood = new CountDownLatch(1);
  private final MonitorHealth health;
  private final DynamicBatcher batcher;
  private final Optional<HostInfo> server;
  /**
   * The current client's active-task restores: what the rebalance watchdog takes as progress (not standby updates).
   * One per client, so that a replaced client still closing cannot count for its successor.
   */
  private volatile RestoreProgress restores = new RestoreProgress();
  private volatile KafkaStreams streams;
  private final CameraQueries cameras;
  private final UnaskedCameras unasked;
  private volatile boolean closing;
  private volatile String failure;
  /** Why Kafka Streams is being restarted, while it is; null otherwise. */
  private volatile String restarting;
  /**
   * Why the last starts of a new Kafka Streams client failed, while {@link #STUCK_AFTER} or more did in a row;
   * null otherwise. Such a failure is this process's own (the old client still holds the state folder's lock, leaked
   * threads): dependencies being down never make a start throw. Liveness goes DOWN on it, since a new process is
   * then the remedy.
   */
  private volatile String stuck;
  private int startFailuresInARow; // supervisor thread only
  private int failuresInARow; // supervisor thread only
  private long lastFailureAt; // supervisor thread only
  private int generation; // guarded by this

  private StreamingMonitor(MonitorConfig config, Properties properties, TopologySettings topologySettings,
      MonitorMetrics metrics, SchemaRegistry registry) {
    this.config = config;
    this.batcher = topologySettings.batcher();
    this.server = applicationServer(config);
    this.cameras = new CameraQueries(() -> streams, server);
    String applicationId = config.string("streams.application-id");
    this.unasked = new UnaskedCameras(() -> streams.metadataForAllStreamsClients(),
        MonitorTopology.campaignRepartitionTopic(applicationId),
        UnaskedCameras.PartitionCount.ofBroker(config.kafkaClientProperties(), applicationId + "-cameras-check",
            Duration.ofSeconds(2)), System::currentTimeMillis);
    this.properties = properties;
    this.topologySettings = topologySettings;
    this.metrics = metrics;
    this.supervisor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "advmon-supervisor");
      t.setDaemon(true);
      return t;
    });
    this.health = new MonitorHealth(this, config, registry, topologySettings.guard());
    metrics.hangingTransactions(health.hangingTransactions()::unresolved, health.hangingTransactions()::aborted);
    metrics.schemaIdsLost(registry::forgottenIds);
  }

  /**
   * A monitor that holds {@code client} as its running client, as {@link #start} leaves it, without starting anything:
   * for {@code StreamsCloseTest}, which checks that {@link #close()} itself closes the client through
   * {@link #closeClient} (a close() that closed the client on its own would say nothing when the close gives up).
   */
  static StreamingMonitor holding(KafkaStreams client, MonitorConfig config, TopologySettings topologySettings,
      MonitorMetrics metrics, SchemaRegistry registry) {
    StreamingMonitor monitor = new StreamingMonitor(config, new Properties(), topologySettings, metrics, registry);
    monitor.streams = client;
    return monitor;
  }

  /**
   * Starts the monitor; blocks while the registry or broker is unreachable (interruptible). The Kafka Streams
   * metrics are bound to {@code metrics}; the caller keeps owning it (and closes it after this monitor).
   * {@code alerts} sees every alert with its frame (the dashboard's feed; {@link AlertListener#NONE} for none).
   */
  public static StreamingMonitor start(MonitorConfig config, SchemaRegistry registry, boolean autoRegister,
      FramePreparer preparer, FrameScorer scorer, MonitorMetrics metrics, AlertListener alerts)
      throws InterruptedException {
    try {
      return start(config, registry, autoRegister, preparer, () -> scorer, metrics, alerts);
    } catch (InterruptedException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e); // the supplier above throws nothing
    }
  }

  /**
   * As above, with the scorer asked for only once the registry and the broker answer and the topics are there,
   * so that the model can load meanwhile (what {@code run} does). Its exception, if any, ends the start.
   */
  public static StreamingMonitor start(MonitorConfig config, SchemaRegistry registry, boolean autoRegister,
      FramePreparer preparer, java.util.concurrent.Callable<FrameScorer> scorerWhenReady, MonitorMetrics metrics,
      AlertListener alerts) throws Exception {
    return start(config, registry, autoRegister, preparer, scorerWhenReady, metrics, alerts, new StartupWaits());
  }

  /** As above, telling {@code waits} why the broker or the registry is still waited for (readiness while starting). */
  public static StreamingMonitor start(MonitorConfig config, SchemaRegistry registry, boolean autoRegister,
      FramePreparer preparer, java.util.concurrent.Callable<FrameScorer> scorerWhenReady, MonitorMetrics metrics,
      AlertListener alerts, StartupWaits waits) throws Exception {
    Topics topics = topics(config, registry, autoRegister);
    RecordLimits limits = new RecordLimits(preparer.limits().maxEncodedBytes());
    // the broker's topics are checked while the registry is asked: a (re)start reaches its first verdict sooner
    // Whichever check fails first ends the start: a broker that refuses the monitor (its certificate, its login, an
    // ACL) was told only once the registry answered, for ever with startup.max-wait-ms=0 while the registry did not.
    // The other check then gets its current try, so that the error names both when both fail (bothFailures)
    java.util.concurrent.BlockingQueue<FutureTask<?>> finished = new java.util.concurrent.LinkedBlockingQueue<>();
    FutureTask<TopicAdmin.AcceptedTimes> topicsReady = new Finishing<>(finished, () -> {
      TopicAdmin admin = new TopicAdmin(config.kafkaClientProperties(), waits)
          .namingSettings(t -> topicSetting(config, t), config.origin("topics.create"));
      admin.ensureTopics(topics.names(), minMessageBytes(topics, limits, EvidenceImages.from(config)),
          config.bool("topics.create"), config.intValue("topics.partitions"),
          (short) config.intValue("topics.replication-factor"),
          config.longValue("startup.retry-interval-ms"), config.longValue("startup.max-wait-ms"));
      // the topics were just checked: a broker that stops answering now is waited for by Kafka Streams; only a
      // frame older than a limit on the outputs would then stall, until a refusal has the limit read again (restart)
      return outputsAcceptedTimes(admin, topics, config.string("streams.application-id"))
          .orElse(TopicAdmin.AcceptedTimes.ANY);
    });
    FutureTask<Void> registryReady = new Finishing<>(finished, () -> {
      awaitRegistry(config, registry, autoRegister, topics, waits);
      return null;
    });
    Thread topicCheck = daemon(topicsReady, "advmon-topic-check");
    Thread registryCheck = daemon(registryReady, "advmon-registry-check");
    boolean checked = false;
    TopicAdmin.AcceptedTimes outputsAccept;
    try {
      for (int i = 0; i < 2; i++) {
        FutureTask<?> done = finished.take();
        Throwable failure = failureOf(done);
        if (failure != null) { // whether the other still waits or not
          boolean broker = done == topicsReady;
          Throwable other = otherCheckFailure(broker ? registryReady : topicsReady, !broker, waits,
              config.string("kafka.bootstrap.servers"), registry.describe());
          throw thrown(broker ? bothFailures(failure, other, failure) : bothFailures(other, failure, failure));
        }
      }
      outputsAccept = topicsReady.get();
      checked = true;
    } catch (InterruptedException e) {
      // take() says nothing: say what the stop cut short, for whoever logs it (run: "stopped before start-up finished")
      InterruptedException stop = new InterruptedException(stoppedWhile(topicsReady, registryReady));
      stop.initCause(e);
      throw stop;
    } finally {
      if (!checked) {
        // one check failed, or start-up was interrupted (run's stop): stop waiting for the other
        topicCheck.interrupt();
        registryCheck.interrupt();
        // and end with the registry's wait over, as when it ran on this thread: left running, it could still log a
        // retry, or register the schemas, after run said the start had stopped. It ends as soon as interrupted (the
        // client cancels its request). The topic check too (its admin client's close abandons a request under way):
        // left running, its thread outlived the stopped start by up to 15 s, in the demo, the load tester and tests
        joinUninterruptibly(registryCheck);
        joinBounded(topicCheck, TOPIC_CHECK_END);
      }
    }

    return launch(config, registry, topics, limits, preparer, scorerWhenReady.call(), metrics, alerts, outputsAccept);
  }

  /** What the finished check {@code done} failed with; null when it passed. */
  private static Throwable failureOf(FutureTask<?> done) throws InterruptedException {
    try {
      done.get();
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  /**
   * The failure of {@code other}, the check still running when the first failed: it is told to end after its current
   * try ({@link StartupWaits#lastTry}), which it is given at most {@link #OTHER_CHECK_GRACE}; its latest failure as
   * readiness has it when that try is still under way then, or, when none of its tries failed yet, that it was not
   * checked (not a failure: a slow but healthy peer is still in its first try). Null when it passed.
   */
  private static Throwable otherCheckFailure(FutureTask<?> other, boolean otherIsBroker, StartupWaits waits,
      String servers, String registry) throws InterruptedException {
    waits.lastTry();
    try {
      other.get(OTHER_CHECK_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      String what = otherIsBroker ? "Kafka at " + servers + " (kafka.bootstrap.servers)"
          : "schema registry at " + registry + " (registry.url)";
      String latest = waits.reason(otherIsBroker ? TopicAdmin.DEPENDENCY : REGISTRY_WAIT).orElse(null);
      String failure = (otherIsBroker ? "the registry's" : "Kafka's") + " failure";
      if (latest == null) {
        // no try of it failed yet: it may be down, or only slow (a healthy registry under load); "had not answered",
        // after "; and", read as a second failure, and an operator went to fix a registry that worked
        return new IllegalStateException(what + " not checked: its first try had not ended "
            + OTHER_CHECK_GRACE.toSeconds() + " s after " + failure + " (down, or only slow)");
      }
      return new IllegalStateException(what + " had not answered within " + OTHER_CHECK_GRACE.toSeconds() + " s of "
          + failure + " (its latest try: " + latest + ")");
    }
  }

  /**
   * One error for a start whose broker check and registry check both failed (either may be null: passed), the
   * broker's first whichever failed first, each with its own advice: before, only the first to fail was told, the
   * other dropped. Its cause is {@code first}, the failure that ended the start, so that what reads the cause chain
   * (Failures.classify: a refused credential or a wrong registry.url is fatal) still finds it; the other is suppressed.
   * An Error that ended the start stays itself (its stack trace says which class or library is broken), the other
   * failure suppressed in it. An Error in the other check's last try, after an Exception ended the start (a refused
   * login, then a LinkageError from the registry's client), is named in the one error instead: thrown as itself it
   * won, and run ended with its stack trace (the refusal only a suppressed line in it) where the refusal's one-line
   * message and exit status 2 were due; the Error is suppressed in it, so ADVMON_DEBUG's stack trace still shows it.
   * Not a VirtualMachineError (out of memory or stack): named as "a broken class path, plugin or JVM", it sent the
   * operator to the class path, and a start ended by a refusal hid that the JVM was failing; it is thrown as itself.
   */
  private static Throwable bothFailures(Throwable broker, Throwable registry, Throwable first) {
    if (broker == null || registry == null) {
      return broker == null ? registry : broker;
    }
    if (first instanceof Error error) {
      error.addSuppressed(error == broker ? registry : broker);
      return error;
    }
    Throwable other = first == broker ? registry : broker;
    if (other instanceof VirtualMachineError exhausted) {
      // out of memory or stack (or the JVM broken): not a class path to fix, and this JVM may fail anything next, so
      // it ends the start as itself, with its stack trace, as the JVM's own handler would; the refusal suppressed in it
      exhausted.addSuppressed(first);
      return exhausted;
    }
    IllegalStateException both = new IllegalStateException(words(broker, "Kafka's topic check")
        + "; and " + words(registry, "the schema registry's check"), first);
    both.addSuppressed(first == broker ? registry : broker);
    return both;
  }

  /**
   * What {@code failure} of {@code check} says in the start's error: an Exception's message names its check already;
   * an Error's (a class name from a NoClassDefFoundError, or none) does not, nor that it is no refusal to fix in a
   * setting.
   */
  private static String words(Throwable failure, String check) {
    if (!(failure instanceof Error)) {
      return failure.getMessage();
    }
    return check + " failed with " + failure + " (a Java Error, not an answer: a broken class path, plugin or JVM;"
        + " ADVMON_DEBUG=1 prints its stack trace)";
  }

  /**
   * {@code failure} as the start throws it: an Error as itself, as when the registry's wait ran on the starting thread:
   * wrapped, {@code run} printed it as a one-line start-up refusal (exit status 2), without the stack trace that says
   * which class or library is broken.
   */
  private static Exception thrown(Throwable failure) {
    if (failure instanceof Error error) {
      throw error;
    }
    return failure instanceof Exception cause ? cause : new IllegalStateException(failure);
  }

  /** An interrupted start's message: which of its checks the stop cut short. */
  private static String stoppedWhile(FutureTask<?> topicsReady, FutureTask<?> registryReady) {
    List<String> waited = new java.util.ArrayList<>();
    if (!topicsReady.isDone()) {
      waited.add("Kafka's topic check (kafka.bootstrap.servers)");
    }
    if (!registryReady.isDone()) {
      waited.add("the schema registry (registry.url)");
    }
    return "start-up stopped (interrupted) while waiting for " + (waited.isEmpty() ? "its checks to end"
        : String.join(" and ", waited));
  }

  /** A start-up check that tells {@code finished} when it ends, failed or not. */
  private static final class Finishing<T> extends FutureTask<T> {
    private final java.util.concurrent.BlockingQueue<FutureTask<?>> finished;

    Finishing(java.util.concurrent.BlockingQueue<FutureTask<?>> finished, java.util.concurrent.Callable<T> check) {
      super(check);
      this.finished = finished;
    }

    @Override
    protected void done() {
      finished.add(this);
    }
  }

  /** Waits for {@code t} to end; an interrupt meanwhile is kept for the caller, not lost. */
  private static void joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits at most {@code bound} for {@code t} to end (an interrupt meanwhile kept for the caller); says so when it did
   * not, naming where it was, rather than holding a stopped start for ever.
   */
  private static void joinBounded(Thread t, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    boolean interrupted = false;
    while (t.isAlive() && System.nanoTime() < deadline) {
      try {
        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (t.isAlive()) {
      StackTraceElement[] where = t.getStackTrace();
      log.warn("start-up's thread {} had not ended {} s after the start stopped (it was in {}); leaving it to end on"
          + " its own", t.getName(), bound.toSeconds(), where.length == 0 ? "an unknown frame" : where[0]);
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static Thread daemon(Runnable check, String name) {
    Thread t = new Thread(check, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** A limit on record times for a log line: Long.MAX_VALUE is none, not 9223372036854775807 ms. */
  private static String limitText(long ms) {
    return ms == Long.MAX_VALUE ? "none" : ms + " ms";
  }

  /**
   * The oldest record age, and the furthest ahead, all the frame's outputs accept ({@link TopicAdmin#acceptedTimes}),
   * logged; empty when the broker does not say.
   */
  private static java.util.Optional<TopicAdmin.AcceptedTimes> outputsAcceptedTimes(TopicAdmin admin, Topics topics,
      String applicationId) throws InterruptedException {
    // what the frame's outputs are written to: a frame older than they accept gets the clock's time; and Kafka
    // Streams' own topics where they exist (a limit set on the camera store's changelog alone refused an old
    // campaign flag there at every restart, for ever)
    List<String> outputs = topics.names().stream().filter(t -> !t.equals(topics.frames().name())).toList();
    TopicAdmin.AcceptedTimes accepted;
    try {
      accepted = admin.acceptedTimes(outputs, MonitorTopology.internalTopics(applicationId));
    } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
      // RuntimeException too (Admin.create on a bootstrap name that does not resolve now): on the supervisor
      // thread it would end the restart, and the monitor would stay stopped
      log.warn("could not read message.timestamp.before.max.ms and after.max.ms of {} ({}); read again when an output "
          + "is refused for its time", outputs, e.getCause() != null ? e.getCause() : e);
      return java.util.Optional.empty();
    }
    long maxAgeMs = accepted.maxAgeMs();
    if (maxAgeMs != Long.MAX_VALUE) {
      log.info("frames stamped more than {} ms before the monitor's clock get its time as their outputs' record time "
          + "(their captureTime is kept): the monitor's topics refuse records older than {} ms",
          FrameTimestampExtractor.keptAgeMs(maxAgeMs), maxAgeMs);
    }
    if (FrameTimestampExtractor.keptAheadMs(accepted.maxAheadMs()) < FrameTimestampExtractor.MAX_AHEAD_MS) {
      log.info("frames stamped more than {} ms ahead of the monitor's clock get its time as their outputs' record time "
          + "(their captureTime is kept): the monitor's topics refuse records more than {} ms ahead",
          FrameTimestampExtractor.keptAheadMs(accepted.maxAheadMs()), accepted.maxAheadMs());
    }
    return java.util.Optional.of(accepted);
  }

  /**
   * Starts the monitor WITHOUT waiting for the registry or checking the topics: only for the class-archive training
   * run of the build (no broker there; see {@code monitor}'s launcher), which starts it against an unreachable broker
   * and closes it, so that the classes of a real start are loaded once and archived.
   */
  public static StreamingMonitor startUnchecked(MonitorConfig config, SchemaRegistry registry, FramePreparer preparer,
      FrameScorer scorer, MonitorMetrics metrics, AlertListener alerts) {
    return launch(config, registry, topics(config, registry, true),
        new RecordLimits(preparer.limits().maxEncodedBytes()), preparer, scorer, metrics, alerts,
        TopicAdmin.AcceptedTimes.ANY);
  }

  /** The setting naming {@code topic} and where its value came from, for the missing-topics error; null: none. */
  static String topicSetting(MonitorConfig config, String topic) {
    for (String key : List.of("topics.frames", "topics.verdicts", "topics.alerts", "topics.dead-letter")) {
      if (config.string(key).equals(topic)) {
        return key + ", from " + config.origin(key);
      }
    }
    return null;
  }

  private static Topics topics(MonitorConfig config, SchemaRegistry registry, boolean autoRegister) {
    return Topics.of(
        config.string("topics.frames"), new AvroSerde<>(Frame.class, registry, false, autoRegister),
        config.string("topics.verdicts"), new AvroSerde<>(FrameVerdict.class, registry, false, autoRegister),
        config.string("topics.alerts"), new AvroSerde<>(Alert.class, registry, false, autoRegister),
        config.string("topics.dead-letter"), new AvroSerde<>(DeadLetter.class, registry, false, autoRegister));
  }

  /**
   * The {@code max.message.bytes} that start-up requires of (or, with topics.create, sets on) the monitor's topics.
   * The alerts topic only while alerts carry pictures: a topic or broker below the picture bound would refuse the
   * first such alert, which under exactly-once fails the task on the same frame after every restart.
   */
  static Map<String, Long> minMessageBytes(Topics topics, RecordLimits limits, EvidenceImages images) {
    Map<String, Long> need = new java.util.HashMap<>();
    need.put(topics.frames().name(), limits.maxFrameMessageBytes());
    need.merge(topics.deadLetters().name(), limits.maxMessageBytes(), Math::max);
    if (images.enabled()) {
      need.merge(topics.alerts().name(), RecordLimits.maxAlertMessageBytes(images.maxBytes()), Math::max);
    }
    return Map.copyOf(need);
  }

  private static StreamingMonitor launch(MonitorConfig config, SchemaRegistry registry, Topics topics,
      RecordLimits limits, FramePreparer preparer, FrameScorer scorer, MonitorMetrics metrics, AlertListener alerts,
      TopicAdmin.AcceptedTimes outputsAccept) {
    DynamicBatcher batcher = batcher(config, scorer, metrics);
    StreamingMonitor monitor = null;
    // everything up to a running Kafka Streams may fail (a state folder that cannot be written or that another
    // instance holds, a bad setting): the batcher's inference workers are stopped then too, and what the monitor made
    // before the failure (the health checker's admin client, the Kafka Streams client), as nobody else can close them
    try {
      TopologySettings settings = new TopologySettings(topics, preparer, scorer, CampaignSettings.from(config), metrics,
          alerts, new ScoringGuard(scorer), batcher, EvidenceImages.from(config));
      Properties properties = streamsProperties(config);
      properties.putAll(StreamErrorHandlers.configs(topics, topics.deadLetters().valueSerde().serializer(), limits, metrics));
      properties.put(FrameTimestampExtractor.MAX_AGE_MS, Long.toString(outputsAccept.maxAgeMs()));
      properties.put(FrameTimestampExtractor.MAX_AHEAD_LIMIT_MS, Long.toString(outputsAccept.maxAheadMs()));
      properties.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), (int) limits.maxRequestBytes());
      properties.put(StreamsConfig.producerPrefix(ProducerConfig.BUFFER_MEMORY_CONFIG),
          Math.max(32L * 1024 * 1024, 4 * limits.maxMessageBytes()));
      announceStateFolder(config);
      StateFolderLock.requireFree(config, stateDir(config));
      seedProcessId(config);

      monitor = new StreamingMonitor(config, properties, settings, metrics, registry);
      monitor.startStreams();
      monitor.health.start();
      metrics.modelInfo(scorer.manifest().name(), scorer.manifest().version(), scorer.engineName(),
          scorer.detectors().stream().map(Detector::name).toList());
    } catch (RuntimeException | Error e) {
      if (monitor != null) {
        monitor.abandon(e);
      }
      batcher.close();
      throw e;
    }
    log.info("monitor started as instance '{}' (group.instance.id {}): {} -> {} / {} / {} (model {}, engine {})",
        config.instanceId(), groupInstanceId(config), topics.frames().name(), topics.verdicts().name(),
        topics.alerts().name(), topics.deadLetters().name(),
        scorer.manifest().name() + ":" + scorer.manifest().version(), scorer.engineName());
    return monitor;
  }

  /**
   * The batcher shared by all stream threads: calls of up to {@code min(model.batch.max-frames, streams.num-threads)}
   * frames, {@code model.batch.workers} of them at a time (0 = one per group of ONNX Runtime intra-op threads).
   */
  private static DynamicBatcher batcher(MonitorConfig config, FrameScorer scorer, MonitorMetrics metrics) {
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
    return batcher;
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

  /**
   * Kafka Streams settings: exactly-once v2, static membership, the session and transaction timeouts, the
   * timestamp extractor, the stores' bounded RocksDB memory ({@link BoundedRocksDbMemory}), plus every kafka.*
   * pass-through (security, SASL, ...). The error handlers need the topics and are added by {@link #start}.
   */
  public static Properties streamsProperties(MonitorConfig c) {
    Properties p = new Properties();
    p.putAll(c.kafkaClientProperties());
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, c.string("streams.application-id"));
    p.put(StreamsConfig.CLIENT_ID_CONFIG, groupInstanceId(c));
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "classic"); // static membership and LeaveDecision (KafkaClientKeys)
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, c.intValue("streams.num-threads"));
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, c.longValue("streams.commit-interval-ms"));
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, c.intValue("topics.replication-factor"));
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir(c).toString());
    applicationServer(c).ifPresent(h -> p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, h.host() + ":" + h.port()));
    p.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, FrameTimestampExtractor.class.getName());
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true); // the 5.0 default; no global stores
    p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), groupInstanceId(c));
    p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), c.intValue("streams.session-timeout-ms"));
    p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), c.intValue("streams.transaction-timeout-ms"));
    // the camera store's RocksDB within one small shared cache, not 50 MB + 3 x 16 MB per task outside the heap;
    // a kafka.rocksdb.config.setter of the user's own wins
    p.putIfAbsent(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class.getName());
    return p;
  }

  /** {@code <application-id>-<instance-id>}; Kafka Streams appends {@code -<thread number>} per stream thread. */
  public static String groupInstanceId(MonitorConfig c) {
    return c.string("streams.application-id") + "-" + c.instanceId();
  }

  /** {@link MonitorConfig#stateDir()}: config load checks the same folder that Kafka Streams is given. */
  static Path stateDir(MonitorConfig c) {
    return c.stateDir();
  }

  /**
   * With streams.state-dir empty, says once at INFO where the state lives and what that means, in place of Kafka
   * Streams' WARN at every start, which a newcomer read as a fault of a correct set-up.
   */
  static void announceStateFolder(MonitorConfig c) {
    if (!c.string("streams.state-dir").isBlank()) {
      return;
    }
    StreamsAdviceFilter.stateFolderChosenByTheMonitor(stateDir(c));
    log.info("state stores in {}: streams.state-dir is empty, so a folder under the system temp dir, which the OS may "
        + "clear (the camera states are then restored from Kafka at the next start); set streams.state-dir to a "
        + "folder of your own to keep them", stateDir(c).resolve(c.string("streams.application-id")));
  }

  /** The process id Kafka Streams will use: fixed by the application and instance ids. */
  static UUID processId(MonitorConfig c) {
    return UUID.nameUUIDFromBytes((c.string("streams.application-id") + "/" + c.instanceId())
        .getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes Kafka Streams' process-metadata file (its format since Kafka 2.8: {@code {"processId":"<uuid>"}})
   * with the process id derived from the instance id. Kafka Streams reads it at start (with persistent stores,
   * which the topology has) and builds its transactional ids from it, so the same instance id always means the
   * same transactional ids. Should a later Kafka change the format, it logs that it cannot read the file and
   * picks a random id: restarts then wait for the old transaction to time out, nothing worse.
   */
  static void seedProcessId(MonitorConfig c) {
    Path dir = stateDir(c).resolve(c.string("streams.application-id"));
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("kafka-streams-process-metadata"),
          "{\"processId\":\"" + processId(c) + "\"}", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the process id into the state folder " + dir
          + " (streams.state-dir): " + e.getMessage(), e);
    }
  }

  /** Builds and starts a new Kafka Streams client with the monitor's identity and handlers. */
  private synchronized void startStreams() {
    int gen = ++generation;
    Topology topology = MonitorTopology.buildTopology(new StreamsBuilder(), topologySettings);
    if (gen == 1) {
      log.debug("topology:\n{}", topology.describe());
    }
    RocksDbNatives.load(); // the camera store's engine, from the shared cache rather than a temp file per process
    KafkaStreams client = new KafkaStreams(topology, properties);
    client.setUncaughtExceptionHandler(e -> {
      onStreamFailure(client, e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    client.setStateListener((now, before) -> {
      log.info("Kafka Streams {} -> {}", before, now);
      unasked.onStreamsState(now); // never blocks: the lookup runs on a thread of its own
    });
    RestoreProgress progress = new RestoreProgress();
    client.setGlobalStateRestoreListener(progress);
    metrics.bind(client);
    restores = progress;
    streams = client;
    client.start();
  }

  /** On the failing stream thread: decide, then let the supervisor restart or stop (never block here). */
  private void onStreamFailure(KafkaStreams client, Throwable e) {
    Failures.Kind kind = Failures.classify(e);
    String cause = Failures.describe(e);
    if (closing || client != streams) {
      return; // closing anyway, or a client already replaced (another of its threads failed first)
    }
    if (kind == Failures.Kind.FATAL) {
      String hint = Failures.hint(e, properties);
      // readiness and liveness carry it: within a cap (a refused login at several registry URLs ran to ~900
      // characters); the log line below has it whole
      failure = "stopped: " + Failures.brief(e) + hint;
      log.error("the monitor stops: {}{} (retrying cannot fix this; correct the configuration and start it again)",
          cause, hint, e);
      supervisor.execute(() -> {
        closeQuietly(client);
        stoppedForGood.countDown();
      });
      return;
    }
    restarting = "Kafka Streams is restarting after a failure: " + cause;
    log.error("stream thread failed: {}; Kafka Streams will be restarted in place (nothing is lost: processing "
        + "resumes from the last commit)", cause, e);
    supervisor.execute(() -> restart(client, e, cause));
  }

  /**
   * Health checker: Kafka Streams has been REBALANCING without progress for health.rebalance-timeout-ms with the
   * broker reachable (seen after a broker outage during a restart: a state restore stuck at position 0 for good,
   * readiness DOWN and liveness UP). A new client is the remedy tried, with the same backoff as after a failure.
   */
  void restartStalled(KafkaStreams client, String why) {
    if (closing || client != streams || restarting != null || failure != null) {
      return;
    }
    restarting = "Kafka Streams is restarting: " + why;
    log.warn("{}; restarting Kafka Streams in place (nothing is lost: processing resumes from the last commit). If"
        + " this repeats, look for a transaction left open where it reads (kafka-transactions.sh find-hanging; the"
        + " monitor aborts those it finds on its own topics unless health.hanging-transactions says otherwise)", why);
    supervisor.execute(() -> restart(client, new IllegalStateException(why), why));
  }

  /** Supervisor thread: close the failed client, back off, start a new one. */
  private void restart(KafkaStreams failed, Throwable e, String cause) {
    if (failed != streams || closing) {
      return; // a second thread of the same client failed too: one restart is enough
    }
    long now = System.currentTimeMillis();
    long maxBackoff = config.longValue("streams.restart-backoff-max-ms");
    if (now - lastFailureAt > 2 * maxBackoff) {
      failuresInARow = 0;
    }
    lastFailureAt = now;
    long backoff = Math.min(maxBackoff, FIRST_BACKOFF_MS << Math.min(failuresInARow, 20));
    failuresInARow++;
    metrics.streamsRestarted();
    closeQuietly(failed);
    restarting = "Kafka Streams is restarting after a failure (" + failuresInARow + " in a row; next start in "
        + backoff / 1000 + " s): " + cause;
    log.warn("restarting Kafka Streams in {} ms (failure {} in a row): {}", backoff, failuresInARow, cause);
    try {
      Thread.sleep(backoff);
      if (Failures.classify(e) == Failures.Kind.SYSTEMIC && hasCause(e, RegistryUnavailableException.class)) {
        // a restart is pointless while the registry does not answer: wait for the health probe to see it back
        long waitedSince = System.currentTimeMillis();
        long loggedAt = waitedSince;
        while (!closing && health.registryProblem() != null) {
          if (System.currentTimeMillis() - loggedAt >= 30_000) {
            loggedAt = System.currentTimeMillis();
            log.warn("still waiting for the schema registry before restarting Kafka Streams ({} s): {}",
                (loggedAt - waitedSince) / 1000, health.registryProblem());
          }
          Thread.sleep(500);
        }
      }
      if (hasCause(e, org.apache.kafka.common.errors.InvalidTimestampException.class)) {
        // An output refused for its time: the limit read at start-up is not the topics' limit now (changed since,
        // or unreadable then). Kept as it was, the same frame would be refused after every restart, for ever.
        Object used = properties.get(FrameTimestampExtractor.MAX_AGE_MS);
        Object usedAhead = properties.get(FrameTimestampExtractor.MAX_AHEAD_LIMIT_MS);
        outputsAcceptedTimes(new TopicAdmin(config.kafkaClientProperties()), topologySettings.topics(),
            config.string("streams.application-id")).ifPresent(accepted -> {
          long maxAgeMs = accepted.maxAgeMs();
          if (Long.toString(maxAgeMs).equals(used) && Long.toString(accepted.maxAheadMs()).equals(usedAhead)) {
            // the limit is not what changed: the broker judges a record's age by its own clock. Behind it by more
            // than the margin, the monitor keeps frames the broker finds too old; they are refused until their age
            // passes the kept age (at most the skew less the margin), and for ever if the skew exceeds the limit
            String behind = maxAgeMs == Long.MAX_VALUE ? ""
                : "behind the broker's by more than " + (maxAgeMs - FrameTimestampExtractor.keptAgeMs(maxAgeMs))
                    + " ms, or ";
            log.warn("an output was refused for its time, but the output topics' limit is unchanged ({}): the "
                + "monitor's clock is likely {}ahead of the broker's by more than the outputs' message.timestamp."
                + "after.max.ms ({}) less the {} ms ahead the monitor keeps. Such frames are refused, and the "
                + "partition waits with Kafka Streams restarting, until their age passes what the monitor keeps; for "
                + "ever where the clocks differ by more than the broker's limit itself. Synchronize the clocks (NTP) "
                + "of the monitor and the brokers", limitText(maxAgeMs), behind, limitText(accepted.maxAheadMs()),
                FrameTimestampExtractor.keptAheadMs(accepted.maxAheadMs()));
          }
          properties.put(FrameTimestampExtractor.MAX_AGE_MS, Long.toString(maxAgeMs));
          properties.put(FrameTimestampExtractor.MAX_AHEAD_LIMIT_MS, Long.toString(accepted.maxAheadMs()));
        });
      }
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      return;
    }
    synchronized (this) {
      if (closing) {
        return;
      }
      try {
        startStreams();
      } catch (RuntimeException | Error startFailure) {
        // e.g. the old client, not closed within its timeout, still holds the state folder's lock: try again
        // with the next backoff rather than leave the monitor stopped with nothing in the log. An Error too (no
        // native thread left for the new client's threads): uncaught, it ended this task with `restarting` set for
        // ever, so liveness stayed UP for a monitor that would never process again; counted, it reaches `stuck`
        String why = Failures.describe(startFailure);
        startFailuresInARow++;
        restarting = "Kafka Streams could not be started again (" + why + "); retrying";
        if (startFailuresInARow >= STUCK_AFTER) {
          stuck = "Kafka Streams could not be started again " + startFailuresInARow + " times in a row (" + why
              + "): restart the process";
        }
        log.error("Kafka Streams could not be started again: {}; retrying with a backoff", why, startFailure);
        KafkaStreams current = streams;
        supervisor.execute(() -> restart(current, startFailure, why));
        return;
      }
      restarting = null;
      startFailuresInARow = 0;
      stuck = null;
    }
    log.info("Kafka Streams restarted (failure {} in a row was: {})", failuresInARow, cause);
  }

  private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /** Kafka Streams' close with a timeout (a seam for tests): true when its threads stopped in time. */
  interface StreamsClose {
    boolean within(Duration timeout);
  }

  /**
   * Closes Kafka Streams within {@link #CLOSE_TIMEOUT}. With the broker gone a stream thread waits in its commit
   * (the producer's {@code max.block.ms}, 60 s) past that timeout, and close gives up: say so, and what becomes of
   * the uncommitted work, instead of exiting as if everything had been committed.
   */
  static boolean closeStreams(StreamsClose close, int transactionTimeoutMs) {
    boolean closed = close.within(CLOSE_TIMEOUT);
    if (!closed) {
      log.warn("Kafka Streams did not finish closing within {} s (a broker unreachable, or a stream thread still in "
          + "a commit): what it processed since its last commit is not committed; the transaction it had open is "
          + "aborted by the broker after streams.transaction-timeout-ms ({} ms), or fenced at once when an instance "
          + "with the same streams.instance-id starts, and those frames are processed again then; closing the rest anyway",
          CLOSE_TIMEOUT.toSeconds(), transactionTimeoutMs);
    }
    return closed;
  }

  /**
   * SIGTERM's close of the running client, through {@link #closeStreams} so that a close that runs out of time says
   * what it left uncommitted; {@code StreamsCloseTest} reaches the close path here, with a client whose close gives up.
   */
  static boolean closeClient(KafkaStreams client, CloseOptions.GroupMembershipOperation membership,
      int transactionTimeoutMs) {
    return closeStreams(timeout -> client.close(CloseOptions.timeout(timeout).withGroupMembershipOperation(membership)),
        transactionTimeoutMs);
  }

  static void closeQuietly(KafkaStreams client) {
    try {
      client.close(CloseOptions.timeout(CLOSE_TIMEOUT)
          .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP));
    } catch (RuntimeException | Error e) {
      // an Error too: close() starts a thread of its own, so with no native thread left (the Error a failed start
      // is retried for) it fails as the start did. Escaping, it ended the restart task before its next start was
      // counted: `restarting` set for ever, never `stuck`, liveness UP for a monitor that never processes again
      log.warn("closing the failed Kafka Streams client: {}", e.toString());
    }
  }

  /**
   * Closes what a start that failed had made: the restart supervisor, the health checker (its admin client) and the
   * Kafka Streams client, if one was created. Failures here are added to {@code cause}, which the caller throws.
   */
  private void abandon(Throwable cause) {
    KafkaStreams client;
    synchronized (this) {
      closing = true; // a stream thread that already failed must not have the supervisor start another client
      client = streams;
    }
    supervisor.shutdownNow();
    cameras.close();
    try {
      health.close();
    } catch (RuntimeException | Error e) {
      cause.addSuppressed(e);
    }
    if (client != null) {
      closeQuietly(client);
    }
  }

  /** The registry's wait in readiness while starting. */
  private static final String REGISTRY_WAIT = "schema registry";

  /**
   * The time each of the start-up's registry requests may take (Wiring.registrySettings: connect and request), for the
   * "nothing answered within" of its reasons; the probe's health.probe-timeout-ms does not apply while starting. A
   * request the call's deadline cut shorter (RegistrySettings.requestTimeoutInCall) says so with its own time
   * ({@code NoAnswerInTime}).
   */
  private static final String REGISTRY_TIMEOUT = "registry.timeout-ms";

  /** Registers (or, without auto-register, looks up) the output schemas, retrying while the registry is down. */
  private static void awaitRegistry(MonitorConfig config, SchemaRegistry registry, boolean autoRegister, Topics topics,
      StartupWaits waits) throws InterruptedException {
    long start = System.currentTimeMillis();
    long interval = config.longValue("startup.retry-interval-ms");
    long maxWait = config.longValue("startup.max-wait-ms");
    // with several URLs the give-up tells what each did over the whole wait, not at the last try alone
    dev.advmon.health.RegistryWaitHistory history = new dev.advmon.health.RegistryWaitHistory();
    for (int attempt = 1; ; attempt++) {
      try {
        // the client's line per retried request at DEBUG: the WARN below says, once per try, what is wrong
        registry.retryingQuietly(() -> {
          for (var entry : java.util.Map.of(
              topics.verdicts().name(), FrameVerdict.getClassSchema(),
              topics.alerts().name(), Alert.getClassSchema(),
              topics.deadLetters().name(), DeadLetter.getClassSchema()).entrySet()) {
            String subject = entry.getKey() + "-value";
            int id = dev.advmon.registry.PortableSchema.id(registry, subject, entry.getValue(), autoRegister);
            log.debug("schema registry: {} has id {}", subject, id);
          }
        });
        log.info("schema registry {} reachable; output schemas {}", registry, autoRegister ? "registered" : "found");
        waits.reached(REGISTRY_WAIT);
        checkFramesCompatibility(registry, topics.frames().name() + "-value");
        return;
      } catch (RegistryUnavailableException e) {
        if (Thread.interrupted()) {
          // a stop (run's shutdown hook interrupts the start-up) that cut a request short: the client reports it as
          // "unavailable", but no retry will follow, so none is announced
          InterruptedException stop = new InterruptedException("stopped while waiting for the schema registry");
          stop.initCause(e);
          throw stop;
        }
        long waited = System.currentTimeMillis() - start;
        long timeoutMs = config.longValue(REGISTRY_TIMEOUT);
        // what to check first, the client's words last, as the running probe says it: not the client's message,
        // which named the URL twice and no setting. With several URLs, each and how it failed: the advice and the
        // words tell of the last URL alone (a refused one read as "nothing answered" when the last was silent)
        String each = EachRegistryUrl.whole(e);
        String why = (each != null ? each : RegistryProbe.advice(e, timeoutMs, REGISTRY_TIMEOUT))
            + RegistryProbe.clientWords(e);
        // a registry that answered (an HTTP error, a failed TLS handshake) is no outage: "still unreachable" sent the
        // operator to the network before the advice named what to fix. With several URLs, what each did over the
        // whole wait (two 503s, or a 503 beside a refused connection, read "still unreachable"; then a 503 at an
        // earlier try was forgotten when the last timed out)
        history.add(e);
        String several = history.state();
        String still = "schema registry at " + registry.describe() + " (registry.url) " + (several != null ? several
            : RegistryProbe.answered(e) ? "answered, but start-up's requests still failed" : "still unreachable");
        String overall = several != null ? history.whole() + RegistryProbe.clientWords(e) : why;
        // the topic check failed meanwhile (waits.lastTry()): this try's outcome goes into the start's error
        IllegalStateException lastTry = new IllegalStateException(still + " when start-up stopped (attempt "
            + attempt + "): " + overall, e);
        if (waits.isLastTry()) {
          throw lastTry;
        }
        if (maxWait > 0 && waited >= maxWait) {
          throw new IllegalStateException(still + " after " + waited + " ms (startup.max-wait-ms=" + maxWait + "): "
              + overall, e);
        }
        log.warn("waiting for the schema registry (attempt {}, {} s so far) at {} (registry.url): {}; retrying in {} ms"
            + " (startup.retry-interval-ms)", attempt, waited / 1000, registry.describe(), why, interval);
        waits.waiting(REGISTRY_WAIT, registryWaitReason(e, timeoutMs, attempt, waited));
        if (waits.pause(interval)) {
          throw lastTry;
        }
      } catch (dev.advmon.registry.RegistryRequestException e) {
        String each = EachRegistryUrl.refusedLogin(e);
        if (each == null) {
          throw e; // one URL, or no refused login: its message names the URL, and what to fix
        }
        // a refused login at one of several URLs still stops the start (the cause, for Failures), but each URL is told
        // with what to do: the refusal's message named the refusing URL alone, a silent one beside it was dropped
        throw new IllegalStateException(each, e);
      }
    }
  }

  /**
   * The registry's start-up readiness reason after try {@code attempt} failed with {@code e}, {@code waitedMs} into
   * the wait, each request of it given {@code timeoutMs}: the running probe's advice, the client's words last, within
   * the cap the broker's keeps ({@link StartupWaits#fit}); the WARN line of the try has them whole. With several
   * registry.url entries, each URL and how it failed instead ({@link EachRegistryUrl}): the advice and words tell of
   * the last URL alone.
   */
  static String registryWaitReason(Exception e, long timeoutMs, int attempt, long waitedMs) {
    String head = "waited " + waitedMs / 1000 + " s (try " + attempt + "): ";
    String each = EachRegistryUrl.reason(e, StartupWaits.MAX_REASON - (REGISTRY_WAIT + ": ").length() - head.length());
    if (each != null) {
      return head + each;
    }
    return StartupWaits.fit(REGISTRY_WAIT, head + RegistryProbe.advice(e, timeoutMs, REGISTRY_TIMEOUT),
        RegistryProbe.clientWords(e));
  }

  /** Logs a warning when the frames subject lets producers register a Frame this monitor cannot read; never fails. */
  private static void checkFramesCompatibility(SchemaRegistry registry, String subject) {
    try {
      registry.compatibility(subject).map(level -> framesCompatibilityWarning(subject, level)).ifPresent(log::warn);
    } catch (RuntimeException e) {
      log.debug("schema registry: cannot read the compatibility of {}: {}", subject, e.toString());
    }
  }

  /**
   * The warning for a frames subject at compatibility {@code level}, or null when that level protects this monitor.
   * The monitor is the old reader of frames that producers write with newer schemas: only FORWARD and FULL (each
   * transitive or not) refuse a Frame it cannot read; BACKWARD, the usual default, protects new readers only.
   */
  static String framesCompatibilityWarning(String subject, String level) {
    if (level.startsWith("FORWARD") || level.startsWith("FULL")) {
      return null;
    }
    return "schema registry: subject " + subject + " has compatibility " + level + ", which lets a producer register a "
        + "Frame schema this monitor cannot read (every such frame would be dead-lettered as BAD_AVRO); set it to "
        // the Confluent REST API's call for a subject's level (Apicurio's ccompat API answers it too): the level alone
        // left the operator to look the call up. <registry.url>, not its value: the URL may hold a user and password
        + "FORWARD_TRANSITIVE or FULL_TRANSITIVE with PUT <registry.url>/config/" + subject + ", e.g. curl -X PUT "
        + "-H 'Content-Type: application/json' -d '{\"compatibility\":\"FORWARD_TRANSITIVE\"}' <registry.url>/config/"
        + subject + " (" + dev.advmon.model.ModelDocs.projectReadme("What it does") + ")";
  }

  /** The current Kafka Streams client's state (a new client after an in-place restart). */
  public KafkaStreams.State state() {
    return streams.state();
  }

  /** The current Kafka Streams client; replaced when the monitor restarts it in place. */
  public KafkaStreams streams() {
    return streams;
  }

  public MonitorMetrics metrics() {
    return metrics;
  }

  /** The current client's active-task state restores so far (standby replicas' updates are not counted). */
  public RestoreProgress restores() {
    return restores;
  }

  /** Readiness and liveness, with reasons (served at /health/ready and /health/live). */
  public HealthCheck health() {
    return health;
  }

  /** Why the monitor stopped for good (a fatal failure); empty while it runs or restarts. */
  public Optional<String> failure() {
    return Optional.ofNullable(failure);
  }

  /** Waits until the monitor stopped for good after a fatal failure; false on timeout. */
  public boolean awaitFailure(Duration timeout) throws InterruptedException {
    return stoppedForGood.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Why Kafka Streams is being restarted, while it is. */
  Optional<String> restarting() {
    return Optional.ofNullable(restarting);
  }

  /** Why Kafka Streams cannot be started again in this process, once {@link #STUCK_AFTER} starts failed in a row. */
  Optional<String> stuck() {
    return Optional.ofNullable(stuck);
  }

  boolean closing() {
    return closing;
  }

  /** Per-camera campaign state, from this instance's state store (one for the monitor: it shares its readings). */
  public CameraQueries cameras() {
    return cameras;
  }

  /**
   * The other running instances of this application, by their {@code application.server}, from the group's
   * metadata of the current Kafka Streams client (empty while rebalancing, restarting or alone). Instances that
   * advertise no server cannot be asked and are left out.
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

  /**
   * Why the cameras of some partitions cannot be listed by any instance (their owner advertises no server); null
   * when every partition's owner can be asked ({@link UnaskedCameras}). With {@code cameraId}, only where that
   * camera's partition is one of them.
   */
  public String unaskedCameras(String cameraId) {
    return unasked.reason(cameraId);
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

  /**
   * Commits what was processed and leaves the group so that other instances take over at once, or stays a static
   * member when leaving helps nobody ({@link LeaveDecision}, {@code streams.leave-group-on-close}); bounded so that
   * SIGTERM never hangs.
   */
  @Override
  public void close() {
    KafkaStreams client;
    synchronized (this) {
      closing = true;
      client = streams;
    }
    closeInOrder(() -> {
      stepLogged("stopping the restart supervisor", supervisor::shutdownNow);
      stepLogged("closing the camera queries", cameras::close);
      stepLogged("closing the health probes", health::close);
    }, client, this::membershipOnClose, config.intValue("streams.transaction-timeout-ms"), () -> {
      // after Kafka Streams: its threads may hand in frames while it closes; logged, not thrown, so that the latch
      // run() waits on is always counted down
      stepLogged("closing the inference batcher", batcher::close);
      stoppedForGood.countDown();
    });
  }

  /**
   * {@link #close()} once it holds the client: {@code first} (what must not restart or probe it), the group membership
   * decided, the client closed through {@link #closeClient} (which says what a close that runs out of time left
   * uncommitted), then {@code last} whatever the close did. Static and handed its parts, so that
   * {@code StreamsCloseTest} checks this order with steps of its own; that close() goes through here at all it checks
   * on a monitor from {@link #holding}. A {@code first} or a membership lookup that throws is logged and the close goes
   * on: otherwise the client was never closed and {@code last} (the stopped latch) never ran, so run() waited forever.
   */
  static void closeInOrder(Runnable first, KafkaStreams client,
      Supplier<CloseOptions.GroupMembershipOperation> membership, int transactionTimeoutMs, Runnable last) {
    stepLogged("stopping what probes or restarts Kafka Streams", first);
    CloseOptions.GroupMembershipOperation decided;
    try {
      decided = membership.get();
    } catch (RuntimeException e) {
      // as LeaveDecision does when the group's members cannot be read: other instances may be waiting for these
      log.warn("could not decide whether to leave the consumer group ({}); leaving it, in case other instances are "
          + "waiting for these partitions (set streams.leave-group-on-close=true or false to skip this lookup)",
          e.toString(), e);
      decided = CloseOptions.GroupMembershipOperation.LEAVE_GROUP;
    }
    try {
      closeClient(client, decided, transactionTimeoutMs);
    } finally {
      last.run();
    }
  }

  /** One step of a close: a failure is logged, not thrown, so that the steps after it (the client's close) run. */
  static void stepLogged(String what, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      log.warn("{} failed while closing ({}); closing the rest anyway", what, e.toString(), e);
    }
  }

  /** Whether close leaves the group ({@link LeaveDecision}, {@code streams.leave-group-on-close}), logged with why. */
  private CloseOptions.GroupMembershipOperation membershipOnClose() {
    LeaveDecision.Outcome decision = LeaveDecision.decide(
        config.string("streams.leave-group-on-close").toLowerCase(java.util.Locale.ROOT),
        groupInstanceId(config), LeaveDecision.MembersLookup.ofGroup(config.kafkaClientProperties(),
            config.string("streams.application-id"), Duration.ofSeconds(3)));
    log.info("{} the consumer group: {}", decision.leave() ? "leaving" : "not leaving", decision.reason());
    return decision.leave()
        ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP : CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP;
  }
}
