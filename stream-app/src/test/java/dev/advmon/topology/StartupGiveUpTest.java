package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.cli.Wiring;
import dev.advmon.config.MonitorConfig;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.TestData;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The start's give-up past startup.max-wait-ms with a registry that answers but not usefully (an HTTP 503, or no TLS
 * where registry.url says https): it said "still unreachable after N ms" whatever the last try met, which sent the
 * operator to the network before the advice named what to fix. Now it says that the registry answered.
 */
class StartupGiveUpTest {

  @TempDir
  Path dir;

  /**
   * Two registry.url entries, one answering 503, one refusing connections: the give-up said "still unreachable" with
   * one note for both ("check that the registry runs behind each"), though the registry answered at one. Now it says
   * where it answered and where not, and what to check at each.
   */
  @org.junit.jupiter.api.Test
  void withA503BesideARefusedUrlTheGiveUpSaysWhereTheRegistryAnsweredAndWhatToCheckAtEach() throws Exception {
    ServerSocket busy = answering503();
    try {
      String failing = "http://127.0.0.1:" + busy.getLocalPort();
      String refused = "http://127.0.0.1:" + closedPort();
      Throwable failure = startFailure(failing + "," + refused, "give-up2", Map.of("startup.max-wait-ms", "300"));
      assertThat(failure).as("the start gave up").isNotNull();
      assertThat(failure.getMessage())
          .contains("; and schema registry at " + failing + "," + refused + " (registry.url) answered at 1 of its 2"
              + " URLs, but start-up's requests still failed there; still unreachable at the other after ")
          .contains("(startup.max-wait-ms=300): each registry.url failed: " + failing + ": HTTP 503 (check its log and"
              + " any proxy in front); " + refused + ": connection refused (check that a registry runs there)")
          .doesNotContain("registry.url) still unreachable", "runs behind each");
    } finally {
      busy.close();
    }
  }

  /**
   * A URL that answered 503 at the first try and nothing after, beside a refused connection: the give-up told the last
   * try alone, "still unreachable" and "no registry.url answered", though the registry had answered there. Now it says
   * where it answered over the whole wait, and what each URL did: the silent one that answered before with advice of
   * its own, not the outage's "check that the registry runs behind each" (since 2026-12-07).
   */
  @org.junit.jupiter.api.Test
  void aUrlThatAnsweredAtAnEarlierTryIsToldInTheGiveUpThoughItWasSilentAtTheLast() throws Exception {
    ServerSocket once = answeringOnceThenSilent("503 Service Unavailable");
    try {
      String failing = "http://127.0.0.1:" + once.getLocalPort();
      String refused = "http://127.0.0.1:" + closedPort();
      Throwable failure = startFailure(failing + "," + refused, "give-up3",
          Map.of("startup.max-wait-ms", "1500", "registry.timeout-ms", "300"));
      assertThat(failure).as("the start gave up").isNotNull();
      assertThat(failure.getMessage())
          .contains("; and schema registry at " + failing + "," + refused + " (registry.url) answered at 1 of its 2"
              + " URLs, but start-up's requests still failed there; still unreachable at the other after ")
          .contains("(startup.max-wait-ms=1500): each registry.url failed: " + failing + ": no answer within 300 ms,"
              + " earlier HTTP 503 (it answered earlier: check whether it restarted, and the network to it); " + refused
              + ": connection refused (check that a registry runs there)");
    } finally {
      once.close();
    }
  }

  /**
   * A registry down at the first registry.url and refusing the login at the second: the start stops on the refusal, at
   * once (as before), but its error named the refusing URL alone, the down one's refused connection dropped. Now it
   * names each URL, what it did and what to check there.
   */
  @org.junit.jupiter.api.Test
  void aRefusedLoginBesideADownUrlStopsTheStartNamingEachUrlWithWhatToCheck() throws Exception {
    ServerSocket refusing = answering("401 Unauthorized");
    try {
      String down = "http://127.0.0.1:" + closedPort();
      String login = "http://127.0.0.1:" + refusing.getLocalPort();
      Throwable failure = startFailure(down + "," + login, "refused2", Map.of());
      assertThat(failure).as("the start stopped").isNotNull();
      assertThat(failure.getMessage())
          .contains("schema registry at " + down + "," + login + " (registry.url) refused the monitor's login: each"
              + " registry.url failed: " + down + ": connection refused (check that a registry runs there); " + login
              + ": HTTP 401, login refused (check registry.basic-auth.user-info) (registry client: registry " + login
              + " refused to ");
      assertThat(Failures.classify(failure)).as("still a refused credential").isEqualTo(Failures.Kind.FATAL);
    } finally {
      refusing.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "an HTTP 503     | http  | it answered with an error; check the registry's log",
      "no TLS there    | https | the TLS handshake failed; check that registry.url says https only where"})
  void aRegistryThatAnswersButFailsIsNotCalledUnreachableWhenStartUpGivesUp(String kind, String scheme,
      String advice) throws Exception {
    ServerSocket busy = answering503();
    try {
      String url = scheme + "://127.0.0.1:" + busy.getLocalPort();
      Throwable failure = startFailure(url, "give-up", Map.of("startup.max-wait-ms", "300"));
      assertThat(failure).as("the start gave up").isNotNull();
      assertThat(failure.getMessage())
          .contains("; and schema registry at " + url + " (registry.url) answered, but start-up's requests still"
              + " failed after ")
          .contains("(startup.max-wait-ms=300): " + advice)
          .doesNotContain("registry.url) still unreachable");
    } finally {
      busy.close();
    }
  }

