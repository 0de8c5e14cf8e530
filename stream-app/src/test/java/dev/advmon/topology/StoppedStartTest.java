package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.health.StartupWaits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.cli.Wiring;
import dev.advmon.testing.Await;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.TestData;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start stopped (run's SIGTERM, the demo's or the load tester's Ctrl-C) while the broker has not answered yet: the
 * start's topic check then closed its admin client with the default close, which waits for the request under way (up
 * to default.api.timeout.ms, 15 s); its thread outlived the stopped start, in every process that starts a monitor.
 */
class StoppedStartTest {

  @TempDir
  Path dir;

  @Test
  void aStartStoppedWhileTheBrokerIsSilentReturnsWithNoThreadOfItsOwnLeftRunning() throws Exception {
    Stopped stopped = stopWhileTheBrokerIsSilent();

    assertThat(stopped.ended()).isInstanceOf(InterruptedException.class);
    assertThat(stopped.threadsAlive()).as("start-up's threads still running once the stopped start returned")
        .isEmpty();
  }

  /** What run logs as it stops ("stopped before start-up finished: ..."): the start's exception had no message. */
  @Test
  void anInterruptedStartSaysWhichChecksTheStopCutShort() throws Exception {
    Stopped stopped = stopWhileTheBrokerIsSilent();

    assertThat(stopped.ended()).isInstanceOf(InterruptedException.class);
    assertThat(stopped.ended().getMessage())
        .isEqualTo("start-up stopped (interrupted) while waiting for Kafka's topic check (kafka.bootstrap.servers)"
            + " and the schema registry (registry.url)");
  }

  /** What a stopped start ended with, and which of start-up's threads were alive as it returned. */
  private record Stopped(Throwable ended, List<String> threadsAlive) {}

  /**
   * Starts against a broker that never answers and no registry, and interrupts the start (what run's stop does to
   * the thread that starts the monitor) once the topic check's admin client has connected.
   */
  private Stopped stopWhileTheBrokerIsSilent() throws Exception {
    try (SilentBroker broker = new SilentBroker(); MonitorMetrics metrics = MonitorMetrics.inMemory()) {
      MonitorConfig config = config(broker.port());
      FutureTask<StreamingMonitor> start = new FutureTask<>(BackgroundStart.start(config,
          new HttpSchemaRegistryClient(Wiring.registrySettings(config)), metrics, new StartupWaits()));
      Thread starter = new Thread(start, "test-starter");
      starter.setDaemon(true);
      starter.start();
      try {
        assertThat(Await.until(() -> broker.connections() > 0, Duration.ofSeconds(60)))
            .as("the topic check's admin client connected to the broker").isTrue();
        starter.interrupt();
        try {
          start.get(60, TimeUnit.SECONDS).close();
          return new Stopped(null, startupThreadsAlive());
        } catch (ExecutionException e) {
          return new Stopped(e.getCause(), startupThreadsAlive());
        }
      } finally {
        starter.interrupt();
      }
    }
  }

  private MonitorConfig config(int brokerPort) throws IOException {
    int noRegistry;
    try (ServerSocket r = new ServerSocket(0)) {
      noRegistry = r.getLocalPort();
    }
    Map<String, String> settings = MonitorSettings.of("127.0.0.1:" + brokerPort, "http://127.0.0.1:" + noRegistry,
        "stopped-start", dir);
    settings.put("registry.retries", "0");
    settings.put("startup.retry-interval-ms", "100");
    return MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
  }

  private static List<String> startupThreadsAlive() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.equals("advmon-topic-check") || n.equals("advmon-registry-check")).toList();
  }

  /** A "broker" that accepts connections and never answers: the admin client's requests wait out their timeouts. */
  private static final class SilentBroker implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    SilentBroker() throws IOException {
      acceptor = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            accepted.add(server.accept());
          } catch (IOException e) {
            return; // closed
          }
        }
      }, "silent-broker");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    int connections() {
      return accepted.size();
    }

    @Override
    public void close() throws Exception {
      server.close();
      for (Socket s : accepted) {
        s.close();
      }
      acceptor.join(TimeUnit.SECONDS.toMillis(10));
    }
  }
}
