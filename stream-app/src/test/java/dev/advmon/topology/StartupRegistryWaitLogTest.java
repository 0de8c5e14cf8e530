package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.advmon.config.MonitorConfig;
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
      starter.shutdownNow();
      try {
        start.get(30, TimeUnit.SECONDS).close();
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(InterruptedException.class);
      }

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

  private static List<ILoggingEvent> waitLines(LogLines monitor) {
    return monitor.events().stream()
        .filter(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains("waiting for the schema registry"))
        .toList();
  }
}
