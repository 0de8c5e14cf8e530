package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import dev.advmon.dashboard.RecentAlerts;
import dev.advmon.detect.Detector;
import dev.advmon.detect.Detectors;
import dev.advmon.detect.FrameScorer;
import dev.advmon.http.HttpSettings;
import dev.advmon.http.MonitorHttpServer;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.InvalidBundleException;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.InMemorySchemaRegistry;
import dev.advmon.topology.StreamingMonitor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/**
 * The build's class-archive training run (hidden): does offline what {@code run} does at start-up (model, detectors,
 * HTTP, Avro serdes, Kafka Streams and its clients against an address where no broker listens), then stops. The build
 * runs it under {@code -XX:ArchiveClassesAtExit=target/stream-app.jsa}; {@code ./monitor} starts the JVM with that
 * archive, so a (re)start loads those ~10,000 classes mapped from one file instead of parsing and verifying them
 * from 40 jars (about 1 s of a 4-5 s restart on 2 cores, see RELIABILITY.md).
 */
@Command(name = "class-archive-training", hidden = true, mixinStandardHelpOptions = true,
    description = "Exercise the start-up code offline, for -XX:ArchiveClassesAtExit (the build runs this).")
final class ClassArchiveTrainingCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(ClassArchiveTrainingCommand.class);

  @Override
  public Integer call() throws Exception {
    long start = System.nanoTime();
    Path state = Files.createTempDirectory("advmon-class-archive");
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of(
        "kafka.bootstrap.servers", "127.0.0.1:9", // the discard port: nothing listens, the clients retry
        "registry.url", "http://127.0.0.1:9",
        "http.bind", "127.0.0.1",
        "http.port", "0",
        "streams.state-dir", state.toString(),
        "streams.instance-id", "class-archive-training",
        "streams.leave-group-on-close", "false"), Main.home()).validated();
    ModelBundle bundle = BundleSetting.load(c);
    HttpClient client = HttpClient.newHttpClient();
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.parse(c.string("model.engine")),
            Wiring.inferenceThreads(c));
        MonitorMetrics metrics = MonitorMetrics.prometheus();
        RecentAlerts recent = new RecentAlerts(Wiring.imageLimits(c))) {
      FrameScorer scorer = new FrameScorer(classifier, detectorsOrNone(bundle), c.intValue("model.max-batch"));
      RunCommand.warmUp(scorer);
      StartingMonitor starting = new StartingMonitor(new dev.advmon.health.StartupWaits());
      try (MonitorHttpServer http = new MonitorHttpServer(HttpSettings.from(c), starting, metrics::scrape, starting,
          recent, metrics::counts, Wiring.peers(starting::peers, starting::unaskedCameras, c))) {
        get(client, http.port(), "/health/live");
        try (StreamingMonitor monitor = StreamingMonitor.startUnchecked(c, new InMemorySchemaRegistry(),
            FramePreparer.forModel(Wiring.imageLimits(c), bundle.manifest()), scorer, metrics, recent)) {
          starting.started(monitor);
          Thread.sleep(2_000); // the stream threads and the health check try the broker meanwhile (not a test: no condition to wait for)
          for (String path : List.of("/health/ready", "/metrics", "/cameras", "/", "/api/summary")) {
            get(client, http.port(), path);
          }
        }
      }
    } finally {
      deleteQuietly(state);
    }
    log.info("class-archive training done in {} ms", (System.nanoTime() - start) / 1_000_000);
    return 0;
  }

  /**
   * The bundle's detectors, or none where its calibration cannot be used. A retrained model makes its
   * calibration.json stale, and the remedy, {@code ./monitor calibrate}, builds the monitor first: a build that
   * failed here would lock the user out of the command that fixes it. The archive then lacks the detector classes,
   * which only costs their loading time at start; {@code run} itself still refuses the stale calibration.
   */
  static List<Detector> detectorsOrNone(ModelBundle bundle) throws java.io.IOException {
    try {
      return Detectors.forBundle(bundle);
    } catch (InvalidBundleException e) {
      log.warn("class archive trained without detectors: {}", e.getMessage());
      return List.of();
    }
  }

  private static void get(HttpClient client, int port, String path) throws Exception {
    client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void deleteQuietly(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      log.debug("could not delete {}: {}", dir, e.toString());
    }
  }
}
