package dev.advmon.system;

import static dev.advmon.testing.SystemChecks.frame;
import static dev.advmon.testing.SystemChecks.reasonsContain;
import static dev.advmon.testing.SystemChecks.restarts;
import static org.assertj.core.api.Assertions.assertThat;

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
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.testing.Await;
import dev.advmon.testing.ChildProcess;
import dev.advmon.testing.EvolvingFrames;
import dev.advmon.testing.FaultyHttpProxy;
import dev.advmon.testing.FaultyHttpProxy.Answer;
import dev.advmon.testing.FrameTraffic;
import dev.advmon.testing.KafkaBroker;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.OutcomeReader;
import dev.advmon.testing.RealKafkaAndRegistry;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.TestData;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.StreamingMonitor;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process monitor reading the real Apicurio registry through a load balancer ({@link FaultyHttpProxy}) that is
 * up but sick: it answers 503 with Retry-After and no body, then its own 404 page (its route to the registry gone),
 * while frames written with a schema id the monitor has not cached arrive. Each time the stream must stall rather than
 * dead-letter the frames, and come back by itself once the proxy passes requests through; in the end every frame has
 * exactly one verdict (read_committed). And with a second registry.url that is a closed port, a proxy that refuses the
 * login (401) for a new schema id mid-stream must stop the monitor, its readiness and liveness naming each URL within
 * the cap (only a unit test, FailuresTest, had checked that), and dead-letter no frame.
 */
@RealKafkaAndRegistry
class RegistryBehindAFaultyProxyIT {

  private static final double RATE = 10; // frames per second

  @TempDir
  Path dir;

