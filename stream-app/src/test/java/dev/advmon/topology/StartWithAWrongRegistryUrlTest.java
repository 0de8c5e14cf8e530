package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.registry.RegistryRequestException;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.TestData;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry.url that names Apicurio's server but not its Confluent API (without /apis/ccompat/v7): every request is
 * answered 404 with Apicurio's JSON error. The monitor must stop at once saying what to fix, not wait for the
 * registry for good (the default startup.max-wait-ms) under "waiting for the schema registry".
 */
class StartWithAWrongRegistryUrlTest {

  @TempDir
  Path dir;

  @Test
  void aRegistryUrlWithoutTheApiPathStopsTheStartAtOnceNamingTheSetting() throws Exception {
    com.sun.net.httpserver.HttpServer apicurioRoot = com.sun.net.httpserver.HttpServer.create(
        new InetSocketAddress("127.0.0.1", 0), 0);
    apicurioRoot.createContext("/", ex -> { // what Apicurio 2.4.2 answers at its root
      try (ex) {
        byte[] body = ("{\"message\":\"RESTEASY003210: Could not find resource for full path: http://"
            + ex.getRequestHeaders().getFirst("Host") + ex.getRequestURI() + "\",\"error_code\":404,"
            + "\"detail\":\"NotFoundException\",\"name\":\"NotFoundException\"}").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(404, body.length);
        ex.getResponseBody().write(body);
      }
    });
    apicurioRoot.start();
    int noBroker;
    try (ServerSocket s = new ServerSocket(0)) {
      noBroker = s.getLocalPort();
    }
    ExecutorService starter = Executors.newSingleThreadExecutor();
    try (MonitorMetrics metrics = MonitorMetrics.inMemory()) {
      Map<String, String> settings = MonitorSettings.of("127.0.0.1:" + noBroker,
          "http://127.0.0.1:" + apicurioRoot.getAddress().getPort(), "wrong-url", dir);
      settings.put("startup.retry-interval-ms", "200");
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      Future<StreamingMonitor> start = BackgroundStart.on(starter, config, metrics);

      Throwable failure = null;
      try {
        // the bug waits for ever (startup.max-wait-ms=0): 2 minutes tell it apart and leave a loaded machine room
        start.get(2, TimeUnit.MINUTES).close();
      } catch (ExecutionException e) {
        failure = e.getCause();
      } catch (java.util.concurrent.TimeoutException e) {
        failure = e; // still waiting for the registry: the bug
      }
      // the broker, not answering either, is named first; the registry's refusal, which ended the start, is the cause
      assertThat(failure).as("stopped by itself, saying what to fix")
          .hasCauseInstanceOf(RegistryRequestException.class)
          .hasMessageStartingWith("Kafka at 127.0.0.1:" + noBroker)
          .hasMessageContaining("registry.url").hasMessageContaining("API root")
          .hasMessageContaining("/apis/ccompat/v7");
      assertThat(Failures.classify(failure)).isEqualTo(Failures.Kind.FATAL);
    } finally {
      starter.shutdownNow(); // ends a start still waiting (interruptible)
      assertThat(starter.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      apicurioRoot.stop(0);
    }
  }
}
