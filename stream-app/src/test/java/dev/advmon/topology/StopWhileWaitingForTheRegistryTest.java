package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.testing.LogLines;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.TestData;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop (run's shutdown hook interrupts the start-up) that arrives while a request to the registry is in flight
 * ends the wait at once: no "retrying in 5000 ms" line for a retry that will never be made.
 */
class StopWhileWaitingForTheRegistryTest {

  @TempDir
  Path dir;

  @Test
  void aStopDuringARegistryRequestEndsTheWaitWithoutAnnouncingARetry() throws Exception {
    CountDownLatch asked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    com.sun.net.httpserver.HttpServer hanging = com.sun.net.httpserver.HttpServer.create(
        new InetSocketAddress("127.0.0.1", 0), 0);
    hanging.setExecutor(Executors.newCachedThreadPool());
    hanging.createContext("/", ex -> { // a registry that takes the request and does not answer (yet)
      try (ex) {
        asked.countDown();
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    hanging.start();
    int noBroker;
    try (ServerSocket s = new ServerSocket(0)) {
      noBroker = s.getLocalPort();
    }
    ExecutorService starter = Executors.newSingleThreadExecutor();
    try (MonitorMetrics metrics = MonitorMetrics.inMemory();
        LogLines lines = LogLines.of(StreamingMonitor.class)) {
      Map<String, String> settings = MonitorSettings.of("127.0.0.1:" + noBroker,
          "http://127.0.0.1:" + hanging.getAddress().getPort(), "stop-in-wait", dir);
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      Future<StreamingMonitor> start = BackgroundStart.on(starter, config, metrics);
      assertThat(asked.await(30, TimeUnit.SECONDS)).as("the registry was asked").isTrue();

      starter.shutdownNow(); // what the stop signal does: interrupt the thread that starts the monitor

      Throwable ended = null;
      try {
        start.get(30, TimeUnit.SECONDS).close();
      } catch (ExecutionException e) {
        ended = e.getCause();
      }
      assertThat(ended).as("the start ended as stopped").isInstanceOf(InterruptedException.class);
      assertThat(lines.messages()).as("nothing announced a retry after the stop")
          .noneMatch(line -> line.contains("retrying in"));
    } finally {
      release.countDown();
      starter.shutdownNow();
      assertThat(starter.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      hanging.stop(0);
    }
  }
}
