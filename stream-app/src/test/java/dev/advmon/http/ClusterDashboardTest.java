package dev.advmon.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.campaign.CameraDirectory;
import dev.advmon.dashboard.RecentAlerts;
import dev.advmon.health.HealthCheck;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.schema.Alert;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dashboard's merged JSON over real HTTP, with peers that are not what they should be. */
class ClusterDashboardTest {

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private static final CameraDirectory NO_CAMERAS = CameraDirectory.EMPTY;

  private MonitorHttpServer monitor(String cameraWithAnAlert, Peers peers) throws Exception {
    return monitor(cameraWithAnAlert, HttpSettings.loopback("127.0.0.1", 0), peers);
  }

  private MonitorHttpServer monitor(String cameraWithAnAlert, HttpSettings settings, Peers peers) throws Exception {
    MonitorMetrics metrics = MonitorMetrics.inMemory();
    open.add(metrics);
    RecentAlerts recent = new RecentAlerts(RecentAlerts.DEFAULT_CAPACITY, ImageLimits.defaults(),
        RecentAlerts.DEFAULT_MAX_SIDE, System::currentTimeMillis);
    recent.onAlert(Alert.newBuilder().setAlertId("f1/CAMPAIGN").setFrameId("f1").setCameraId(cameraWithAnAlert)
        .setTime(Instant.ofEpochMilli(7)).setKind("CAMPAIGN").setExplanation("why").setScores(List.of())
        .setEvidence(Map.of()).build(), null);
    MonitorHttpServer s = new MonitorHttpServer(settings,
        HealthCheck.ofState(() -> KafkaStreams.State.RUNNING), metrics::scrape, NO_CAMERAS, recent, metrics::counts,
        peers);
    open.add(s);
    return s;
  }

