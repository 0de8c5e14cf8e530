package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.Detector;
import dev.advmon.detect.Detectors;
import dev.advmon.detect.FrameScorer;
import dev.advmon.dashboard.RecentAlerts;
import dev.advmon.health.StartupWaits;
import dev.advmon.http.HttpSettings;
import dev.advmon.http.MonitorHttpServer;
import dev.advmon.image.FloatImage;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelDocs;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.topology.StreamingMonitor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code monitor run}: the streaming monitor against an external Kafka and schema registry. Stops gracefully
 * on SIGTERM/SIGINT (commits, leaves the group, closes the model), also while still waiting at start-up.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the monitor against an external Kafka cluster and schema registry.",
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
        "1:stopped once running by a fatal error (a refused login, ACL or registry credential); the log's ERROR line "
            + "says which",
        "2:refused at start-up (invalid configuration, a bundle that cannot load, a command line it cannot read, a "
            + "broker or registry that refused or stayed unreachable past startup.max-wait-ms); the error says which "
            + "setting or file",
        // not 0: once the JVM has a signal, its status is 128 + the signal's number whatever call() returns (its
        // System.exit waits behind the shutdown hooks); FaultToleranceIT sees 143
        "143:stopped by SIGTERM (130: by Ctrl-C, SIGINT), within 45 s; a supervisor should count it a clean stop "
            + "(systemd: SuccessExitStatus=143). The same status also when the close could not finish (the broker "
            + "gone): a WARN \"did not finish closing\" then says what was left uncommitted, which is processed again"})
