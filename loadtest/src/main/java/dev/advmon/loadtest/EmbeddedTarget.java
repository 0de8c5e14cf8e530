package dev.advmon.loadtest;

import dev.advmon.cli.BundleSetting;
import dev.advmon.cli.Wiring;
import dev.advmon.config.MonitorConfig;
import dev.advmon.demo.EmbeddedKafka;
import dev.advmon.detect.Detectors;
import dev.advmon.detect.FrameScorer;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.InMemorySchemaRegistry;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.StreamingMonitor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The monitor started in this process against the demo's in-process broker: the real topology, the bundled model
 * and its calibrated detectors, exactly-once, a schema registry in memory. {@code instances} monitors share the
 * application id (one consumer group), each with its own model session, state folder and stream threads, as
 * separate deployments would (they share this machine's cores, as they would share a node).
 */
final class EmbeddedTarget extends ConfiguredTarget {

  /** One monitor instance and what it owns: {@code parts} in the order they close (the monitor first). */
  private record Instance(StreamingMonitor monitor, String engine, List<AutoCloseable> parts, Path stateDir,
      List<String> detectors) {}

  private final EmbeddedKafka kafka;
  private final boolean ownsKafka;
  private final InMemorySchemaRegistry registry;
  private final Map<String, String> settings;
  private final List<Instance> instances = new ArrayList<>();
  private final Path home;
  private final Path stateParent;
  private boolean closed;

  /**
   * Starts {@code instances} monitors and waits until all are RUNNING; ends with {@link Interruption.Stopped} (having
   * closed what it started) once {@code stop} is requested: the command's own, so that a test stops it as it stops the
   * rest of the command.
   *
   * @param kafka a running broker to use, or null to start one (closed with this target)
   * @param overrides monitor settings (key=value) on top of the embedded defaults, e.g. streams.num-threads
   */
  static EmbeddedTarget start(EmbeddedKafka kafka, int instances, int partitions, Map<String, String> overrides,
      Path home, PrintStream log, Interruption stop) throws Exception {
    boolean owns = kafka == null;
    EmbeddedKafka broker = owns ? startBroker(stop, EmbeddedKafka::start) : kafka;
    EmbeddedTarget t;
    try {
      t = new EmbeddedTarget(broker, owns, settings(broker.bootstrapServers(), partitions, overrides), home,
          new InMemorySchemaRegistry(), null);
    } catch (RuntimeException | Error e) {
      if (owns) {
        ShutdownCleanup.unregister(broker);
        broker.close();
      }
      throw e;
    }
    try {
      for (int i = 0; i < instances; i++) {
        stop.throwIfRequested();
        t.addInstance(log);
      }
      t.awaitAllRunning(Duration.ofSeconds(120), stop);
      return t;
    } catch (Exception | Error e) {
      t.close();
      throw e;
    }
  }

  /**
   * The embedded broker that {@code start} starts, registered for the shutdown hook to close; {@link
   * Interruption.Stopped} when {@code stop} was requested before or while it started. A signal while it was being
   * built made Kafka's first metrics registry fail to add its own shutdown hook (an ExceptionInInitializerError,
   * "Shutdown in progress"): the run ended with that stack trace instead of its INTERRUPTED report.
   */
  static EmbeddedKafka startBroker(Interruption stop, java.util.concurrent.Callable<EmbeddedKafka> start)
      throws Exception {
    stop.throwIfRequested();
    try {
      return ShutdownCleanup.register(start.call());
    } catch (Exception | Error e) {
      if (stop.requested() && EmbeddedKafka.failedForTheShutdown(e)) {
        throw new Interruption.Stopped(); // the failure is the shutdown's doing, not the broker's
      }
      // any other failure is the broker's own, even with a stop requested meanwhile (a folder that cannot be
      // written, a port taken): told as itself, as a failure later in the run is, not hidden behind INTERRUPTED
      throw e;
    }
  }

  /** The embedded defaults (fresh topics and application id per target, HTTP off), then {@code overrides}. */
  static Map<String, String> settings(String bootstrapServers, int partitions, Map<String, String> overrides) {
    String run = UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> s = new TreeMap<>();
    s.put("kafka.bootstrap.servers", bootstrapServers);
    s.put("topics.frames", "lt-frames-" + run);
    s.put("topics.verdicts", "lt-verdicts-" + run);
    s.put("topics.alerts", "lt-alerts-" + run);
    s.put("topics.dead-letter", "lt-dlq-" + run);
    s.put("topics.partitions", Integer.toString(partitions));
    s.put("topics.replication-factor", "1");
    s.put("topics.create", "true");
    s.put("streams.application-id", "advmon-loadtest-" + run);
    s.put("http.port", "0");
    // by the key the monitor reads (trimmed): ' topics.frames' beside the default 'topics.frames' read as given twice;
    // two of the user's own that trim alike are still refused as the monitor would, not merged here without a word
    s.putAll(MonitorConfig.trimmedKeys(overrides));
    return Map.copyOf(s);
  }

  /**
   * @param kafka the broker, or null (only for tests that start no instance)
   * @param stateParent where instances' state folders go, null for the temp folder
   */
  EmbeddedTarget(EmbeddedKafka kafka, boolean ownsKafka, Map<String, String> settings, Path home,
      InMemorySchemaRegistry registry, Path stateParent) {
    super(MonitorConfig.load(null, System.getenv(), settings, home).validated(), registry);
    this.kafka = kafka;
    this.ownsKafka = ownsKafka;
    this.settings = settings;
    this.home = home;
    this.registry = registry;
    this.stateParent = stateParent;
    ShutdownCleanup.register(this);
  }

  /** Starts one more monitor; when that fails, whatever it had made (its state folder included) is removed. */
  void addInstance(PrintStream log) throws Exception {
    Path state = stateParent == null ? Files.createTempDirectory("advmon-loadtest-state-")
        : Files.createTempDirectory(stateParent, "advmon-loadtest-state-");
    // the load tester's own temp folder, removed at the end: Kafka Streams' warning about one is not for its user
    dev.advmon.topology.StreamsAdviceFilter.stateFolderChosenByTheMonitor(state.toAbsolutePath());
    DjlClassifier classifier = null;
    MonitorMetrics metrics = null;
    StreamingMonitor monitor = null;
    try {
      Map<String, String> own = new TreeMap<>(settings);
      own.put("streams.state-dir", state.toString());
      // Each instance is its own static member of the group: the default id, the host name, is the same for all here.
      own.put("streams.instance-id", settings.getOrDefault("streams.instance-id", "loadtest") + "-" + instances.size());
      MonitorConfig c = MonitorConfig.load(null, System.getenv(), own, home).validated();
      ModelBundle bundle = BundleSetting.load(c);
      classifier = DjlClassifier.load(bundle, EngineChoice.parse(c.string("model.engine")), Wiring.inferenceThreads(c));
      metrics = MonitorMetrics.inMemory();
      var detectors = Detectors.forBundle(bundle);
      FrameScorer scorer = new FrameScorer(classifier, detectors, c.intValue("model.max-batch"));
      FramePreparer preparer = FramePreparer.forModel(Wiring.imageLimits(c), bundle.manifest());
      monitor = StreamingMonitor.start(c, registry, true, preparer, scorer, metrics, AlertListener.NONE);
      synchronized (this) {
        if (closed) {
          throw new IllegalStateException("the load test is shutting down");
        }
        instances.add(new Instance(monitor, classifier.engineName(), List.of(monitor, classifier, metrics), state,
            detectors.stream().map(d -> d.name()).toList()));
      }
      log.printf("loadtest: monitor instance %d started (%s, %d stream thread(s), batch <= %s frames, max wait %s ms)%n",
          instances.size(), bundle.id(), c.intValue("streams.num-threads"), c.string("model.batch.max-frames"),
          c.string("model.batch.max-wait-ms"));
    } catch (Exception | Error e) {
      try {
        if (monitor != null) {
          monitor.close();
        }
      } finally {
        if (classifier != null) {
          classifier.close();
        }
        if (metrics != null) {
          metrics.close();
        }
        deleteRecursively(state);
      }
      throw e;
    }
  }

  private void awaitAllRunning(Duration timeout, Interruption stop) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (instances.stream().allMatch(i -> i.monitor().state() == KafkaStreams.State.RUNNING)) {
        return;
      }
      stop.throwIfRequested(); // start() closes what was started
      Thread.sleep(100);
    }
    throw new IllegalStateException("the embedded monitors did not all reach RUNNING within " + timeout.toSeconds()
        + " s: " + instances.stream().map(i -> i.monitor().state().toString()).toList());
  }


  @Override
  public Map<String, Object> describe() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("mode", "embedded");
    d.put("instances", instances.size());
    d.put("partitions", config.intValue("topics.partitions"));
    // what the monitors found, beside the settings: the engine model.engine (auto by default) chose, and the detectors
    d.put("engine_in_use", instances.isEmpty() ? null : instances.get(0).engine());
    d.put("detectors", instances.isEmpty() ? List.of() : instances.get(0).detectors());
    for (String k : MONITOR_SETTINGS) { // by the keys a --config run's report uses
      d.put(k, config.string(k));
    }
    return d;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ShutdownCleanup.unregister(this);
    // Every part of every instance is closed and every state folder removed even when one close fails (a monitor's
    // close can throw): one failure must not leave the others, their folders and the broker behind.
    RuntimeException failure = null;
    for (int i = instances.size() - 1; i >= 0; i--) {
      Instance in = instances.get(i);
      for (AutoCloseable part : in.parts()) {
        try {
          part.close();
        } catch (Exception | Error e) {
          if (failure == null) {
            failure = new IllegalStateException("closing embedded monitor instance " + (i + 1) + " failed: " + e, e);
          } else {
            failure.addSuppressed(e);
          }
        }
      }
      deleteRecursively(in.stateDir());
    }
    instances.clear();
    if (ownsKafka) {
      ShutdownCleanup.unregister(kafka);
      try {
        kafka.close();
      } catch (Exception e) {
        // the temp folder is deleted with it; nothing else to do at exit
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** For tests: an instance made of the given parts, closed with the others. */
  synchronized void adopt(AutoCloseable monitor, AutoCloseable classifier, AutoCloseable metrics, Path stateDir) {
    instances.add(new Instance(null, "test", List.of(monitor, classifier, metrics), stateDir, List.of()));
  }

  static void deleteRecursively(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a temp folder left behind is harmless
    }
  }
}
