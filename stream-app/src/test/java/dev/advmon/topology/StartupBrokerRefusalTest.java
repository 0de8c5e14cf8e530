package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.testing.Keytool;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.TestData;
import dev.advmon.testing.TlsServer;
import java.net.ServerSocket;
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
 * A broker that refuses the monitor (here its certificate, signed by no CA this host trusts) while the registry does
 * not answer: the start waited for the registry first, and the broker's refusal, found meanwhile by the topic check,
 * was told only once the registry answered (for ever with startup.max-wait-ms=0); the operator saw the registry's
 * waits and Kafka's own ERROR lines with stack traces. Now whichever check fails first ends the start.
 */
class StartupBrokerRefusalTest {

  @TempDir
  Path dir;

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
      assertThat(failure.getMessage()).contains("the TLS handshake with the broker failed")
          .contains("kafka.ssl.truststore.location")
          .doesNotContain("schema registry");
    } finally {
      starter.shutdownNow();
      assertThat(starter.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