final class RunCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

  /** Settings without a default that `run` (and `config --check`, which checks for it) needs. */
  static final String[] REQUIRED = {"kafka.bootstrap.servers", "registry.url"};

  /**
   * The longest a SIGTERM takes to end the process: under the Kubernetes manifests' 60 s grace period, and above what
   * the close's own steps take with the broker gone (about 3 s for the group lookup, Kafka Streams' 30 s).
   */
  static final Duration STOP_BOUND = Duration.ofSeconds(45);

  /**
   * The longest the close waits for a model still loading: inside {@link #STOP_BOUND}, with room left for closing the
   * model once it loaded, so that a SIGTERM during a slow load ends with a WARN naming the model rather than being cut
   * off by the hook's bound in the middle of the wait.
   */
  static final Duration MODEL_WAIT = STOP_BOUND.minusSeconds(10);

  @Option(names = "--config", paramLabel = "FILE",
      description = "The monitor's properties file (./monitor config lists every setting); the environment "
      + "(ADVMON_...) overrides any of them.")
  Path config;

  /**
   * Where the stop on SIGTERM goes: the JVM's shutdown hooks. A field so that a test sees which hook {@code run}
   * installs; a hook of its own here, without {@link SignalStop}'s bound and WARN, went unnoticed by the tests.
   */
  Consumer<Runnable> onSignal = stop -> Runtime.getRuntime().addShutdownHook(new Thread(stop, "advmon-shutdown"));

  @Override
  public Integer call() throws Exception {
    MonitorConfig c = MonitorConfig.load(config, System.getenv(), Map.of(), Main.home()).validated()
        .require(REQUIRED);
    c.raisedDefaults().forEach(line -> log.info("setting {}", line));
    // Everything that can refuse to start is read before the shutdown hook exists: the hook waits for the
    // `finally` below, so an error thrown between the two would hold the exit for the hook's whole STOP_BOUND.
    ModelBundle bundle = BundleSetting.load(c);
    RegistrySettings registrySettings = Wiring.registrySettings(c);
    dev.advmon.config.KafkaTlsStores.check(c); // else "Failed to create new KafkaAdminClient", naming nothing
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread main = Thread.currentThread();
    AtomicBoolean startingUp = new AtomicBoolean(true);
    onSignal.accept(new SignalStop(stop, stopped, startingUp, main, STOP_BOUND));

    // The model and its detectors load while the monitor waits for the registry and the broker, so that a
    // (re)start reaches its first verdict sooner; a model that cannot load ends those waits at once.
    CompletableFuture<FrameScorer> scorer = new CompletableFuture<>();
    StartupWaits waits = new StartupWaits();
    waits.waiting("model", "loading " + c.path("model.dir") + " (model.dir) and warming it up");
    Thread loader = new Thread(() -> {
      try {
        FrameScorer loaded = loadScorer(() -> DjlClassifier.load(bundle, EngineChoice.parse(c.string("model.engine")),
            Wiring.inferenceThreads(c)), () -> Detectors.forBundle(bundle), c.intValue("model.max-batch"));
        waits.reached("model");
        scorer.complete(loaded);
      } catch (Throwable e) {
        scorer.completeExceptionally(e);
        main.interrupt();
      }
    }, "advmon-model-loader");
    loader.setDaemon(true);
    loader.start();
    StartingMonitor starting = new StartingMonitor(waits);
    try (MonitorMetrics metrics = MonitorMetrics.prometheus();
        // the only warning ahead of a certificate's expiry: open connections outlive it, the next handshake fails
        var certificates = dev.advmon.health.CertificateEndpoints.watch(c, registrySettings, metrics);
        RecentAlerts recent = new RecentAlerts(Wiring.imageLimits(c));
        // serving from the first second: probes see "starting" (live, not ready) while the broker, the registry and
        // the model are waited for, instead of no answer (which a liveness probe would restart in a loop)
        MonitorHttpServer http = c.intValue("http.port") == 0 ? null
            : new MonitorHttpServer(HttpSettings.from(c), starting, metrics::scrape, starting, recent, metrics::counts,
                Wiring.peers(starting::peers, starting::unaskedCameras, c))) {
      if (http != null) {
        log.info("dashboard at http://{}:{}/; also /health/live, /health/ready, /metrics, /cameras; "
            + "advertised to other instances as {}{}", c.string("http.bind"), http.port(),
            StreamingMonitor.applicationServer(c).map(h -> h.host() + ":" + h.port()).orElse("(nothing)"),
            http.healthPort() == 0 ? "" : "; the health probes on port " + http.healthPort() + " too");
      }
      FramePreparer preparer = FramePreparer.forModel(Wiring.imageLimits(c), bundle.manifest());
      StreamingMonitor monitor;
      try {
        monitor = StreamingMonitor.start(c, new HttpSchemaRegistryClient(registrySettings),
            registrySettings.autoRegister(), preparer, () -> loaded(scorer), metrics, recent, waits);
      } catch (InterruptedException e) {
        if (scorer.isCompletedExceptionally()) {
          loaded(scorer); // throws the model's error
        }
        log.info("stopped before start-up finished: {}", e.getMessage());
        return 0;
      }
      try (monitor) {
        startingUp.set(false);
        starting.started(monitor);
        try {
          while (!stop.await(500, TimeUnit.MILLISECONDS)) {
            if (monitor.failure().isPresent()) {
              // a fatal error (e.g. the registry refuses our credentials): exit, so that the operator sees it
              log.error("the monitor stopped: {}", monitor.failure().get());
              return 1;
            }
          }
        } catch (InterruptedException e) {
          // the shutdown hook: fall through to close
        }
      }
      return 0;
    } finally {
      closeModel(loader, scorer, MODEL_WAIT, c.path("model.dir").toString());
      stopped.countDown();
    }
  }

  /**
   * The loaded classifier with {@code detectors}, warmed up. Whatever fails once the classifier is loaded (a
   * calibration that does not match the model, model.max-batch below a frame and its probes, the warm-up) closes it
   * again: only a scorer that reaches {@code run}'s {@code finally} is closed there, and the classifier holds the
   * model's native inference session and threads.
   */
  static FrameScorer loadScorer(Callable<? extends BatchClassifier> classifier, Callable<List<Detector>> detectors,
      int maxBatch) throws Exception {
    BatchClassifier loaded = classifier.call();
    try {
      FrameScorer scorer = new FrameScorer(loaded, detectors.call(), maxBatch);
      warmUp(scorer);
      return scorer;
    } catch (Throwable e) {
      try {
        loaded.close();
      } catch (Exception | Error closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /**
   * Runs one blank frame through the classifier and every detector, and loads the state store's native library,
   * while start-up still waits for the broker: the first real frame then finds the inference session, the probe
   * code and RocksDB ready instead of paying for them after the rebalance.
   */
  static void warmUp(FrameScorer scorer) {
    long start = System.nanoTime();
    var input = scorer.manifest().input();
    scorer.score(new FloatImage(input.channels(), input.height(), input.width(),
        new float[input.channels() * input.height() * input.width()]));
    dev.advmon.topology.RocksDbNatives.load();
    log.info("model and detectors warmed up on a blank frame, state store library loaded ({} ms)",
        (System.nanoTime() - start) / 1_000_000);
  }

  /** The loaded scorer, waiting for it; the loader's own exception when loading failed. */
  private static FrameScorer loaded(CompletableFuture<FrameScorer> scorer) throws Exception {
    try {
      return scorer.get();
    } catch (InterruptedException e) {
      // get() says nothing: the log line of the stop says what it cut short
      InterruptedException stop = new InterruptedException("start-up stopped (interrupted) while waiting for the model "
          + "to load (model.dir)");
      stop.initCause(e);
      throw stop;
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /**
   * Closes the model once its loader has finished, waiting at most {@code wait}; a model still loading after that is
   * left to the process's exit (its daemon loader thread ends with the JVM), which is said rather than waited for.
   */
  static void closeModel(Thread loader, CompletableFuture<FrameScorer> scorer, Duration wait, String modelDir) {
    // a model still loading is closed once loaded; an interrupt here is the hook's for a SIGTERM that came while
    // this already waited (a start-up that failed by itself): the operator wants out, so it ends the wait
    boolean interrupted = false;
    try {
      loader.join(Math.max(1, wait.toMillis()));
    } catch (InterruptedException e) {
      interrupted = true;
      Thread.currentThread().interrupt();
    }
    if (!scorer.isDone()) {
      log.warn("the model ({}, model.dir) was still loading {}; exiting without closing it (the process's exit frees "
          + "it; {})", modelDir, interrupted ? "when the signal came" : wait.toSeconds() + " s after the monitor stopped",
          ModelDocs.projectReadme("Faults, restarts and health"));
      return;
    }
    if (!scorer.isCompletedExceptionally()) {
      scorer.join().classifier().close();
    }
  }
}
