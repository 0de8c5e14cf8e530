package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.health.StartupWaits;
import dev.advmon.testing.LogLines;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

/**
 * The start-up wait for a broker that is not there, with Kafka's real admin client against an address where nothing
 * listens, or where something accepts connections and never answers (no broker needed): what the operator reads while
 * {@code ./monitor run} waits.
 */
class TopicAdminUnreachableTest {

  /** A loopback port nothing listens on: bound once by the system, then released. */
  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * The wait line ended with Kafka's own words, "org.apache.kafka.common.errors.TimeoutException: Timed out waiting
   * for a node assignment. Call: listTopics", which name neither the address nor that nothing answered there: the
   * line now says that first, in the operator's words, with what to check, and keeps Kafka's words at its end.
   */
  @Test
  void theWaitLineSaysThatNothingAnsweredAtTheAddressWithinTheTryAndWhatToCheck() throws Exception {
    // something that accepts connections and never answers: a port where nothing listens is told apart (below)
    ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    String servers = "127.0.0.1:" + silent.getLocalPort();
    List<Long> pauses = new ArrayList<>();
    TopicAdmin.Pause stopAfterFirstTry = ms -> {
      pauses.add(ms);
      throw new InterruptedException("test: one try is enough");
    };
    // short timeouts, so that the real client gives up on its first request in about a second
    TopicAdmin topics = new TopicAdmin(quick(servers), Admin::create, new StartupWaits(), stopAfterFirstTry,
        BrokerAddresses::look);

    try (silent; LogLines lines = LogLines.of(TopicAdmin.class)) {
      assertThatThrownBy(() -> topics.ensureTopics(List.of("frames"), true, 1, (short) 1, 5_000, 0))
          .isInstanceOf(InterruptedException.class);

      assertThat(pauses).containsExactly(5_000L);
      String line = lines.messages().stream().filter(m -> m.startsWith("waiting for Kafka")).findFirst().orElseThrow();
      assertThat(line)
          .containsPattern("nothing at " + java.util.regex.Pattern.quote(servers)
              + " \\(kafka\\.bootstrap\\.servers\\) answered within [1-9][0-9]* s") // the try's timeout: 1 s
          .contains("retrying in 5000 ms (startup.retry-interval-ms)")
          .contains("check that a broker runs at " + servers)
          .contains("kafka.security.protocol")
          .contains("kafka.ssl.*")
          .endsWith("(Kafka: Timed out waiting for a node assignment. Call: listTopics)");
      assertThat(line.indexOf("check that")).as("what to check before Kafka's words")
          .isLessThan(line.indexOf("Timed out waiting"));
      assertThat(line).doesNotContain("org.apache.kafka");
    }
  }

  /**
   * Past startup.max-wait-ms the error `run` stops with said "still unreachable after N ms (...): " and Kafka's
   * exception: it now says what the wait line says, nothing answered at the address and what to check.
   */
  @Test
  void theErrorAfterTheLongestWaitSaysWhatTheWaitLineSays() throws Exception {
    String servers = "127.0.0.1:" + closedPort();
    TopicAdmin topics = new TopicAdmin(quick(servers), Admin::create, new StartupWaits(), ms -> {
      throw new AssertionError("no pause expected: the first try already outlasts startup.max-wait-ms");
    }, BrokerAddresses::look);

    assertThatThrownBy(() -> topics.ensureTopics(List.of("frames"), true, 1, (short) 1, 5_000, 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("(startup.max-wait-ms=1)")
        .hasMessageContaining("nothing at " + servers + " (kafka.bootstrap.servers) answered within")
        .hasMessageContaining("nothing listens at " + servers + " (connection refused) on the last try")
        .hasMessageContaining("check that a broker runs at " + servers)
        .hasMessageEndingWith("(Kafka: Timed out waiting for a node assignment. Call: listTopics)");
  }

  /** The short timeouts of the tries below: the real client gives up on its first request in about a second. */
  private static Map<String, Object> quick(String servers) {
    return Map.of("bootstrap.servers", servers, "request.timeout.ms", 500, "default.api.timeout.ms", 1_000,
        "reconnect.backoff.max.ms", 100);
  }

  /**
   * The try's outcome as `run` stops with it (another check's failure ended the start: StartupWaits.lastTry), through
   * the constructor `run` uses: a refused port read "nothing at ... answered within 1 s; check that a broker runs at
   * ... advertised.listeners ... kafka.security.protocol", as if something there kept silent.
   */
  @Test
  void aPortWhereNothingListensIsToldAsRefusedNotAsASilence() throws Exception {
    String servers = "127.0.0.1:" + closedPort();
    StartupWaits waits = new StartupWaits();
    waits.lastTry();

    assertThatThrownBy(() -> new TopicAdmin(quick(servers), waits).ensureTopics(List.of("frames"), true, 1, (short) 1,
        5_000, 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("nothing at " + servers + " (kafka.bootstrap.servers) answered within 1 s: nothing"
            + " listens at " + servers + " (connection refused); check that a broker runs at " + servers
            + " and listens on that port")
        .hasMessageNotContaining("advertised.listeners")
        .hasMessageEndingWith("(Kafka: Timed out waiting for a node assignment. Call: listTopics)");
  }

  /**
   * Something accepts the connection and never answers Kafka's requests (a listener of another protocol, another
   * service): the advice for that, the protocol and advertised.listeners, stays.
   */
  @Test
  void anAddressThatAcceptsButNeverAnswersKeepsTheListenerAndProtocolAdvice() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String servers = "127.0.0.1:" + silent.getLocalPort();
      StartupWaits waits = new StartupWaits();
      waits.lastTry();

      assertThatThrownBy(() -> new TopicAdmin(quick(servers), waits).ensureTopics(List.of("frames"), true, 1,
          (short) 1, 5_000, 0))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("nothing at " + servers + " (kafka.bootstrap.servers) answered within 1 s; "
              + BrokerSilence.check(servers))
          .hasMessageNotContaining("nothing listens")
          .hasMessageEndingWith("(Kafka: Timed out waiting for a node assignment. Call: listTopics)");
    }
  }

  /** Readiness's reason while the wait goes on says the refusal too, within its cap. */
  @Test
  void theReadinessReasonSaysThatNothingListensThere() throws Exception {
    String servers = "127.0.0.1:" + closedPort();
    StartupWaits waits = new StartupWaits();
    List<String> reasons = new ArrayList<>();
    TopicAdmin topics = new TopicAdmin(quick(servers), Admin::create, waits, ms -> {
      reasons.addAll(waits.reasons());
      throw new InterruptedException("test: one try is enough");
    }, BrokerAddresses::look);

    assertThatThrownBy(() -> topics.ensureTopics(List.of("frames"), true, 1, (short) 1, 5_000, 0))
        .isInstanceOf(InterruptedException.class);
    assertThat(reasons).hasSize(2);
    assertThat(reasons.get(1)).hasSizeLessThanOrEqualTo(StartupWaits.MAX_REASON)
        .startsWith("Kafka: no answer from " + servers + " (kafka.bootstrap.servers) in ")
        .contains("(try 1): nothing listens there (connection refused): check that a broker runs and the port is"
            + " right");
  }
}
