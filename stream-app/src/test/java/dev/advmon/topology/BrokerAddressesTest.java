package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.health.StartupWaits;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * What the start-up wait says when the broker gave no answer, after a look at each address of
 * kafka.bootstrap.servers, on real sockets (no broker): a refused port read "nothing at 127.0.0.1:39499
 * (kafka.bootstrap.servers) answered within 15 s; check ... advertised.listeners ... kafka.security.protocol", as if
 * something there had kept silent, where nothing listened at all.
 */
class BrokerAddressesTest {

  private static final org.apache.kafka.common.errors.TimeoutException NO_NODE =
      new org.apache.kafka.common.errors.TimeoutException("Timed out waiting for a node assignment. Call: listTopics");

  /** A loopback port nothing listens on: bound once by the system, then released. */
  private static String closedAddress() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "127.0.0.1:" + s.getLocalPort();
    }
  }

  @Test
  void aPortWhereNothingListensIsToldAsRefusedWithThePortAndHostToCheck() throws Exception {
    String servers = closedAddress();
    BrokerAddresses.Findings found = BrokerAddresses.look(servers);

    assertThat(found.each()).singleElement().extracting(BrokerAddresses.Finding::kind)
        .isEqualTo(BrokerAddresses.Kind.REFUSED);
    assertThat(BrokerSilence.what(servers, NO_NODE, 15_000, found)).isEqualTo("nothing at " + servers
        + " (kafka.bootstrap.servers) answered within 15 s: nothing listens at " + servers + " (connection refused)");
    assertThat(BrokerSilence.check(servers, found)).isEqualTo("check that a broker runs at " + servers
        + " and listens on that port (the broker's listeners), and that kafka.bootstrap.servers names its host and"
        + " port");
    String reason = "Kafka: " + BrokerSilence.startupReason(servers, NO_NODE, 3, 30_000, found);
    assertThat(reason).hasSizeLessThanOrEqualTo(StartupWaits.MAX_REASON)
        .startsWith("Kafka: no answer from " + servers + " (kafka.bootstrap.servers) in 30 s (try 3): nothing listens"
            + " there (connection refused): check that a broker runs and the port is right; more in the log")
        .contains(" (Kafka: Timed out waiting").doesNotContain("advertised.listeners");
  }

  @Test
  void aHostNameThatDoesNotResolveIsNamedWithTheDnsToCheck() {
    String servers = "kafka-0.broker.invalid:9092";
    BrokerAddresses.Findings found = BrokerAddresses.look(servers);

    assertThat(found.each()).singleElement().extracting(BrokerAddresses.Finding::kind)
        .isEqualTo(BrokerAddresses.Kind.UNRESOLVED);
    assertThat(BrokerSilence.what(servers, NO_NODE, 15_000, found)).endsWith(
        "answered within 15 s: host name kafka-0.broker.invalid does not resolve");
    assertThat(BrokerSilence.check(servers, found)).isEqualTo("check the host name in kafka.bootstrap.servers (a typo;"
        + " in Kubernetes, the Service's name and namespace) and this host's DNS");
    String reason = "Kafka: " + BrokerSilence.startupReason(servers, NO_NODE, 2, 5_000, found);
    assertThat(reason).hasSizeLessThanOrEqualTo(StartupWaits.MAX_REASON)
        .startsWith("Kafka: no answer from kafka-0.broker.invalid:9092 (kafka.bootstrap.servers) in 5 s (try 2): the"
            + " host name does not resolve: check it and this host's DNS; more in the log")
        .endsWith("(Kafka: Timed out waiting for a node assignment. Call: listTopics)");
  }

  /**
   * Something accepts the connection and says nothing (a TLS listener spoken to in plain text, another service on
   * that port): today's advice stands, the protocol and advertised.listeners.
   */
  @Test
  void anAddressThatAcceptsConnectionsButNeverAnswersKeepsTheProtocolAndListenerAdvice() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      String servers = "127.0.0.1:" + silent.getLocalPort();
      BrokerAddresses.Findings found = BrokerAddresses.look(servers);

      assertThat(found.each()).singleElement().extracting(BrokerAddresses.Finding::kind)
          .isEqualTo(BrokerAddresses.Kind.ACCEPTS);
      assertThat(BrokerSilence.what(servers, NO_NODE, 15_000, found))
          .isEqualTo("nothing at " + servers + " (kafka.bootstrap.servers) answered within 15 s");
      assertThat(BrokerSilence.check(servers, found)).isEqualTo(BrokerSilence.check(servers));
      assertThat(BrokerSilence.startupReason(servers, NO_NODE, 1, 15_000, found))
          .isEqualTo(BrokerSilence.startupReason(servers, NO_NODE, 1, 15_000));
    }
  }

  /** One address refused among others that accept: said, while the advice for a silent listener stays. */
  @Test
  void aRefusedAddressAmongListeningOnesIsNamedAndTheListenerAdviceStays() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      String refused = closedAddress();
      String servers = refused + ",127.0.0.1:" + silent.getLocalPort();
      BrokerAddresses.Findings found = BrokerAddresses.look(servers);

      assertThat(found.decisive()).isFalse();
      assertThat(BrokerSilence.what(servers, NO_NODE, 15_000, found)).endsWith("answered within 15 s: nothing listens"
          + " at " + refused + " (connection refused); the other addresses accept connections, or did not say"
          + " within 2 s");
      assertThat(BrokerSilence.check(servers, found)).isEqualTo(BrokerSilence.check(servers));
    }
  }

  /** Each address refused or unresolved: both said, with what to check for each. */
  @Test
  void aRefusedPortAndAnUnresolvedNameAreEachSaidWithTheirCheck() throws Exception {
    String refused = closedAddress();
    String servers = refused + ", kafka-1.broker.invalid:9092";
    BrokerAddresses.Findings found = BrokerAddresses.look(servers);

    assertThat(found.decisive()).isTrue();
    assertThat(BrokerSilence.what(servers, NO_NODE, 15_000, found)).endsWith(": nothing listens at " + refused
        + " (connection refused); host name kafka-1.broker.invalid does not resolve");
    assertThat(BrokerSilence.check(servers, found)).contains("check that a broker runs at " + refused)
        .contains("; check the host name in kafka.bootstrap.servers");
    assertThat(BrokerSilence.startupReason(servers, NO_NODE, 1, 15_000, found))
        .contains("each address refused or did not resolve: check the ports and host names");
  }

  /** Another failure than a silence is not looked into: the words stay those of a failed check. */
  @Test
  void anotherFailureThanASilenceKeepsItsWords() throws Exception {
    String servers = closedAddress();
    BrokerAddresses.Findings found = BrokerAddresses.look(servers);
    org.apache.kafka.common.errors.UnknownServerException boom =
        new org.apache.kafka.common.errors.UnknownServerException("boom");

    assertThat(BrokerSilence.what(servers, boom, 5_000, found)).isEqualTo(BrokerSilence.what(servers, boom, 5_000));
    assertThat(BrokerSilence.startupReason(servers, boom, 1, 5_000, found))
        .isEqualTo(BrokerSilence.startupReason(servers, boom, 1, 5_000));
  }
}