  @Test
  void framesWithANewSchemaIdThroughASickLoadBalancerAreNeitherLostNorRepeated(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    // the shared broker and registry: what fails is the proxy, so that neither needs to be this test's own
    try (FaultyHttpProxy proxy = FaultyHttpProxy.inFrontOf(registryServer.url())) {
      MonitorConfig config = config(kafka, proxy.url(), "proxy");
      String frames = config.string("topics.frames");
      SchemaRegistry registry = new HttpSchemaRegistryClient(Wiring.registrySettings(config)); // the monitor's
      // producers reach the registry directly: only the monitor's route goes through the sick load balancer
      SchemaRegistry producers = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
      ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
      EvolvingFrames source = new EvolvingFrames(producers, frames, "proxy"); // its version changes per sickness
      MonitorMetrics metrics = MonitorMetrics.inMemory();
      try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
          StreamingMonitor monitor = StreamingMonitor.start(config, registry, true,
              FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()),
              new FrameScorer(classifier, List.of(), 64), metrics, AlertListener.NONE);
          FrameTraffic traffic = new FrameTraffic(kafka.bootstrapServers(), frames, Integer.MAX_VALUE, RATE,
              source::record);
          OutcomeReader reader = new OutcomeReader(kafka.bootstrapServers(), config.string("topics.verdicts"),
              config.string("topics.dead-letter"))) {
        assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();
        assertThat(Await.until(() -> reader.count() >= 10 && monitor.health().readiness().up(), Duration.ofSeconds(60)))
            .as("verdicts flow and the monitor is ready: %s", monitor.health().readiness()).isTrue();

        List<Answer> sickness = List.of(Answer.of(503, null, "", "Retry-After", "5"),
            Answer.htmlPage(404, "Not Found"));
        for (int i = 0; i < sickness.size(); i++) {
          Answer sick = sickness.get(i);
          double restartsBefore = restarts(metrics);
          EvolvingFrames.Version next = source.register("sick" + i);
          proxy.answer(sick);
          source.writeWith(next); // frames with an id the monitor has not cached yet, while its route is sick
          assertThat(Await.until(() -> restarts(metrics) > restartsBefore || !deadLetters(reader).isEmpty(),
              Duration.ofSeconds(60)))
              .as("HTTP %d: a frame with the new id meets the sick route", sick.status()).isTrue();
          assertThat(deadLetters(reader)).as("HTTP %d: dead letters (the frame's schema id exists: not its fault)",
              sick.status()).isEmpty();
          assertThat(Await.until(() -> reasonsContain(monitor, "HTTP " + sick.status()), Duration.ofSeconds(60)))
              .as("HTTP %d: readiness DOWN naming the status: %s", sick.status(), monitor.health().readiness())
              .isTrue();
          proxy.passThrough();
          int handed = traffic.handedOver();
          assertThat(Await.until(() -> monitor.state() == KafkaStreams.State.RUNNING
              && monitor.health().readiness().up() && reader.count() >= handed, Duration.ofSeconds(60)))
              .as("HTTP %d: RUNNING and ready again, an outcome for the %d frames sent so far (have %d): %s",
                  sick.status(), handed, reader.count(), monitor.health().readiness()).isTrue();
        }

        traffic.stopAndAwaitAcked(Duration.ofMinutes(1));
        assertThat(reader.awaitCount(source.sent().size(), Duration.ofSeconds(60)))
            .as("an outcome per frame (%d of %d)", reader.count(), source.sent().size()).isTrue();
        List<OutcomeReader.Outcome> outcomes = OutcomeReader.readAll(kafka.bootstrapServers(),
            config.string("topics.verdicts"), config.string("topics.dead-letter"), Duration.ofSeconds(30));
        assertThat(OutcomeReader.duplicates(outcomes)).as("frames with more than one outcome").isEmpty();
        assertThat(outcomes).as("verdicts (no dead letters: a sick load balancer is no frame's fault)")
            .allMatch(OutcomeReader.Outcome::verdict);
        assertThat(outcomes.stream().map(OutcomeReader.Outcome::frameId))
            .containsExactlyInAnyOrderElementsOf(source.sent());
      }
    }
  }

  @Test
  void aLoginRefusedMidStreamAtOneOfTwoUrlsStopsTheMonitorNamingEachUrlWithinTheCap(KafkaBroker.Info kafka,
      SchemaRegistryServer.Info registryServer) throws Exception {
    // the second URL: a closed port, listed after the proxy so that the monitor starts through the proxy
    int closed = ChildProcess.freePort();
    try (FaultyHttpProxy proxy = FaultyHttpProxy.inFrontOf(registryServer.url())) {
      String second = "http://127.0.0.1:" + closed + "/apis/ccompat/v7";
      MonitorConfig config = config(kafka, proxy.url() + "," + second, "refused");
      String frames = config.string("topics.frames");
      SchemaRegistry registry = new HttpSchemaRegistryClient(Wiring.registrySettings(config));
      SchemaRegistry producers = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
      ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
      EvolvingFrames source = new EvolvingFrames(producers, frames, "refused");
      try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
          StreamingMonitor monitor = StreamingMonitor.start(config, registry, true,
              FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()),
              new FrameScorer(classifier, List.of(), 64), MonitorMetrics.inMemory(), AlertListener.NONE);
          FrameTraffic traffic = new FrameTraffic(kafka.bootstrapServers(), frames, Integer.MAX_VALUE, RATE,
              source::record);
          OutcomeReader reader = new OutcomeReader(kafka.bootstrapServers(), config.string("topics.verdicts"),
              config.string("topics.dead-letter"))) {
        assertThat(Await.until(() -> reader.count() >= 3, Duration.ofSeconds(60)))
            .as("verdicts flow through the proxy: %s", monitor.health().readiness()).isTrue();

        EvolvingFrames.Version next = source.register("refused");
        // the registry's own words, long and marked, which readiness and liveness must leave to the log line
        String words = "REGISTRY-WORDS token expired for realm advmon " + "x".repeat(600);
        proxy.answerWhere(path -> path.startsWith("/schemas/ids/" + next.id()),
            Answer.registryError(401, 40101, words));
        source.writeWith(next);
        assertThat(monitor.awaitFailure(Duration.ofSeconds(60))).as("the monitor stops: %s",
            monitor.health().readiness()).isTrue();
        assertThat(proxy.count("/schemas/ids/" + next.id())).as("the refused lookup reached the proxy").isPositive();

        String proxyLabel = "127.0.0.1:" + URI.create(proxy.url()).getPort() + ": HTTP 401, login refused";
        String closedLabel = "127.0.0.1:" + closed + ": not asked";
        for (HealthReport report : List.of(monitor.health().readiness(), monitor.health().liveness())) {
          assertThat(report.up()).as("DOWN: %s", report).isFalse();
          String reason = report.reasons().stream().filter(r -> r.startsWith("stopped: ")).findFirst()
              .orElseThrow(() -> new AssertionError("no 'stopped: ' reason in " + report));
          assertThat(reason).as("each URL once, shortened, with what it did")
              .contains("refused the monitor's login", proxyLabel, closedLabel)
              .doesNotContain("http://", "/apis/ccompat/v7");
          assertThat(reason.split("127\\.0\\.0\\.1:", -1)).as("each URL named once: %s", reason).hasSize(3);
          assertThat(reason).as("the registry's words are left to the log line").doesNotContain("REGISTRY-WORDS");
          int hint = reason.indexOf(" (the registry refuses the monitor's credentials");
          assertThat(hint).as("the hint follows the brief: %s", reason).isPositive();
          assertThat(reason.substring(hint)).as("the hint names the setting").contains("registry.basic-auth.user-info");
          assertThat(hint - "stopped: ".length()).as("the brief within the cap: %s", reason).isLessThanOrEqualTo(500);
        }

        traffic.stopAndAwaitAcked(Duration.ofMinutes(1));
        List<OutcomeReader.Outcome> outcomes = OutcomeReader.readAll(kafka.bootstrapServers(),
            config.string("topics.verdicts"), config.string("topics.dead-letter"), Duration.ofSeconds(30));
        assertThat(outcomes).as("no dead letters: a refused login is the monitor's settings, no frame's fault")
            .allMatch(OutcomeReader.Outcome::verdict);
      }
    }
  }

  /** The monitor's settings for these tests: one thread, quick probes, and short registry timeouts and backoffs. */
  private MonitorConfig config(KafkaBroker.Info kafka, String registryUrl, String name) {
    Map<String, String> settings = MonitorSettings.of(kafka.bootstrapServers(), registryUrl, name, dir);
    settings.put("streams.num-threads", "1");
    settings.put("streams.restart-backoff-max-ms", "1000");
    settings.put("health.check-interval-ms", "500");
    settings.put("health.probe-timeout-ms", "1000");
    settings.put("registry.timeout-ms", "1000");
    settings.put("registry.retries", "2");
    return MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
  }

  private static List<String> deadLetters(OutcomeReader reader) {
    return reader.outcomes().stream().filter(o -> !o.verdict()).map(o -> o.frameId() + ": " + o.reason()).toList();
  }
}