  /**
   * Starts a monitor whose broker address has nothing behind it, on {@code urls} with no registry retries and
   * {@code extra} settings ({@link BackgroundStart#failure}, the real registry client); what the start ended with
   * (null: it started), once its thread has ended.
   */
  private Throwable startFailure(String urls, String appId, Map<String, String> extra) throws Exception {
    Map<String, String> settings = MonitorSettings.of("127.0.0.1:" + closedPort(), urls, appId, dir);
    settings.put("registry.retries", "0");
    settings.put("startup.retry-interval-ms", "100");
    settings.putAll(extra);
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    AtomicReference<Thread> starter = new AtomicReference<>();
    Throwable failure;
    try (MonitorMetrics metrics = MonitorMetrics.inMemory()) {
      failure = BackgroundStart.failure(config, new HttpSchemaRegistryClient(Wiring.registrySettings(config)),
          metrics, (start, thread) -> starter.set(thread));
    }
    starter.get().join(TimeUnit.SECONDS.toMillis(30));
    assertThat(starter.get().isAlive()).as("the start's thread ended").isFalse();
    return failure;
  }

  /** A local port nothing listens on (a socket opened there and closed): connections to it are refused. */
  private static int closedPort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * A plain-HTTP server that answers 503 to whatever comes, a TLS ClientHello too, at once (the JDK's HttpServer
   * waits for a request line, so a TLS client met only silence there); closed by the test.
   */
  private static ServerSocket answering503() throws java.io.IOException {
    return answering("503 Service Unavailable");
  }

  /**
   * A server that answers {@code status} to its first connection, then accepts each later one and never answers (a
   * registry that went silent after a 503); closed by the test.
   */
  private static ServerSocket answeringOnceThenSilent(String status) throws java.io.IOException {
    ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    java.util.List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread answering = new Thread(() -> {
      boolean first = true;
      while (!server.isClosed()) {
        try {
          java.net.Socket s = server.accept();
          if (first) {
            first = false;
            try (s) {
              s.getInputStream().read(new byte[4096]);
              byte[] body = ("{\"error_code\":" + status.substring(0, 3) + ",\"message\":\"test\"}")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
              s.getOutputStream().write(("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\n"
                  + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
              s.getOutputStream().write(body);
            }
          } else {
            held.add(s); // open, silent, until the test closes the server
          }
        } catch (java.io.IOException e) {
          // closed at the test's end
        }
      }
      for (java.net.Socket s : held) {
        try {
          s.close();
        } catch (java.io.IOException e) {
          // going away anyway
        }
      }
    }, "test-once-" + status.substring(0, 3));
    answering.setDaemon(true);
    answering.start();
    return server;
  }

  /** As above, answering {@code status} ("401 Unauthorized"), with a registry's JSON error body. */
  private static ServerSocket answering(String status) throws java.io.IOException {
    byte[] body = ("{\"error_code\":" + status.substring(0, 3) + ",\"message\":\"test\"}")
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    ServerSocket busy = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    Thread answering = new Thread(() -> {
      while (!busy.isClosed()) {
        try (java.net.Socket s = busy.accept()) {
          s.getInputStream().read(new byte[4096]);
          s.getOutputStream().write(("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: "
              + body.length + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          s.getOutputStream().write(body);
        } catch (java.io.IOException e) {
          // closed at the test's end, or a client that went away
        }
      }
    }, "test-" + status.substring(0, 3));
    answering.setDaemon(true);
    answering.start();
    return busy;
  }
}
