package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.advmon.config.MonitorConfig;
import dev.advmon.health.StartupWaits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.testing.Await;
import dev.advmon.testing.LogLines;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.TestData;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unreachable registry at start-up: one WARN per try, the "waiting for the schema registry" line that names what is
 * wrong and what to check. The registry client's own line per retry of the try's request (README, Commands:
 * {@code ./monitor run}) would bury it, several per try; at start-up they are DEBUG.
 */
class StartupRegistryWaitLogTest {

  @TempDir
  Path dir;

  @Test
  void anUnreachableRegistryAtStartUpLogsOneWarningPerTry() throws Exception {
    int noRegistry;
    int noBroker;
    try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
      noRegistry = a.getLocalPort();
      noBroker = b.getLocalPort();
    }
    ExecutorService starter = Executors.newSingleThreadExecutor();
    try (MonitorMetrics metrics = MonitorMetrics.inMemory();
        LogLines monitor = LogLines.of(StreamingMonitor.class);
        LogLines client = LogLines.of(HttpSchemaRegistryClient.class, Level.DEBUG)) {
      Map<String, String> settings = MonitorSettings.of("127.0.0.1:" + noBroker,
          "http://127.0.0.1:" + noRegistry, "quiet-wait", dir);
      settings.put("registry.retries", "2");
      settings.put("registry.retry-backoff-ms", "10");
      settings.put("startup.retry-interval-ms", "100");
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      Future<StreamingMonitor> start = BackgroundStart.on(starter, config, metrics);

      assertThat(Await.until(() -> waitLines(monitor).size() >= 3, Duration.ofSeconds(60)))
          .as("three tries logged; lines: %s", monitor.messages()).isTrue();
      stopStarting(starter, start);

      assertThat(waitLines(monitor)).first().satisfies(line -> assertThat(line.getFormattedMessage())
          .contains("127.0.0.1:" + noRegistry).contains("registry.url"));
      List<ILoggingEvent> retries = client.events().stream()
          .filter(e -> e.getFormattedMessage().contains("failed")).toList();
      assertThat(retries).as("the client's retries were made, and logged for whoever debugs them").isNotEmpty();
      assertThat(client.events()).as("nothing of the client's above DEBUG while the start-up waits")
          .allSatisfy(e -> assertThat(e.getLevel()).as(e.getFormattedMessage()).isEqualTo(Level.DEBUG));
    } finally {
      starter.shutdownNow();
      assertThat(starter.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  /**
   * A registry that accepts connections and never answers, while starting: readiness said "waited N s (try K): " and
   * the client's whole exception message (the URL twice, "after 1 attempt(s)", its own advice), and named no setting.
   * Now it gives the advice of the running probe, with the time and setting that apply at start-up (registry.timeout-ms,
   * not the probe's health.probe-timeout-ms), within the broker's cap; the WARN line names the URL.
   */
  @Test
  void aSilentRegistryAtStartUpIsWaitedForWithTheStartUpsTimeoutAndWhatToCheck() throws Exception {
    int noBroker;
    try (ServerSocket b = new ServerSocket(0)) {
      noBroker = b.getLocalPort();
    }
    StartupWaits waits = new StartupWaits();
    ExecutorService starter = Executors.newSingleThreadExecutor();
    // connections complete in the kernel's backlog, and nothing ever reads a request: no answer
    try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        MonitorMetrics metrics = MonitorMetrics.inMemory();
        LogLines monitor = LogLines.of(StreamingMonitor.class)) {
      String url = "http://127.0.0.1:" + silent.getLocalPort();
      Map<String, String> settings = MonitorSettings.of("127.0.0.1:" + noBroker, url, "silent-wait", dir);
      settings.put("registry.retries", "0");
      settings.put("registry.timeout-ms", "300");
      settings.put("health.probe-timeout-ms", "700");
      settings.put("startup.retry-interval-ms", "100");
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      Future<StreamingMonitor> start = BackgroundStart.on(starter, config, metrics, waits);

      assertThat(Await.until(() -> registryReason(waits) != null && waitLines(monitor).size() >= 2,
          Duration.ofSeconds(60))).as("waited; reasons: %s", waits.reasons()).isTrue();
      stopStarting(starter, start);

      assertThat(registryReason(waits)).startsWith("schema registry: waited ")
          .contains("): nothing answered within 300 ms (registry.timeout-ms); check that the registry runs and is"
              + " reachable from this host")
          .doesNotContain("health.probe-timeout-ms", "attempt(s)", "\n")
          .hasSizeLessThanOrEqualTo(StartupWaits.MAX_REASON);
      assertThat(waitLines(monitor)).first().satisfies(line -> assertThat(line.getFormattedMessage())
          .contains(url + " (registry.url)").contains("nothing answered within 300 ms (registry.timeout-ms)"));
    } finally {
      starter.shutdownNow();
      assertThat(starter.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  /**
   * A registry that answers 503 with long words: what to check first, the client's words last and cut, the whole
   * within the cap that the broker's start-up reason keeps (Kubernetes events and people read it).
   */
  @Test
  void theRegistrysStartUpReasonKeepsTheAdviceWholeAndCutsTheClientsWordsToTheCap() {
    String url = "http://schema-registry.advmon.svc.cluster.local:8081/apis/ccompat/v7";
    Exception e = new dev.advmon.registry.RegistryUnavailableException(url, 3, "POST " + url
        + "/subjects/camera-frames-verdicts-value/versions answered HTTP 503: " + "upstream connect error ".repeat(20),
        null);
    String reason = "schema registry: " + StreamingMonitor.registryWaitReason(e, 10_000, 12, 61_000);
    assertThat(reason).hasSizeLessThanOrEqualTo(StartupWaits.MAX_REASON).doesNotContain("\n")
        .startsWith("schema registry: waited 61 s (try 12): it answered with an error; check the registry's log, and"
            + " the load balancer or proxy in front of it (registry client: POST " + url)
        .endsWith("...)");
  }

  /**
   * A start-up request waits registry.timeout-ms only while the call's deadline (two thirds of
   * streams.transaction-timeout-ms; half of it per URL with several) leaves that much: with the default 10 s and a 5 s
   * transaction timeout, each request to a silent registry gave up after 3.3 s while the reason said "within 10 s", and
   * the client's words, which had the right time, were left out as a repeat.
   */
  @Test
  void aSilentRegistrysReasonGivesTheTimeARequestWaitedWhereTheCallsDeadlineCutItShort() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      dev.advmon.registry.SchemaRegistry registry = new HttpSchemaRegistryClient(
          dev.advmon.registry.RegistrySettings.builder("http://127.0.0.1:" + silent.getLocalPort())
              .connectTimeout(Duration.ofSeconds(10)).requestTimeout(Duration.ofSeconds(10)).maxRetries(0)
              .callDeadline(Duration.ofMillis(5_000 * 2 / 3)).build());
      Exception e = org.assertj.core.api.Assertions.catchException(
          () -> registry.register("verdicts-value", dev.advmon.schema.Alert.getClassSchema()));
      assertThat(e).isInstanceOf(dev.advmon.registry.RegistryUnavailableException.class);

      String reason = "schema registry: " + StreamingMonitor.registryWaitReason(e, 10_000, 1, 3_000);

      assertThat(reason).contains("nothing answered within 3 s (registry.timeout-ms, cut to the call's deadline: two"
          + " thirds of streams.transaction-timeout-ms)").doesNotContain("10 s")
          .hasSizeLessThanOrEqualTo(StartupWaits.MAX_REASON);
    }
  }

  /**
   * With several registry.url entries each URL fails its own way, and the reason must say how for each: it gave the
   * last URL's failure alone (a refused connection read as "nothing accepts connections there" for all), and where a
   * request was cut by the call's deadline, that advice alone, 290 characters, filled the cap and was cut, with
   * neither URL named.
   */
  @Test
  void withSeveralUrlsTheStartUpReasonNamesEachUrlAndHowItFailedWithinTheCap() throws Exception {
    java.net.InetAddress loopback = java.net.InetAddress.getLoopbackAddress();
    int refused;
    try (ServerSocket closed = new ServerSocket(0, 50, loopback)) {
      refused = closed.getLocalPort();
    }
    try (ServerSocket silent = new ServerSocket(0, 50, loopback)) {
      String urls = "http://127.0.0.1:" + refused + "/apis/ccompat/v7,http://127.0.0.1:" + silent.getLocalPort()
          + "/apis/ccompat/v7";
      dev.advmon.registry.SchemaRegistry registry = new HttpSchemaRegistryClient(
          dev.advmon.registry.RegistrySettings.builder(urls).connectTimeout(Duration.ofSeconds(10))
              .requestTimeout(Duration.ofSeconds(10)).maxRetries(0).callDeadline(Duration.ofMillis(1_000)).build());
      Exception e = org.assertj.core.api.Assertions.catchException(
          () -> registry.register("verdicts-value", dev.advmon.schema.Alert.getClassSchema()));
      assertThat(e).isInstanceOf(dev.advmon.registry.RegistryUnavailableException.class);

      String reason = "schema registry: " + StreamingMonitor.registryWaitReason(e, 10_000, 3, 61_000);

      assertThat(reason).startsWith("schema registry: waited 61 s (try 3): ")
          .containsPattern("127\\.0\\.0\\.1:" + refused + "[^;]*: connection refused")
          .containsPattern("127\\.0\\.0\\.1:" + silent.getLocalPort() + "[^;]*: no answer within 500 ms")
          .contains("call's deadline").doesNotContain("...").hasSizeLessThanOrEqualTo(StartupWaits.MAX_REASON);
    }
  }

  /**
   * The WARN line of each try, with several registry.url entries: it gave the advice and the client's words of the
   * last URL alone ("nothing answered within 300 ms ..." for a refused URL too). Now it names each URL, whole, and how
   * its request failed; the line may be long, so nothing is cut.
   */
  @Test
  void withSeveralUrlsTheWarningOfEachTryNamesEachUrlAndHowItFailed() throws Exception {
    java.net.InetAddress loopback = java.net.InetAddress.getLoopbackAddress();
    int refused;
    int noBroker;
    try (ServerSocket a = new ServerSocket(0, 50, loopback); ServerSocket b = new ServerSocket(0)) {
      refused = a.getLocalPort();
      noBroker = b.getLocalPort();
    }
    ExecutorService starter = Executors.newSingleThreadExecutor();
    // connections complete in the kernel's backlog, and nothing ever reads a request: no answer
    try (ServerSocket silent = new ServerSocket(0, 50, loopback);
        MonitorMetrics metrics = MonitorMetrics.inMemory();
        LogLines monitor = LogLines.of(StreamingMonitor.class)) {
      String refusedUrl = "http://127.0.0.1:" + refused + "/apis/ccompat/v7";
      String silentUrl = "http://127.0.0.1:" + silent.getLocalPort() + "/apis/ccompat/v7";
      Map<String, String> settings = MonitorSettings.of("127.0.0.1:" + noBroker, refusedUrl + "," + silentUrl,
          "several-wait", dir);
      settings.put("registry.retries", "0");
      settings.put("registry.timeout-ms", "300");
      settings.put("startup.retry-interval-ms", "100");
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      Future<StreamingMonitor> start = BackgroundStart.on(starter, config, metrics);

      assertThat(Await.until(() -> !waitLines(monitor).isEmpty(), Duration.ofSeconds(60)))
          .as("a try logged; lines: %s", monitor.messages()).isTrue();
      stopStarting(starter, start);

      assertThat(waitLines(monitor)).first().satisfies(line -> assertThat(line.getFormattedMessage())
          .contains(refusedUrl + ": connection refused")
          .contains(silentUrl + ": no answer within 300 ms")
          .doesNotContain("..."));
    } finally {
      starter.shutdownNow();
      assertThat(starter.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  private static String registryReason(StartupWaits waits) {
    return waits.reasons().stream().filter(r -> r.startsWith("schema registry: ")).findFirst().orElse(null);
  }

  private static List<ILoggingEvent> waitLines(LogLines monitor) {
    return monitor.events().stream()
        .filter(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains("waiting for the schema registry"))
        .toList();
  }

  /**
   * Interrupts a start still waiting for the registry: it ends with an InterruptedException, or, where it got past the
   * wait, with a monitor that is closed here.
   */
  private static void stopStarting(ExecutorService starter, Future<StreamingMonitor> start) throws Exception {
    starter.shutdownNow();
    try {
      start.get(30, TimeUnit.SECONDS).close();
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(InterruptedException.class);
    }
  }
}
