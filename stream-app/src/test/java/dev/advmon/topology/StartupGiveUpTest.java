package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.TestData;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The start's give-up past startup.max-wait-ms with a registry that answers but not usefully (an HTTP 503, or no TLS
 * where registry.url says https): it said "still unreachable after N ms" whatever the last try met, which sent the
 * operator to the network before the advice named what to fix. Now it says that the registry answered.
 */
class StartupGiveUpTest {

  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "an HTTP 503     | http  | it answered with an error; check the registry's log",
      "no TLS there    | https | the TLS handshake failed; check that registry.url says https only where"})
  void aRegistryThatAnswersButFailsIsNotCalledUnreachableWhenStartUpGivesUp(String kind, String scheme,
      String advice) throws Exception {
    // a plain-HTTP server that answers 503 to whatever comes, a TLS ClientHello too, at once (the JDK's HttpServer
    // waits for a request line, so a TLS client met only silence there)
    ServerSocket busy = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    Thread answering = new Thread(() -> {
      while (!busy.isClosed()) {
        try (java.net.Socket s = busy.accept()) {
          s.getInputStream().read(new byte[4096]);
          s.getOutputStream().write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (java.io.IOException e) {
          // closed at the test's end, or a client that went away
        }
      }
    }, "test-503");
    answering.setDaemon(true);
    answering.start();
    int noBroker;
    try (ServerSocket s = new ServerSocket(0)) {
      noBroker = s.getLocalPort();
    }
    ExecutorService starter = Executors.newSingleThreadExecutor();
    try (MonitorMetrics metrics = MonitorMetrics.inMemory()) {
      String url = scheme + "://127.0.0.1:" + busy.getLocalPort();
      Map<String, String> settings = MonitorSettings.of("127.0.0.1:" + noBroker, url, "give-up", dir);
      settings.put("registry.retries", "0");
      settings.put("startup.retry-interval-ms", "100");
      settings.put("startup.max-wait-ms", "300");
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      Future<StreamingMonitor> start = BackgroundStart.on(starter, config, metrics);

      Throwable failure = null;
      try {
        start.get(60, TimeUnit.SECONDS).close();
      } catch (ExecutionException e) {
        failure = e.getCause();
      }
      assertThat(failure).as("the start gave up").isNotNull();
      assertThat(failure.getMessage())
          .contains("; and schema registry at " + url + " (registry.url) answered, but start-up's requests still"
              + " failed after ")
          .contains("(startup.max-wait-ms=300): " + advice)
          .doesNotContain("registry.url) still unreachable");
    } finally {
      starter.shutdownNow();
      assertThat(starter.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      busy.close();
    }
  }
}
