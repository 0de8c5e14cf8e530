package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.health.DependencyProbe;
import dev.advmon.health.StartupWaits;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The readiness reason for a broker the health probe does not reach. It ended with Kafka's words alone ("Kafka at
 * kafka-0:9093 unreachable for 5 s: Timed out waiting for a node assignment. Call: describeCluster", or
 * "...: Authentication failed ..."): no setting, nothing to check. Now it says what to act on first, in the words of
 * the start-up wait (BrokerSilence), and Kafka's last; one line, for /health/ready.
 */
class BrokerProbeReasonTest {

  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private final DependencyProbe probe = BrokerSilence.probe("kafka-0:9093", () -> {
    if (failure.get() != null) {
      throw failure.get();
    }
  }, 3_000, clock::get, servers -> BrokerAddresses.Findings.NONE); // a broker that accepts and says nothing

  private String problemAfter(Exception e) {
    failure.set(e);
    probe.check();
    clock.addAndGet(5_000);
    probe.check();
    return probe.problem();
  }

  @Test
  void noAnswerNamesTheAddressTheSettingsAndWhatToCheckThenKafkasWords() {
    String reason = problemAfter(new ExecutionException(new org.apache.kafka.common.errors.TimeoutException(
        "Timed out waiting for a node assignment. Call: describeCluster")));
    assertThat(reason).isEqualTo("Kafka at kafka-0:9093 (kafka.bootstrap.servers) unreachable for 5 s: nothing"
        + " answered within 3 s (health.probe-timeout-ms); check that a broker runs there and is reachable from this"
        + " host (Kafka: Timed out waiting for a node assignment. Call: describeCluster)");
  }

  @Test
  void noAnswerWithinTheProbesOwnWaitSaysTheSameWithoutKafkasWords() {
    assertThat(problemAfter(new java.util.concurrent.TimeoutException())).isEqualTo("Kafka at kafka-0:9093"
        + " (kafka.bootstrap.servers) unreachable for 5 s: nothing answered within 3 s (health.probe-timeout-ms);"
        + " check that a broker runs there and is reachable from this host");
  }

  /** A broker that answered and refused is no outage: the line began "unreachable for 5 s". */
  @Test
  void aRefusedLoginNamesTheLoginSettingsThenKafkasWordsAndIsNotCalledUnreachable() {
    String reason = problemAfter(new ExecutionException(new org.apache.kafka.common.errors.SaslAuthenticationException(
        "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256")));
    assertThat(reason).startsWith("Kafka at kafka-0:9093 (kafka.bootstrap.servers) refusing the monitor's login for 5"
        + " s: it refused the monitor's login; check " + Failures.LOGIN_CHECKS)
        .endsWith("(Kafka: SaslAuthenticationException: Authentication failed during authentication due to invalid"
            + " credentials with SASL mechanism SCRAM-SHA-256)");
  }

  @Test
  void aFailedTlsHandshakeNamesTheTrustStoreNotTheLoginAndIsNotCalledUnreachable() {
    javax.net.ssl.SSLHandshakeException java = new javax.net.ssl.SSLHandshakeException("PKIX path validation failed");
    java.initCause(new java.security.cert.CertificateExpiredException("NotAfter: Mon Dec 07 04:57:30 UTC 2026"));
    String reason = problemAfter(new ExecutionException(
        new org.apache.kafka.common.errors.SslAuthenticationException("SSL handshake failed", java)));
    assertThat(reason).startsWith("Kafka at kafka-0:9093 (kafka.bootstrap.servers) with a failed TLS handshake for 5"
        + " s: the TLS handshake with the broker failed: a certificate of the broker's chain has expired (NotAfter:"
        + " Mon Dec 07 04:57:30 UTC 2026)").doesNotContain("refused the monitor's login");
  }

