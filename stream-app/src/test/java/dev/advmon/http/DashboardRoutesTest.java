package dev.advmon.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.campaign.CameraDirectory;
import dev.advmon.dashboard.RecentAlerts;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.schema.Alert;
import dev.advmon.schema.DetectorScore;
import dev.advmon.schema.Frame;
import dev.advmon.schema.ImageEncoding;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dashboard's routes on the real server over real HTTP; alerts are fed to it as the topology would. */
class DashboardRoutesTest {

  private final HttpClient http = HttpClient.newHttpClient();
  private MonitorMetrics metrics;
  private RecentAlerts recent;
  private MonitorHttpServer server;

  @BeforeEach
  void start() throws Exception {
    metrics = MonitorMetrics.prometheus();
    // pictures made on the calling thread, so that an alert is listed as soon as onAlert returns
    recent = new RecentAlerts(RecentAlerts.DEFAULT_CAPACITY, ImageLimits.defaults(), RecentAlerts.DEFAULT_MAX_SIDE,
        System::currentTimeMillis);
    CameraDirectory none = CameraDirectory.EMPTY;
    server = new MonitorHttpServer("127.0.0.1", 0, () -> KafkaStreams.State.RUNNING, metrics::scrape, none, recent,
        metrics::counts);
  }

  @AfterEach
  void stop() {
    server.close();
    metrics.close();
  }

  private HttpResponse<byte[]> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  /** As for /cameras (MonitorHttpServerTest): the dashboard's JSON names a parameter it does not take. */
  @Test
  void theJsonRoutesRefuseAParameterOrScopeTheyDoNotTake() throws Exception {
    HttpResponse<byte[]> summary = get("/api/summary?scope=all");
    assertThat(summary.statusCode()).isEqualTo(400);
    assertThat(text(summary)).contains("?scope= takes only 'local'").contains("not 'all'");
    HttpResponse<byte[]> alerts = get("/api/alerts?limit=10");
    assertThat(alerts.statusCode()).isEqualTo(400);
    assertThat(text(alerts)).contains("unknown query parameter 'limit' on /api/alerts").contains("?scope=local");
    HttpResponse<byte[]> picture = get("/api/alerts/7/image.png?instanse=a:1");
    assertThat(picture.statusCode()).isEqualTo(400);
    assertThat(text(picture)).contains("unknown query parameter 'instanse' on /api/alerts/{seq}/image.png")
        .contains("?instance=host:port");
    assertThat(get("/api/summary?scope=local").statusCode()).isEqualTo(200);
    assertThat(get("/api/alerts").statusCode()).isEqualTo(200);
  }

