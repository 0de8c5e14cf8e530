package dev.advmon.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.advmon.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What another instance may answer: a peer is found by the {@code application.server} it advertises, and a wrong
 * one (another service's port) may send anything. A peer's answer is read within its timeout and up to a cap.
 */
class PeersTest {

  private HttpServer server;
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.stop(0);
    }
  }

  private HostInfo serve(String path, com.sun.net.httpserver.HttpHandler handler) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(path, handler);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "peers-test-server");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return new HostInfo("127.0.0.1", server.getAddress().getPort());
  }

  /**
   * An instance scaled down (SIGTERM) stays in the group's metadata until the rebalance after it left, so the others
   * went on asking it for about 3 s and told the dashboard to "check its streams.application-server and http.bind", a
   * setting that was right: it had answered a moment before. Seen walking a scale-down of three instances.
   */
  @Test
  void aPeerThatAnsweredBeforeAndIsNowGoneIsSaidToBeStoppingNotMisconfigured() throws Exception {
    HostInfo peer = serve("/cameras", ex -> {
      byte[] body = "{\"cameras\":[]}".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    HostInfo never = new HostInfo("127.0.0.1", freePort());
    Peers peers = new Peers(null, () -> List.of(peer, never), Duration.ofSeconds(5), null);
    assertThat(peers.ask(peer, "/cameras?scope=local").get(20, TimeUnit.SECONDS).ok()).isTrue();
    server.stop(0);
    server = null;

    Peers.Answer gone = peers.ask(peer, "/cameras?scope=local").get(20, TimeUnit.SECONDS);
    Peers.Answer neverAnswered = peers.ask(never, "/cameras?scope=local").get(20, TimeUnit.SECONDS);

    assertThat(gone.error()).contains("unreachable").contains("it answered").contains("s ago")
        .contains("stopping or restarting").doesNotContain("check its streams.application-server");
    assertThat(neverAnswered.error()).contains("unreachable")
        .contains("check its streams.application-server and http.bind");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void anAnswerLargerThanTheCapIsRefusedNamingThePeerInsteadOfFillingTheHeap() throws Exception {
    HostInfo peer = serve("/cameras", ex -> {
      ex.sendResponseHeaders(200, 0); // chunked: no length to refuse up front
      try (OutputStream out = ex.getResponseBody()) {
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < 64; i++) { // 4 MiB
          out.write(chunk);
        }
      } catch (IOException closedByTheClient) {
        // expected once the client stops reading
      }
    });
    Peers peers = new Peers(null, () -> List.of(peer), Duration.ofSeconds(10), null, 1024 * 1024);

    Peers.Answer answer = peers.ask(peer, "/cameras?scope=local").get(20, TimeUnit.SECONDS);

    assertThat(answer.ok()).isFalse();
    assertThat(answer.body()).isNull();
    assertThat(answer.error()).contains("larger than 1048576 bytes").contains("streams.application-server");
  }

  @Test
  void aPeerThatSendsItsHeadersButNotItsBodyIsCutAtTheTimeout() throws Exception {
    HostInfo peer = serve("/cameras", ex -> {
      ex.sendResponseHeaders(200, 0);
      ex.getResponseBody().write('[');
      ex.getResponseBody().flush();
      try {
        release.await(60, TimeUnit.SECONDS); // the rest never comes while the test runs
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
    });
    Peers peers = new Peers(null, () -> List.of(peer), Duration.ofSeconds(1), null);

    Peers.Answer answer = peers.ask(peer, "/cameras?scope=local").get(20, TimeUnit.SECONDS);

    assertThat(answer.ok()).isFalse();
    assertThat(answer.error()).isEqualTo("no answer within 1000 ms");
  }

  /**
   * A peer whose host is gone stays in the group's metadata until the next rebalance, and each question to it cost
   * the whole timeout: every dashboard poll waited 2 s for it. One that ran out the timeout is not waited for again
   * within SILENT_MEMORY_MS (the answer says so at once, with the reason it gave).
   */
  @Test
  void aPeerThatRanOutTheTimeoutIsNotWaitedForAgainForAShortWhile() throws Exception {
    HostInfo peer = serve("/cameras", ex -> {
      try {
        release.await(60, TimeUnit.SECONDS); // no answer while the test runs
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
    });
    java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
    Peers peers = new Peers(null, () -> List.of(peer), Duration.ofMillis(300), false, nanos::get);

    assertThat(peers.ask(peer, "/cameras?scope=local").get(20, TimeUnit.SECONDS).error())
        .isEqualTo("no answer within 300 ms");
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(Peers.SILENT_MEMORY_MS - 1));
    java.util.concurrent.CompletableFuture<Peers.Answer> remembered = peers.ask(peer, "/cameras?scope=local");

    assertThat(remembered).as("answered without waiting").isDone();
    assertThat(remembered.get().ok()).isFalse();
    assertThat(remembered.get().error()).startsWith("no answer within 300 ms at its last question, 9 s ago")
        .contains("asked again without waiting for it until it answers");
  }

  /**
   * A peer slow once (a GC pause, one slow answer such as an image) was left out of every route's answers for the
   * whole SILENT_MEMORY_MS, though it answered again at once: the answer from memory asks it again in the background,
   * and once it has answered it is asked for real. The clock stands still here, so the while never ends by itself.
   */
  @Test
  void aPeerSlowOnceIsAskedForRealAgainAsSoonAsItAnswersNotAfterTheWhile() throws Exception {
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    HostInfo peer = serve("/cameras", ex -> {
      if (asked.incrementAndGet() == 1) {
        try {
          release.await(60, TimeUnit.SECONDS); // the first question only: no answer while the test runs
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        ex.close();
        return;
      }
      byte[] body = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    Peers peers = new Peers(null, () -> List.of(peer), Duration.ofMillis(300), false, () -> 0L);

    assertThat(peers.ask(peer, "/cameras?scope=local").get(20, TimeUnit.SECONDS).error())
        .isEqualTo("no answer within 300 ms");
    assertThat(peers.ask(peer, "/cameras?scope=local")).as("answered from memory, without waiting").isDone();
    Peers.Answer answer;
    // 2 minutes: each background question has only the 300 ms timeout, which a loaded machine may run out a few times
    long giveUp = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    do { // until the background question has its answer: each question meanwhile is answered from memory at once
      Thread.onSpinWait();
      answer = peers.ask(peer, "/cameras?scope=local").get(20, TimeUnit.SECONDS);
    } while (!answer.ok() && System.nanoTime() < giveUp);

    assertThat(answer.ok()).as("asked for real once it answered: " + answer.error()).isTrue();
    assertThat(answer.body()).asString(java.nio.charset.StandardCharsets.UTF_8).isEqualTo("{}");
  }

  @Test
  void aPeerCutAtTheTimeoutHasItsConnectionClosedNotLeftOpenForEver() throws Exception {
    // A raw socket, to see what the monitor does with the connection: headers and one byte of a 100-byte body, then
    // nothing. Left open, every dashboard poll would add one connection (and its buffered body) to such a peer.
    try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      AtomicBoolean closedByTheMonitor = new AtomicBoolean();
      Thread peerThread = new Thread(() -> {
        try (Socket s = listener.accept()) {
          s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
              + "\r\n[").getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
          InputStream in = s.getInputStream();
          while (in.read() >= 0) {
            // the request, then nothing until the monitor closes the connection
          }
          closedByTheMonitor.set(true);
        } catch (IOException reset) {
          closedByTheMonitor.set(true);
        }
      }, "peers-test-stalling-peer");
      peerThread.setDaemon(true);
      peerThread.start();
      HostInfo peer = new HostInfo("127.0.0.1", listener.getLocalPort());
      Peers peers = new Peers(null, () -> List.of(peer), Duration.ofMillis(500), null);

      Peers.Answer answer = peers.ask(peer, "/cameras?scope=local").get(20, TimeUnit.SECONDS);

      assertThat(answer.error()).isEqualTo("no answer within 500 ms");
      assertThat(Await.until(closedByTheMonitor::get, Duration.ofMinutes(2)))
          .as("the connection to the peer is closed once its answer is given up").isTrue();
    }
  }

  @Test
  void aPeerThatRefusesThisInstancesTokenIsReportedNamingTheSettingToAlign() throws Exception {
    assertThat(refusalOfAPeerThatRequiresAToken("not-their-token")).isEqualTo("answered HTTP 401: it refuses this "
        + "instance's token; give every instance the same http.bearer-token");
  }

  @Test
  void aPeerThatRequiresATokenWhenThisInstanceHasNoneIsReportedNamingTheSettingToAlign() throws Exception {
    assertThat(refusalOfAPeerThatRequiresAToken(null)).isEqualTo("answered HTTP 401: it requires a token and this "
        + "instance has none; give every instance the same http.bearer-token");
  }

  /**
   * A peer refusing with its reason (a 503 "camera state is not available while Kafka Streams is REBALANCING") was
   * listed as "answered HTTP 503" only: the operator could not see why it refused, nor whether to wait or act. Its
   * reason is quoted, cut and with control characters shown as '?', since the peer may be any service.
   */
  @Test
  void aPeersRefusalQuotesTheReasonItGave() throws Exception {
    String reason = "camera state is not available while Kafka Streams is REBALANCING; retry in a few seconds";
    HostInfo peer = serve("/cameras", ex -> {
      byte[] body = ("{\"error\":\"" + reason + "\\u001b[2J" + "x".repeat(1000) + "\"}")
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(503, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    Peers peers = new Peers(null, () -> List.of(peer), Duration.ofSeconds(10), null);

    String error = peers.ask(peer, "/cameras?scope=local").get(20, TimeUnit.SECONDS).error();

    assertThat(error).startsWith("answered HTTP 503: \"" + reason + "?[2J").endsWith("…\"")
        .doesNotContain("\u001b").hasSizeLessThan(400);
  }

  @Test
  void aPeersRefusalWithoutAReasonOfAMonitorSaysTheStatusOnly() throws Exception {
    HostInfo peer = serve("/cameras", ex -> {
      byte[] body = "<html>Bad Gateway</html>".getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/html");
      ex.sendResponseHeaders(502, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    Peers peers = new Peers(null, () -> List.of(peer), Duration.ofSeconds(10), null);

    assertThat(peers.ask(peer, "/cameras?scope=local").get(20, TimeUnit.SECONDS).error())
        .isEqualTo("answered HTTP 502");
  }

  /** What an instance with {@code token} (null: none) reports of a peer that answers 401. */
  private String refusalOfAPeerThatRequiresAToken(String token) throws Exception {
    HostInfo peer = serve("/cameras", ex -> {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"advmon\"");
      ex.sendResponseHeaders(401, -1);
      ex.close();
    });
    Peers peers = new Peers(null, () -> List.of(peer), Duration.ofSeconds(10), token);

    Peers.Answer answer = peers.ask(peer, "/cameras?scope=local").get(20, TimeUnit.SECONDS);

    assertThat(answer.ok()).isFalse();
    return answer.error();
  }

  @Test
  void anAnswerWithinTheCapComesBackWhole() throws Exception {
    byte[] body = "[{\"cameraId\":\"cam-1\"}]".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    HostInfo peer = serve("/cameras", ex -> {
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    Peers peers = new Peers(null, () -> List.of(peer), Duration.ofSeconds(10), null, body.length);

    Peers.Answer answer = peers.ask(peer, "/cameras?scope=local").get(20, TimeUnit.SECONDS);

    assertThat(answer.ok()).isTrue();
    assertThat(answer.body()).isEqualTo(body);
    assertThat(answer.contentType()).isEqualTo("application/json");
  }

  /**
   * askReusing keeps a peer's answer per question, and /cameras?limit=N makes as many questions as there are N (1 to
   * 10,000) per peer: up to 1024 answers, each up to MAX_ANSWER_BYTES, stayed on the heap. The answers kept hold at
   * most what one answer may (the cap): past it, the older ones are dropped and asked for again.
   */
  @Test
  void theAnswersKeptForReuseHoldNoMoreBytesThanOneAnswerMay() throws Exception {
    byte[] body = ("{\"cameras\":[],\"pad\":\"" + "x".repeat(380) + "\"}").getBytes(StandardCharsets.UTF_8);
    List<String> asked = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    HostInfo peer = serve("/cameras", ex -> {
      asked.add(ex.getRequestURI().getRawQuery());
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    int cap = 1000; // two answers fit, not three
    Peers peers = new Peers(null, () -> List.of(peer), Duration.ofSeconds(10), null, cap);
    Duration forAnHour = Duration.ofHours(1);

    assertThat(peers.askReusing(peer, "/cameras?limit=1", forAnHour).get(20, TimeUnit.SECONDS).ok()).isTrue();
    assertThat(peers.askReusing(peer, "/cameras?limit=2", forAnHour).get(20, TimeUnit.SECONDS).ok()).isTrue();
    assertThat(peers.askReusing(peer, "/cameras?limit=1", forAnHour).get(20, TimeUnit.SECONDS).ok()).isTrue();
    assertThat(asked).as("within the cap, an answer is given again").containsExactly("limit=1", "limit=2");
    assertThat(peers.askReusing(peer, "/cameras?limit=3", forAnHour).get(20, TimeUnit.SECONDS).ok()).isTrue();
    assertThat(peers.askReusing(peer, "/cameras?limit=1", forAnHour).get(20, TimeUnit.SECONDS).ok()).isTrue();

    assertThat(asked).as("a third answer would pass the cap: the older ones were dropped")
        .containsExactly("limit=1", "limit=2", "limit=3", "limit=1");
  }
}
