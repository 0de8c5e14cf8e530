package dev.advmon.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.campaign.CameraDirectory;
import dev.advmon.campaign.CameraStatus;
import dev.advmon.metrics.MonitorMetrics;
import java.net.URI;
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
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    metrics = MonitorMetrics.prometheus();
    CameraDirectory directory = new CameraDirectory() {
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
    assertThat(get("/health/ready").body()).contains("\"streams\":\"RUNNING\"");
    state.set(KafkaStreams.State.ERROR);
    assertThat(get("/health/live").statusCode()).isEqualTo(503);
  }

  @Test
  void metricsAreServedInThePrometheusTextFormatWithTheMonitorsMeters() throws Exception {
    metrics.frameReceived();
    metrics.frameScored(2_000_000, 3);
    metrics.alert("CAMPAIGN");
    metrics.deadLetter("BAD_AVRO");
    metrics.deadLetter("BAD_AVRO");
    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    assertThat(r.body())
        .contains("advmon_frames_total 1.0")
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
  void camerasSayToRetryWhileTheStoreIsNotQueryable() throws Exception {
    storeAvailable = false;
    HttpResponse<String> r = get("/cameras");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("retry");
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
}
