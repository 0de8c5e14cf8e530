package dev.advmon.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.campaign.CameraDirectory;
import dev.advmon.campaign.CameraStatus;
import dev.advmon.health.HealthCheck;
import dev.advmon.health.HealthReport;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.topology.RecordLimits;
import dev.advmon.topology.UnaskedCameras;
import dev.advmon.testing.ChildProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two real HTTP servers on loopback, each with its own cameras (a map here, a state store in the monitor), the first
 * told that the second and a third, unreachable, instance are its peers: its /cameras answers for the cameras of
 * every instance that answers, says which one did not, and never passes a question on.
 */
class ClusterCamerasTest {

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private final List<AutoCloseable> open = new ArrayList<>();
  private MonitorHttpServer first;
  private MonitorHttpServer second;
  private int deadPort;

  private static CameraStatus camera(String id, long frames) {
    return new CameraStatus(id, "NORMAL", 1000, 1, 0, -1, 0, 0, 0, 0, -1, frames, 0);
  }

  private static CameraDirectory directory(Map<String, CameraStatus> cameras) {
    return new CameraDirectory() {
      @Override
      public List<CameraStatus> all() {
        return List.copyOf(cameras.values());
      }

      @Override
      public Optional<CameraStatus> one(String id) {
        return Optional.ofNullable(cameras.get(id));
      }
    };
  }