  @Test
  void anotherErrorSaysWhereToLookThenKafkasWordsOnOneLine() {
    String reason = problemAfter(new ExecutionException(new org.apache.kafka.common.errors.UnknownServerException(
        "The server experienced an unexpected error\nwhen processing the request.")));
    assertThat(reason).startsWith("Kafka at kafka-0:9093 (kafka.bootstrap.servers) unreachable for 5 s: its metadata"
        + " request failed; check the broker's log").endsWith("(Kafka: UnknownServerException: The server experienced"
        + " an unexpected error when processing the request.)").doesNotContain("\n");
  }

  /** BrokerCheck's own words (a lost KRaft quorum) already say what to check: kept as they were. */
  @Test
  void theQuorumChecksOwnWordsStayAsTheyAre() {
    String words = "a broker answered, but no KRaft controller quorum does (a majority of the controllers is down)";
    assertThat(problemAfter(new DependencyProbe.FailingFor(new IllegalStateException(words), 0)))
        .isEqualTo("Kafka at kafka-0:9093 (kafka.bootstrap.servers) unreachable for 5 s: " + words);
  }

  /**
   * Three brokers and Kafka's usual words: within the cap, the first broker, the setting and what to check whole,
   * Kafka's words cut.
   */
  @Test
  void theStartupReasonStaysWithinTheCapWithSeveralBrokersAndLongWords() {
    String servers = "kafka-0.kafka.advmon.svc:9093,kafka-1.kafka.advmon.svc:9093,kafka-2.kafka.advmon.svc:9093";
    String reason = "Kafka: " + BrokerSilence.startupReason(servers, new org.apache.kafka.common.errors.TimeoutException(
        "Timed out waiting for a node assignment. Call: listTopics\nand more"), 12, 61_000);
    assertThat(reason).hasSizeLessThanOrEqualTo(StartupWaits.MAX_REASON).doesNotContain("\n")
        .isEqualTo("Kafka: no answer from kafka-0.kafka.advmon.svc:9093 and 2 more (kafka.bootstrap.servers) in 61 s"
            + " (try 12): check that a broker runs there, is reachable (advertised.listeners) and speaks"
            + " kafka.security.protocol; more in the log");
  }

  @Test
  void theStartupReasonOfAnotherFailureSaysTheCheckFailedAndKeepsShortWordsWhole() {
    String reason = BrokerSilence.startupReason("kafka-0:9093", new org.apache.kafka.common.errors.UnknownServerException(
        "boom"), 2, 5_000);
    assertThat(reason).startsWith("the topic check failed at kafka-0:9093 (kafka.bootstrap.servers) in 5 s (try 2)")
        .endsWith("; more in the log (Kafka: UnknownServerException: boom)");
  }

  @Test
  void theStartupReasonCutsKafkasLongWordsToFitTheCap() {
    String reason = "Kafka: " + BrokerSilence.startupReason("kafka-0:9093",
        new org.apache.kafka.common.errors.TimeoutException("Timed out waiting for a node assignment. Call: listTopics"),
        3, 30_000);
    assertThat(reason).hasSizeLessThanOrEqualTo(StartupWaits.MAX_REASON)
        .contains("check that a broker runs there").contains(" (Kafka: Timed out waiting").endsWith("...)");
  }

  /**
   * A broker gone while the monitor runs (its port refused): the reason said "nothing answered within 3 s; check that
   * a broker runs there and is reachable from this host", as for a silence; now that nothing listens there.
   */
  @Test
  void aRefusedPortIsToldAsNothingListeningThere() throws Exception {
    String servers;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      servers = "127.0.0.1:" + s.getLocalPort();
    }
    DependencyProbe gone = BrokerSilence.probe(servers, () -> {
      throw new ExecutionException(new org.apache.kafka.common.errors.TimeoutException(
          "Timed out waiting for a node assignment. Call: describeCluster"));
    }, 3_000, clock::get);
    gone.check();

    assertThat(gone.problem()).isEqualTo("Kafka at " + servers + " (kafka.bootstrap.servers) unreachable for 0 s:"
        + " nothing answered within 3 s (health.probe-timeout-ms): nothing listens at " + servers + " (connection"
        + " refused); " + BrokerSilence.check(servers, BrokerAddresses.look(servers))
        + " (Kafka: Timed out waiting for a node assignment. Call: describeCluster)");
  }
}
