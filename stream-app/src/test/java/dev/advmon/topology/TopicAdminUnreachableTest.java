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
 * listens (no broker needed): what the operator reads while {@code ./monitor run} waits.
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
    String servers = "127.0.0.1:" + closedPort();
    List<Long> pauses = new ArrayList<>();
    TopicAdmin.Pause stopAfterFirstTry = ms -> {
      pauses.add(ms);
      throw new InterruptedException("test: one try is enough");
    };
    // short timeouts, so that the real client gives up on its first request in about a second
    TopicAdmin topics = new TopicAdmin(Map.of("bootstrap.servers", servers, "request.timeout.ms", 500,
        "default.api.timeout.ms", 1_000, "reconnect.backoff.max.ms", 100), Admin::create, new StartupWaits(),
        stopAfterFirstTry);

    try (LogLines lines = LogLines.of(TopicAdmin.class)) {
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
    TopicAdmin topics = new TopicAdmin(Map.of("bootstrap.servers", servers, "request.timeout.ms", 500,
        "default.api.timeout.ms", 1_000, "reconnect.backoff.max.ms", 100), Admin::create, new StartupWaits(),
        ms -> {
          throw new AssertionError("no pause expected: the first try already outlasts startup.max-wait-ms");
        });

    assertThatThrownBy(() -> topics.ensureTopics(List.of("frames"), true, 1, (short) 1, 5_000, 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("(startup.max-wait-ms=1)")
        .hasMessageContaining("nothing at " + servers + " (kafka.bootstrap.servers) answered within")
        .hasMessageContaining("check that a broker runs at " + servers)
        .hasMessageEndingWith("(Kafka: Timed out waiting for a node assignment. Call: listTopics)");
  }
}