  private MonitorHttpServer server(Map<String, CameraStatus> cameras, Peers peers) throws Exception {
    MonitorMetrics metrics = MonitorMetrics.inMemory();
    open.add(metrics);
    MonitorHttpServer s = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0),
        HealthCheck.ofState(() -> KafkaStreams.State.RUNNING), metrics::scrape, directory(cameras), null, metrics::counts,
        peers);
    open.add(s);
    return s;
  }

  @BeforeEach
  void start() throws Exception {
    deadPort = ChildProcess.freePort(); // nothing listens here once closed
    Map<String, CameraStatus> theirs = new TreeMap<>(Map.of("cam-2", camera("cam-2", 20), "cam-3", camera("cam-3", 30)));
    // The second instance also "knows" the first as a peer: a question it is asked must still not travel on.
    second = server(theirs,
        new Peers(null, () -> List.of(new HostInfo("127.0.0.1", 1)), PeerStub.ANSWERS_WITHIN, null));
    HostInfo other = new HostInfo("127.0.0.1", second.port());
    HostInfo dead = new HostInfo("127.0.0.1", deadPort);
    first = server(new TreeMap<>(Map.of("cam-1", camera("cam-1", 10))),
        new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(other, dead), PeerStub.ANSWERS_WITHIN, null));
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private HttpResponse<String> get(MonitorHttpServer s, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void listsTheCamerasOfEveryInstanceThatAnswersAndNamesTheOneThatDidNot() throws Exception {
    HttpResponse<String> r = get(first, "/cameras");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = json.readTree(r.body());
    List<String> ids = new ArrayList<>();
    body.path("cameras").forEach(c -> ids.add(c.path("cameraId").asText()));
    assertThat(ids).containsExactly("cam-1", "cam-2", "cam-3");
    assertThat(body.path("complete").asBoolean()).isFalse();
    assertThat(body.path("instances")).hasSize(3);
    assertThat(body.path("instances").get(0).path("server").asText()).isEqualTo("127.0.0.1:9");
    assertThat(body.path("instances").get(0).path("local").asBoolean()).isTrue();
    assertThat(body.path("instances").get(1).path("cameras").asInt()).isEqualTo(2);
    assertThat(body.path("instances").get(2).path("server").asText()).isEqualTo("127.0.0.1:" + deadPort);
    assertThat(body.path("instances").get(2).path("error").asText()).contains("unreachable");
  }

  @Test
  void answersForOneCameraHeldByAnotherInstance() throws Exception {
    HttpResponse<String> r = get(first, "/cameras/cam-3");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json.readTree(r.body()).path("totalFrames").asLong()).isEqualTo(30);
  }

  @Test
  void aCameraIsUnknownOnlyWhenEveryInstanceAnsweredThatItHasNoSuchCamera() throws Exception {
    // the first's third instance is unreachable: it may hold cam-9, so "no camera on any instance" would be a guess
    HttpResponse<String> unsure = get(first, "/cameras/cam-9");
    assertThat(unsure.statusCode()).isEqualTo(503);
    assertThat(unsure.body()).contains("127.0.0.1:" + deadPort).contains("unreachable").contains("retry");

    MonitorHttpServer withoutTheDeadOne = server(Map.of(), new Peers(new HostInfo("127.0.0.1", 9),
        () -> List.of(new HostInfo("127.0.0.1", second.port())), PeerStub.ANSWERS_WITHIN, null));
    HttpResponse<String> none = get(withoutTheDeadOne, "/cameras/cam-9");
    assertThat(none.statusCode()).isEqualTo(404);
    assertThat(none.body()).contains("any instance");
  }

  @Test
  void aPeerAnsweringSomethingElseDoesNotHideTheCameraAnotherInstanceHolds() throws Exception {
    // what a streams.application-server that names another service (or a proxy's sign-in page) answers: 200, not JSON
    HostInfo garbage = PeerStub.answering(open, "text/html",
        ex -> "<html><body>Please sign in</body></html>".getBytes(StandardCharsets.UTF_8));
    MonitorHttpServer s = server(Map.of(), new Peers(new HostInfo("127.0.0.1", 9),
        () -> List.of(garbage, new HostInfo("127.0.0.1", second.port())), PeerStub.ANSWERS_WITHIN, null));

    HttpResponse<String> r = get(s, "/cameras/cam-3");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json.readTree(r.body()).path("totalFrames").asLong()).isEqualTo(30);
    HttpResponse<String> unsure = get(s, "/cameras/cam-9");
    assertThat(unsure.statusCode()).isEqualTo(503);
    assertThat(unsure.body()).contains(Peers.serverName(garbage)).contains("unreadable answer");
  }

  @Test
  void aPeerAnsweringJsonThatIsNotTheAskedCameraIsNotTakenForThatCamera() throws Exception {
    // what another JSON service at a peer's address (or a peer that read the id differently) answers: 200 and an
    // object, which read as a camera with every field missing, or another camera's state
    for (String answer : List.of("{}", "{\"status\":\"UP\"}", json.writeValueAsString(camera("cam-other", 7)))) {
      HostInfo wrong = PeerStub.answering(open, "application/json", ex -> answer.getBytes(StandardCharsets.UTF_8));
      MonitorHttpServer s = server(Map.of(), new Peers(new HostInfo("127.0.0.1", 9),
          () -> List.of(wrong, new HostInfo("127.0.0.1", second.port())), PeerStub.ANSWERS_WITHIN, null));

      HttpResponse<String> held = get(s, "/cameras/cam-3");
      assertThat(held.statusCode()).as(answer + ": " + held.body()).isEqualTo(200);
      assertThat(json.readTree(held.body()).path("cameraId").asText()).isEqualTo("cam-3");
      HttpResponse<String> unknown = get(s, "/cameras/cam-9");
      assertThat(unknown.statusCode()).as(answer + ": " + unknown.body()).isEqualTo(503);
      assertThat(unknown.body()).contains(Peers.serverName(wrong)).contains("unreadable answer");
    }
  }

  @Test
  void aPeersCameraThatCannotBeReadIsLeftOutAndItsOtherCamerasAreStillListed() throws Exception {
    // one unreadable camera (no id; a count that is not a number) made all of that instance's cameras missing
    HostInfo wrong = PeerStub.answering(open, "application/json", ex -> ("{\"cameras\":[{\"status\":\"UP\"},"
        + "{\"cameraId\":\"p-bad\",\"status\":\"NORMAL\",\"totalFrames\":\"many\"},"
        + "{\"cameraId\":\"p-ok\",\"status\":\"NORMAL\",\"totalFrames\":4}]}").getBytes(StandardCharsets.UTF_8));
    MonitorHttpServer s = server(new TreeMap<>(Map.of("cam-1", camera("cam-1", 10))), new Peers(
        new HostInfo("127.0.0.1", 9), () -> List.of(wrong), PeerStub.ANSWERS_WITHIN, null));

    JsonNode body = json.readTree(get(s, "/cameras").body());
    assertThat(body.path("cameras").findValuesAsText("cameraId")).containsExactly("cam-1", "p-ok");
    JsonNode peer = body.path("instances").get(1);
    assertThat(peer.path("error").isNull()).as(peer.toString()).isTrue();
    assertThat(peer.path("cameras").asInt()).isEqualTo(1);
    assertThat(peer.path("problem").asText()).startsWith("sent cameras that do not fit what a monitor sends (left out 2)")
        .contains("a camera without a cameraId").contains("camera \"p-bad\": totalFrames is \"many\"");
  }

  @Test
  void aPeersCamerasGetTheBoundsOfOurOwnAndItsEntrySaysWhatDidNotFit() throws Exception {
    String huge = "x".repeat(100_000);
    Map<String, Object> cut = new TreeMap<>(Map.of("cameraId", "p-cut", "status", "CAMPAIGN", "totalFrames", 9,
        "windowExamples", List.of("f-1", huge, "f-3", "f-4", "f-5"), "junk", huge));
    Map<String, Object> reasons = new TreeMap<>();
    for (int i = 0; i < 20; i++) {
      reasons.put("R" + i, i);
    }
    // first in order: a name too long is said before the count of names (longer than 50,000 characters, Jackson's
    // parser refuses the whole answer, an "unreadable answer")
    reasons.put("A" + "x".repeat(10_000), 1);
    cut.put("windowReasons", reasons);
    List<Object> cameras = List.of(cut, Map.of("cameraId", huge, "status", "NORMAL"),
        Map.of("cameraId", "p-status", "status", huge),
        Map.of("cameraId", "p-neg", "status", "NORMAL", "windowFrames", -3),
        Map.of("cameraId", "p-streak", "status", "NORMAL", "hotStreak", 1L << 40), 42,
        Map.of("cameraId", "p-ok", "status", "NORMAL", "totalFrames", 4));
    byte[] answer = json.writeValueAsBytes(Map.of("cameras", cameras));
    HostInfo peer = PeerStub.answering(open, "application/json", ex -> answer);
    MonitorHttpServer s = server(new TreeMap<>(Map.of("cam-1", camera("cam-1", 10))), new Peers(
        new HostInfo("127.0.0.1", 9), () -> List.of(peer), PeerStub.ANSWERS_WITHIN, null));

    for (String path : List.of("/cameras", "/cameras?limit=10")) {
      HttpResponse<String> r = get(s, path);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body().length()).as(path + " holds none of the peer's 100,000-character strings").isLessThan(10_000);
      JsonNode body = json.readTree(r.body());
      assertThat(body.path("cameras").findValuesAsText("cameraId")).as(body.path("instances").toString())
          .containsExactlyInAnyOrder("cam-1", "p-cut", "p-ok");
      JsonNode c = body.path("cameras").findParents("cameraId").stream()
          .filter(n -> n.path("cameraId").asText().equals("p-cut")).findFirst().orElseThrow();
      assertThat(c.path("windowExamples")).hasSize(CameraStatus.MAX_EXAMPLES);
      assertThat(c.path("windowExamples").get(0).asText()).isEqualTo("f-1");
      assertThat(c.path("windowExamples").get(1).asText()).hasSize(RecordLimits.MAX_ID_CHARS + 1).endsWith("…");
      assertThat(c.path("windowReasons").size()).as("the first names sent, less the one too long")
          .isEqualTo(CameraStatus.MAX_REASONS - 1);
      assertThat(c.has("junk")).isFalse();
      JsonNode entry = body.path("instances").get(1);
      assertThat(entry.path("error").isNull()).isTrue();
      assertThat(entry.path("cameras").asInt()).isEqualTo(2);
      assertThat(entry.path("problem").asText()).as(path)
          .startsWith("sent cameras that do not fit what a monitor sends (cut 1, left out 5): ")
          .contains("camera \"p-cut\": windowReasons has a name of 10001 characters")
          .contains(" more");
      assertThat(body.path("instances").get(0).has("problem")).as("only a peer that sent too much").isFalse();
    }
  }

  @Test
  void aPeerSendingMoreCamerasThanOneInstanceListsIsCutToThatMany() throws Exception {
    List<Object> cameras = new ArrayList<>();
    for (int i = 0; i <= CameraDirectory.MAX_LISTED; i++) {
      cameras.add(Map.of("cameraId", String.format("p-%05d", i), "status", "NORMAL"));
    }
    byte[] answer = json.writeValueAsBytes(Map.of("cameras", cameras));
    HostInfo peer = PeerStub.answering(open, "application/json", ex -> answer);
    MonitorHttpServer s = server(new TreeMap<>(Map.of("cam-1", camera("cam-1", 10))), new Peers(
        new HostInfo("127.0.0.1", 9), () -> List.of(peer), PeerStub.ANSWERS_WITHIN, null));

    JsonNode body = json.readTree(get(s, "/cameras").body());
    assertThat(body.path("cameras")).hasSize(1 + CameraDirectory.MAX_LISTED);
    assertThat(body.path("instances").get(1).path("problem").asText())
        .contains("cameras has " + (CameraDirectory.MAX_LISTED + 1) + " entries (cut to " + CameraDirectory.MAX_LISTED);
    assertThat(body.path("truncated").asBoolean()).isTrue();
  }

  @Test
  void oneCameraFromAPeerGetsTheBoundsOfOurOwnOrIsNamedUnreadableSayingWhy() throws Exception {
    String huge = "x".repeat(100_000);
    byte[] cut = json.writeValueAsBytes(Map.of("cameraId", "cam-9", "status", "NORMAL", "totalFrames", 7,
        "windowExamples", List.of(huge, huge, huge, huge)));
    HostInfo peer = PeerStub.answering(open, "application/json", ex -> cut);
    MonitorHttpServer s = server(Map.of(), new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(peer),
        PeerStub.ANSWERS_WITHIN, null));
    HttpResponse<String> r = get(s, "/cameras/cam-9");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body().length()).isLessThan(2_000);
    assertThat(json.readTree(r.body()).path("windowExamples")).hasSize(CameraStatus.MAX_EXAMPLES);
    assertThat(json.readTree(r.body()).path("totalFrames").asLong()).isEqualTo(7);

    byte[] wrong = json.writeValueAsBytes(Map.of("cameraId", "cam-8", "status", "ALIEN"));
    HostInfo other = PeerStub.answering(open, "application/json", ex -> wrong);
    MonitorHttpServer t = server(Map.of(), new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(other),
        PeerStub.ANSWERS_WITHIN, null));
    HttpResponse<String> unsure = get(t, "/cameras/cam-8");
    assertThat(unsure.statusCode()).isEqualTo(503);
    assertThat(json.readTree(unsure.body()).path("error").asText()).contains(Peers.serverName(other))
        .contains("unreadable answer").contains("status is \"ALIEN\", not NORMAL or CAMPAIGN");
  }

  @Test
  void camerasOfSeveralInstancesAboveTheLimitOfOneAreNotCalledTruncatedWhenNoInstanceCutItsList() throws Exception {
    int each = CameraDirectory.MAX_LISTED * 3 / 5; // together above the limit of one instance, each well below it
    Map<String, CameraStatus> a = new TreeMap<>();
    Map<String, CameraStatus> b = new TreeMap<>();
    for (int i = 0; i < each; i++) {
      a.put("a-" + i, camera("a-" + i, 1));
      b.put("b-" + i, camera("b-" + i, 1));
    }
    MonitorHttpServer other = server(b, Peers.NONE);
    MonitorHttpServer s = server(a, new Peers(new HostInfo("127.0.0.1", 9),
        () -> List.of(new HostInfo("127.0.0.1", other.port())), PeerStub.ANSWERS_WITHIN, null));
    JsonNode body = json.readTree(get(s, "/cameras").body());
    assertThat(body.path("cameras")).hasSize(2 * each);
    assertThat(body.path("complete").asBoolean()).isTrue();
    assertThat(body.has("truncated")).as("every camera is listed").isFalse();
  }

  /** streakPooled (whether the camera's streak counts a span of pooled windows) reads the same from either instance. */
  @Test
  void aPeersCameraKeepsWhetherItsStreakCountsAPooledSpan() throws Exception {
    CameraStatus pooled = new CameraStatus("cam-p", "NORMAL", 1000, 0, 0, 0, 20, 20, 2, 0, -1, 40, 40, Map.of(),
        List.of(), -1, 0, true);
    MonitorHttpServer peer = server(new TreeMap<>(Map.of("cam-p", pooled)),
        new Peers(null, () -> List.of(), PeerStub.ANSWERS_WITHIN, null));
    HostInfo holder = new HostInfo("127.0.0.1", peer.port());
    MonitorHttpServer s = server(new TreeMap<>(Map.of("cam-1", camera("cam-1", 10))),
        new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(holder), PeerStub.ANSWERS_WITHIN, null));

    assertThat(json.readTree(get(peer, "/cameras/cam-p").body()).path("streakPooled").asBoolean()).isTrue();
    assertThat(json.readTree(get(s, "/cameras/cam-p").body()).path("streakPooled").asBoolean())
        .as("asked of the instance that does not hold it").isTrue();
    assertThat(json.readTree(get(s, "/cameras").body()).path("cameras").findValues("streakPooled"))
        .extracting(JsonNode::asBoolean).containsExactlyInAnyOrder(false, true);
  }

  /**
   * streakSince (where the camera's streak began) reads the same from either instance; a peer of an older version
   * that does not send it reads as unknown (-1), not as the epoch.
   */
  @Test
  void aPeersCameraKeepsWhereItsStreakBegan() throws Exception {
    CameraStatus streak = new CameraStatus("cam-p", "NORMAL", 3000, 0, 0, 2000, 20, 20, 2, 0, -1, 40, 40, Map.of(),
        List.of(), -1, 0, false, 1000L);
    MonitorHttpServer peer = server(new TreeMap<>(Map.of("cam-p", streak)),
        new Peers(null, () -> List.of(), PeerStub.ANSWERS_WITHIN, null));
    HostInfo holder = new HostInfo("127.0.0.1", peer.port());
    MonitorHttpServer s = server(new TreeMap<>(Map.of("cam-1", camera("cam-1", 10))),
        new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(holder), PeerStub.ANSWERS_WITHIN, null));

    assertThat(json.readTree(get(peer, "/cameras/cam-p").body()).path("streakSince").asLong()).isEqualTo(1000);
    assertThat(json.readTree(get(s, "/cameras/cam-p").body()).path("streakSince").asLong())
        .as("asked of the instance that does not hold it").isEqualTo(1000);
    assertThat(new PeerCameras("peer").camera(json.readTree("{\"cameraId\":\"cam-old\",\"status\":\"NORMAL\"}"))
        .streakSince()).as("sent by an older version").isEqualTo(-1);
  }

  @Test
  void aLimitedListAsksEachPeerForThatManyAndCountsWhatEachHolds() throws Exception {
    // a peer at its 10,000 cameras, asked for the first 2 only: what it sends, not what it holds, was the cost
    java.util.concurrent.atomic.AtomicReference<String> asked = new java.util.concurrent.atomic.AtomicReference<>();
    CameraStatus hot = new CameraStatus("p-hot", "CAMPAIGN", 1000, 1, 1, 0, 50, 45, 3, 0, 1000, 60, 50);
    byte[] answer = json.writeValueAsBytes(Map.of("cameras", List.of(hot, camera("p-0", 5)), "known",
        CameraDirectory.MAX_LISTED, "limit", 2));
    HostInfo peer = PeerStub.answering(open, "application/json", ex -> {
      asked.set(ex.getRequestURI().getRawQuery());
      return answer;
    });
    MonitorHttpServer s = server(new TreeMap<>(Map.of("cam-1", camera("cam-1", 10), "cam-4", camera("cam-4", 4))),
        new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(peer), PeerStub.ANSWERS_WITHIN, null));

    JsonNode body = json.readTree(get(s, "/cameras?limit=2").body());
    assertThat(asked.get()).isEqualTo("scope=local&limit=2");
    assertThat(body.path("cameras").findValuesAsText("cameraId")).containsExactly("p-hot", "cam-1");
    assertThat(body.path("known").asInt()).isEqualTo(2 + CameraDirectory.MAX_LISTED);
    assertThat(body.path("instances").get(1).path("cameras").asInt()).isEqualTo(CameraDirectory.MAX_LISTED);
    assertThat(body.path("truncated").asBoolean()).as("the peer is at its limit, though it sent 2").isTrue();
  }

  @Test
  void camerasKnownOverAllInstancesDoNotTurnNegativeWhenAPeerSaysItHoldsTheLargestCount() throws Exception {
    byte[] answer = json.writeValueAsBytes(Map.of("cameras", List.of(camera("p-0", 5)), "known", Integer.MAX_VALUE,
        "limit", 2));
    HostInfo peer = PeerStub.answering(open, "application/json", ex -> answer);
    MonitorHttpServer s = server(new TreeMap<>(Map.of("cam-1", camera("cam-1", 10), "cam-4", camera("cam-4", 4))),
        new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(peer), PeerStub.ANSWERS_WITHIN, null));

    JsonNode body = json.readTree(get(s, "/cameras?limit=2").body());
    assertThat(body.path("known").asLong()).isEqualTo(2L + Integer.MAX_VALUE);
  }

  /** A directory whose store refuses every query ({@code why}), as while not RUNNING, read stale from {@code stale}. */
  private static CameraDirectory refusing(String why, CameraDirectory stale) {
    return new CameraDirectory() {
      @Override
      public List<CameraStatus> all() {
        throw new org.apache.kafka.streams.errors.InvalidStateStoreException(why);
      }

      @Override
      public Optional<CameraStatus> one(String id) {
        throw new org.apache.kafka.streams.errors.InvalidStateStoreException(why);
      }

      @Override
      public CameraDirectory stale() {
        return stale;
      }
    };
  }

  /**
   * An instance stopping (SIGTERM, a scale-down) listed its own part of the merged /cameras as "not available
   * (rebalancing)", so an operator waited for a rebalance to end on an instance that was going away. Its part names
   * Kafka Streams' state, and says what it means.
   */
  @Test
  void anInstanceWhoseStateCannotBeReadNamesItsRealStateInItsOwnPart() throws Exception {
    for (KafkaStreams.State state : List.of(KafkaStreams.State.PENDING_SHUTDOWN, KafkaStreams.State.REBALANCING)) {
      CameraDirectory unreadable = refusing("not queryable", null);
      MonitorMetrics metrics = MonitorMetrics.inMemory();
      open.add(metrics);
      MonitorHttpServer stopping = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0),
          HealthCheck.ofState(() -> state), metrics::scrape, unreadable, null, metrics::counts,
          new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(new HostInfo("127.0.0.1", second.port())),
              PeerStub.ANSWERS_WITHIN, null));
      open.add(stopping);

      JsonNode body = json.readTree(get(stopping, "/cameras").body());

      assertThat(body.path("cameras")).as(state.name()).hasSize(2);
      String own = body.path("instances").get(0).path("error").asText();
      if (state == KafkaStreams.State.PENDING_SHUTDOWN) {
        assertThat(own).contains("PENDING_SHUTDOWN").contains("stopping").doesNotContain("rebalancing");
      } else {
        assertThat(own).contains("REBALANCING").contains("retry in a few seconds");
      }
    }
  }

  /** Its own part while its Kafka Streams client is replaced after a failure: restarting, not stopping. */
  @Test
  void anInstanceRestartingKafkaStreamsInPlaceSaysSoInItsOwnPartNotThatItStops() throws Exception {
    MonitorMetrics metrics = MonitorMetrics.inMemory();
    open.add(metrics);
    HealthCheck restarting = new HealthCheck() {
      @Override
      public HealthReport readiness() {
        return new HealthReport(false, "NOT_RUNNING", List.of("Kafka Streams is restarting after a failure"), true);
      }

      @Override
      public HealthReport liveness() {
        return new HealthReport(true, "NOT_RUNNING", List.of(), true);
      }
    };
    MonitorHttpServer server = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0), restarting,
        metrics::scrape, refusing("not queryable", null), null, metrics::counts,
        new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(new HostInfo("127.0.0.1", second.port())),
            PeerStub.ANSWERS_WITHIN, null));
    open.add(server);

    JsonNode body = json.readTree(get(server, "/cameras").body());

    assertThat(body.path("cameras")).hasSize(2);
    assertThat(body.path("instances").get(0).path("error").asText()).contains("restarts in place")
        .contains("NOT_RUNNING").doesNotContain("stopping");
  }

  /**
   * During a rebalance every instance's merged /cameras listed no cameras (its own store and its peers' all refused)
   * and the dashboard's table flickered to empty. An instance that can read its cameras only from stores that may be
   * stale lists them, and its entry says so (not complete: cameras of partitions in flight may be missing); so does a
   * peer's answer that says it was read so.
   */
  @Test
  void camerasReadFromStoresThatMayBeStaleAreListedAndTheirInstanceSaysSo() throws Exception {
    CameraDirectory rebalancing = refusing("not RUNNING", directory(Map.of("cam-1", camera("cam-1", 10))));
    HostInfo stalePeer = PeerStub.answering(open, "application/json", ex -> ("{\"cameras\":[{\"cameraId\":\"cam-4\","
        + "\"status\":\"NORMAL\",\"totalFrames\":4}],\"stale\":\"read while Kafka Streams is REBALANCING\\u0007\"}")
        .getBytes(StandardCharsets.UTF_8));
    MonitorMetrics metrics = MonitorMetrics.inMemory();
    open.add(metrics);
    MonitorHttpServer moving = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0),
        HealthCheck.ofState(() -> KafkaStreams.State.REBALANCING), metrics::scrape, rebalancing, null, metrics::counts,
        new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(new HostInfo("127.0.0.1", second.port()), stalePeer),
            PeerStub.ANSWERS_WITHIN, null));
    open.add(moving);

    for (String path : List.of("/cameras", "/cameras?limit=10")) {
      JsonNode body = json.readTree(get(moving, path).body());

      List<String> ids = new ArrayList<>();
      body.path("cameras").forEach(c -> ids.add(c.path("cameraId").asText()));
      assertThat(ids).as(path).containsExactlyInAnyOrder("cam-1", "cam-2", "cam-3", "cam-4");
      assertThat(body.path("complete").asBoolean()).as(path).isFalse();
      JsonNode own = body.path("instances").get(0);
      assertThat(own.path("error").isMissingNode() || own.path("error").isNull()).as(path).isTrue();
      assertThat(own.path("cameras").asInt()).isEqualTo(1);
      assertThat(own.path("stale").asText()).contains("REBALANCING").contains("may be stale");
      assertThat(body.path("instances").get(1).has("stale")).isFalse();
      assertThat(body.path("instances").get(2).path("stale").asText())
          .isEqualTo("read while Kafka Streams is REBALANCING?");
    }
  }

  /**
   * Kafka Streams refuses the store while any stream thread still takes up its partitions, and the client may
   * already be RUNNING then (as for {@link ClusterCameras#unavailable}): the stale reading's note said "read while
   * Kafka Streams is RUNNING", which gave no reason for it to be stale. Alone and merged, the note says that a
   * stream thread was still taking up its partitions.
   */
  @Test
  void aStaleReadingWhileTheClientIsRunningSaysAStreamThreadWasStillRebalancing() throws Exception {
    CameraDirectory threadRebalancing =
        refusing("thread not RUNNING", directory(Map.of("cam-1", camera("cam-1", 10))));
    MonitorMetrics metrics = MonitorMetrics.inMemory();
    open.add(metrics);
    MonitorHttpServer alone = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0),
        HealthCheck.ofState(() -> KafkaStreams.State.RUNNING), metrics::scrape, threadRebalancing, null,
        metrics::counts, Peers.NONE);
    open.add(alone);
    MonitorHttpServer merged = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0),
        HealthCheck.ofState(() -> KafkaStreams.State.RUNNING), metrics::scrape, threadRebalancing, null,
        metrics::counts, new Peers(new HostInfo("127.0.0.1", 9),
            () -> List.of(new HostInfo("127.0.0.1", second.port())), PeerStub.ANSWERS_WITHIN, null));
    open.add(merged);

    String aloneNote = json.readTree(get(alone, "/cameras?limit=10").body()).path("stale").asText();
    String mergedNote = json.readTree(get(merged, "/cameras").body()).path("instances").get(0).path("stale").asText();
    for (String note : List.of(aloneNote, mergedNote)) {
      assertThat(note).doesNotContain("while Kafka Streams is RUNNING").contains("Kafka Streams is RUNNING")
          .contains("stream thread").contains("may be stale");
    }
  }

  /**
   * A peer's "stale" was read only as text: one of another shape (a later version's object, say, or an empty note) was
   * taken for a current answer, counted as complete, and the dashboard said nothing. Any "stale" but null or false
   * says the peer's cameras may be stale.
   */
  @Test
  void aPeersStaleNoteOfAnotherShapeStillMarksItsCamerasAsPossiblyStale() throws Exception {
    for (String note : List.of("{\"state\":\"REBALANCING\"}", "true", "\"\"")) {
      HostInfo peer = PeerStub.answering(open, "application/json", ex -> ("{\"cameras\":[{\"cameraId\":\"cam-4\","
          + "\"status\":\"NORMAL\",\"totalFrames\":4}],\"stale\":" + note + "}").getBytes(StandardCharsets.UTF_8));
      MonitorHttpServer asker = server(new TreeMap<>(Map.of("cam-1", camera("cam-1", 10))),
          new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(peer), PeerStub.ANSWERS_WITHIN, null));

      JsonNode body = json.readTree(get(asker, "/cameras").body());
      assertThat(body.path("complete").asBoolean()).as(note).isFalse();
      assertThat(body.path("instances").get(1).path("stale").asText()).as(note).contains("may be stale");
    }
  }

  /**
   * A rolling upgrade runs both versions at once, and rebalances all along. An instance of the previous version asks
   * its peers for /cameras?scope=local and reads any 200 as a current answer (it knows no "stale"): served stale
   * cameras, it listed them with complete: true and no note, where it said the peer's part was missing before. Only an
   * asker that says it reads "stale" (this version's peers, with {@link Peers#READS_STALE}) is answered from stale
   * stores; any other still gets the 503 naming the state.
   */
  @Test
  void aStaleReadingIsServedOnlyToAnAskerThatSaysItReadsStale() throws Exception {
    CameraDirectory rebalancing = new CameraDirectory() {
      @Override
      public List<CameraStatus> all() {
        throw new org.apache.kafka.streams.errors.InvalidStateStoreException("not RUNNING");
      }

      @Override
      public Optional<CameraStatus> one(String id) {
        throw new org.apache.kafka.streams.errors.InvalidStateStoreException("not RUNNING");
      }

      @Override
      public CameraDirectory stale() {
        return directory(Map.of("cam-1", camera("cam-1", 10)));
      }
    };
    MonitorMetrics metrics = MonitorMetrics.inMemory();
    open.add(metrics);
    MonitorHttpServer moving = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0),
        HealthCheck.ofState(() -> KafkaStreams.State.REBALANCING), metrics::scrape, rebalancing, null, metrics::counts,
        Peers.NONE);
    open.add(moving);

    for (String path : List.of("/cameras?scope=local", "/cameras?scope=local&limit=10")) {
      HttpResponse<String> previousVersion = get(moving, path);
      assertThat(previousVersion.statusCode()).as(path).isEqualTo(503);
      assertThat(json.readTree(previousVersion.body()).path("error").asText()).as(path)
          .contains("REBALANCING").contains("retry in a few seconds");
    }
    // this version's peers say they read it, and list the cameras as possibly stale
    MonitorHttpServer asker = server(new TreeMap<>(Map.of("cam-2", camera("cam-2", 5))),
        new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(new HostInfo("127.0.0.1", moving.port())),
            PeerStub.ANSWERS_WITHIN, null));
    for (String path : List.of("/cameras", "/cameras?limit=10")) {
      JsonNode body = json.readTree(get(asker, path).body());
      List<String> ids = new ArrayList<>();
      body.path("cameras").forEach(c -> ids.add(c.path("cameraId").asText()));
      assertThat(ids).as(path).containsExactly("cam-1", "cam-2");
      assertThat(body.path("complete").asBoolean()).as(path).isFalse();
      assertThat(body.path("instances").get(1).path("stale").asText()).as(path).contains("REBALANCING");
    }
  }

  /**
   * Walking a scale-out, the instance just started answered "camera state is not available while Kafka Streams is
   * RUNNING; retry in a few seconds" for about a second: the client was RUNNING while its stream threads still took up
   * the partitions just assigned. "Not available while RUNNING" reads as a fault; it says what is going on.
   */
  @Test
  void anInstanceRunningWhoseThreadsStillTakeUpPartitionsSaysSoNotThatRunningIsWhyItCannotAnswer() {
    assertThat(ClusterCameras.unavailable("RUNNING", false)).doesNotContain("while Kafka Streams is RUNNING;")
        .contains("Kafka Streams is RUNNING").contains("stream threads").contains("retry in a few seconds");
    assertThat(ClusterCameras.unavailable("REBALANCING", false))
        .isEqualTo("camera state is not available while Kafka Streams is REBALANCING; retry in a few seconds");
  }

  /**
   * The dashboard read every 503 of /cameras as a failure, a normal start included. The answer says whether the cameras
   * come by themselves (starting, rebalancing) or only from another instance (stopping, in ERROR).
   */
  @Test
  void anUnavailableAnswerSaysWhetherTheCamerasComeByThemselvesOrOnlyFromAnotherInstance() {
    for (String state : List.of("STARTING", "CREATED", "REBALANCING", "RUNNING")) {
      assertThat(ClusterCameras.unavailableAnswer(new HealthReport(false, state, List.of()))).as(state)
          .containsEntry("notYet", true).containsEntry("state", state)
          .containsEntry("error", ClusterCameras.unavailable(state, false));
    }
    for (String state : List.of("PENDING_SHUTDOWN", "NOT_RUNNING", "PENDING_ERROR", "ERROR")) {
      assertThat(ClusterCameras.unavailableAnswer(new HealthReport(false, state, List.of()))).as(state)
          .containsEntry("notYet", false);
    }
  }

  /**
   * While the monitor restarts Kafka Streams in place after a failure (a new client 1 s later, doubling), the old
   * client is ERROR or NOT_RUNNING: /cameras answered "this instance is stopping: ask another instance of the group"
   * with {@code notYet} false, and the dashboard said "update failed" while its note on the counts said "restarting".
   * The monitor's own restart signal makes the answer say so, and the cameras come back by themselves; a real stop,
   * with no restart under way, still reads as stopping.
   */
  @Test
  void whileKafkaStreamsRestartsInPlaceTheAnswerSaysRestartingAndThatTheCamerasComeBackNotThatItStops() {
    for (String state : List.of("PENDING_ERROR", "ERROR", "PENDING_SHUTDOWN", "NOT_RUNNING", "CREATED",
        "REBALANCING")) {
      Map<String, Object> answer = ClusterCameras.unavailableAnswer(new HealthReport(false, state,
          List.of("Kafka Streams is restarting after a failure (1 in a row; next start in 1 s): boom"), true));
      assertThat(answer).as(state).containsEntry("notYet", true).containsEntry("state", state)
          .containsEntry("restarting", true);
      assertThat((String) answer.get("error")).as(state).contains("restarts in place").contains(state)
          .contains("retry in a few seconds").doesNotContain("stopping");
    }
    assertThat(ClusterCameras.unavailable("NOT_RUNNING", false)).contains("this instance is stopping");
  }

  @Test
  void aQuestionFromAnotherInstanceIsAnsweredFromThisOneAlone() throws Exception {
    HttpResponse<String> mine = get(first, "/cameras?scope=local");
    assertThat(json.readTree(mine.body()).path("cameras")).hasSize(1);
    assertThat(json.readTree(mine.body()).has("instances")).isFalse();
    assertThat(get(first, "/cameras/cam-3?scope=local").statusCode()).isEqualTo(404);
    // the second instance's peer (port 1) is never asked for a local question: it answers at once with its own two
    HttpResponse<String> theirs = get(second, "/cameras?scope=local");
    assertThat(json.readTree(theirs.body()).path("cameras")).hasSize(2);
  }
  /** A running instance's store ({@code active}) and what its stale reading adds: the standby replicas it keeps. */
  private static CameraDirectory withStandbys(Map<String, CameraStatus> active, Map<String, CameraStatus> standbys) {
    Map<String, CameraStatus> both = new TreeMap<>(standbys);
    both.putAll(active);
    CameraDirectory current = directory(active);
    return new CameraDirectory() {
      @Override
      public List<CameraStatus> all() {
        return current.all();
      }

      @Override
      public Optional<CameraStatus> one(String id) {
        return current.one(id);
      }

      @Override
      public CameraDirectory stale() {
        return directory(both);
      }
    };
  }

  /**
   * Two askers whose partition lookup answers {@code why} for every id, each holding cam-1: the first with a peer that
   * holds cam-2 (three servers in all), the second alone.
   */
  private List<MonitorHttpServer> withPeerAndAlone(String why) throws Exception {
    MonitorHttpServer peer = running(directory(Map.of("cam-2", camera("cam-2", 20))), Peers.NONE);
    MonitorHttpServer withPeer = running(directory(Map.of("cam-1", camera("cam-1", 10))), new Peers(
        new HostInfo("127.0.0.1", 9), () -> List.of(new HostInfo("127.0.0.1", peer.port())), id -> why,
        PeerStub.ANSWERS_WITHIN, null, false));
    MonitorHttpServer alone = running(directory(Map.of("cam-1", camera("cam-1", 10))), new Peers(
        new HostInfo("127.0.0.1", 9), List::of, id -> why, PeerStub.ANSWERS_WITHIN, null, false));
    return List.of(withPeer, alone);
  }

  private MonitorHttpServer running(CameraDirectory cameras, Peers peers) throws Exception {
    MonitorMetrics metrics = MonitorMetrics.inMemory();
    open.add(metrics);
    MonitorHttpServer s = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0),
        HealthCheck.ofState(() -> KafkaStreams.State.RUNNING), metrics::scrape, cameras, null, metrics::counts, peers);
    open.add(s);
    return s;
  }

  /**
   * With kafka.num.standby.replicas, the instances that keep running hold standby replicas of a stopped instance's
   * partitions, but for the seconds until the rebalance (up to streams.session-timeout-ms after a kill -9) they listed
   * none of its cameras: they read their active stores only. While an instance does not answer, the others' standby
   * replicas (this one's and each answering peer's) fill in its cameras, and its entry says they may be stale.
   */
  @Test
  void camerasOfAnInstanceThatDoesNotAnswerAreListedFromTheOthersStandbyReplicas() throws Exception {
    MonitorHttpServer peer = running(withStandbys(Map.of("cam-2", camera("cam-2", 20)),
        Map.of("cam-1", camera("cam-1", 9), "cam-8", camera("cam-8", 80))), Peers.NONE);
    HostInfo dead = new HostInfo("127.0.0.1", deadPort);
    MonitorHttpServer asker = running(withStandbys(Map.of("cam-1", camera("cam-1", 10)),
        Map.of("cam-9", camera("cam-9", 90))), new Peers(new HostInfo("127.0.0.1", 9),
            () -> List.of(new HostInfo("127.0.0.1", peer.port()), dead), PeerStub.ANSWERS_WITHIN, null, true));

    for (String path : List.of("/cameras", "/cameras?limit=10")) {
      JsonNode body = json.readTree(get(asker, path).body());
  
      Map<String, Long> frames = new TreeMap<>();
      body.path("cameras").forEach(c -> frames.put(c.path("cameraId").asText(), c.path("totalFrames").asLong()));
      // an active store's state wins over a standby's copy of the same camera
      assertThat(frames).as(path).isEqualTo(Map.of("cam-1", 10L, "cam-2", 20L, "cam-8", 80L, "cam-9", 90L));
      assertThat(body.path("complete").asBoolean()).as(path).isFalse();
      assertThat(body.path("instances").get(0).path("cameras").asInt()).as(path).isEqualTo(1);
      assertThat(body.path("instances").get(1).path("cameras").asInt()).as(path).isEqualTo(1);
      JsonNode missing = body.path("instances").get(2);
      assertThat(missing.path("error").asText()).as(path).contains("unreachable");
      assertThat(missing.path("stale").asText()).as(path).contains("2 cameras").contains("standby replicas")
          .contains("may be stale");
    }
  }

  /** While every instance answers, a standby replica's copies are not listed: they are older than the active ones. */
  @Test
  void standbyReplicasAreNotReadWhileEveryInstanceAnswers() throws Exception {
    MonitorHttpServer peer = running(withStandbys(Map.of("cam-2", camera("cam-2", 20)),
        Map.of("cam-8", camera("cam-8", 80))), Peers.NONE);
    MonitorHttpServer asker = running(withStandbys(Map.of("cam-1", camera("cam-1", 10)),
        Map.of("cam-9", camera("cam-9", 90))), new Peers(new HostInfo("127.0.0.1", 9),
            () -> List.of(new HostInfo("127.0.0.1", peer.port())), PeerStub.ANSWERS_WITHIN, null, true));

    JsonNode body = json.readTree(get(asker, "/cameras").body());

    List<String> ids = new ArrayList<>();
    body.path("cameras").forEach(c -> ids.add(c.path("cameraId").asText()));
    assertThat(ids).containsExactly("cam-1", "cam-2");
    assertThat(body.path("complete").asBoolean()).isTrue();
  }
  /**
   * Walking a SIGTERM with standby replicas, the stopped instance had left the group's metadata 1.3 s after the signal,
   * so no instance was silent, and for 2.4 s its cameras were missing again: one survivor answered from its active
   * stores, the other (still rebalancing) from its stale ones. While any instance answers stale, a current one's
   * standby replicas fill in what is missing too, and its entry says so.
   */
  @Test
  void whileAnotherInstanceRebalancesACurrentOnesStandbyReplicasFillInTheCamerasInFlight() throws Exception {
    HostInfo rebalancing = PeerStub.answering(open, "application/json", ex -> ("{\"cameras\":[{\"cameraId\":\"cam-4\","
        + "\"status\":\"NORMAL\",\"totalFrames\":4}],\"stale\":\"read while Kafka Streams is REBALANCING\"}")
        .getBytes(StandardCharsets.UTF_8));
    MonitorHttpServer asker = running(withStandbys(Map.of("cam-1", camera("cam-1", 10)),
        Map.of("cam-9", camera("cam-9", 90))), new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(rebalancing),
            PeerStub.ANSWERS_WITHIN, null, true));

    JsonNode body = json.readTree(get(asker, "/cameras").body());

    List<String> ids = new ArrayList<>();
    body.path("cameras").forEach(c -> ids.add(c.path("cameraId").asText()));
    assertThat(ids).containsExactly("cam-1", "cam-4", "cam-9");
    assertThat(body.path("complete").asBoolean()).isFalse();
    JsonNode own = body.path("instances").get(0);
    assertThat(own.path("cameras").asInt()).isEqualTo(1);
    assertThat(own.path("stale").asText()).contains("1 camera ").contains("standby replicas").contains("may be stale")
        .contains("1 camera of partitions moving between instances is listed from standby replicas");
  }

  /**
   * Without kafka.num.standby.replicas (the default), a peer down for minutes made every /cameras (a dashboard polls
   * every 1.5 s) ask each answering peer a second time, for a stale reading that held only what it had just sent.
   */
  @Test
  void withoutStandbyReplicasASilentPeerDoesNotMakeTheOthersBeAskedTwice() throws Exception {
    List<String> asked = java.util.Collections.synchronizedList(new ArrayList<>());
    HostInfo answering = PeerStub.answering(open, "application/json", ex -> {
      asked.add(ex.getRequestURI().getRawQuery());
      return "{\"cameras\":[{\"cameraId\":\"cam-2\",\"status\":\"NORMAL\",\"totalFrames\":20}]}"
          .getBytes(StandardCharsets.UTF_8);
    });
    MonitorHttpServer asker = running(withStandbys(Map.of("cam-1", camera("cam-1", 10)),
        Map.of("cam-9", camera("cam-9", 90))), new Peers(new HostInfo("127.0.0.1", 9),
            () -> List.of(answering, new HostInfo("127.0.0.1", deadPort)), PeerStub.ANSWERS_WITHIN, null, false));

    JsonNode body = json.readTree(get(asker, "/cameras").body());

    assertThat(asked).containsExactly("scope=local");
    List<String> ids = new ArrayList<>();
    body.path("cameras").forEach(c -> ids.add(c.path("cameraId").asText()));
    assertThat(ids).as("no replica to read: the restoring or standby stores are not read either")
        .containsExactly("cam-1", "cam-2");
    assertThat(body.path("instances").get(2).path("error").asText()).contains("unreachable");
    assertThat(body.path("instances").get(2).has("stale")).isFalse();
  }

  /**
   * The fill-in found each answer's entry by its place in the list (this instance's first, then one per answer): an
   * entry of another kind before the peers' (a note on partitions without a host) made it skip an answering peer and
   * leave out the cameras its replicas held. Entries are found by the server that answered.
   */
  @Test
  void theFillInFindsEachAnswersEntryByItsServerNotByItsPlaceInTheList() throws Exception {
    HostInfo peer = PeerStub.answering(open, "application/json", ex -> ("{\"cameras\":[{\"cameraId\":\"cam-8\","
        + "\"status\":\"NORMAL\",\"totalFrames\":80}],\"stale\":\"standby\"}").getBytes(StandardCharsets.UTF_8));
    Peers peers = new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(peer), PeerStub.ANSWERS_WITHIN, null, true);
    List<Peers.Answer> answers = List.of(new Peers.Answer(peer, 200, "{\"cameras\":[]}".getBytes(StandardCharsets.UTF_8),
        "application/json", null));
    List<CameraDirectory.Instance> instances = new ArrayList<>(List.of(
        new CameraDirectory.Instance("127.0.0.1:9", true, 1, null),
        new CameraDirectory.Instance("127.0.0.1:1", false, null, "no answer within 2000 ms"),
        new CameraDirectory.Instance(Peers.serverName(peer), false, 0, null)));
    TreeMap<String, CameraStatus> byId = new TreeMap<>(Map.of("cam-1", camera("cam-1", 10)));

    StandbyCameras.fillIn(directory(Map.of("cam-1", camera("cam-1", 10))), true, peers, answers, null, byId, instances);

    assertThat(byId).containsOnlyKeys("cam-1", "cam-8");
    assertThat(instances.get(1).stale()).contains("1 camera ").contains(Peers.serverName(peer));
  }

  /**
   * An instance that cannot read its own stores, not even stale (stopping, or restoring), while every peer answers:
   * only a silent peer started the fill-in, so the cameras of its partitions were missing although a peer's standby
   * replicas held them. Its own part counts as silent too, and says where its cameras came from.
   */
  @Test
  void anInstanceThatCannotReadItsOwnStoresGetsItsCamerasFromAPeersStandbyReplicas() throws Exception {
    HostInfo peer = PeerStub.answering(open, "application/json", ex -> ("{\"cameras\":[{\"cameraId\":\"cam-1\","
        + "\"status\":\"NORMAL\",\"totalFrames\":9}],\"stale\":\"standby\"}").getBytes(StandardCharsets.UTF_8));
    Peers peers = new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(peer), PeerStub.ANSWERS_WITHIN, null, true);
    List<Peers.Answer> answers = List.of(new Peers.Answer(peer, 200, ("{\"cameras\":[{\"cameraId\":\"cam-2\","
        + "\"status\":\"NORMAL\",\"totalFrames\":20}]}").getBytes(StandardCharsets.UTF_8), "application/json", null));
    List<CameraDirectory.Instance> instances = new ArrayList<>(List.of(
        new CameraDirectory.Instance("127.0.0.1:9", true, null, "not available: Kafka Streams is PENDING_SHUTDOWN"),
        new CameraDirectory.Instance(Peers.serverName(peer), false, 1, null)));
    TreeMap<String, CameraStatus> byId = new TreeMap<>(Map.of("cam-2", camera("cam-2", 20)));

    StandbyCameras.fillIn(refusing("not queryable", null), false, peers, answers, null, byId, instances);

    assertThat(byId).containsOnlyKeys("cam-1", "cam-2");
    assertThat(instances.get(0).stale()).contains("1 camera ").contains(Peers.serverName(peer))
        .contains("could not read their stores");
    assertThat(instances.get(1).stale()).as("the peer answered current: its own part is not stale").isNull();
  }

  /**
   * Asked for its first N, the merged answer's "known" added up the instances' counts only: cameras filled in from
   * standby replicas were listed but not counted (4 cameras listed, "known": 2), and the dashboard's "N of known"
   * read as if nothing were cut.
   */
  @Test
  void theCountKnownIsNeverBelowTheCamerasListedWithThoseOfStandbyReplicas() throws Exception {
    MonitorHttpServer peer = running(withStandbys(Map.of("cam-2", camera("cam-2", 20)),
        Map.of("cam-8", camera("cam-8", 80))), Peers.NONE);
    MonitorHttpServer asker = running(withStandbys(Map.of("cam-1", camera("cam-1", 10)),
        Map.of("cam-9", camera("cam-9", 90))), new Peers(new HostInfo("127.0.0.1", 9),
            () -> List.of(new HostInfo("127.0.0.1", peer.port()), new HostInfo("127.0.0.1", deadPort)),
            PeerStub.ANSWERS_WITHIN, null, true));

    JsonNode body = json.readTree(get(asker, "/cameras?limit=10").body());

    assertThat(body.path("cameras")).hasSize(4);
    assertThat(body.path("known").asInt()).isEqualTo(4);
  }

  /**
   * During a rebalance a camera's partition may be restoring from the changelog on its new owner, which answers stale
   * with the copy restored so far, while another instance's standby replica is current: the fill-in kept the first
   * copy listed, however far behind. As in the merge of answers, the copy with the most frames wins; an active
   * store's copy is never behind its replica.
   */
  @Test
  void aStandbyReplicaAheadOfACopyReadStaleReplacesIt() throws Exception {
    HostInfo restoring = PeerStub.answering(open, "application/json", ex -> ("{\"cameras\":[{\"cameraId\":\"cam-4\","
        + "\"status\":\"NORMAL\",\"totalFrames\":4}],\"stale\":\"read while Kafka Streams is REBALANCING\"}")
        .getBytes(StandardCharsets.UTF_8));
    MonitorHttpServer asker = running(withStandbys(Map.of("cam-1", camera("cam-1", 10)),
        Map.of("cam-1", camera("cam-1", 9), "cam-4", camera("cam-4", 40))), new Peers(new HostInfo("127.0.0.1", 9),
            () -> List.of(restoring), PeerStub.ANSWERS_WITHIN, null, true));

    JsonNode body = json.readTree(get(asker, "/cameras").body());

    Map<String, Long> frames = new TreeMap<>();
    body.path("cameras").forEach(c -> frames.put(c.path("cameraId").asText(), c.path("totalFrames").asLong()));
    assertThat(frames).isEqualTo(Map.of("cam-1", 10L, "cam-4", 40L));
    assertThat(body.path("instances").get(0).path("stale").asText()).contains("1 camera ");
  }

  /**
   * Asked for the first N, this instance's replica of an answering peer's camera that peer did not send (beyond its
   * first N) was counted as a camera of the instance that did not answer, although not listed and not its.
   */
  @Test
  void withALimitOnlyTheCamerasOfReplicasThatAreListedAreSaidToBeFilledIn() throws Exception {
    CameraStatus flaggedMost = new CameraStatus("cam-2", "NORMAL", 1000, 1, 1, -1, 0, 0, 0, 0, -1, 20, 5);
    CameraStatus flagged = new CameraStatus("cam-3", "NORMAL", 1000, 1, 1, -1, 0, 0, 0, 0, -1, 30, 2);
    MonitorHttpServer peer = running(withStandbys(Map.of("cam-2", flaggedMost, "cam-3", flagged), Map.of()),
        Peers.NONE);
    MonitorHttpServer asker = running(withStandbys(Map.of("cam-1", camera("cam-1", 10)), Map.of("cam-3", flagged)),
        new Peers(new HostInfo("127.0.0.1", 9), () -> List.of(new HostInfo("127.0.0.1", peer.port()),
            new HostInfo("127.0.0.1", deadPort)), PeerStub.ANSWERS_WITHIN, null, true));

    JsonNode body = json.readTree(get(asker, "/cameras?limit=1").body());

    assertThat(body.path("cameras").get(0).path("cameraId").asText()).isEqualTo("cam-2");
    assertThat(body.path("instances").get(2).has("stale")).as("none of its cameras is listed").isFalse();
  }

  /**
   * The merge of the instances' answers and the fill-in from standby replicas each wrote "more frames wins" in its own
   * words (one kept the first copy on a tie with >=, the other replaced it only with >): one rule now serves both.
   */
  @Test
  void ofTwoCopiesOfOneCameraTheOneWithMoreFramesIsNewerAndOnATieTheListedOneStays() {
    assertThat(ClusterCameras.newer(camera("cam-1", 11), camera("cam-1", 10))).isTrue();
    assertThat(ClusterCameras.newer(camera("cam-1", 9), camera("cam-1", 10))).isFalse();
    assertThat(ClusterCameras.newer(camera("cam-1", 10), camera("cam-1", 10))).as("a tie").isFalse();
    assertThat(ClusterCameras.newer(camera("cam-1", 0), null)).as("none listed yet").isTrue();
  }

  /**
   * While an instance did not answer, the merged /cameras listed its cameras from the others' standby replicas (marked
   * stale), but /cameras/{id} of the same camera answered 503 naming the silent instance: the two disagreed. The one
   * camera's answer now reads the replicas too (the newest copy, this instance's and the answering peers'), and says it
   * may be stale; a camera no replica holds is still 503, a camera an active store holds still current.
   */
  @Test
  void oneCameraOfAnInstanceThatDoesNotAnswerIsReadFromAStandbyReplicaAsTheListingDoes() throws Exception {
    MonitorHttpServer peer = running(withStandbys(Map.of("cam-2", camera("cam-2", 20)),
        Map.of("cam-8", camera("cam-8", 80), "cam-9", camera("cam-9", 95))), Peers.NONE);
    MonitorHttpServer asker = running(withStandbys(Map.of("cam-1", camera("cam-1", 10)),
        Map.of("cam-9", camera("cam-9", 90))), new Peers(new HostInfo("127.0.0.1", 9),
            () -> List.of(new HostInfo("127.0.0.1", peer.port()), new HostInfo("127.0.0.1", deadPort)),
            PeerStub.ANSWERS_WITHIN, null, true));

    HttpResponse<String> fromPeer = get(asker, "/cameras/cam-8");
    assertThat(fromPeer.statusCode()).isEqualTo(200);
    assertThat(json.readTree(fromPeer.body()).path("totalFrames").asLong()).isEqualTo(80);
    assertThat(json.readTree(fromPeer.body()).path("stale").asText()).contains("standby replica on 127.0.0.1:"
        + peer.port()).contains("may be stale");
    JsonNode newest = json.readTree(get(asker, "/cameras/cam-9").body());
    assertThat(newest.path("totalFrames").asLong()).as("the peer's replica is ahead of this one's").isEqualTo(95);
    JsonNode listed = json.readTree(get(asker, "/cameras").body());
    List<String> ids = new ArrayList<>();
    listed.path("cameras").forEach(c -> ids.add(c.path("cameraId").asText()));
    assertThat(ids).as("what the listing shows, one camera's answer shows").contains("cam-8", "cam-9");

    JsonNode current = json.readTree(get(asker, "/cameras/cam-2").body());
    assertThat(current.has("stale")).as("an active store's copy is current").isFalse();
    HttpResponse<String> nowhere = get(asker, "/cameras/cam-404");
    assertThat(nowhere.statusCode()).isEqualTo(503);
    assertThat(nowhere.body()).contains("127.0.0.1:" + deadPort);
  }

  /**
   * An instance with http.port=0 advertises no server, and Kafka Streams leaves it out of the group's metadata: the
   * cameras of its partitions were missing while the merged /cameras said complete: true, alone or with peers, and
   * /cameras/{id} of one of them answered 404. Such partitions now make an entry with the reason, complete is false,
   * and a camera on no instance that answered is 503, not "no such camera".
   */
  @Test
  void partitionsHeldByAnInstanceWithoutAServerMakeTheAnswerIncomplete() throws Exception {
    String why = "2 of 4 partitions of the camera store are held by an instance that advertises no server";
    List<MonitorHttpServer> askers = withPeerAndAlone(why);
    MonitorHttpServer alone = askers.get(1);

    for (MonitorHttpServer asker : askers) {
      JsonNode body = json.readTree(get(asker, "/cameras").body());
      assertThat(body.path("cameras").size()).isEqualTo(asker == alone ? 1 : 2);
      assertThat(body.path("complete").asBoolean()).isFalse();
      JsonNode last = body.path("instances").get(body.path("instances").size() - 1);
      assertThat(last.path("server").asText()).isEqualTo(ClusterCameras.UNASKED);
      assertThat(last.path("error").asText()).isEqualTo(why);
      HttpResponse<String> unknown = get(asker, "/cameras/cam-404");
      assertThat(unknown.statusCode()).isEqualTo(503);
      assertThat(unknown.body()).contains(why);
      assertThat(get(asker, "/cameras/cam-1").statusCode()).isEqualTo(200);
    }
  }

  /**
   * The 503 of a camera that may be on an instance without a server ended "retry in a few seconds": no retry changes
   * it until that instance gets an http.port, which its reason says to set. A silent peer's 503 still says retry.
   */
  @Test
  void aCameraThatMayBeOnAnInstanceWithoutAServerIsNotSaidToComeWithARetry() throws Exception {
    String why = "2 of 4 partitions of the camera store are held by an instance that advertises no server";
    MonitorHttpServer alone = running(directory(Map.of("cam-1", camera("cam-1", 10))), new Peers(
        new HostInfo("127.0.0.1", 9), List::of, id -> why, PeerStub.ANSWERS_WITHIN, null, false));
    MonitorHttpServer withSilentPeer = running(directory(Map.of("cam-1", camera("cam-1", 10))), new Peers(
        new HostInfo("127.0.0.1", 9), () -> List.of(new HostInfo("127.0.0.1", deadPort)), id -> why,
        PeerStub.ANSWERS_WITHIN, null, false));

    HttpResponse<String> unasked = get(alone, "/cameras/cam-404");
    assertThat(unasked.statusCode()).isEqualTo(503);
    assertThat(json.readTree(unasked.body()).path("error").asText()).contains(why).doesNotContain("retry in")
        .contains("until every instance has an http.port");
    HttpResponse<String> silent = get(withSilentPeer, "/cameras/cam-404");
    assertThat(silent.statusCode()).isEqualTo(503);
    assertThat(silent.body()).contains(why).contains("127.0.0.1:" + deadPort).contains("retry in a few seconds");
  }

  /**
   * While the partition count is not known (looked up, or refused by the broker), whether an instance without a server
   * holds a camera cannot be told: an unknown id said 404. It is a 503 with the reason's own advice (retry, or the ACL
   * to grant), not "until every instance has an http.port", which no instance may lack.
   */
  @Test
  void anUnknownCameraWhileThePartitionCountIsNotKnownIsUnsureWithTheReasonsOwnAdvice() throws Exception {
    String why = UnaskedCameras.NOT_KNOWN + "app-repartition) has is not known here yet (still looking it up: the "
        + "broker is being asked), so whether an instance that advertises no streams.application-server holds camera "
        + "'cam-404' cannot be told; retry in a few seconds";
    List<MonitorHttpServer> askers = withPeerAndAlone(why);

    for (MonitorHttpServer asker : askers) {
      HttpResponse<String> unknown = get(asker, "/cameras/cam-404");
      assertThat(unknown.statusCode()).isEqualTo(503);
      assertThat(json.readTree(unknown.body()).path("error").asText()).contains(why)
          .doesNotContain("until every instance has an http.port");
      assertThat(get(asker, "/cameras/cam-1").statusCode()).isEqualTo(200);
    }
    assertThat(get(askers.get(0), "/cameras/cam-2").statusCode()).isEqualTo(200);
  }

  /**
   * Where an instance without a server held some partitions, /cameras/{id} of every camera that no instance that
   * answered holds was 503, unknown ids included: a script could never tell an unknown camera. A camera whose
   * partition an instance that answered holds (and said it has not) is 404 again; one of an unasked partition, 503.
   */
  @Test
  void aCameraOfAPartitionThatAnInstanceThatAnsweredHoldsIsUnknownNotUnsure() throws Exception {
    String why = "1 of 4 partitions of the camera store are held by an instance that advertises no server";
    MonitorHttpServer alone = running(directory(Map.of("cam-1", camera("cam-1", 10))), new Peers(
        new HostInfo("127.0.0.1", 9), List::of, id -> id == null || id.equals("cam-9") ? why : null,
        PeerStub.ANSWERS_WITHIN, null, false));

    assertThat(get(alone, "/cameras/cam-404").statusCode()).as("its partition is held here").isEqualTo(404);
    HttpResponse<String> unsure = get(alone, "/cameras/cam-9");
    assertThat(unsure.statusCode()).as("its partition is held by the instance without a server").isEqualTo(503);
    assertThat(unsure.body()).contains(why);
    assertThat(json.readTree(get(alone, "/cameras").body()).path("complete").asBoolean()).isFalse();
  }

  /**
   * The cameras of an instance without a server, filled in from standby replicas, were said to "be stale until the
   * rebalance hands their partitions over": no rebalance comes while that instance runs. The notes say for how long.
   */
  @Test
  void camerasOfAnInstanceWithoutAServerReadFromReplicasAreNotSaidToWaitForARebalance() throws Exception {
    String why = "1 of 4 partitions of the camera store are held by an instance that advertises no server";
    MonitorHttpServer alone = running(withStandbys(Map.of("cam-1", camera("cam-1", 10)),
        Map.of("cam-8", camera("cam-8", 80))), new Peers(new HostInfo("127.0.0.1", 9), List::of, id -> why,
            PeerStub.ANSWERS_WITHIN, null, true));

    JsonNode body = json.readTree(get(alone, "/cameras").body());
    JsonNode last = body.path("instances").get(body.path("instances").size() - 1);
    assertThat(last.path("server").asText()).isEqualTo(ClusterCameras.UNASKED);
    assertThat(last.path("stale").asText()).contains("1 camera").contains("standby replicas")
        .doesNotContain("rebalance").contains("for as long as");
    JsonNode one = json.readTree(get(alone, "/cameras/cam-8").body());
    assertThat(one.path("totalFrames").asLong()).isEqualTo(80);
    assertThat(one.path("stale").asText()).contains("standby replica").doesNotContain("rebalance")
        .contains("for as long as");
  }

  /**
   * With standby replicas, a peer down for minutes made every /cameras (each open dashboard polls every 1.5 s) ask
   * every answering peer a second time, for its replicas. Their answer is now listed again for StandbyCameras.REUSE
   * without asking; the first round still asks every instance on each poll, so the one that was down shows the moment
   * it answers again.
   */
  @Test
  void aPeerThatStaysDownCostsTheStandbyRoundOncePerReuseNotOnEveryPoll() throws Exception {
    List<String> asked = java.util.Collections.synchronizedList(new ArrayList<>());
    HostInfo answering = PeerStub.answering(open, "application/json", ex -> {
      asked.add(ex.getRequestURI().getRawQuery());
      return ("{\"cameras\":[{\"cameraId\":\"cam-" + (ex.getRequestURI().getRawQuery().contains("standby") ? "8" : "2")
          + "\",\"status\":\"NORMAL\",\"totalFrames\":20}]}").getBytes(StandardCharsets.UTF_8);
    });
    java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicInteger deadPortNow = new java.util.concurrent.atomic.AtomicInteger(deadPort);
    MonitorHttpServer returning = running(directory(Map.of("cam-7", camera("cam-7", 70))), Peers.NONE);
    MonitorHttpServer asker = running(directory(Map.of("cam-1", camera("cam-1", 10))), new Peers(
        new HostInfo("127.0.0.1", 9), () -> List.of(answering, new HostInfo("127.0.0.1", deadPortNow.get())),
        PeerStub.ANSWERS_WITHIN, true, nanos::get));

    for (int poll = 0; poll < 3; poll++) {
      JsonNode body = json.readTree(get(asker, "/cameras").body());
      List<String> ids = new ArrayList<>();
      body.path("cameras").forEach(c -> ids.add(c.path("cameraId").asText()));
      assertThat(ids).as("poll %d", poll).containsExactly("cam-1", "cam-2", "cam-8");
      nanos.addAndGet(StandbyCameras.REUSE.toNanos() / 4);
    }
    assertThat(asked.stream().filter(q -> q.contains("standby")).count()).as(asked.toString()).isEqualTo(1);
    assertThat(asked.stream().filter(q -> q.equals("scope=local")).count()).isEqualTo(3);

    nanos.addAndGet(StandbyCameras.REUSE.toNanos());
    get(asker, "/cameras");
    assertThat(asked.stream().filter(q -> q.contains("standby")).count()).as("asked again after REUSE").isEqualTo(2);

    // the instance that was down answers again (here: at its address in the group's metadata): shown at once
    deadPortNow.set(returning.port());
    JsonNode back = json.readTree(get(asker, "/cameras").body());
    List<String> ids = new ArrayList<>();
    back.path("cameras").forEach(c -> ids.add(c.path("cameraId").asText()));
    assertThat(ids).containsExactly("cam-1", "cam-2", "cam-7");
    assertThat(back.path("complete").asBoolean()).isTrue();
  }
}
