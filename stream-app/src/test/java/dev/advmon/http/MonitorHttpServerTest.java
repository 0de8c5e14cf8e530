package dev.advmon.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.campaign.CameraDirectory;
import dev.advmon.campaign.CameraStatus;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.health.HealthCheck;
import dev.advmon.health.HealthReport;
import dev.advmon.testing.ChildProcess;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real server on a free loopback port, over real HTTP; the camera state comes from a map here. */
class MonitorHttpServerTest {

  private final AtomicReference<KafkaStreams.State> state = new AtomicReference<>(KafkaStreams.State.REBALANCING);
  private final Map<String, CameraStatus> cameras = new java.util.TreeMap<>();
  private boolean storeAvailable = true;
  private MonitorMetrics metrics;
  private MonitorHttpServer server;

  /**
   * How long a client here waits for an answer it expects: generous for a loaded machine, and shorter than the JDK
   * server's own timeouts in the test JVM (180 s, set in the surefire configuration), so that a server whose workers
   * are held by the slow clients until those run out still fails the test instead of answering late.
   */
  private static final int ANSWER_MS = 60_000;
  private CameraDirectory directory;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    metrics = MonitorMetrics.prometheus();
    directory = new CameraDirectory() {
      @Override
      public List<CameraStatus> all() {
        check();
        return List.copyOf(cameras.values());
      }

      @Override
      public Optional<CameraStatus> one(String id) {
        check();
        return Optional.ofNullable(cameras.get(id));
      }

      private void check() {
        if (!storeAvailable) {
          throw new InvalidStateStoreException("rebalancing");
        }
      }
    };
    server = new MonitorHttpServer("127.0.0.1", 0, state::get, metrics::scrape, directory);
  }

  @AfterEach
  void stop() {
    server.close();
    metrics.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readyIsUpOnlyWhileStreamsIsRunningAndLiveUntilItStops() throws Exception {
    assertThat(get("/health/ready").statusCode()).isEqualTo(503);
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    state.set(KafkaStreams.State.RUNNING);
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    assertThat(get("/health/ready").body()).contains("\"status\":\"UP\"").contains("\"state\":\"RUNNING\"")
        .contains("\"reasons\":[]");
    state.set(KafkaStreams.State.ERROR);
    assertThat(get("/health/live").statusCode()).isEqualTo(503);
  }

  @Test
  void readinessSaysWhyItIsDown() throws Exception {
    HealthCheck down = new HealthCheck() {
      @Override
      public HealthReport readiness() {
        return new HealthReport(false, "RUNNING", List.of("schema registry at http://r unreachable for 4 s: timed out"));
      }

      @Override
      public HealthReport liveness() {
        return HealthReport.up("RUNNING");
      }
    };
    try (MonitorHttpServer s = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0), down, metrics::scrape,
        null, null, null)) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port()
          + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).contains("\"status\":\"DOWN\"").contains("\"state\":\"RUNNING\"")
          .contains("schema registry at http://r unreachable");
    }
  }

  /**
   * During a restart in place the old client is ERROR: /health/ready said DOWN, "state":"ERROR", and nothing told a
   * probe or a script that it mends itself, though the monitor knows (/api/summary and the 503 of /cameras say it).
   */
  @Test
  void readinessSaysWhetherKafkaStreamsRestartsInPlace() throws Exception {
    AtomicReference<Boolean> restarting = new AtomicReference<>(true);
    HealthCheck check = new HealthCheck() {
      @Override
      public HealthReport readiness() {
        return new HealthReport(false, "ERROR", List.of("restarting Kafka Streams in place"), restarting.get());
      }

      @Override
      public HealthReport liveness() {
        return HealthReport.up("ERROR");
      }
    };
    try (MonitorHttpServer s = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0), check, metrics::scrape,
        null, null, null)) {
      HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/health/ready")).build();
      HttpResponse<String> r = http.send(ready, HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).contains("\"state\":\"ERROR\"").contains("\"restarting\":true");
      restarting.set(false);
      assertThat(http.send(ready, HttpResponse.BodyHandlers.ofString()).body()).contains("\"restarting\":false");
    }
  }

  /** A raw request, so that the Host and Authorization headers are exactly what a test says. */
  private static String raw(int port, String path, String host, String authorization) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(ANSWER_MS);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
          + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void theNameThisInstanceAdvertisesToItsPeersIsAcceptedWithoutOpeningOthers() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    Peers peers = new Peers(new org.apache.kafka.streams.state.HostInfo("advmon-1.advmon.ns.svc", 8080), List::of,
        java.time.Duration.ofSeconds(1), null);
    try (MonitorHttpServer s = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0),
        HealthCheck.ofState(state::get), metrics::scrape, null, null, null, peers)) {
      assertThat(raw(s.port(), "/metrics", "advmon-1.advmon.ns.svc:8080", null)).startsWith("HTTP/1.1 200");
      assertThat(raw(s.port(), "/metrics", "evil.example", null)).startsWith("HTTP/1.1 403");
    }
  }

  @Test
  void everyRouteRefusesAHostThatIsNeitherLoopbackNorAllowed() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    int port = server.port();
    for (String path : List.of("/health/ready", "/health/live", "/metrics", "/cameras", "/nope")) {
      assertThat(raw(port, path, "evil.example:" + port, null)).as(path).startsWith("HTTP/1.1 403")
          .contains("http.allowed-hosts");
    }
    assertThat(raw(port, "/health/ready", "localhost:" + port, null)).startsWith("HTTP/1.1 200");
    assertThat(raw(port, "/health/ready", "[::1]:" + port, null)).startsWith("HTTP/1.1 200");
    try (MonitorHttpServer allowing = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0)
        .withAllowedHosts(List.of("advmon.monitoring.svc")), HealthCheck.ofState(state::get), metrics::scrape, null,
        null, null)) {
      assertThat(raw(allowing.port(), "/metrics", "advmon.monitoring.svc:8080", null)).startsWith("HTTP/1.1 200");
      assertThat(raw(allowing.port(), "/metrics", "evil.example", null)).startsWith("HTTP/1.1 403");
    }
    try (MonitorHttpServer any = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0)
        .withAllowedHosts(List.of("*")), HealthCheck.ofState(state::get), metrics::scrape, null, null, null)) {
      assertThat(raw(any.port(), "/health/ready", "10.1.2.3:8080", null)).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void withABearerTokenEveryRouteButTheHealthProbesNeedsIt() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    try (MonitorHttpServer guarded = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0)
        .withBearerToken("s3cret-t0ken"), HealthCheck.ofState(state::get), metrics::scrape, null, null, null)) {
      int port = guarded.port();
      String host = "127.0.0.1:" + port;
      assertThat(raw(port, "/health/live", host, null)).startsWith("HTTP/1.1 200");
      assertThat(raw(port, "/health/ready", host, null)).startsWith("HTTP/1.1 200");
      assertThat(raw(port, "/metrics", host, null)).startsWith("HTTP/1.1 401").containsIgnoringCase("WWW-Authenticate: Bearer")
          .contains("http.bearer-token");
      assertThat(raw(port, "/metrics", host, "Bearer wrong")).startsWith("HTTP/1.1 401");
      assertThat(raw(port, "/metrics", host, "Basic czNjcmV0LXQwa2Vu")).startsWith("HTTP/1.1 401");
      assertThat(raw(port, "/nope", host, null)).as("no route is told apart without the token").startsWith("HTTP/1.1 401");
      assertThat(raw(port, "/metrics", host, "Bearer s3cret-t0ken")).startsWith("HTTP/1.1 200");
    }
  }

  /**
   * A refusal said what the server wants but not what it got: the same 401 for no header, another scheme and a wrong
   * token, a 403 that did not name the Host it refused, a 405 that did not name the method (and said only GET, where
   * HEAD is served too). Each now names what was wrong; a wrong token is not quoted back.
   */
  @Test
  void aRefusalNamesWhatTheRequestGotWrong() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    try (MonitorHttpServer guarded = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0)
        .withBearerToken("s3cret-t0ken"), HealthCheck.ofState(state::get), metrics::scrape, null, null, null)) {
      int port = guarded.port();
      String host = "127.0.0.1:" + port;
      assertThat(raw(port, "/metrics", host, null)).startsWith("HTTP/1.1 401")
          .contains("the request has no Authorization header");
      assertThat(raw(port, "/metrics", host, "Basic czNjcmV0LXQwa2Vu")).startsWith("HTTP/1.1 401")
          .contains("its Authorization header is not of the Bearer scheme");
      // curl -H "Authorization: Bearer $TOKEN" with TOKEN unset, or an empty token file: the scheme is right
      assertThat(raw(port, "/metrics", host, "Bearer ")).startsWith("HTTP/1.1 401")
          .contains("its Authorization header is of the Bearer scheme but holds no token")
          .doesNotContain("not of the Bearer scheme");
      assertThat(raw(port, "/metrics", host, "Bearer wrong-guess")).startsWith("HTTP/1.1 401")
          .contains("the bearer token given is not the one of http.bearer-token").doesNotContain("wrong-guess");
      assertThat(raw(port, "/metrics", "evil.example:" + port, "Bearer s3cret-t0ken")).startsWith("HTTP/1.1 403")
          .contains("Host 'evil.example:" + port + "' is not answered here");
    }
    HttpResponse<String> delete = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
        + "/cameras")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(delete.statusCode()).isEqualTo(405);
    assertThat(delete.headers().firstValue("Allow")).hasValue("GET, HEAD");
    assertThat(delete.body()).contains("DELETE is not served here").contains("GET and HEAD");
  }

  /** Without a Host header there is no Host to add to http.allowed-hosts: the 403 says to send one. */
  @Test
  void aRequestWithoutAHostHeaderIsToldToSendOne() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write("GET /metrics HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains(" 403 ")
          .contains("a request without a Host header is not answered here").contains("Send the Host header")
          .doesNotContain("Add this Host");
    }
  }

  @Test
  void aClientThatNeverFinishesItsRequestDoesNotHoldTheOtherRequests() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    // clients that stall mid-request hold a worker each (until http.timeout-ms, tested on the running monitor in
    // RunCommandIT); with fewer of them than workers, other requests are still answered at once
    List<Socket> stalled = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Socket s = new Socket("127.0.0.1", server.port());
        s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        stalled.add(s);
      }
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
          + "/health/ready")).timeout(java.time.Duration.ofMillis(ANSWER_MS)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    } finally {
      for (Socket s : stalled) {
        s.close();
      }
    }
  }

  @Test
  void clientsHoldingEveryWorkerOfTheHttpPortCannotFailTheProbesOnTheHealthPort() throws Exception {
    int[] healthPort = new int[1];
    // on another port should another process take the one found free before the server binds it
    try (MonitorHttpServer both = ChildProcess.onFreePort(port -> {
      healthPort[0] = port;
      return new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0).withHealthPort(port),
          HealthCheck.ofState(() -> KafkaStreams.State.RUNNING), metrics::scrape, directory, null, null);
    })) {
      assertThat(both.healthPort()).isEqualTo(healthPort[0]);
      List<Socket> stalled = new java.util.ArrayList<>();
      try {
        // as many as http.port takes connections at once, each mid-request (http.threads of them no longer stall it)
        for (int i = 0; i < MonitorHttpServer.MAX_CONNECTIONS; i++) {
          Socket s = new Socket("127.0.0.1", both.port());
          s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
          stalled.add(s);
        }
        assertThat(dev.advmon.testing.Await.until(() -> readingRequests() >= MonitorHttpServer.MAX_CONNECTIONS,
            java.time.Duration.ofSeconds(60))).as("every stalled request being read").isTrue();
        // the premise: on http.port a probe now finds no connection free (closed at once, until http.timeout-ms)
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + both.port() + "/health/live")).timeout(java.time.Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);

        for (String probe : List.of("/health/live", "/health/ready")) {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort[0]
              + probe)).timeout(java.time.Duration.ofMillis(ANSWER_MS)).build(), HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).as(probe).isEqualTo(200);
        }
        HttpResponse<String> metricsThere = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + healthPort[0] + "/metrics")).timeout(java.time.Duration.ofMillis(ANSWER_MS)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(metricsThere.statusCode()).as("only the probes there").isEqualTo(404);
        assertThat(metricsThere.body()).contains("http.health-port").contains("http.port");
      } finally {
        for (Socket s : stalled) {
          s.close();
        }
      }
    }
  }

  /**
   * A client that keeps every connection it opened (a scraper or a dashboard page with a large pool, a proxy that
   * holds connections open) fills only the idle slots: the JDK server kept 200 idle (its own default) of the 256
   * connections the port takes, so half the cap in connections with a request under way, each entitled to
   * http.timeout-ms, then had the next /metrics scrape closed at once.
   */
  @Test
  void idleKeepAliveConnectionsLeaveRoomForClientsWithARequestUnderWay() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    List<Socket> open = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < MonitorHttpServer.MAX_CONNECTIONS; i++) {
        Socket idle = new Socket("127.0.0.1", server.port());
        open.add(idle);
        idle.setSoTimeout(10_000);
        idle.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII)); // HTTP/1.1: the connection stays open once answered
        idle.getOutputStream().flush();
        assertThat(answerStatus(idle.getInputStream())).as("keep-alive request %d", i).isEqualTo(200);
      }
      int underWay = MonitorHttpServer.MAX_CONNECTIONS / 2;
      for (int i = 0; i < underWay; i++) {
        Socket slow = new Socket("127.0.0.1", server.port());
        open.add(slow);
        slow.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
            .getBytes(StandardCharsets.US_ASCII)); // and nothing more, yet
        slow.getOutputStream().flush();
      }
      assertThat(raw(server.port(), "/metrics", "localhost", null)).as("a scrape meanwhile").startsWith("HTTP/1.1 200");
      assertThat(dev.advmon.testing.Await.until(() -> readingRequests() >= underWay, java.time.Duration.ofSeconds(60)))
          .as("every request under way being read").isTrue();
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
  }

  /** Reads one answer framed by its Content-Length, leaving the connection open; its status code. */
  private static int answerStatus(java.io.InputStream in) throws java.io.IOException {
    StringBuilder head = new StringBuilder();
    for (int c; !head.toString().endsWith("\r\n\r\n"); head.append((char) c)) {
      if ((c = in.read()) < 0) {
        throw new java.io.EOFException("connection closed after: " + head);
      }
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    in.readNBytes(length);
    return Integer.parseInt(head.substring(9, 12));
  }

  @Test
  void metricsAreServedInThePrometheusTextFormatWithTheMonitorsMeters() throws Exception {
    metrics.frameReceived();
    metrics.frameScored(2_000_000, 3);
    metrics.verdictWritten();
    metrics.alert("CAMPAIGN");
    metrics.deadLetter("BAD_AVRO");
    metrics.deadLetter("BAD_AVRO");
    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    assertThat(r.body())
        .contains("advmon_frames_total 1.0")
        .contains("advmon_verdicts_total 1.0")
        .contains("advmon_inference_seconds_count 1")
        .contains("advmon_inference_seconds_bucket")
        .contains("advmon_forward_passes_sum 3.0")
        .contains("advmon_alerts_total{kind=\"CAMPAIGN\"} 1.0")
        .contains("advmon_dead_letters_total{reason=\"BAD_AVRO\"} 2.0");
  }

  @Test
  void camerasListsEveryCameraAndOneCameraByItsId() throws Exception {
    cameras.put("cam-1", new CameraStatus("cam-1", "NORMAL", 1000, 4, 0, 0, 50, 1, 0, 1, -1, 54, 1));
    cameras.put("cam 2", new CameraStatus("cam 2", "CAMPAIGN", 1000, 4, 4, 0, 50, 49, 3, 0, 1000, 154, 150));
    HttpResponse<String> all = get("/cameras");
    assertThat(all.statusCode()).isEqualTo(200);
    assertThat(all.body()).contains("\"cameraId\":\"cam 2\"").contains("\"cameraId\":\"cam-1\"");
    HttpResponse<String> one = get("/cameras/cam%202");
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(one.body()).contains("\"status\":\"CAMPAIGN\"").contains("\"windowFlagged\":4")
        .contains("\"lastWindowFlagged\":49");
    HttpResponse<String> missing = get("/cameras/cam-9");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("cam-9").contains("/cameras");
  }

  @Test
  void aLimitedCameraListKeepsCampaignsAndTheMostFlaggedAndSaysHowManyAreKnown() throws Exception {
    // last window flagged: quiet 1 of 50, busy 20 of 50, campaign 49 of 50; fresh, no complete window yet: 3 of 10 so far
    cameras.put("a-quiet", new CameraStatus("a-quiet", "NORMAL", 1000, 4, 0, 0, 50, 1, 0, 1, -1, 54, 1));
    cameras.put("b-busy", new CameraStatus("b-busy", "NORMAL", 1000, 4, 0, 0, 50, 20, 1, 0, -1, 54, 20));
    cameras.put("c-campaign", new CameraStatus("c-campaign", "CAMPAIGN", 1000, 4, 4, 0, 50, 49, 3, 0, 1000, 154, 150));
    cameras.put("d-fresh", new CameraStatus("d-fresh", "NORMAL", 1000, 10, 3, -1, 0, 0, 0, 0, -1, 10, 3));
    HttpResponse<String> two = get("/cameras?limit=2");
    assertThat(two.statusCode()).isEqualTo(200);
    com.fasterxml.jackson.databind.JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(two.body());
    assertThat(body.path("cameras").findValuesAsText("cameraId")).containsExactly("c-campaign", "b-busy");
    assertThat(body.path("known").asInt()).isEqualTo(4);
    assertThat(body.path("limit").asInt()).isEqualTo(2);
    com.fasterxml.jackson.databind.JsonNode all = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(get("/cameras?limit=10").body());
    assertThat(all.path("cameras").findValuesAsText("cameraId")).containsExactly("c-campaign", "b-busy", "d-fresh",
        "a-quiet");
    for (String bad : List.of("0", "-3", "ten", "10001", "1e3", "2%2C5", "")) {
      HttpResponse<String> r = get("/cameras?limit=" + bad);
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(r.body()).as(bad).contains("?limit= must be a whole number from 1 to 10000");
    }
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(get("/cameras").body())
        .path("cameras").findValuesAsText("cameraId")).as("without a limit: all, by id, as before")
        .containsExactly("a-quiet", "b-busy", "c-campaign", "d-fresh");
  }

  /**
   * A misspelt parameter ({@code ?limt=5}) or scope ({@code ?scope=Local}) was ignored: the answer was the whole list,
   * or every instance's, with nothing to say the question was not the one asked. Each is refused, naming it and what
   * the route takes; the parameters the routes do take still work.
   */
  @Test
  void anUnknownQueryParameterOrScopeIsRefusedNamingItAndWhatTheRouteTakes() throws Exception {
    cameras.put("cam-1", new CameraStatus("cam-1", "NORMAL", 1000, 4, 0, 0, 50, 1, 0, 1, -1, 54, 1));
    HttpResponse<String> misspelt = get("/cameras?limt=5");
    assertThat(misspelt.statusCode()).isEqualTo(400);
    assertThat(misspelt.body()).contains("unknown query parameter 'limt' on /cameras")
        .contains("?limit=N (1 to 10000)").contains("?scope=local");
    HttpResponse<String> scope = get("/cameras?scope=Local");
    assertThat(scope.statusCode()).isEqualTo(400);
    assertThat(scope.body()).contains("?scope= takes only 'local'").contains("not 'Local'");
    HttpResponse<String> one = get("/cameras/cam-1?limit=5");
    assertThat(one.statusCode()).isEqualTo(400);
    assertThat(one.body()).contains("unknown query parameter 'limit' on /cameras/{id}").contains("?scope=local");
    assertThat(get("/cameras/cam-1?scope=local").statusCode()).isEqualTo(200);
    assertThat(get("/cameras?scope=local&limit=1").statusCode()).isEqualTo(200);
    assertThat(get("/cameras?limit").statusCode()).as("?limit without a value is a bad value").isEqualTo(400);
    // the check decodes names and values: the route must read the same parameter, not answer as if none was given
    HttpResponse<String> encoded = get("/cameras?li%6Dit=1");
    assertThat(encoded.statusCode()).isEqualTo(200);
    assertThat(encoded.body()).as("?li%6Dit=1 is ?limit=1").contains("\"limit\":1");
    assertThat(get("/cameras?").statusCode()).as("an empty query asks nothing").isEqualTo(200);
    // what instances ask each other while one does not answer; the merged answer reads standby replicas by itself
    assertThat(get("/cameras?scope=local&standby=true").statusCode()).isEqualTo(200);
    HttpResponse<String> merged = get("/cameras?standby=true");
    assertThat(merged.statusCode()).isEqualTo(400);
    assertThat(merged.body()).contains("?standby=true goes only with ?scope=local");
    assertThat(get("/cameras?scope=local&standby=yes").body()).contains("?standby= takes only 'true'");
    assertThat(get("/nope?limt=5").statusCode()).as("an unknown path stays a 404").isEqualTo(404);
  }

  @Test
  void everyRouteAnswersNoSniffAndNoStoreSinceItsJsonEchoesCameraIds() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    cameras.put("<img src=x onerror=alert(1)>", new CameraStatus("<img src=x onerror=alert(1)>", "NORMAL", 1000, 4, 0,
        0, 50, 1, 0, 1, -1, 54, 1));
    // camera data and errors that quote a producer's id must neither be sniffed as markup nor kept in a cache
    for (String path : List.of("/cameras", "/cameras/%3Cimg%20src=x%20onerror=alert(1)%3E",
        "/cameras/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/metrics", "/health/ready", "/no%3Cscript%3E")) {
      HttpResponse<String> r = get(path);
      assertThat(r.headers().firstValue("X-Content-Type-Options")).as(path).hasValue("nosniff");
      assertThat(r.headers().firstValue("Cache-Control")).as(path).hasValue("no-store");
    }
  }

  @Test
  void aCameraIdIsDecodedOnceSoPlusAndPercentStayWhatTheyAre() throws Exception {
    cameras.put("cam+1", new CameraStatus("cam+1", "NORMAL", 1000, 4, 0, 0, 50, 1, 0, 1, -1, 54, 1));
    cameras.put("a%41", new CameraStatus("a%41", "CAMPAIGN", 1000, 4, 4, 0, 50, 49, 3, 0, 1000, 154, 150));
    cameras.put("aA", new CameraStatus("aA", "NORMAL", 1000, 4, 0, 0, 50, 1, 0, 1, -1, 54, 1));
    assertThat(get("/cameras/cam%2B1").body()).contains("\"cameraId\":\"cam+1\"");
    assertThat(get("/cameras/a%2541").body()).contains("\"cameraId\":\"a%41\"").contains("CAMPAIGN");
  }

  /**
   * A failing route answered 500 with its exception's text, to any client the route serves (the health routes need no
   * token): text such as a state-store file's path or a dependency's address. The answer now gives an error id, and
   * the log has the cause under it.
   */
  @Test
  void aFailingRouteAnswers500WithAnErrorIdThatFindsItsCauseInTheLogNotTheCauseItself() throws Exception {
    String internal = "cannot read /var/lib/advmon/state/advmon/1_0/rocksdb/camera-status/000042.sst";
    CameraDirectory broken = new CameraDirectory() {
      @Override
      public List<CameraStatus> all() {
        throw new IllegalStateException(internal);
      }

      @Override
      public Optional<CameraStatus> one(String id) {
        throw new IllegalStateException(internal);
      }
    };
    try (MonitorHttpServer s = new MonitorHttpServer("127.0.0.1", 0, state::get, metrics::scrape, broken);
        dev.advmon.testing.LogLines lines = dev.advmon.testing.LogLines.of(MonitorHttpServer.class)) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port()
          + "/cameras")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("an answer, not an empty reply").isEqualTo(500);
      assertThat(r.body()).doesNotContain("/var/lib").doesNotContain("000042").contains("/cameras");
      java.util.regex.Matcher id = java.util.regex.Pattern.compile("error id ([0-9a-f]{8,})").matcher(r.body());
      assertThat(id.find()).as(r.body()).isTrue();
      assertThat(lines.messages()).singleElement().asString().contains("error id " + id.group(1)).contains(internal);
    }
  }

  @Test
  void aListingAtTheLimitSaysItIsTruncated() throws Exception {
    assertThat(get("/cameras").body()).doesNotContain("truncated");
    for (int i = 0; i < dev.advmon.campaign.CameraDirectory.MAX_LISTED; i++) {
      String id = String.format("cam-%05d", i);
      cameras.put(id, new CameraStatus(id, "NORMAL", 1000, 4, 0, 0, 50, 1, 0, 1, -1, 54, 1));
    }
    assertThat(get("/cameras").body()).contains("\"truncated\":true")
        .contains("\"limit_per_instance\":" + dev.advmon.campaign.CameraDirectory.MAX_LISTED);
  }

  @Test
  void aTokenIsReadWithoutTheWhitespaceAroundItAndRefusedWithSpacesInside() {
    assertThat(HttpSettings.loopback("127.0.0.1", 0).withBearerToken(" s3cret\n").bearerToken()).isEqualTo("s3cret");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> HttpSettings.loopback("127.0.0.1", 0).withBearerToken("s3 cret"))
        .hasMessageContaining("http.bearer-token must be printable ASCII").hasMessageNotContaining("s3 cret");
  }

  @Test
  void camerasSayToRetryWhileTheStoreIsNotQueryable() throws Exception {
    storeAvailable = false;
    HttpResponse<String> r = get("/cameras");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("retry");
  }

  /**
   * A restart in place after a failure (the old client ERROR or NOT_RUNNING for the 1 s backoff, doubling) answered
   * "this instance is stopping: ask another instance of the group" with {@code notYet} false: the dashboard said
   * "update failed ... stopping" while its note on the counts said "Kafka Streams is restarting after a failure".
   */
  @Test
  void camerasSayRestartingAndNotYetWhileKafkaStreamsRestartsInPlaceAndStoppingOnlyWithoutARestart() throws Exception {
    storeAvailable = false;
    java.util.concurrent.atomic.AtomicBoolean restarting = new java.util.concurrent.atomic.AtomicBoolean(true);
    HealthCheck health = new HealthCheck() {
      @Override
      public HealthReport readiness() {
        return new HealthReport(false, "NOT_RUNNING", List.of("Kafka Streams is restarting after a failure (1 in a "
            + "row; next start in 1 s): boom"), restarting.get());
      }

      @Override
      public HealthReport liveness() {
        return HealthReport.up("NOT_RUNNING");
      }
    };
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    try (MonitorHttpServer s = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0), health, metrics::scrape,
        directory, null, null)) {
      for (String path : List.of("/cameras", "/cameras?limit=200", "/cameras/cam-1")) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path).isEqualTo(503);
        var body = json.readTree(r.body());
        assertThat(body.path("notYet").asBoolean()).as(path + ": the cameras come back by themselves").isTrue();
        assertThat(body.path("state").asText()).as(path).isEqualTo("NOT_RUNNING");
        assertThat(body.path("error").asText()).as(path).contains("restarts in place").doesNotContain("stopping");
      }
      restarting.set(false); // a real stop (SIGTERM): the monitor closes, no restart under way
      HttpResponse<String> stop = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port()
          + "/cameras")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(json.readTree(stop.body()).path("notYet").asBoolean()).isFalse();
      assertThat(json.readTree(stop.body()).path("error").asText()).contains("this instance is stopping");
    }
  }

  /**
   * A browser tab on /metrics or /health/ready asks for /favicon.ico: with the dashboard off (this server) and on
   * http.health-port it was a 404, an error in the console of every such tab. The dashboard's icon answers there too.
   */
  @Test
  void theIconAnswersWithTheDashboardOffAndOnTheHealthPort() throws Exception {
    try (MonitorHttpServer both = ChildProcess.onFreePort(healthPort -> new MonitorHttpServer(
        HttpSettings.loopback("127.0.0.1", 0).withHealthPort(healthPort),
        HealthCheck.ofState(() -> KafkaStreams.State.RUNNING), metrics::scrape, directory, null, null))) {
      for (int port : new int[] {server.port(), both.healthPort()}) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
            + "/favicon.ico")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("port " + port).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("image/svg+xml");
        assertThat(r.body()).startsWith("<svg");
      }
    }
  }

  @Test
  void unknownPathsAnswer404NamingTheEndpointsThatExist() throws Exception {
    HttpResponse<String> r = get("/nope");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).contains("/metrics").contains("/cameras");
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/cameras"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void aPortInUseOrAnUnresolvableAddressNamesTheSettingsThatChoseThem() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new MonitorHttpServer(
            HttpSettings.loopback("127.0.0.1", server.port()), null, metrics::scrape, null, null, null))
        .isInstanceOf(java.net.BindException.class)
        .hasMessageContaining("127.0.0.1:" + server.port() + " (http.bind, http.port)")
        .hasMessageContaining("Address already in use");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new MonitorHttpServer(
            HttpSettings.loopback("no-such-host.invalid", 0), null, metrics::scrape, null, null, null))
        .isInstanceOf(java.net.UnknownHostException.class)
        .hasMessageContaining("http.bind = 'no-such-host.invalid' does not resolve");
  }

  /**
   * A path that starts with "//" is read by the JDK's server as a host and a path ("//cameras/abc": host cameras,
   * path /abc), and the route of that shorter path answered: a 404 naming /abc, or /metrics for "//x/metrics".
   */
  @Test
  void aPathStartingWithTwoSlashesIsAnsweredWithThePathToAskInstead() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    cameras.put("abc", new CameraStatus("abc", "NORMAL", 1000, 4, 0, 0, 50, 1, 0, 1, -1, 54, 1));
    String cameraAnswer = raw(server.port(), "//cameras/abc", "localhost", null);
    assertThat(cameraAnswer).startsWith("HTTP/1.1 400").contains("Content-type: application/json")
        .contains("//cameras/abc").contains("ask /cameras/abc");
    assertThat(raw(server.port(), "//x/metrics", "localhost", null)).startsWith("HTTP/1.1 400")
        .contains("ask /x/metrics");
    assertThat(raw(server.port(), "/cameras/abc", "localhost", null)).startsWith("HTTP/1.1 200");
  }

  /**
   * The path to ask instead keeps the query: "//cameras/abc?scope=local" was told to ask /cameras/abc, which answers
   * for every instance, not this one alone, and "//cameras/x?limit=5" lost its limit.
   */
  @Test
  void thePathToAskInsteadOfTwoSlashesKeepsTheQuery() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    assertThat(raw(server.port(), "//cameras/abc?scope=local", "localhost", null)).startsWith("HTTP/1.1 400")
        .contains("ask /cameras/abc?scope=local ");
  }

  /**
   * README (Faults, restarts and health) says that these two get the JDK server's own HTML answer, not the JSON of
   * every route: it refuses them while parsing the request line (a URI that does not parse) or looking up a context
   * (the path of "//cameras" is empty, and a context's path must start with '/'), before any filter or handler (Java 17
   * and 25). Should a later JDK hand them over, this fails: answer them in the JSON shape and update that paragraph.
   */
  @Test
  void requestsTheJdkServerRefusesBeforeAnyRouteGetItsOwnHtmlAnswer() throws Exception {
    assertThat(raw(server.port(), "/cameras/%ZZ", "localhost", null)).startsWith("HTTP/1.1 400")
        .contains("Content-Type: text/html").contains("URISyntaxException thrown");
    assertThat(raw(server.port(), "//cameras", "localhost", null)).startsWith("HTTP/1.1 404")
        .contains("Content-Type: text/html").contains("No context found for request");
  }

  /**
   * "/cameras//abc" (a base URL ending in '/' joined to "/abc", or a camera id left empty in "/cameras/" + a + "/" + b)
   * asked for the camera "/abc", and "/health//live" was a 404 naming the path: an empty segment is answered 400 with
   * the path to ask, on http.port (with the dashboard on) and on http.health-port. A camera id that does start with '/'
   * is asked for with it encoded, %2F, and is answered.
   */
  @Test
  void anEmptySegmentInThePathIsAnsweredWithThePathToAskNotReadAsPartOfACameraId() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    cameras.put("abc", new CameraStatus("abc", "NORMAL", 1000, 4, 0, 0, 50, 1, 0, 1, -1, 54, 1));
    cameras.put("/abc", new CameraStatus("/abc", "NORMAL", 1000, 4, 0, 0, 50, 1, 0, 1, -1, 54, 1));
    dev.advmon.dashboard.RecentAlerts recent = new dev.advmon.dashboard.RecentAlerts(
        dev.advmon.image.ImageLimits.defaults());
    try (MonitorHttpServer dashboard = ChildProcess.onFreePort(healthPort -> new MonitorHttpServer(
        HttpSettings.loopback("127.0.0.1", 0).withHealthPort(healthPort), HealthCheck.ofState(state::get),
        metrics::scrape, directory, recent, metrics::counts))) {
      for (int port : new int[] {server.port(), dashboard.port()}) {
        assertThat(raw(port, "/cameras//abc?scope=local", "localhost", null)).as("port " + port)
            .startsWith("HTTP/1.1 400").contains("Content-type: application/json")
            .contains("/cameras//abc?scope=local").contains("ask /cameras/abc?scope=local ").contains("%2F")
            .doesNotContain("\"cameraId\"");
        assertThat(raw(port, "/cameras/%2Fabc", "localhost", null)).as("port " + port).startsWith("HTTP/1.1 200")
            .contains("\"cameraId\":\"/abc\"");
      }
      assertThat(raw(dashboard.port(), "/api//summary", "localhost", null)).startsWith("HTTP/1.1 400")
          .contains("ask /api/summary ");
      assertThat(raw(dashboard.healthPort(), "/health//live", "localhost", null)).startsWith("HTTP/1.1 400")
          .contains("Content-type: application/json").contains("ask /health/live ");
      assertThat(raw(dashboard.healthPort(), "/health/live", "localhost", null)).startsWith("HTTP/1.1 200");
    }
  }

  /**
   * "//cameras//abc" (both mistakes at once) was told to ask "/cameras//abc", which is refused in turn for its empty
   * segment: the path to ask has each run of '/' made one, so that following the answer is answered.
   */
  @Test
  void aPathStartingWithTwoSlashesIsToldAPathWithoutAnyEmptySegment() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    cameras.put("abc", new CameraStatus("abc", "NORMAL", 1000, 4, 0, 0, 50, 1, 0, 1, -1, 54, 1));
    assertThat(raw(server.port(), "//cameras//abc?scope=local", "localhost", null)).startsWith("HTTP/1.1 400")
        .contains("starts with '//'").contains("ask /cameras/abc?scope=local ").doesNotContain("ask /cameras//abc");
    assertThat(raw(server.port(), "/cameras/abc?scope=local", "localhost", null)).startsWith("HTTP/1.1 200");
  }

  /**
   * "///cameras/abc" (a base URL ending in "//" joined to "/cameras/abc") parses with an empty host, which URI drops:
   * it was served as /cameras/abc. It is an empty segment like any other, answered 400 with the path to ask.
   */
  @Test
  void aPathStartingWithThreeSlashesIsAnsweredWithThePathToAskNotServedAsTheShorterPath() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    cameras.put("abc", new CameraStatus("abc", "NORMAL", 1000, 4, 0, 0, 50, 1, 0, 1, -1, 54, 1));
    assertThat(raw(server.port(), "///cameras/abc?scope=local", "localhost", null)).startsWith("HTTP/1.1 400")
        .contains("Content-type: application/json").contains("///cameras/abc?scope=local")
        .contains("ask /cameras/abc?scope=local ").doesNotContain("\"cameraId\"");
    assertThat(raw(server.port(), "///metrics", "localhost", null)).startsWith("HTTP/1.1 400")
        .contains("ask /metrics ");
  }

  /**
   * The JDK server reads a request's line and headers on its executor's threads, before any handler runs: with a pool
   * of http.threads, as many clients sending a byte at a time held every one of them until http.timeout-ms, and the
   * dashboard, /metrics and /cameras answered no one else meanwhile. Requests are read on threads of their own; the
   * slow ones are still open (still being read) when another client's request has been answered.
   */
  @Test
  void clientsSendingTheirRequestSlowlyDoNotHoldTheWorkersFromOthers() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    try (MonitorHttpServer one = new MonitorHttpServer(new HttpSettings("127.0.0.1", 0, "", List.of(), 1,
            java.time.Duration.ofSeconds(10)), HealthCheck.ofState(state::get), metrics::scrape, directory, null, null);
        Socket slow1 = new Socket("127.0.0.1", one.port());
        Socket slow2 = new Socket("127.0.0.1", one.port())) {
      for (Socket slow : List.of(slow1, slow2)) {
        slow.getOutputStream().write("GET /metr".getBytes(StandardCharsets.US_ASCII)); // and nothing more, yet
        slow.getOutputStream().flush();
      }
      assertThat(dev.advmon.testing.Await.until(() -> readingRequests() >= 1, java.time.Duration.ofSeconds(60)))
          .as("the server reads a slow request").isTrue();
      assertThat(raw(one.port(), "/metrics", "localhost", null)).startsWith("HTTP/1.1 200");
      for (Socket slow : List.of(slow1, slow2)) {
        slow.setSoTimeout(200);
        // still open: no answer and no end of stream (the server closes a request it gave up on)
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> slow.getInputStream().read())
            .isInstanceOf(java.net.SocketTimeoutException.class);
      }
    }
  }

  /**
   * An answer's bytes, once made, are sent without holding one of the http.threads: a client that asks for a large
   * answer and does not read it held the only one until http.timeout-ms. Here it is still being sent (whole, once
   * read) after another client's request has been answered.
   */
  @Test
  void aClientReadingItsAnswerSlowlyDoesNotHoldTheWorkersFromOthers() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    try (MonitorHttpServer one = new MonitorHttpServer(new HttpSettings("127.0.0.1", 0, "", List.of(), 1,
            java.time.Duration.ofSeconds(10)), HealthCheck.ofState(state::get), metrics::scrape, directory, null, null)) {
      assertLargeAnswerReadSlowlyLetsOthersBeAnswered(one, "/big", "/metrics");
    }
  }

  /**
   * With peers, /cameras and /api/* are made where they may wait for the other instances; those were threads that also
   * sent the answer, so a client that asked there for a large answer and did not read it held one until
   * http.timeout-ms, and with http.threads such clients /cameras and the dashboard's /api/* answered no one else.
   */
  @Test
  void aClientReadingAnAnswerOfEveryInstanceSlowlyDoesNotHoldCamerasFromOthers() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    Peers peers = new Peers(new org.apache.kafka.streams.state.HostInfo("127.0.0.1", 1), List::of,
        java.time.Duration.ofSeconds(1), null);
    try (MonitorHttpServer one = new MonitorHttpServer(new HttpSettings("127.0.0.1", 0, "", List.of(), 1,
            java.time.Duration.ofSeconds(10)), HealthCheck.ofState(state::get), metrics::scrape, directory, null, null,
        peers)) {
      assertLargeAnswerReadSlowlyLetsOthersBeAnswered(one, "/api/big", "/cameras");
    }
  }

  /**
   * Answers sent without a permit are held in memory until their clients read them (or http.timeout-ms): 256 clients
   * that ask for a full camera listing (megabytes) and read none of it held 256 of them. Beyond
   * MonitorHttpServer.SENDING_BYTES, an answer keeps its permit while it is sent, as before 840c6f7b: here the second
   * large answer, with the first still unread.
   */
  @Test
  void answersSentWithoutAPermitHoldAtMostTheirBudgetOfBytes() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    byte[] big = new byte[MonitorHttpServer.SENDING_BYTES * 3 / 4];
    try (MonitorHttpServer one = new MonitorHttpServer(new HttpSettings("127.0.0.1", 0, "", List.of(), 1,
            java.time.Duration.ofSeconds(10)), HealthCheck.ofState(state::get), metrics::scrape, directory, null, null);
        Socket first = new Socket("127.0.0.1", one.port());
        Socket second = new Socket("127.0.0.1", one.port())) {
      one.route("/big", (ex, path) -> MonitorHttpServer.reply(ex, 200, "application/octet-stream", big));
      for (Socket slow : List.of(first, second)) {
        slow.getOutputStream().write("GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        slow.getOutputStream().flush();
      }
      assertThat(dev.advmon.testing.Await.until(() -> threadsIn("sun.net.httpserver.Request$WriteStream") >= 2,
          java.time.Duration.ofSeconds(60))).as("the server sends both large answers").isTrue();
      assertThat(one.freePermits()).as("permits free while the second is sent").isZero();
    }
  }

  /**
   * Has {@code server} answer {@code slowPath} with 64 MiB to a client that reads none of it yet, then asks
   * {@code otherPath} (200 expected) meanwhile, and reads the large answer whole afterwards.
   */
  private static void assertLargeAnswerReadSlowlyLetsOthersBeAnswered(MonitorHttpServer server, String slowPath,
      String otherPath) throws Exception {
    byte[] big = new byte[64 << 20]; // beyond what the sockets' buffers take, so that sending it waits for the reader
    server.route(slowPath, (ex, path) -> MonitorHttpServer.reply(ex, 200, "application/octet-stream", big));
    try (Socket slow = new Socket("127.0.0.1", server.port())) {
      slow.getOutputStream().write(("GET " + slowPath + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      slow.getOutputStream().flush();
      assertThat(dev.advmon.testing.Await.until(() -> threadsIn("sun.net.httpserver.Request$WriteStream") >= 1,
          java.time.Duration.ofSeconds(60))).as("the server sends the large answer").isTrue();
      assertThat(raw(server.port(), otherPath, "localhost", null)).startsWith("HTTP/1.1 200");
      slow.setSoTimeout(ANSWER_MS);
      java.io.InputStream in = slow.getInputStream();
      StringBuilder headers = new StringBuilder();
      for (int c; !headers.toString().endsWith("\r\n\r\n") && (c = in.read()) >= 0; ) {
        headers.append((char) c);
      }
      assertThat(headers.toString()).startsWith("HTTP/1.1 200 OK\r\n");
      long left = big.length;
      while (left > 0) {
        long n = in.skip(left);
        if (n <= 0 && in.read() < 0) {
          break; // closed before the end
        }
        left -= Math.max(n, 1);
      }
      assertThat(big.length - left).as("the large answer, whole").isEqualTo(big.length);
    }
  }

  /** Threads of this server's pools with a frame of {@code className} on their stack. */
  private static long threadsIn(String className) {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(e -> e.getKey().getName().startsWith("advmon-http-"))
        .filter(e -> java.util.Arrays.stream(e.getValue()).anyMatch(f -> f.getClassName().equals(className)))
        .count();
  }

  /** Threads of this server's pool reading a request line or headers, as the JDK server does before any handler. */
  private static long readingRequests() {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(e -> e.getKey().getName().startsWith("advmon-http-"))
        .filter(e -> java.util.Arrays.stream(e.getValue())
            .anyMatch(f -> f.getClassName().startsWith("sun.net.httpserver.Request")))
        .count();
  }
}