  @Test
  void thePageAndItsAssetsComeFromTheMonitorUnderAPolicyThatAllowsOnlyItsOwnScripts() throws Exception {
    HttpResponse<byte[]> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
        assertThat(csp).contains("script-src 'self'").contains("default-src 'none'"));
    assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(text(page)).contains("/dashboard.js").contains("/dashboard.css").doesNotContain("http://", "https://");
    assertThat(get("/dashboard.js").statusCode()).isEqualTo(200);
    assertThat(text(get("/dashboard.js"))).doesNotContain("innerHTML");
    assertThat(get("/dashboard.css").statusCode()).isEqualTo(200);
  }

  /**
   * The browser asks for an icon with every page: it got a JSON 404 (a console error on each load), and a data: icon
   * would be blocked by the page's img-src 'self'. The page declares one the monitor serves itself.
   */
  @Test
  void thePageDeclaresAnIconTheMonitorServesUnderItsOwnPolicy() throws Exception {
    assertThat(text(get("/"))).contains("<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">");
    HttpResponse<byte[]> icon = get("/favicon.svg");
    assertThat(icon.statusCode()).isEqualTo(200);
    assertThat(icon.headers().firstValue("Content-Type")).hasValue("image/svg+xml");
    assertThat(icon.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
        assertThat(csp).contains("default-src 'none'"));
    assertThat(text(icon)).startsWith("<svg").doesNotContain("<script", "href");
  }

  /**
   * A browser that opens a route other than the page in a tab (/cameras, /metrics, /api/summary) has no link to the
   * declared icon and asks for /favicon.ico: that got a JSON 404 with "no such endpoint". It gets the page's icon,
   * whose type is in its Content-Type (browsers take an SVG icon from any path, as long as the type says so).
   */
  @Test
  void aTabOnAnotherRouteAsksForFaviconIcoAndGetsThePagesIcon() throws Exception {
    HttpResponse<byte[]> ico = get("/favicon.ico");
    assertThat(ico.statusCode()).isEqualTo(200);
    assertThat(ico.headers().firstValue("Content-Type")).hasValue("image/svg+xml");
    assertThat(ico.body()).isEqualTo(get("/favicon.svg").body());
  }

  @Test
  void summaryCountsFramesVerdictsDeadLettersAndAlerts() throws Exception {
    metrics.frameReceived();
    metrics.frameReceived();
    metrics.frameScored(1_000, 1);
    metrics.verdictWritten();
    metrics.deadLetter("BAD_AVRO");
    metrics.alert("PERTURBATION");
    String body = text(get("/api/summary"));
    assertThat(body).contains("\"streams\":\"RUNNING\"").contains("\"frames\":2").contains("\"verdicts\":1")
        .contains("\"deadLetters\":1").contains("\"alerts\":1").contains("\"PERTURBATION\":1")
        .contains("\"timeline\":");
  }

  /**
   * During a restart in place the old client is ERROR: the page showed a red "ERROR" as if it had stopped for good. The
   * summary carries the monitor's own restart flag (not the reasons' words) for the page to say "restarting".
   */
  @Test
  void theSummarySaysWhetherKafkaStreamsRestartsInPlace() throws Exception {
    java.util.concurrent.atomic.AtomicBoolean restarting = new java.util.concurrent.atomic.AtomicBoolean(true);
    dev.advmon.health.HealthCheck health = new dev.advmon.health.HealthCheck() {
      @Override
      public dev.advmon.health.HealthReport readiness() {
        return new dev.advmon.health.HealthReport(false, "ERROR", List.of("Kafka Streams is restarting after a "
            + "failure (1 in a row; next start in 1 s): boom"), restarting.get());
      }

      @Override
      public dev.advmon.health.HealthReport liveness() {
        return dev.advmon.health.HealthReport.up("ERROR");
      }
    };
    try (MonitorHttpServer s = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0), health, metrics::scrape,
        CameraDirectory.EMPTY, recent, metrics::counts)) {
      URI summary = URI.create("http://127.0.0.1:" + s.port() + "/api/summary");
      String during = http.send(HttpRequest.newBuilder(summary).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(during).contains("\"streams\":\"ERROR\"").contains("\"restarting\":true");
      restarting.set(false);
      String after = http.send(HttpRequest.newBuilder(summary).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(after).contains("\"restarting\":false");
    }
  }

  @Test
  void alertsAreListedWithTheirScoresAndAPictureOfTheirFrame() throws Exception {
    Alert alert = Alert.newBuilder().setAlertId("f1/PERTURBATION").setFrameId("f1").setCameraId("<img src=x>")
        .setTime(Instant.ofEpochMilli(7)).setKind("PERTURBATION").setExplanation("why")
        .setScores(List.of(DetectorScore.newBuilder().setDetector("white").setScore(0.99).setThreshold(0.9)
            .setFlagged(true).build()))
        .setEvidence(Map.of("subset", "80", "subset.grid", "2x2")).build();
    Frame frame = Frame.newBuilder().setFrameId("f1").setCameraId("<img src=x>").setCaptureTime(Instant.ofEpochMilli(1))
        .setEncoding(ImageEncoding.GRAY8).setWidth(4).setHeight(4).setImage(ByteBuffer.wrap(new byte[16])).build();
    recent.onAlert(alert, frame);

    long seq = recent.latest().get(0).seq();
    HttpResponse<byte[]> alerts = get("/api/alerts");
    assertThat(alerts.headers().firstValue("Cache-Control")).hasValue("no-store");
    String body = text(alerts);
    assertThat(body).contains("\"cameraId\":\"<img src=x>\"").contains("\"detector\":\"white\"")
        .contains("\"url\":\"/api/alerts/" + seq + "/image.png\"").contains("\"cells\":\"1000\"");
    HttpResponse<byte[]> png = get("/api/alerts/" + seq + "/image.png");
    assertThat(png.statusCode()).isEqualTo(200);
    assertThat(png.headers().firstValue("Content-Type")).hasValue("image/png");
    assertThat(png.headers().firstValue("Cache-Control")).hasValue("private, max-age=3600"); // it never changes
    assertThat(png.body()).startsWith(0x89, 'P', 'N', 'G');
    HttpResponse<byte[]> gone = get("/api/alerts/99/image.png");
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(text(gone)).contains("latest 50");
  }

  @Test
  void aRequestForAnotherHostIsRefusedWhileTheServerListensOnLoopback() throws Exception {
    // what a page on evil.example would send after re-pointing its name at 127.0.0.1 (DNS rebinding)
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      OutputStream out = s.getOutputStream();
      out.write(("GET /api/alerts HTTP/1.1\r\nHost: evil.example:" + server.port() + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(response).startsWith("HTTP/1.1 403").contains("http.bind");
    }
    assertThat(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/api/alerts")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
  }

  @Test
  void withoutItsDataTheServerHasNoDashboard() throws Exception {
    try (MonitorHttpServer plain = new MonitorHttpServer("127.0.0.1", 0, () -> KafkaStreams.State.RUNNING,
        metrics::scrape, null)) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plain.port() + "/"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(404);
    }
  }
}
