package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.health.StartupWaits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.registry.RegistryRequestException;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.testing.Await;
import dev.advmon.testing.Keytool;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.TcpProxy;
import dev.advmon.testing.TestData;
import dev.advmon.testing.TlsServer;
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
 * A broker that refuses the monitor (here its certificate, signed by no CA this host trusts) while the registry does
 * not answer: the start waited for the registry first, and the broker's refusal, found meanwhile by the topic check,
 * was told only once the registry answered (for ever with startup.max-wait-ms=0); the operator saw the registry's
 * waits and Kafka's own ERROR lines with stack traces. Now whichever check fails first ends the start.
 */
class StartupBrokerRefusalTest {

  @TempDir
  Path dir;

  /**
   * Both refuse the monitor, the registry first: the start ended with the registry's refusal alone, and which one an
   * operator read depended on which answered first. Now both, the broker's first, each with its advice. The broker's
   * answer is held (a stalled proxy in front of it) until the registry has refused, so that the order is the bad one.
   */
  @Test
  void aRegistryRefusalBeforeTheBrokersIsToldAfterItInOneError() throws Exception {
    Path keys = Keytool.keyPair(dir, "broker", 30, "changeit");
    CountDownLatch registryRefused = new CountDownLatch(1);
    SchemaRegistry refusing = new StartupTestRegistry(() -> {
      registryRefused.countDown();
      throw new RegistryRequestException("the schema registry refused the monitor's credentials (HTTP 401); check "
          + "registry.basic-auth", 401, null);
    });
    try (TlsServer broker = new TlsServer(keys, "changeit"); TcpProxy held = TcpProxy.open();
        MonitorMetrics metrics = MonitorMetrics.inMemory()) {
      held.forwardTo(broker.port());
      held.stall();
      Map<String, String> settings = MonitorSettings.of("127.0.0.1:" + held.port(), "http://127.0.0.1:1",
          "both-refuse", dir);
      settings.put("kafka.security.protocol", "SSL"); // the JVM's default trust: no CA of it signed the keytool one
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      Throwable failure = BackgroundStart.failure(config, refusing, metrics, (start, starter) -> {
        assertThat(registryRefused.await(60, TimeUnit.SECONDS)).as("the registry was asked").isTrue();
        held.heal(); // the broker's refusal may come now
      });

      assertThat(failure).as("the start failed").isNotNull();
      assertThat(failure.getMessage()).startsWith("Kafka at 127.0.0.1:" + held.port())
          .contains("the TLS handshake with the broker failed")
          .contains("kafka.ssl.truststore.location")
          .endsWith("; and the schema registry refused the monitor's credentials (HTTP 401); check registry.basic-auth");
    }
  }

  /** How a start ended whose broker refused its TLS handshake: the broker's port, and what the start failed with. */
  private record Ended(int brokerPort, Throwable failure) {}

