package dev.advmon.demo;

import dev.advmon.campaign.CameraStatus;
import dev.advmon.cli.BundleSetting;
import dev.advmon.cli.Wiring;
import dev.advmon.config.MonitorConfig;
import dev.advmon.config.Setting;
import dev.advmon.detect.Detector;
import dev.advmon.detect.FrameScorer;
import dev.advmon.dashboard.RecentAlerts;
import dev.advmon.http.HttpSettings;
import dev.advmon.http.MonitorHttpServer;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.InMemorySchemaRegistry;
import dev.advmon.schema.Alert;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import dev.advmon.topology.StreamingMonitor;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One demo run: starts everything in this JVM, replays the plan, waits for every frame's outcome, and stops
 * everything again, in reverse order, also when stopped early ({@link #stop()}, e.g. from Ctrl-C).
 */
final class Demo {

  /**
   * @param rate frames per second over all cameras; 0 = as fast as the producer can send
   * @param httpPort port of /health, /metrics, /cameras and the dashboard; 0 = off; negative = a free port,
   *     taken when the server binds (tests: no port is picked and released before use)
   * @param dashboard serve the operator dashboard at / on {@code httpPort}
   * @param model the bundle folder, null = the model.dir setting (the bundled model unless ADVMON_MODEL_DIR says)
   */
  record Options(int frames, int cameras, double rate, int httpPort, Path images, long seed, boolean dashboard, Path model) {}

  /** Demo values of settings, used unless the environment sets them: windows short enough to see in a demo. */
  static final Map<String, String> DEMO_SETTINGS = Map.of(
      "streams.application-id", "advmon-demo",
      "campaign.window-ms", "2000",
      "campaign.min-frames", "10",
      // the other cameras' occasional attacks plus ~4% clean false alarms stay far below 20% per window,
      // while the stickered camera's detected share sits well above it
      "campaign.baseline-rate", "0.2");

  /** Time allowed for the last frames' outcomes after the last send. */
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);
  private static final int FRAME_ALERTS_PRINTED = 10;

  private final Options options;
  private final Path home;
  private final PrintStream out;
  private final PrintStream err;
  private volatile boolean stopRequested;
  private int frameAlertsPrinted;

  /** How the broker is started: {@link EmbeddedKafka#start}, or a test's. */
  private final java.util.concurrent.Callable<EmbeddedKafka> broker;

  Demo(Options options, Path home, PrintStream out, PrintStream err) {
    this(options, home, out, err, EmbeddedKafka::start);
  }

  /** As above, starting the broker with {@code broker} (tests: a start that a signal meets). */
  Demo(Options options, Path home, PrintStream out, PrintStream err,
      java.util.concurrent.Callable<EmbeddedKafka> broker) {
    this.options = options;
    this.home = home;
    this.out = out;
    this.err = err;
    this.broker = broker;
  }

  /**
   * Thrown by {@link #run} when a stop (Ctrl-C, SIGTERM) came while the broker was being built and made its start fail:
   * nothing was replayed, so there is no summary; the command says so instead of printing the failure's stack trace.
   */
  static final class StoppedWhileStarting extends RuntimeException {
    StoppedWhileStarting(String what) {
      super("stopped (signal received) while starting " + what + ": nothing was replayed", null, false, false);
    }
  }

  /** Asks a running demo to stop sending and wrap up (it still prints the summary of what it saw). */
  void stop() {
    stopRequested = true;
  }

  /** The bundle's calibrated detectors (none when the bundle is not calibrated); set once the bundle is loaded. */
  private List<Detector> detectors = List.of();
  /** The model the replayed attacks were made for when it is not the one in use (set once the bundle is loaded). */
  private String attacksMadeFor;

  private List<Detector> detectors() {
    return detectors;
  }

  DemoSummary run() throws Exception {
    long t0 = System.nanoTime();
    quietBroker();
    // a labels.csv of class names is read through the model this demo runs, as calibrate and evaluate read it; before
    // the broker starts, so that a wrong label is named at once (loading the bundle reads its manifest, no model)
    ModelBundle labelled = BundleSetting.checkBeforeStart(options.model() != null
        ? Map.of("model.dir", options.model().toAbsolutePath().toString()) : Map.of(), home);
    List<FrameFactory.EvalImage> images = FrameFactory.loadEvalSet(options.images(), labelled);
    ReplayPlan plan = ReplayPlan.of(options.frames(), options.cameras(), images.size(), options.seed());
    Path stateDir = Files.createTempDirectory("advmon-demo-state-");
    // a temp folder is right for the demo, which deletes it at the end: Kafka Streams' warning about one is not
    dev.advmon.topology.StreamsAdviceFilter.stateFolderChosenByTheMonitor(stateDir.toAbsolutePath());
    err.printf(Locale.ROOT, "demo: %d frames from %d cameras at %s, %d evaluation images; starting Kafka ...%n",
        options.frames(), options.cameras(), options.rate() > 0 ? options.rate() + " frames/s" : "full speed", images.size());

    try (EmbeddedKafka kafka = startBroker()) { // the state folder goes in finally, even when this fails
      MonitorConfig config = config(kafka.bootstrapServers(), stateDir);
      ModelBundle bundle = BundleSetting.load(config);
      // the attacks made for this model where the repository has them (the bundled model, the second classifier)
      Path fixtures = FrameFactory.fixturesFor(bundle, home.resolve("models"));
      List<FrameFactory.AttackFrame> attacks = FrameFactory.loadAttackFrames(fixtures);
      attacksMadeFor = FrameFactory.fixturesAttack(bundle, fixtures) ? null
          : String.valueOf(FrameFactory.fixturesModelDir().getFileName());
      if (attacksMadeFor != null) {
        err.printf(Locale.ROOT, "demo: the attacked frames replay attacks made for the bundled model (%s), not for %s: "
            + "the summary counts how many of them %s flags, but gives no detection rate for it (measure that with "
            + "attacks on your model: ./monitor evaluate --model %s)%n", attacksMadeFor, bundle.id(), bundle.id(),
            bundle.directory());
      }
      InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
      try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.parse(config.string("model.engine")),
              Wiring.inferenceThreads(config));
          MonitorMetrics metrics = MonitorMetrics.prometheus();
          RecentAlerts recent = new RecentAlerts(Wiring.imageLimits(config))) {
        detectors = dev.advmon.detect.Detectors.forBundle(bundle);
        FrameScorer scorer = new FrameScorer(classifier, detectors, config.intValue("model.max-batch"));
        FramePreparer preparer = FramePreparer.forModel(Wiring.imageLimits(config), bundle.manifest());
        try (StreamingMonitor monitor = StreamingMonitor.start(config, registry, true, preparer, scorer, metrics, recent)) {
          if (!monitor.awaitRunning(Duration.ofSeconds(60))) {
            throw new IllegalStateException("Kafka Streams did not reach RUNNING within 60 s (state "
                + monitor.state() + "); run with ADVMON_LOG_LEVEL=DEBUG to see why");
          }
          try (MonitorHttpServer http = options.httpPort() == 0 ? null : new MonitorHttpServer(
                  HttpSettings.from(config).withPort(Math.max(0, options.httpPort())), monitor.health(), metrics::scrape,
                  monitor.cameras(), options.dashboard() ? recent : null, metrics::counts);
              ResultCollector results = new ResultCollector(kafka.bootstrapServers(), config.string("topics.verdicts"),
                  config.string("topics.alerts"), config.string("topics.dead-letter"),
                  AvroSerde.forClass(FrameVerdict.class, registry).deserializer(),
                  AvroSerde.forClass(Alert.class, registry).deserializer(),
                  AvroSerde.forClass(DeadLetter.class, registry).deserializer(), this::printAlert)) {
            if (http != null) {
              err.printf(Locale.ROOT, "demo: %shttp://%s:%d/metrics, /cameras, /health/ready%n",
                  options.dashboard() ? "dashboard at http://" + config.string("http.bind") + ":" + http.port() + "/; " : "",
                  config.string("http.bind"), http.port());
            }
            err.printf(Locale.ROOT, "demo: monitor running after %.1f s (model %s, engine %s); replaying ...%n",
                (System.nanoTime() - t0) / 1e9, bundle.id(), scorer.engineName());
            FrameFactory factory = new FrameFactory(images, fixtures, attacks,
                AvroSerde.forClass(Frame.class, registry).serializer(),
                config.string("topics.frames"), options.seed());
            return replay(plan, factory, results, monitor, kafka.bootstrapServers(), config.string("topics.frames"), t0);
          }
        }
      }
    } finally {
      deleteRecursively(stateDir);
    }
  }

  /** The broker; {@link StoppedWhileStarting} when a stop meanwhile made its start fail. */
  private EmbeddedKafka startBroker() throws Exception {
    try {
      return broker.call();
    } catch (Exception | Error e) {
      if (stopRequested && EmbeddedKafka.failedForTheShutdown(e)) {
        // the JVM's shutdown made Kafka's metrics fail to add their shutdown hook (an ExceptionInInitializerError):
        // the demo ended with that stack trace, not with a line saying it was stopped
        throw new StoppedWhileStarting("Kafka");
      }
      throw e; // the broker's own failure, stop or not
    }
  }

  private MonitorConfig config(String bootstrap, Path stateDir) {
    Map<String, String> overrides = new TreeMap<>();
    DEMO_SETTINGS.forEach((k, v) -> {
      if (System.getenv(Setting.envNameOf(k)) == null) {
        overrides.put(k, v);
      }
    });
    if (options.model() != null) {
      overrides.put("model.dir", options.model().toAbsolutePath().toString());
    }
    overrides.put("kafka.bootstrap.servers", bootstrap);
    overrides.put("streams.state-dir", stateDir.toString());
    overrides.put("topics.create", "true");
    overrides.put("topics.replication-factor", "1");
    return MonitorConfig.load(null, System.getenv(), overrides, home).validated();
  }

  private DemoSummary replay(ReplayPlan plan, FrameFactory factory, ResultCollector results, StreamingMonitor monitor,
      String bootstrap, String topic, long t0) throws Exception {
    Map<TruthKind, Long> sentByKind = new java.util.EnumMap<>(TruthKind.class);
    Map<String, Long> sentByAttack = new java.util.TreeMap<>();
    Map<String, Long> expectedDeadLetters = new TreeMap<>();
    int[] sent = {0};
    long replayStart = System.nanoTime();
    long replayStartMs = System.currentTimeMillis();
    ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "advmon-demo-progress");
      t.setDaemon(true);
      return t;
    });
    progress.scheduleAtFixedRate(() -> err.printf(Locale.ROOT,
        "[%5.1f s] sent %d/%d | verdicts %d | dead letters %d | alerts %d%n", (System.nanoTime() - replayStart) / 1e9,
        sent[0], plan.frames().size(), results.verdicts(), results.deadLetters(), results.alerts()), 1, 1, TimeUnit.SECONDS);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    boolean interrupted = false;
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      for (ReplayPlan.Planned f : plan.frames()) {
        if (stopRequested) {
          interrupted = true;
          break;
        }
        if (options.rate() > 0) {
          long due = replayStart + (long) (f.sequence() * 1e9 / options.rate());
          long wait = due - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
        }
        long now = System.currentTimeMillis();
        producer.send(new ProducerRecord<>(topic, null, now, f.cameraId(), factory.value(f, now)));
        sentByKind.merge(f.kind(), 1L, Long::sum);
        if (f.kind().fromFixtures()) {
          sentByAttack.merge(factory.attackFor(f).kind(), 1L, Long::sum);
        }
        if (f.malformation() != null) {
          expectedDeadLetters.merge(f.malformation().expectedReason, 1L, Long::sum);
        }
        sent[0]++;
      }
      producer.flush();
      long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
      while (results.verdicts() + results.deadLetters() < sent[0] && System.nanoTime() < deadline
          && !stopRequested && results.failure() == null) {
        Thread.sleep(50);
      }
      interrupted |= stopRequested;
      if (results.failure() != null) {
        throw new IllegalStateException("reading the monitor's output failed: " + results.failure(), results.failure());
      }
    } finally {
      progress.shutdownNow();
    }
    List<CameraStatus> cameras = cameraStates(monitor, results.verdicts());
    return summary(plan, results, sentByKind, sentByAttack, expectedDeadLetters, sent[0], cameras, replayStartMs, t0,
        interrupted);
  }

  /**
   * The cameras' states once they have counted every verdict read: campaign state is updated through a
   * repartition topic, a commit after the verdicts themselves. Waits up to 15 s for that, then takes what is there.
   */
  private List<CameraStatus> cameraStates(StreamingMonitor monitor, long verdicts) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    List<CameraStatus> cameras = List.of();
    while (true) {
      try {
        cameras = monitor.cameras().all();
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          err.println("demo: camera states not available: " + e.getMessage());
          return List.of();
        }
      }
      long counted = cameras.stream().mapToLong(CameraStatus::totalFrames).sum();
      if (counted >= verdicts || stopRequested || System.nanoTime() > deadline) {
        return new ArrayList<>(cameras);
      }
      Thread.sleep(100);
    }
  }

  private DemoSummary summary(ReplayPlan plan, ResultCollector results, Map<TruthKind, Long> sentByKind,
      Map<String, Long> sentByAttack, Map<String, Long> expectedDeadLetters, int sent, List<CameraStatus> cameras,
      long replayStartMs, long t0, boolean interrupted) {
    Map<TruthKind, long[]> seen = results.byKind();
    Map<String, DemoSummary.KindRow> byKind = new LinkedHashMap<>();
    long attacked = 0;
    long attackedFlagged = 0;
    long clean = 0;
    long cleanFlagged = 0;
    for (TruthKind k : TruthKind.values()) {
      long s = sentByKind.getOrDefault(k, 0L);
      long[] v = seen.getOrDefault(k, new long[2]);
      if (s > 0 || v[0] > 0) {
        byKind.put(k.attribute(), new DemoSummary.KindRow(s, v[0], v[1]));
      }
      if (k.attacked()) {
        attacked += v[0];
        attackedFlagged += v[1];
      } else if (k == TruthKind.CLEAN) {
        clean = v[0];
        cleanFlagged = v[1];
      }
    }
    Map<String, long[]> seenByAttack = results.byAttack();
    Map<String, DemoSummary.KindRow> byAttack = new java.util.TreeMap<>();
    sentByAttack.forEach((attack, s) -> {
      long[] v = seenByAttack.getOrDefault(attack, new long[2]);
      byAttack.put(attack, new DemoSummary.KindRow(s, v[0], v[1]));
    });
    boolean canFlag = !detectors().isEmpty();
    long verdicts = results.verdicts();
    long dead = results.deadLetters();
    long[] lat = results.latenciesMs();
    Map<String, Long> latency = new LinkedHashMap<>();
    if (lat.length > 0) {
      latency.put("p50", percentile(lat, 0.50));
      latency.put("p99", percentile(lat, 0.99));
      latency.put("max", lat[lat.length - 1]);
    }
    double processing = Math.max(1, results.lastOutcomeAt() - replayStartMs) / 1000.0;
    List<String> campaigns = results.campaignAlerts().stream().filter(a -> a.getKind().equals("CAMPAIGN"))
        .map(Alert::getCameraId).distinct().sorted().toList();
    return new DemoSummary(sent, options.cameras(), plan.stickeredCamera(), verdicts, dead,
        Math.max(0, sent - verdicts - dead), results.deadLettersByReason(), expectedDeadLetters, results.alertsByKind(),
        byKind, byAttack, detectors().stream().map(Detector::name).toList(),
        canFlag && attacked > 0 && attacksMadeFor == null ? (double) attackedFlagged / attacked : null,
        canFlag && clean > 0 ? (double) cleanFlagged / clean : null,
        attacksMadeFor, canFlag && attacked > 0 && attacksMadeFor != null ? (double) attackedFlagged / attacked : null,
        campaigns, cameras, (System.nanoTime() - t0) / 1e9, processing, (verdicts + dead) / processing, latency,
        interrupted);
  }

  /** Nearest-rank percentile of sorted values. */
  static long percentile(long[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private synchronized void printAlert(Alert a) {
    if (a.getKind().startsWith("CAMPAIGN")) {
      out.printf(Locale.ROOT, "ALERT %s camera %s: %s%n", a.getKind(), a.getCameraId(), a.getExplanation());
    } else if (frameAlertsPrinted < FRAME_ALERTS_PRINTED) {
      frameAlertsPrinted++;
      out.printf(Locale.ROOT, "ALERT %s camera %s frame %s: %s%s%n", a.getKind(), a.getCameraId(), a.getFrameId(),
          a.getExplanation(), frameAlertsPrinted == FRAME_ALERTS_PRINTED ? " (further frame alerts are counted, not printed)" : "");
    }
  }

  /**
   * The in-process broker and its clients warn about things that are normal for a one-node demo cluster
   * (empty metadata log, closing clients twice); only their errors are worth a newcomer's attention.
   */
  private static void quietBroker() {
    if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logback) {
      logback.getLogger("org.apache.kafka").setLevel(ch.qos.logback.classic.Level.ERROR);
      logback.getLogger("kafka").setLevel(ch.qos.logback.classic.Level.ERROR);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (java.io.IOException e) {
      // a temp folder left behind is harmless
    }
  }
}