  /** A server at a peer's address that answers every request with {@code body} as JSON. */
  private HostInfo answering(String body) throws Exception {
    return PeerStub.answering(open, "application/json", ex -> body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void twoInstancesAskedAtOnceAnswerEachOtherInsteadOfWaitingForEachOtherUntilTheTimeout() throws Exception {
    // One worker each, as if every worker were taken: a dashboard request that waits for the other instance must
    // not take the worker that instance's own question needs, or each waits for the other until the timeout and
    // reports it as not answering (two operators polling two instances with http.threads = 4 did the same).
    AtomicInteger portOfA = new AtomicInteger();
    AtomicInteger portOfB = new AtomicInteger();
    MonitorHttpServer a = monitor("cam-a", oneWorker(), peer(portOfB));
    MonitorHttpServer b = monitor("cam-b", oneWorker(), peer(portOfA));
    portOfA.set(a.port());
    portOfB.set(b.port());
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      for (MonitorHttpServer s : List.of(a, b)) {
        calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/api/summary"))
            .build(), HttpResponse.BodyHandlers.ofString()));
      }
    }
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      // longer than the peers' timeout: instances waiting for each other show as an error part, not as this get's
      JsonNode instances = json.readTree(call.get(3, TimeUnit.MINUTES).body()).path("instances");
      assertThat(instances).hasSize(2);
      assertThat(instances.get(1).has("error")).as("the other instance's part: %s", instances.get(1)).isFalse();
    }
  }

  private static HttpSettings oneWorker() {
    return new HttpSettings("127.0.0.1", 0, "", List.of(), 1, Duration.ofSeconds(10));
  }

  private static Peers peer(AtomicInteger port) {
    return new Peers(null, () -> List.of(new HostInfo("127.0.0.1", port.get())), PeerStub.ANSWERS_WITHIN, null);
  }

  @Test
  void aPeerThatIsRunningButNotReadyIsListedWithItsReasons() throws Exception {
    HostInfo stalled = answering("{\"streams\":\"RUNNING\",\"ready\":false,"
        + "\"readyReasons\":[\"no progress for 120 s\"],\"frames\":3}");
    MonitorHttpServer first = monitor("cam-1", new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(stalled),
        PeerStub.ANSWERS_WITHIN, null));

    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port()
        + "/api/summary")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode peer = json.readTree(r.body()).path("instances").get(1);
    assertThat(peer.path("server").asText()).isEqualTo(Peers.serverName(stalled));
    assertThat(peer.path("streams").asText()).isEqualTo("RUNNING");
    assertThat(peer.path("ready").isBoolean() && !peer.path("ready").asBoolean()).as("%s", peer).isTrue();
    assertThat(peer.path("readyReasons").toString()).isEqualTo("[\"no progress for 120 s\"]");
  }

  /**
   * A peer restarting Kafka Streams in place says so in its summary, but its entry carried only its state, ERROR, and
   * the page's note on the counts read it as a failure. The entry carries the flag.
   */
  @Test
  void aPeerThatRestartsInPlaceIsListedAsRestarting() throws Exception {
    HostInfo restarting = answering("{\"streams\":\"ERROR\",\"ready\":false,\"restarting\":true,"
        + "\"readyReasons\":[\"restarting Kafka Streams in place\"],\"frames\":3}");
    HostInfo running = answering("{\"streams\":\"RUNNING\",\"ready\":true,\"restarting\":false,\"frames\":4}");
    MonitorHttpServer first = monitor("cam-1", new Peers(new HostInfo("127.0.0.1", 9),
        () -> List.of(restarting, running), PeerStub.ANSWERS_WITHIN, null));

    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port()
        + "/api/summary")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode instances = json.readTree(r.body()).path("instances");
    assertThat(instances.get(1).path("streams").asText()).isEqualTo("ERROR");
    assertThat(instances.get(1).path("restarting").isBoolean() && instances.get(1).path("restarting").asBoolean())
        .as("%s", instances.get(1)).isTrue();
    assertThat(instances.get(2).path("restarting").isBoolean() && !instances.get(2).path("restarting").asBoolean())
        .as("%s", instances.get(2)).isTrue();
  }

  @Test
  void aPeersAlertsPerBucketAreAddedToTheBucketOfTheSameTimeWhenItsWindowStartsElsewhere() throws Exception {
    // a peer whose window starts two buckets earlier (a clock 20 s behind this one; one fewer if a 10 s boundary passes
    // before it answers), with 5 alerts in its bucket 58 and 7 in its oldest, older than this window
    long bucket = RecentAlerts.BUCKET_MS;
    AtomicLong sentFirst = new AtomicLong();
    HostInfo behind = PeerStub.answering(open, "application/json", ex -> {
      long first = (System.currentTimeMillis() / bucket - RecentAlerts.BUCKETS - 1) * bucket;
      sentFirst.set(first);
      long[] counts = new long[RecentAlerts.BUCKETS];
      counts[0] = 7;
      counts[58] = 5;
      return ("{\"streams\":\"RUNNING\",\"timeline\":{\"bucketMs\":" + bucket + ",\"firstBucketStart\":" + first
          + ",\"counts\":" + java.util.Arrays.toString(counts) + "}}").getBytes(StandardCharsets.UTF_8);
    });
    MonitorHttpServer first = monitor("cam-1", new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(behind),
        PeerStub.ANSWERS_WITHIN, null));

    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port()
        + "/api/summary")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode timeline = json.readTree(r.body()).path("timeline");
    long shift = (sentFirst.get() - timeline.path("firstBucketStart").asLong()) / bucket;
    assertThat(shift).as("the peer's window starts earlier").isNegative();
    List<Long> counts = new ArrayList<>();
    timeline.path("counts").forEach(c -> counts.add(c.asLong()));
    assertThat(counts).hasSize(RecentAlerts.BUCKETS);
    assertThat(counts.get((int) (58 + shift))).as("the peer's 5, at their time: %s", counts).isEqualTo(5L);
    // this instance's one alert, now, and the peer's 5; its 7 are older than the window shown
    assertThat(counts.stream().mapToLong(Long::longValue).sum()).as("%s", counts).isEqualTo(6L);
  }

  @Test
  void aPeerWhoseAlertsAreNotAlertsIsNamedAndTheOtherInstancesAlertsStillCome() throws Exception {
    MonitorHttpServer second = monitor("cam-2", Peers.NONE);
    HostInfo odd = answering("{\"capacity\":50,\"alerts\":[1,\"two\",null]}");
    MonitorHttpServer first = monitor("cam-1", new Peers(new HostInfo("127.0.0.1", 9),
        () -> List.of(odd, new HostInfo("127.0.0.1", second.port())), PeerStub.ANSWERS_WITHIN, null));

    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port()
        + "/api/alerts")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = json.readTree(r.body());
    List<String> cameras = new ArrayList<>();
    body.path("alerts").forEach(a -> cameras.add(a.path("cameraId").asText()));
    assertThat(cameras).containsExactlyInAnyOrder("cam-1", "cam-2");
    JsonNode instances = body.path("instances");
    assertThat(instances).hasSize(3);
    assertThat(instances.get(1).path("server").asText()).isEqualTo(Peers.serverName(odd));
    assertThat(instances.get(1).path("error").asText()).contains("unreadable");
    assertThat(instances.get(2).has("error")).isFalse();
  }

  /**
   * A broken or hostile peer's alerts were relayed to the page as they came: a 100000x100000 overlay made the page
   * allocate a canvas that size and loop over its cells (the operator's browser froze), megabytes of explanation or
   * reasons, fields of other types or names went through. They now get the shape and bounds of this instance's own
   * alerts, and the peer is named with what did not fit; a peer that is a monitor is relayed unchanged.
   */
  @Test
  void aPeersAlertsAreCutToTheShapeAndBoundsOfLocalAlertsAndThePeerIsNamed() throws Exception {
    MonitorHttpServer honest = monitor("cam-2", Peers.NONE);
    long now = System.currentTimeMillis();
    String huge = "x".repeat(1_000_000);
    String many = "[" + "\"r\",".repeat(10_000) + "\"r\"]";
    HostInfo hostile = answering("{\"capacity\":50,\"alerts\":["
        + "{\"seq\":1,\"receivedAt\":" + now + ",\"cameraId\":\"cam-big\",\"kind\":\"OVERINTERPRETATION\","
        + "\"severity\":\"WARNING\",\"explanation\":\"" + huge + "\",\"reasons\":" + many + ","
        + "\"image\":{\"url\":\"https://elsewhere.example/x.png\",\"width\":32,\"height\":32},"
        + "\"overlay\":{\"rows\":100000,\"cols\":100000,\"cells\":\"1\",\"selected\":5},\"script\":\"" + huge + "\"},"
        + "{\"seq\":2,\"receivedAt\":" + (now - 1) + ",\"cameraId\":{\"not\":\"a string\"},\"kind\":\"FOOLING\","
        + "\"scores\":[{\"detector\":\"d\",\"score\":\"high\",\"threshold\":0.5,\"flagged\":true}],"
        + "\"overlay\":{\"rows\":2,\"cols\":2,\"cells\":\"1001\",\"selected\":2}},"
        + "{\"seq\":\"seven\",\"receivedAt\":" + now + ",\"cameraId\":\"cam-no-seq\"}]}");
    MonitorHttpServer first = monitor("cam-1", new Peers(new HostInfo("127.0.0.1", 9),
        () -> List.of(hostile, new HostInfo("127.0.0.1", honest.port())), PeerStub.ANSWERS_WITHIN, null));

    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port()
        + "/api/alerts")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body().substring(0, Math.min(500, r.body().length()))).isEqualTo(200);
    assertThat(r.body().length()).as("no megabytes relayed").isLessThan(64 * 1024);
    JsonNode body = json.readTree(r.body());
    Map<String, JsonNode> byCamera = new java.util.HashMap<>();
    body.path("alerts").forEach(a -> byCamera.put(a.path("cameraId").asText(a.path("kind").asText()), a));
    assertThat(byCamera.keySet()).as("the alert without a seq is left out")
        .containsExactlyInAnyOrder("cam-1", "cam-2", "cam-big", "FOOLING");

    JsonNode big = byCamera.get("cam-big");
    assertThat(big.path("overlay").isNull()).as("%s", big.path("overlay")).isTrue();
    assertThat(big.path("overlayProblem").asText()).contains(Peers.serverName(hostile)).contains("1..64");
    assertThat(big.path("explanation").asText().length()).isBetween(1, 4097);
    assertThat(big.path("reasons").size()).isBetween(1, 64);
    assertThat(big.has("script")).as("fields a monitor does not send are dropped").isFalse();
    assertThat(big.path("image").path("url").asText()).startsWith("/api/alerts/1/image.png?instance=");
    assertThat(big.path("key").asText()).isEqualTo("1@" + Peers.serverName(hostile));

    JsonNode wrongTypes = byCamera.get("FOOLING");
    assertThat(wrongTypes.path("cameraId").isNull()).isTrue();
    assertThat(wrongTypes.path("scores").get(0).path("score").isNull()).isTrue();
    assertThat(wrongTypes.path("scores").get(0).path("detector").asText()).isEqualTo("d");
    assertThat(wrongTypes.path("overlay").toString()).as("an overlay that fits is kept")
        .isEqualTo("{\"rows\":2,\"cols\":2,\"cells\":\"1001\",\"selected\":2}");

    JsonNode instances = body.path("instances");
    assertThat(instances.get(1).path("server").asText()).isEqualTo(Peers.serverName(hostile));
    assertThat(instances.get(1).has("error")).as("its alerts are shown").isFalse();
    assertThat(instances.get(1).path("problem").asText()).contains("overlay").contains("explanation")
        .contains("left out 1");
    assertThat(instances.get(2).has("problem")).as("%s", instances.get(2)).isFalse();

    // an honest monitor's alert is relayed with every field as it says it
    JsonNode own = json.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + honest.port()
        + "/api/alerts?scope=local")).build(), HttpResponse.BodyHandlers.ofString()).body()).path("alerts").get(0);
    JsonNode relayed = byCamera.get("cam-2").deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) relayed).remove(List.of("instance", "key"));
    ((com.fasterxml.jackson.databind.node.ObjectNode) own).remove("key");
    assertThat(relayed).isEqualTo(own);
  }
  /**
   * A peer's summary was merged as it came: its readyReasons (any number, any size, any type) went to the page, and
   * each key of its alertsByKind and deadLettersByReason was added, however many and however long, with values of
   * any type (a string read as its number, a negative count lowered ours). It now gets the shape and bounds of this
   * instance's own summary, and the peer is named with what did not fit.
   */
  @Test
  void aPeersSummaryIsCutToTheShapeAndBoundsOfTheLocalSummaryAndThePeerIsNamed() throws Exception {
    MonitorHttpServer honest = monitor("cam-2", Peers.NONE);
    String huge = "x".repeat(1_000_000);
    StringBuilder kinds = new StringBuilder("{\"FOOLING\":\"12\",\"PERTURBATION\":-7,\""
        + "k".repeat(40_000) + "\":1"); // Jackson reads names of at most 50,000 characters
    for (int i = 0; i < 10_000; i++) {
      kinds.append(",\"KIND_").append(i).append("\":1");
    }
    kinds.append('}');
    HostInfo hostile = answering("{\"streams\":\"" + huge + "\",\"ready\":false,\"readyReasons\":["
        + ("\"" + huge + "\",").repeat(3) + "{\"not\":\"a string\"}," + "\"r\",".repeat(10_000) + "\"r\"],"
        + "\"frames\":-1000,\"verdicts\":\"5\",\"deadLetters\":1.5,\"alerts\":2,"
        + "\"alertsByKind\":" + kinds + ",\"deadLettersByReason\":[1,2]}");
    MonitorHttpServer first = monitor("cam-1", new Peers(new HostInfo("127.0.0.1", 9),
        () -> List.of(hostile, new HostInfo("127.0.0.1", honest.port())), PeerStub.ANSWERS_WITHIN, null));

    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port()
        + "/api/summary")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body().substring(0, Math.min(500, r.body().length()))).isEqualTo(200);
    assertThat(r.body().length()).as("no megabytes relayed").isLessThan(512 * 1024);
    JsonNode body = json.readTree(r.body());
    JsonNode peer = body.path("instances").get(1);
    assertThat(peer.path("server").asText()).isEqualTo(Peers.serverName(hostile));
    assertThat(peer.has("error")).as("its counts are shown").isFalse();
    assertThat(peer.path("streams").asText().length()).isBetween(1, 513);
    assertThat(peer.path("readyReasons").size()).isBetween(1, 64);
    peer.path("readyReasons").forEach(reason -> assertThat(reason.isTextual() && reason.asText().length() <= 4097)
        .as("a reason, cut: %s characters", reason.asText().length()).isTrue());
    assertThat(body.path("frames").asLong()).as("a negative count does not lower ours").isGreaterThanOrEqualTo(0);
    assertThat(body.path("verdicts").asLong()).as("a count that is not a whole number counts 0").isZero();
    assertThat(body.path("alerts").asLong()).as("the peer's 2 (these monitors count none of their own)").isEqualTo(2);
    JsonNode byKind = body.path("alertsByKind");
    assertThat(byKind.size()).as("%s kinds", byKind.size()).isLessThanOrEqualTo(64);
    byKind.properties().forEach(e -> assertThat(e.getKey().length()).isLessThanOrEqualTo(513));
    assertThat(byKind.path("FOOLING").asLong()).as("a count that is a string counts 0").isZero();
    assertThat(byKind.path("PERTURBATION").asLong()).isZero();
    assertThat(byKind.has("CAMPAIGN")).as("this instance's own kinds are kept: %s", byKind).isTrue();
    assertThat(peer.path("problem").asText()).as("the first three things that did not fit, and how many more")
        .contains("streams").contains("readyReasons").containsPattern("and \\d+ more");
    assertThat(body.path("instances").get(2).has("problem")).as("%s", body.path("instances").get(2)).isFalse();
  }

  /** A PNG of {@code width} x {@code height} with a tEXt chunk after its header that a monitor never writes. */
  private static byte[] pngWithText(int width, int height, String text) throws Exception {
    java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(width, height,
        java.awt.image.BufferedImage.TYPE_INT_RGB);
    image.setRGB(1, 1, 0xff0000);
    java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(image, "png", png);
    byte[] plain = png.toByteArray();
    byte[] data = ("Comment\0" + text).getBytes(StandardCharsets.ISO_8859_1);
    java.nio.ByteBuffer chunk = java.nio.ByteBuffer.allocate(12 + data.length);
    chunk.putInt(data.length).put("tEXt".getBytes(StandardCharsets.US_ASCII)).put(data);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(chunk.array(), 4, 4 + data.length);
    chunk.putInt((int) crc.getValue());
    int afterHeader = 8 + 25; // signature, IHDR
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(plain, 0, afterHeader);
    out.write(chunk.array());
    out.write(plain, afterHeader, plain.length - afterHeader);
    return out.toByteArray();
  }

  private HttpResponse<byte[]> relayedPicture(byte[] theirs) throws Exception {
    HostInfo peer = PeerStub.answering(open, "image/png", ex -> theirs);
    MonitorHttpServer first = monitor("cam-1", new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(peer),
        PeerStub.ANSWERS_WITHIN, null));
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port()
        + "/api/alerts/1/image.png?instance=" + Peers.serverName(peer))).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /**
   * A picture asked of an instance that is not one of this application's now (gone after a scale-down, or a URL
   * edited by hand) was refused without naming the instances there are, which is what the reader needs next.
   */
  @Test
  void aPictureOfAnInstanceNotInTheApplicationNamesTheInstancesThereAre() throws Exception {
    HostInfo peer = PeerStub.answering(open, "image/png", ex -> new byte[0]);
    MonitorHttpServer first = monitor("cam-1", new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(peer),
        PeerStub.ANSWERS_WITHIN, null));
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port()
        + "/api/alerts/1/image.png?instance=bogus:1")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).contains("no instance 'bogus:1' in this application now")
        .contains("the other instances now: " + Peers.serverName(peer));
  }

  /** A peer's picture reached the browser as the peer's own bytes: now the monitor decodes it and writes its own. */
  @Test
  void aPeersPictureIsDecodedAndWrittenAgainBeforeTheBrowserGetsIt() throws Exception {
    byte[] theirs = pngWithText(40, 30, "not from a monitor");

    HttpResponse<byte[]> r = relayedPicture(theirs);
    assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("image/png");
    assertThat(new String(r.body(), StandardCharsets.ISO_8859_1)).as("the peer's own bytes are not relayed")
        .doesNotContain("not from a monitor");
    java.awt.image.BufferedImage shown = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(r.body()));
    assertThat(shown.getWidth()).isEqualTo(40);
    assertThat(shown.getHeight()).isEqualTo(30);
    assertThat(shown.getRGB(1, 1) & 0xffffff).isEqualTo(0xff0000);
  }

  @Test
  void aPeersPictureLargerThanAMonitorMakesIsRefusedNamingThePeerAndTheBound() throws Exception {
    // a header that declares 100000 x 100000 pixels: refused from the header, before anything is decoded
    byte[] bomb = java.util.Arrays.copyOf(pngWithText(40, 30, "x"), 60);
    java.nio.ByteBuffer.wrap(bomb).putInt(16, 100_000).putInt(20, 100_000);

    HttpResponse<byte[]> r = relayedPicture(bomb);
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    String error = json.readTree(r.body()).path("error").asText();
    assertThat(error).contains("127.0.0.1:").contains("alert 1").contains("100000x100000").contains("320");

    HttpResponse<byte[]> notPng = relayedPicture("GIF89a and the rest".getBytes(StandardCharsets.US_ASCII));
    assertThat(notPng.statusCode()).isEqualTo(502);
    assertThat(json.readTree(notPng.body()).path("error").asText()).contains("alert 1").contains("GIF");
  }
}