  /**
   * A start whose broker refuses the monitor (a certificate no CA of the JVM's signed), while the registry's first try,
   * still under way when that refusal ends the start, then fails with {@code broken}.
   */
  private Ended refusedWhileTheRegistrysLastTryThrows(Error broken) throws Exception {
    Path keys = Keytool.keyPair(dir, "broker", 30, "changeit");
    StartupWaits waits = new StartupWaits();
    SchemaRegistry breaking = new StartupTestRegistry(() -> {
      try {
        Await.until(waits::isLastTry, java.time.Duration.ofSeconds(60));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw broken;
    });
    try (TlsServer broker = new TlsServer(keys, "changeit"); MonitorMetrics metrics = MonitorMetrics.inMemory()) {
      Map<String, String> settings = MonitorSettings.of("127.0.0.1:" + broker.port(), "http://127.0.0.1:1",
          "error-after-refusal", dir);
      settings.put("kafka.security.protocol", "SSL"); // the JVM's default trust: no CA of it signed the keytool one
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      return new Ended(broker.port(),
          BackgroundStart.failure(config, breaking, metrics, waits, (start, starter) -> {}));
    }
  }

  /**
   * The broker refuses the monitor, and the registry's try under way then fails with an Error (a LinkageError from a
   * broken plugin or class path): the Error won, thrown as itself, and run ended with its stack trace instead of the
   * refusal's message and exit status 2 (any Exception). Now one error names both, the broker's refusal first.
   */
  @Test
  void anErrorInTheRegistrysLastTryAfterTheBrokersRefusalIsNamedInTheRefusalsError() throws Exception {
    Error broken = new NoClassDefFoundError("com/fasterxml/jackson/databind/ObjectMapper");
    Ended ended = refusedWhileTheRegistrysLastTryThrows(broken);
    Throwable failure = ended.failure();

    assertThat(failure).as("the start failed with an Exception, which run prints as one line (exit status 2)")
        .isInstanceOf(Exception.class);
    assertThat(failure.getMessage()).startsWith("Kafka at 127.0.0.1:" + ended.brokerPort())
        .contains("the TLS handshake with the broker failed")
        .contains("; and the schema registry's check failed with java.lang.NoClassDefFoundError:"
            + " com/fasterxml/jackson/databind/ObjectMapper (a Java Error, not an answer:")
        .endsWith("ADVMON_DEBUG=1 prints its stack trace)");
    assertThat(failure.getSuppressed()).as("the Error's stack trace kept for ADVMON_DEBUG").containsExactly(broken);
  }

  /**
   * The same with the JVM out of memory in the registry's last try: the one-line error called it "a broken class path,
   * plugin or JVM" (exit status 2), and sent the operator to the class path of a JVM that had run out of heap. A
   * VirtualMachineError ends the start as itself, the broker's refusal suppressed in it.
   */
  @Test
  void anOutOfMemoryErrorInTheRegistrysLastTryAfterTheBrokersRefusalEndsTheStartAsItself() throws Exception {
    Error exhausted = new OutOfMemoryError("Java heap space");
    Throwable failure = refusedWhileTheRegistrysLastTryThrows(exhausted).failure();

    assertThat(failure).as("thrown as itself, not named in a one-line refusal").isSameAs(exhausted);
    assertThat(failure.getSuppressed()).singleElement().satisfies(refusal -> assertThat(refusal.getMessage())
        .contains("the TLS handshake with the broker failed"));
  }

  /**
   * A registry that answers slowly, its first try not over when the broker refused: the start's error said it "had not
   * answered within 5 s" after "; and", as if it were a second failure, and an operator chased a healthy registry.
   */
  @Test
  void aRegistryStillInItsFirstTryWhenTheBrokerRefusesIsNotCalledAFailure() throws Exception {
    Path keys = Keytool.keyPair(dir, "broker", 30, "changeit");
    CountDownLatch asked = new CountDownLatch(1);
    SchemaRegistry slow = new StartupTestRegistry(() -> {
      asked.countDown();
      try {
        new CountDownLatch(1).await(); // answers only after start-up gave up on it
        throw new IllegalStateException("not reached");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new dev.advmon.registry.RegistryUnavailableException("slow test registry", 1, "interrupted", e);
      }
    });
    try (TlsServer broker = new TlsServer(keys, "changeit"); MonitorMetrics metrics = MonitorMetrics.inMemory()) {
      Map<String, String> settings = MonitorSettings.of("127.0.0.1:" + broker.port(), "http://127.0.0.1:1",
          "slow-registry", dir);
      settings.put("kafka.security.protocol", "SSL"); // the JVM's default trust: no CA of it signed the keytool one
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      Throwable failure = BackgroundStart.failure(config, slow, metrics, (start, starter) -> {});

      assertThat(asked.getCount()).as("the registry was asked").isZero();
      assertThat(failure).as("the start failed").isNotNull();
      assertThat(failure.getMessage()).startsWith("Kafka at 127.0.0.1:" + broker.port())
          .contains("the TLS handshake with the broker failed")
          .endsWith("; and schema registry at test registry (registry.url) not checked: its first try had not"
              + " ended 5 s after Kafka's failure (down, or only slow)")
          .doesNotContain("had not answered");
    }
  }

  @Test
  void aBrokerThatRefusesTheMonitorStopsTheStartWhileTheRegistryIsStillWaitedFor() throws Exception {
    int noRegistry;
    try (ServerSocket r = new ServerSocket(0)) {
      noRegistry = r.getLocalPort();
    }
    Path keys = Keytool.keyPair(dir, "broker", 30, "changeit");
    ExecutorService starter = Executors.newSingleThreadExecutor();
    try (TlsServer broker = new TlsServer(keys, "changeit"); MonitorMetrics metrics = MonitorMetrics.inMemory()) {
      Map<String, String> settings = MonitorSettings.of("127.0.0.1:" + broker.port(),
          "http://127.0.0.1:" + noRegistry, "broker-refusal", dir);
      settings.put("kafka.security.protocol", "SSL"); // the JVM's default trust: no CA of it signed the keytool one
      settings.put("registry.retries", "0");
      settings.put("startup.retry-interval-ms", "100");
      // the registry's own give-up, far beyond the broker's refusal: before, the start ended with this one
      settings.put("startup.max-wait-ms", "120000");
      MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
      Future<StreamingMonitor> start = BackgroundStart.on(starter, config, metrics);

      Throwable failure = null;
      try {
        start.get(5, TimeUnit.MINUTES).close();
      } catch (ExecutionException e) {
        failure = e.getCause();
      }
      assertThat(failure).as("the start ended with the broker's refusal").isNotNull();
      // the registry, not answering, named too: after the broker's refusal, with its own advice
      assertThat(failure.getMessage()).startsWith("Kafka at 127.0.0.1:" + broker.port())
          .contains("the TLS handshake with the broker failed")
          .contains("kafka.ssl.truststore.location")
          .contains("; and schema registry at http://127.0.0.1:" + noRegistry + " (registry.url) still unreachable"
              + " when start-up stopped");
    } finally {
      starter.shutdownNow();
      assertThat(starter.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
