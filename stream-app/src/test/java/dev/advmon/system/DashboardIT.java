package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import dev.advmon.config.MonitorConfig;
import dev.advmon.dashboard.RecentAlerts;
import dev.advmon.detect.FrameScorer;
import dev.advmon.http.MonitorHttpServer;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.schema.Alert;
import dev.advmon.schema.Frame;
import dev.advmon.schema.ImageEncoding;
import dev.advmon.testing.DashboardBrowser;
import dev.advmon.testing.KafkaBroker;
import dev.advmon.testing.MeanBrightnessDetector;
import dev.advmon.testing.RealKafkaAndRegistry;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.TempTree;
import dev.advmon.testing.TestData;
import dev.advmon.topology.StreamingMonitor;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator dashboard end to end: the real topology on a real broker and registry, with a test detector
 * that flags bright frames (no real detector exists yet), the monitor's HTTP server, and the page in headless
 * Chromium. Frames go in through Kafka; the test reads only what the browser shows.
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver} (CI installs them; see {@code .ci/run}).
 * Leaves a screenshot of the page in {@code stream-app/target/dashboard.png}.
 */
@RealKafkaAndRegistry
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardIT {

  private static final Duration WAIT = Duration.ofSeconds(90);
  /**
   * For what the page shows within a poll or two of a change (it polls every 1.5 s): 5-10 s left a loaded machine,
   * with Chromium on it, little room; each wait ends as soon as the page shows it.
   */
  private static final Duration NEXT_POLLS = Duration.ofSeconds(30);
  /** An attacker chooses camera ids: this one would run a script if the page put it in as markup. */
  private static final String HOSTILE_CAMERA = "<img src=x onerror=\"document.title='pwned'\">";

  private static Path scratch; // Streams state and the browser profile, removed after the class
  private static DjlClassifier classifier;
  private static MonitorMetrics metrics;
  private static RecentAlerts recent;
  private static StreamingMonitor monitor;
  private static MonitorHttpServer http;
  private static ChromeDriver browser;
  private static MonitorConfig config;
  private static SchemaRegistry registry;
  private static String bootstrap;

  @BeforeAll
  static void start(KafkaBroker.Info broker, SchemaRegistryServer.Info registryServer) throws Exception {
    long t0 = System.nanoTime();
    String run = UUID.randomUUID().toString().substring(0, 8);
    scratch = Files.createTempDirectory("advmon-dashboard-it-");
    bootstrap = broker.bootstrapServers();
    Map<String, String> settings = new HashMap<>();
    settings.put("kafka.bootstrap.servers", bootstrap);
    settings.put("registry.url", registryServer.url());
    settings.put("topics.frames", "frames-" + run);
    settings.put("topics.verdicts", "verdicts-" + run);
    settings.put("topics.alerts", "alerts-" + run);
    settings.put("topics.dead-letter", "dlq-" + run);
    settings.put("topics.partitions", "2");
    settings.put("streams.application-id", "advmon-dashboard-it-" + run);
    settings.put("streams.state-dir", scratch.resolve("state").toString());
    // windows of 1 s and a campaign after 2 hot ones, so that the attacked camera's status changes in the test
    settings.put("campaign.window-ms", "1000");
    settings.put("campaign.min-frames", "3");
    settings.put("campaign.consecutive-windows", "2");
    config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();

    registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    // The plumbing model: the dashboard does not depend on which classifier runs.
    ModelBundle bundle = ModelBundle.load(Path.of(DashboardIT.class.getResource("/models/tiny-rgb").toURI()));
    classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
    metrics = MonitorMetrics.prometheus();
    ImageLimits limits = new ImageLimits(1_000_000, 4_000_000, 4096);
    recent = new RecentAlerts(limits);
    monitor = StreamingMonitor.start(config, registry, true, FramePreparer.forModel(limits, bundle.manifest()),
        new FrameScorer(classifier, List.of(new MeanBrightnessDetector("brightness", 0.75)), 64), metrics, recent);
    assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();
    http = new MonitorHttpServer(dev.advmon.http.HttpSettings.loopback("127.0.0.1", 0), monitor.health(),
        metrics::scrape, monitor.cameras(), recent, metrics::counts);
    browser = DashboardBrowser.start(scratch);
    System.err.printf("DashboardIT: monitor, HTTP server and browser up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (browser != null) {
        Path shot = TestData.repoRoot().resolve("stream-app/target/dashboard.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
        System.err.println("DashboardIT: screenshot of the page in " + shot);
        browser.quit();
      }
    } finally {
      if (http != null) {
        http.close();
      }
      if (monitor != null) {
        monitor.close();
      }
      if (metrics != null) {
        metrics.close();
      }
      if (classifier != null) {
        classifier.close();
      }
      TempTree.delete(scratch);
    }
  }

  private static Object js(String script, Object... args) {
    return DashboardBrowser.js(browser, script, args);
  }

  /** See {@link DashboardBrowser#waitUpTo}. */
  private static WebDriverWait waitUpTo(Duration d) {
    return DashboardBrowser.waitUpTo(browser, d);
  }

  /** See {@link DashboardBrowser#greyedAsStale}. */
  private static boolean greyedAsStale(String id) {
    return DashboardBrowser.greyedAsStale(browser, id);
  }

  /**
   * Each place where a line of the elements {@code selector} matches breaks between two letters of a word (letters,
   * digits, '_'), as "previous|next": a name broken there ("UNDECODABLE_IMA GE") reads as two.
   */
  private static Object midWordBreaks(String selector) {
    return js("const out = []; for (const el of document.querySelectorAll(arguments[0])) {"
        + "  const w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT); let top = null, prev = '';"
        + "  for (let n = w.nextNode(); n; n = w.nextNode()) for (let i = 0; i < n.length; i++) {"
        + "    const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1); const rect = r.getClientRects()[0];"
        + "    if (!rect) continue; const c = n.data[i];"
        + "    if (top !== null && rect.top > top + 2 && /\\w/.test(prev) && /\\w/.test(c)) out.push(prev + '|' + c);"
        + "    top = rect.top; prev = c; } }"
        + "return out;", selector);
  }

  /** See {@link DashboardBrowser#text}. */
  private static String text(String id) {
    return DashboardBrowser.text(browser, id);
  }

  @Test
  @Order(1)
  void alertsFromTheRunningMonitorAppearWithTheirFramesWhileCountsAndCameraStatusUpdate() throws Exception {
    long t0 = System.nanoTime();
    browser.get("http://127.0.0.1:" + http.port() + "/");
    waitUpTo(Duration.ofSeconds(20)).until(b -> text("streams-state").equals("RUNNING"));
    assertThat(text("count-frames")).isEqualTo("0");
    assertThat(browser.findElement(By.id("alerts-empty")).isDisplayed()).isTrue();

    // Through Kafka, as cameras would send them: a quiet camera, an attacked one, a hostile id, two bad records.
    List<String> flaggedIds = produceFrames();
    int sent = 12 + 16 + 1 + 2;

    waitUpTo(WAIT).until(b -> text("count-frames").equals(String.valueOf(sent)));
    waitUpTo(WAIT).until(b -> browser.findElements(By.cssSelector("article.alert")).size() >= flaggedIds.size() + 1);
    System.err.printf("DashboardIT: frames sent -> all alerts on the page in %.1f s%n", (System.nanoTime() - t0) / 1e9);

    // a poll can land between a frame being counted and its verdict, so these are waited for too
    waitUpTo(NEXT_POLLS).until(b -> text("count-verdicts").equals(String.valueOf(12 + 16 + 1)));
    waitUpTo(NEXT_POLLS).until(b -> text("count-dead-letters").equals("2"));
    assertThat(text("dead-letters-by-reason")).contains("BAD_MAGIC_BYTE 2");
    assertThat(text("alerts-by-kind")).contains("PERTURBATION " + flaggedIds.size()).contains("CAMPAIGN 1");

    // Every frame alert shows its frame, and the image really loaded.
    assertThat(browser.findElements(By.cssSelector("article.alert img"))).hasSize(flaggedIds.size());
    waitUpTo(Duration.ofSeconds(20)).until(b -> Boolean.TRUE.equals(js("const imgs = document.querySelectorAll("
        + "'article.alert img'); return imgs.length > 0 && Array.from(imgs).every(i => i.complete && i.naturalWidth > 0);")));
    String page = text("alerts");
    for (String id : flaggedIds) {
      assertThat(page).contains(id);
    }
    assertThat(page).contains("brightness").contains("Treat this prediction as untrustworthy");

    // The campaign against cam-gate is shown on its camera row, and cam-lobby stays normal.
    waitUpTo(Duration.ofSeconds(20)).until(b -> cameraStatus("cam-gate").equals("CAMPAIGN"));
    assertThat(cameraStatus("cam-lobby")).isEqualTo("NORMAL");

    // The hostile camera id is shown as text, and nothing it carried ran.
    assertThat(js("return document.title;")).isEqualTo("advmon · operator dashboard");
    assertThat(text("cameras")).contains(HOSTILE_CAMERA);
    assertThat(page).contains(HOSTILE_CAMERA);
    assertThat(js("return document.querySelectorAll('img[src=\"x\"]').length;")).isEqualTo(0L);

    // The chart has a bar for the alerts just raised.
    assertThat(browser.findElements(By.cssSelector("#chart rect.bar"))).isNotEmpty();

    // What each number counts is on the page, not in a tooltip: the camera rows read "725 frames, 715 flagged, flag
    // rate 100.0%" (the rate of the last window beside totals since the camera's first frame), and the tiles, which
    // start at 0 with each process, sat beside camera totals that do not
    assertThat(js("return Array.from(document.querySelectorAll('#cameras th')).map(t => t.innerText.trim()).join('|');"))
        .isEqualTo("Camera|Status|Flag rate, last window|Frames, total|Flagged, total");
    assertThat(text("counts-hint")).isEqualTo("Counts since the monitor started (each process starts them at 0); the "
        + "cameras' totals since each camera's first frame");
  }

  /**
   * No detector in the topology writes a subset bitmap yet (the overinterpretation detector will), so this alert
   * is handed to the dashboard's feed as the topology would hand it over; what is checked is the page drawing it.
   */
  @Test
  @Order(2)
  void anEvidenceBitmapInAnAlertIsDrawnOverItsFrame() throws Exception {
    Frame frame = frame("subset-frame-1", "cam-gate", png(true, 3));
    recent.onAlert(Alert.newBuilder().setAlertId("subset-frame-1/OVERINTERPRETATION").setFrameId("subset-frame-1")
        .setCameraId("cam-gate").setTime(Instant.now()).setKind("OVERINTERPRETATION")
        .setExplanation("The model keeps its prediction on 9 of 49 cells, all of them background.")
        .setEvidence(Map.of("subset", "c180000000c180", "subset.grid", "7x7")).build(), frame);
    waitUpTo(Duration.ofSeconds(20)).until(b -> !b.findElements(By.cssSelector("article.alert canvas.overlay")).isEmpty());
    WebElement canvas = browser.findElement(By.cssSelector("article.alert canvas.overlay"));
    WebElement img = canvas.findElement(By.xpath("preceding-sibling::img"));
    waitUpTo(NEXT_POLLS).until(b ->
        Boolean.TRUE.equals(js("return arguments[0].complete && arguments[0].naturalWidth > 0;", img)));
    assertThat(canvas.getRect().getDimension()).isEqualTo(img.getRect().getDimension());
    assertThat(canvas.findElement(By.xpath("ancestor::div[@class='frame']")).getText()).contains("subset: 8 of 49 cells outlined");
    // ensure the bitmap was drawn: a masked cell (centre) is darkened, a subset cell (top left) is not filled
    assertThat(js("const g = arguments[0].getContext('2d');"
        + "return [g.getImageData(56, 56, 1, 1).data[3], g.getImageData(8, 8, 1, 1).data[3]];", canvas))
        .isEqualTo(List.of(153L, 0L));
  }

  /**
   * A frame's shape is the camera's choice: a 2x600 frame is kept as a 1x320 picture, which at the card's 160 px
   * width was drawn 51,200 px tall, one card as long as the whole page. Its picture stays within the card's frame
   * column (at most 160 x 240), and the overlay still lies exactly on it.
   */
  @Test
  @Order(3)
  void aFrameOfAnOddShapeKeepsItsCardSmallAndItsOverlayOnThePicture() throws Exception {
    Frame tall = Frame.newBuilder().setFrameId("tall-frame-1").setCameraId("cam-sliver").setCaptureTime(Instant.now())
        .setEncoding(ImageEncoding.GRAY8).setWidth(2).setHeight(600).setImage(ByteBuffer.wrap(new byte[2 * 600]))
        .build();
    recent.onAlert(Alert.newBuilder().setAlertId("tall-frame-1/OVERINTERPRETATION").setFrameId("tall-frame-1")
        .setCameraId("cam-sliver").setTime(Instant.now()).setKind("OVERINTERPRETATION").setExplanation("odd shape")
        .setEvidence(Map.of("subset", "80", "subset.grid", "1x2")).build(), tall);
    String find = "const img = Array.from(document.querySelectorAll('article.alert img'))"
        + ".find(i => i.alt.startsWith('frame tall-frame-1 '));";
    waitUpTo(Duration.ofSeconds(20)).until(b -> Boolean.TRUE.equals(
        js(find + "return !!img && img.complete && img.naturalWidth > 0;")));
    @SuppressWarnings("unchecked")
    List<Long> sizes = (List<Long>) js(find + "const card = img.closest('article');"
        + "const r = img.getBoundingClientRect(), o = card.querySelector('canvas.overlay').getBoundingClientRect();"
        + "return [r.width, r.height, o.width, o.height, card.getBoundingClientRect().height].map(Math.round);");
    assertThat(sizes.get(0)).isBetween(1L, 160L);
    assertThat(sizes.get(1)).isBetween(1L, 240L);
    assertThat(sizes.subList(2, 4)).as("the overlay over the picture").isEqualTo(sizes.subList(0, 2));
    assertThat(sizes.get(4)).as("the card's height").isLessThan(400L);
  }

  /**
   * An operator must see that the page stopped updating: a 200 that is not JSON (an auth proxy's login page) and an
   * endpoint that never answers (a hung connection, which without the fetch timeout stopped polling for good) both
   * mark the page stale with the reason, and it recovers once answers come back. The summary route is replaced on
   * the running server; the last test, as it leaves that route replaced.
   */
  @Test
  @Order(4)
  void marksThePageStaleWhenAnEndpointAnswersWithoutJsonOrNeverAnswersAndRecovers() throws Exception {
    browser.get("http://127.0.0.1:" + http.port() + "/");
    waitUpTo(Duration.ofSeconds(20)).until(b -> text("updated").startsWith("updated "));
    byte[] goodSummary;
    try (InputStream in = URI.create("http://127.0.0.1:" + http.port() + "/api/summary").toURL()
        .openStream()) {
      goodSummary = in.readAllBytes();
    }
    AtomicReference<String> mode = new AtomicReference<>("html");
    CountDownLatch release = new CountDownLatch(1);
    http.route("/api/summary", (ex, path) -> {
      switch (mode.get()) {
        case "html" -> reply(ex, "text/html", "<html><body>Please sign in</body></html>".getBytes());
        case "hang" -> {
          try {
            release.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          reply(ex, "application/json", goodSummary);
        }
        default -> reply(ex, "application/json", goodSummary);
      }
    });
    try {
      waitUpTo(Duration.ofSeconds(20)).until(b -> text("updated").contains("not JSON"));
      assertThat(text("updated")).contains("/api/summary").contains("retrying");
      assertThat(js("return document.getElementById('updated').classList.contains('stale');")).isEqualTo(true);
      // the badge must not keep saying the last state it was told: the monitor may be down
      assertThat(text("streams-state")).isEqualTo("unknown");
      assertThat(js("return document.getElementById('streams-state').className;")).isEqualTo("badge");
      // the counts and the chart it fed are greyed out as stale, with the time of their last update; the cameras and
      // alerts, which still answer, are not
      waitUpTo(NEXT_POLLS).withMessage(() -> "counts and chart greyed and said to be stale")
          .until(b -> greyedAsStale("count-frames") && greyedAsStale("chart"));
      assertThat(greyedAsStale("cameras")).isFalse();
      assertThat(greyedAsStale("alerts")).isFalse();
      assertThat(text("updated")).matches("update failed: .* \\(retrying\\); greyed parts show the last update, at "
          + "\\d\\d:\\d\\d:\\d\\d \\S+");

      mode.set("hang");
      waitUpTo(Duration.ofSeconds(40)).until(b -> text("updated").contains("did not answer within 10 s"));
      assertThat(js("return document.getElementById('updated').classList.contains('stale');")).isEqualTo(true);

      mode.set("json");
      release.countDown();
      waitUpTo(Duration.ofSeconds(40)).until(b -> text("updated").startsWith("updated "));
      assertThat(js("return document.getElementById('updated').classList.contains('stale');")).isEqualTo(false);
      assertThat(text("streams-state")).isEqualTo("RUNNING");
      waitUpTo(NEXT_POLLS).withMessage(() -> "counts and chart in full colour again")
          .until(b -> !greyedAsStale("count-frames") && !greyedAsStale("chart"));
    } finally {
      release.countDown();
    }
  }

  /**
   * With several instances the totals are sums over the instances that answered, the alerts a merge of theirs and the
   * camera list capped per instance. The page said none of it: a silent peer made every count drop by its share
   * without a word, and a cut list looked complete. Now it names the instance and why, and says the list is cut.
   * The three routes answer as a three-instance cluster would with one peer silent; a late test, as it replaces them.
   */
  @Test
  @Order(5)
  void saysWhichInstancesTheCountsAlertsAndCamerasLeaveOutAndWhenTheListIsCut() throws Exception {
    String peers = "[{\"server\":\"mon-0:8080\",\"local\":true,\"streams\":\"RUNNING\"},"
        + "{\"server\":\"mon-1:8080\",\"local\":false,\"error\":\"no answer within 2000 ms\"},"
        + "{\"server\":\"mon-2:8080\",\"local\":false,\"streams\":\"REBALANCING\"},"
        + "{\"server\":\"mon-3:8080\",\"local\":false,\"streams\":\"ERROR\",\"ready\":false,\"restarting\":true,"
        + "\"readyReasons\":[\"Kafka Streams restarts in place after: boom\"]}]";
    String replicas = "1 camera of instances that did not answer is listed from standby replicas on mon-0:8080";
    http.route("/api/summary", (ex, path) -> reply(ex, "application/json", ("{\"frames\":10,\"verdicts\":9,"
        + "\"deadLetters\":1,\"alerts\":0,\"streams\":\"RUNNING\",\"instances\":" + peers + "}").getBytes()));
    http.route("/api/alerts", (ex, path) -> reply(ex, "application/json",
        ("{\"capacity\":50,\"alerts\":[],\"instances\":" + peers + "}").getBytes()));
    AtomicReference<String> camerasQuery = new AtomicReference<>();
    http.route("/cameras", (ex, path) -> {
      camerasQuery.set(ex.getRequestURI().getRawQuery());
      reply(ex, "application/json", ("{\"cameras\":[{\"cameraId\":\"cam-a\",\"status\":\"NORMAL\","
          + "\"totalFrames\":3,\"totalFlagged\":0}],\"known\":12345,\"limit\":200,\"truncated\":true,"
          + "\"limit_per_instance\":10000,\"complete\":false,\"instances\":[{\"server\":\"mon-1:8080\",\"local\":false,"
          + "\"error\":\"no answer within 2000 ms\",\"stale\":\"" + replicas + "\"}]}").getBytes());
    });
    browser.get("http://127.0.0.1:" + http.port() + "/");
    waitUpTo(Duration.ofSeconds(20)).until(b -> text("instances-note").contains("leave out"));
    assertThat(text("instances-note")).contains("mon-1:8080 (no answer within 2000 ms)")
        .contains("mon-2:8080 is REBALANCING").doesNotContain("mon-0");
    // a peer's restart in place read as "mon-3:8080 is not ready (...)" of its old client's ERROR
    assertThat(text("instances-note"))
        .contains("mon-3:8080 is restarting Kafka Streams in place (its old client is ERROR until a new one runs)")
        .doesNotContain("mon-3:8080 is not ready");
    assertThat(js("return document.getElementById('instances-note').hidden;")).isEqualTo(false);
    // the reason is said once, in the counts' note: a long "unreachable ..." stood in three notes of the page
    waitUpTo(Duration.ofSeconds(20)).until(b -> text("alerts-note").contains("mon-1:8080")
        && text("alerts-note").contains("see the note on the counts"));
    assertThat(text("alerts-note")).isEqualTo("Alerts of mon-1:8080 are missing (why: see the note on the counts).");
    waitUpTo(Duration.ofSeconds(20)).until(b -> text("cameras-hint").contains("cut"));
    assertThat(text("cameras-hint"))
        .isEqualTo("1 of 12,345 known, campaigns and highest flag rate first; list cut at 10,000 per instance");
    assertThat(camerasQuery.get()).as("the page asks for the rows it shows, not every camera").isEqualTo("limit=200");
    assertThat(text("cameras-note")).contains("/cameras/{id} answers for any camera");
    // the silent peer's cameras listed from replicas were said to be "missing"
    String fromReplicas = "Cameras of mon-1:8080 come from standby replicas, not from it: " + replicas + ".";
    waitUpTo(Duration.ofSeconds(20)).until(b -> text("cameras-note").contains(fromReplicas));
    assertThat(text("cameras-note")).doesNotContain("missing");
  }

  /**
   * Alert times were the browser's clock time alone ("15:42:01"): an operator comparing them with the logs (UTC) could
   * not tell the zone, nor the day of an alert older than today. An alert of today shows its time and zone, an older
   * one its date too, and both carry the UTC instant as their tooltip. A late test, as it replaces the alerts route.
   */
  @Test
  @Order(6)
  void alertTimesNameTheirZoneAndTheDateOfAnAlertBeforeToday() throws Exception {
    long now = System.currentTimeMillis() / 1000 * 1000 + 123;
    long old = now - Duration.ofDays(3).toMillis();
    String alerts = "{\"capacity\":50,\"alerts\":[" + timedAlert(2, now) + "," + timedAlert(1, old) + "]}";
    http.route("/api/alerts", (ex, path) -> reply(ex, "application/json", alerts.getBytes()));
    browser.get("http://127.0.0.1:" + http.port() + "/");
    waitUpTo(Duration.ofSeconds(20)).until(b -> browser.findElements(By.cssSelector("article.alert time")).size() == 2);
    String times = "return Array.from(document.querySelectorAll('article.alert time')).map(t => ";
    @SuppressWarnings("unchecked")
    List<String> shown = (List<String>) js(times + "t.innerText.trim());");
    @SuppressWarnings("unchecked")
    List<String> titles = (List<String>) js(times + "t.title);");
    String zone = (String) js("return new Intl.DateTimeFormat('en-GB', {timeZoneName: 'short'}).formatToParts("
        + "new Date(arguments[0])).find(p => p.type === 'timeZoneName').value;", now);
    assertThat(shown.get(0)).matches("\\d\\d:\\d\\d:\\d\\d " + java.util.regex.Pattern.quote(zone));
    assertThat(shown.get(1)).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\S+");
    assertThat(titles).containsExactly(java.time.Instant.ofEpochMilli(now) + " (UTC)",
        java.time.Instant.ofEpochMilli(old) + " (UTC)");
  }

  private static String timedAlert(int seq, long time) {
    return "{\"seq\":" + seq + ",\"key\":\"" + seq + "\",\"kind\":\"PERTURBATION\",\"severity\":\"WARNING\","
        + "\"cameraId\":\"cam-t\",\"time\":" + time + ",\"explanation\":\"timed\",\"scores\":[]}";
  }

  /**
   * A monitor that cannot reach the registry or the broker, or has stalled, stays RUNNING while /health/ready is DOWN:
   * the badge was a green RUNNING all the same, and a peer in that state was not mentioned at all. The badge now says
   * "not ready" and the page gives the reasons, this instance's and each peer's. The summary answers as such a
   * two-instance cluster would; a late test, as it replaces the route.
   */
  @Test
  @Order(7)
  void aRunningInstanceThatIsNotReadyIsShownAsNotReadyWithItsReasons() throws Exception {
    http.route("/api/summary", (ex, path) -> reply(ex, "application/json", ("{\"frames\":10,\"verdicts\":9,"
        + "\"deadLetters\":1,\"alerts\":0,\"streams\":\"RUNNING\",\"ready\":false,"
        + "\"readyReasons\":[\"schema registry unreachable at http://registry:8081\"],\"instances\":["
        + "{\"server\":\"mon-0:8080\",\"local\":true,\"streams\":\"RUNNING\"},"
        + "{\"server\":\"mon-1:8080\",\"local\":false,\"streams\":\"RUNNING\",\"ready\":false,"
        + "\"readyReasons\":[\"no progress for 120 s\"]}]}").getBytes()));
    browser.get("http://127.0.0.1:" + http.port() + "/");
    waitUpTo(Duration.ofSeconds(20)).until(b -> text("instances-note").contains("not ready"));
    assertThat(text("streams-state")).isEqualTo("RUNNING, not ready");
    assertThat(js("return document.getElementById('streams-state').className;")).isEqualTo("badge warn");
    assertThat(text("instances-note"))
        .contains("This instance is not ready: schema registry unreachable at http://registry:8081.")
        .contains("mon-1:8080 is not ready (no progress for 120 s).");
  }

  /**
   * An endpoint that answers with an error status and a JSON error, as a 401 does: the page showed the body's error
   * alone ("update failed: this route needs ... (retrying)"), without saying which request was refused or how. It now
   * names the request and the status before the monitor's reason. A late test, as it replaces the route (with one
   * that answers again at its end, for the last test to see the page updated first).
   */
  @Test
  @Order(8)
  void anErrorStatusIsShownWithTheRequestAndItsStatusBeforeTheMonitorsReason() throws Exception {
    AtomicReference<Boolean> refuse = new AtomicReference<>(true);
    byte[] summary = "{\"frames\":10,\"verdicts\":9,\"deadLetters\":1,\"alerts\":0,\"streams\":\"RUNNING\"}".getBytes();
    http.route("/api/summary", (ex, path) -> {
      if (refuse.get()) {
        reply(ex, 401, "application/json",
            "{\"error\":\"this route needs the header 'Authorization: Bearer <token>'\"}".getBytes());
      } else {
        reply(ex, "application/json", summary);
      }
    });
    browser.get("http://127.0.0.1:" + http.port() + "/");
    waitUpTo(Duration.ofSeconds(20)).until(b -> text("updated").startsWith("update failed"));
    assertThat(text("updated")).isEqualTo("update failed: /api/summary answered HTTP 401: this route needs the header "
        + "'Authorization: Bearer <token>' (retrying); greyed parts show no update since the page was loaded");
    assertThat(js("return document.getElementById('updated').classList.contains('stale');")).isEqualTo(true);
    refuse.set(false);
    waitUpTo(Duration.ofSeconds(20)).until(b -> text("updated").startsWith("updated "));
  }

  /**
   * The monitor gone while its page is open: the browser rejects each poll with nothing but "Failed to fetch", which
   * the page showed as it was. It now names the request and the monitor to check. The last test that uses this HTTP
   * server, as it closes it.
   */
  @Test
  @Order(9)
  void aMonitorThatStopsAnsweringIsNamedWithTheRequestThatFailedAndWhatToCheck() throws Exception {
    String origin = "http://127.0.0.1:" + http.port();
    browser.get(origin + "/");
    waitUpTo(Duration.ofSeconds(20)).until(b -> text("updated").startsWith("updated "));
    MonitorHttpServer closing = http;
    http = null; // closed here, not again after the class
    closing.close();
    waitUpTo(Duration.ofSeconds(20)).until(b -> text("updated").startsWith("update failed"));
    assertThat(text("updated")).contains("/api/summary could not be reached")
        .contains("check that the monitor at " + origin + " is running and reachable from this browser (retrying)")
        .containsPattern("; greyed parts show the last update, at \\d\\d:\\d\\d:\\d\\d \\S+$");
    // the last counts, CAMPAIGN pills and alerts stood at full colour while the monitor was gone
    waitUpTo(Duration.ofSeconds(20)).until(b -> greyedAsStale("alerts") && greyedAsStale("count-frames")
        && greyedAsStale("cameras"));
    assertThat(js("return document.getElementById('updated').classList.contains('stale');")).isEqualTo(true);
    assertThat(text("cameras-note")).contains("/cameras?limit=200 could not be reached");
  }

  /**
   * The server checks what another instance sends for the page (alerts, summary, cameras) and names that instance with
   * what did not fit ({@code instances[].problem}); the cameras note showed only an instance that did not answer, so a
   * peer's left-out cameras vanished without a word. This instance sees one peer over real HTTP that sends one alert,
   * a summary and one camera that fit, and one of each that do not: each note names the peer and what it sent, and the
   * page still shows what fit. A server of its own, so that it can run after the test that closes the other.
   */
  @Test
  @Order(10)
  void aPeerThatSendsAlertsASummaryAndCamerasThatDoNotFitIsNamedInEachNoteAndWhatFitIsShown() throws Exception {
    long now = System.currentTimeMillis();
    Map<String, String> answers = Map.of(
        "/api/summary", "{\"streams\":\"RUNNING\",\"ready\":true,\"readyReasons\":[],\"frames\":1000,"
            + "\"verdicts\":\"many\",\"deadLetters\":0,\"alerts\":1,\"alertsByKind\":{\"FOOLING\":1},"
            + "\"deadLettersByReason\":{}}",
        "/api/alerts", "{\"capacity\":50,\"alerts\":["
            + "{\"seq\":1,\"receivedAt\":" + now + ",\"time\":" + now + ",\"alertId\":\"peer-frame-1/FOOLING\","
            + "\"cameraId\":\"cam-peer\",\"frameId\":\"peer-frame-1\",\"kind\":\"FOOLING\",\"severity\":\"WARNING\","
            + "\"explanation\":\"An alert of the peer that fits.\"},"
            + "{\"seq\":\"seven\",\"receivedAt\":" + now + ",\"cameraId\":\"cam-no-seq\"}]}",
        "/cameras", "{\"cameras\":[{\"cameraId\":\"cam-peer\",\"status\":\"CAMPAIGN\",\"totalFrames\":40,"
            + "\"totalFlagged\":30},{\"cameraId\":\"cam-hacked\",\"status\":\"HACKED\",\"totalFrames\":1}],"
            + "\"known\":2}");
    com.sun.net.httpserver.HttpServer peer = peerAnswering(answers);
    String name = "127.0.0.1:" + peer.getAddress().getPort();
    MonitorHttpServer cluster = null;
    try {
      cluster = clusterWith(peer);
      browser.get("http://127.0.0.1:" + cluster.port() + "/");

      waitForNaming("instances-note", name);
      assertThat(text("instances-note")).contains(name + " sent a summary that does not fit what a monitor sends: "
          + "verdicts is \"many\", not a whole number of 0 or more (counted 0).");
      waitForNaming("alerts-note", name);
      assertThat(text("alerts-note")).isEqualTo(name + " sent alerts that do not fit what a monitor sends "
          + "(left out 1): an alert without a whole seq >= 0 and receivedAt (left out).");
      waitForNaming("cameras-note", name);
      assertThat(text("cameras-note")).isEqualTo(name + " sent cameras that do not fit what a monitor sends "
          + "(left out 1): camera \"cam-hacked\": status is \"HACKED\", not NORMAL or CAMPAIGN (left out).");

      // what fit is shown with this instance's own
      String frames = String.format(java.util.Locale.US, "%,d", metrics.counts().frames() + 1000);
      waitUpTo(Duration.ofSeconds(20)).until(b -> text("count-frames").equals(frames));
      assertThat(text("alerts-by-kind")).contains("FOOLING 1");
      assertThat(cameraStatus("cam-peer")).isEqualTo("CAMPAIGN");
      assertThat(cameraStatus("cam-hacked")).as("a camera whose status does not fit is left out").isEmpty();
      String alerts = text("alerts");
      assertThat(alerts).contains("peer-frame-1").contains("An alert of the peer that fits.")
          .doesNotContain("cam-no-seq");
    } finally {
      if (cluster != null) {
        cluster.close();
      }
      peer.stop(0);
    }
  }

  /**
   * During a rebalance (every scale-out and scale-in) an instance reads its cameras from stores that may be stale
   * rather than answering none for 4 to 6 s: the table shows them, and the note says which instance's may be stale
   * and why, so that the operator does not take a count from the middle of a rebalance for a settled one.
   */
  @Test
  @Order(10)
  void camerasAPeerReadDuringARebalanceAreShownAndSaidToBePossiblyStale() throws Exception {
    String stale = dev.advmon.campaign.CameraDirectory.staleNote("REBALANCING");
    com.sun.net.httpserver.HttpServer peer = peerAnswering(Map.of("/cameras", "{\"cameras\":[{\"cameraId\":"
        + "\"cam-moving\",\"status\":\"NORMAL\",\"totalFrames\":7}],\"known\":1,\"stale\":\"" + stale + "\"}"));
    String name = "127.0.0.1:" + peer.getAddress().getPort();
    MonitorHttpServer cluster = null;
    try {
      cluster = clusterWith(peer);
      browser.get("http://127.0.0.1:" + cluster.port() + "/");

      waitForNaming("cameras-note", name);
      assertThat(text("cameras-note")).contains("Cameras of " + name + " may be stale: " + stale + ".");
      waitUpTo(Duration.ofSeconds(20)).until(b -> cameraStatus("cam-moving").equals("NORMAL"));
    } finally {
      if (cluster != null) {
        cluster.close();
      }
      peer.stop(0);
    }
  }

  /**
   * Times were written with en-GB's "hour12: false", which gives one-digit hours before 10:00: a browser in Kolkata
   * showed an alert of 19:55:14 UTC as "1:25:14 GMT+5:30", while the README promises "15:42:01" and the logs write
   * 01:25:14. Every zone now gets two-digit hours. The zone is set in the browser (as an operator's machine would
   * have it), the alert's time chosen to be 01:25:14 there.
   */
  @Test
  @Order(11)
  void timesBeforeTenInTheMorningHaveTwoDigitHoursInTheBrowsersZone() throws Exception {
    java.time.ZoneId kolkata = java.time.ZoneId.of("Asia/Kolkata");
    java.time.ZonedDateTime at = java.time.LocalDate.now(kolkata).minusDays(3).atTime(1, 25, 14).atZone(kolkata);
    String alerts = "{\"capacity\":50,\"alerts\":[" + timedAlert(1, at.toInstant().toEpochMilli()) + "]}";
    MonitorHttpServer page = pageServer(Map.of("/api/alerts", alerts));
    try {
      browser.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", "Asia/Kolkata"));
      browser.get("http://127.0.0.1:" + page.port() + "/");
      waitUpTo(Duration.ofSeconds(20)).until(b -> !b.findElements(By.cssSelector("article.alert time")).isEmpty());
      assertThat(js("return document.querySelector('article.alert time').innerText.trim();"))
          .isEqualTo(at.toLocalDate() + " 01:25:14 GMT+5:30");
      waitUpTo(Duration.ofSeconds(20)).until(b -> text("updated").startsWith("updated "));
      assertThat(text("updated")).matches("updated \\d\\d:\\d\\d:\\d\\d GMT\\+5:30");
    } finally {
      browser.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", ""));
      page.close();
    }
  }

  /**
   * With hundreds of cameras the table drew its 200 rows in full: the latest alerts began some 6,000 px down the page
   * (below an empty chart card stretched to the table's height), and nothing on the page could take the keyboard's
   * focus. The table now scrolls inside its card, is the first stop of the Tab key (shown by an outline), and the
   * alerts stay near the top.
   */
  @Test
  @Order(12)
  void hundredsOfCamerasScrollInTheirOwnCardWhichTheKeyboardReachesAndTheAlertsStayNearTheTop() throws Exception {
    StringBuilder cameras = new StringBuilder("{\"cameras\":[");
    for (int i = 0; i < 200; i++) {
      cameras.append(i == 0 ? "" : ",").append("{\"cameraId\":\"cam-").append(i).append("\",\"status\":\"NORMAL\","
          + "\"totalFrames\":10,\"totalFlagged\":1,\"lastWindowStart\":-1,\"windowFrames\":0}");
    }
    cameras.append("],\"known\":300,\"limit\":200}");
    String alerts = "{\"capacity\":50,\"alerts\":[" + timedAlert(1, System.currentTimeMillis()) + "]}";
    MonitorHttpServer page = pageServer(Map.of("/cameras", cameras.toString(), "/api/alerts", alerts));
    try {
      browser.get("http://127.0.0.1:" + page.port() + "/");
      waitUpTo(Duration.ofSeconds(20)).until(b -> b.findElements(By.cssSelector("#cameras tbody tr")).size() == 200);
      waitUpTo(Duration.ofSeconds(20)).until(b -> !b.findElements(By.cssSelector("article.alert")).isEmpty());
      Number alertsTop = (Number) js("return document.getElementById('alerts').getBoundingClientRect().top + scrollY;");
      assertThat(alertsTop.doubleValue()).as("where the latest alerts begin, px from the top").isLessThan(1200);
      // after the chart's stops (its bars, none here, and its table's toggle), and nothing else. Counted from where the
      // browser starts, which after an earlier test took one Tab of its own (the page itself): stops are named, not
      // counted, so that the test does not depend on the tests run before it
      String onCameras = "const e = document.activeElement; return e.contains(document.getElementById('cameras')) "
          + "&& getComputedStyle(e).outlineStyle !== 'none';";
      String where = "const e = document.activeElement; return e.closest('.chart-card') ? 'the chart' : e.tagName;";
      List<Object> before = new java.util.ArrayList<>();
      browser.findElement(By.tagName("body")).sendKeys(org.openqa.selenium.Keys.TAB);
      for (int tab = 1; tab < 5 && !Boolean.TRUE.equals(js(onCameras)); tab++) {
        before.add(js(where));
        browser.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.TAB);
      }
      assertThat(js(onCameras)).as(() -> "Tab reaches the cameras, with a visible focus; the focus is on "
          + js("return document.activeElement.outerHTML.slice(0, 160);") + " after " + before).isEqualTo(true);
      assertThat(before).as("the stops of the Tab key before the cameras").isSubsetOf("the chart", "BODY");
    } finally {
      page.close();
    }
  }

  /**
   * In a 400 px window the page was 613 px wide: the cameras table's columns set the width of everything (the chart's
   * latest bars and each alert's time were off screen, behind a sideways scroll). Nothing is wider than the window now,
   * a 256-character camera id included.
   */
  @Test
  @Order(13)
  void inANarrowWindowNothingIsWiderThanTheWindowNotEvenALongCameraId() throws Exception {
    String longId = "cam-" + "x".repeat(252);
    String cameras = "{\"cameras\":[{\"cameraId\":\"" + longId + "\",\"status\":\"CAMPAIGN\",\"totalFrames\":1234567,"
        + "\"totalFlagged\":1234567,\"lastWindowStart\":1,\"lastWindowFrames\":10,\"lastWindowFlagged\":10}],"
        + "\"known\":1,\"limit\":200}";
    String alert = timedAlert(1, System.currentTimeMillis()).replace("cam-t", longId);
    MonitorHttpServer page = pageServer(Map.of("/cameras", cameras, "/api/alerts",
        "{\"capacity\":50,\"alerts\":[" + alert + "]}"));
    try {
      browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
          Map.of("width", 400, "height", 900, "deviceScaleFactor", 1, "mobile", false));
      browser.get("http://127.0.0.1:" + page.port() + "/");
      waitUpTo(Duration.ofSeconds(20)).until(b -> !b.findElements(By.cssSelector("article.alert time")).isEmpty()
          && !b.findElements(By.cssSelector("#cameras tbody tr")).isEmpty());
      assertThat(js("return innerWidth;")).isEqualTo(400L);
      assertThat(js("return document.documentElement.scrollWidth;")).as("the page's width").isEqualTo(400L);
      Number timeRight = (Number) js("return document.querySelector('article.alert time').getBoundingClientRect().right;");
      assertThat(timeRight.doubleValue()).as("the right edge of the alert's time").isLessThanOrEqualTo(400);
    } finally {
      browser.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
      page.close();
    }
  }

  /**
   * The counts are each instance's since it started: a restarted monitor's fell from 1,241 to 7 and the chart emptied,
   * with only the caption to explain it, which read as frames lost. The page now says that the counts went down and
   * why. The summary here answers 1,241 frames twice, then 7 (a restart).
   */
  @Test
  @Order(14)
  void countsThatGoDownAreSaidToComeFromARestartNotLeftToReadAsLostFrames() throws Exception {
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    MonitorHttpServer page = pageWithSummaries(asked, n -> "{\"frames\":" + (n <= 2 ? 1241 : 7)
        + ",\"verdicts\":0,\"deadLetters\":0,\"alerts\":0,\"streams\":\"RUNNING\",\"ready\":true}");
    try {
      browser.get("http://127.0.0.1:" + page.port() + "/");
      waitUpTo(Duration.ofSeconds(30)).withMessage(() -> "the counts' fall said; the note says: \""
          + text("instances-note") + "\", frames " + text("count-frames"))
          .until(b -> text("count-frames").equals("7") && text("instances-note").contains("Counts went down"));
      assertThat(text("instances-note")).contains("(frames 1,241 to 7)")
          .contains("an instance restarted or stopped answering");
    } finally {
      page.close();
    }
  }

  /**
   * A peer too slow for one poll is left out of that poll's counts, and the page says so; the counts rise again at the
   * next. That dip is no restart: the page said for 10 minutes that the counts went down because an instance restarted.
   * The summary here answers 1,241 frames twice, then 600 with the peer left out (timed out), then 1,244 with it back.
   */
  @Test
  @Order(15)
  void aPeerLeftOutOfOnePollIsNotSaidToHaveRestartedWhenItAnswersAgain() throws Exception {
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    MonitorHttpServer page = pageWithSummaries(asked, n -> {
      String peer = n == 3 ? "{\"server\":\"10.0.0.2:8080\",\"local\":false,\"error\":\"did not answer within 2 s\"}"
          : "{\"server\":\"10.0.0.2:8080\",\"local\":false,\"streams\":\"RUNNING\",\"ready\":true}";
      return "{\"frames\":" + (n <= 2 ? 1241 : n == 3 ? 600 : 1244)
          + ",\"verdicts\":0,\"deadLetters\":0,\"alerts\":0,\"streams\":\"RUNNING\",\"ready\":true,\"instances\":["
          + "{\"server\":\"10.0.0.1:8080\",\"local\":true,\"streams\":\"RUNNING\"}," + peer + "]}";
    });
    try {
      browser.get("http://127.0.0.1:" + page.port() + "/");
      waitUpTo(Duration.ofSeconds(30)).withMessage(() -> "the peer's return shown; frames " + text("count-frames"))
          .until(b -> text("count-frames").equals("1,244"));
      assertThat(asked.get()).as("the poll that left the peer out was shown before").isGreaterThan(3);
      assertThat(text("instances-note")).as("the page after the peer answered again").doesNotContain("Counts went down");
    } finally {
      page.close();
    }
  }

  /**
   * An alert's exact UTC instant, the one the logs write, was only in its time's {@code title} tooltip: neither the
   * keyboard nor a touch screen reaches a tooltip, so an operator there could not match an alert shown in local time
   * to the logs. The instant is now on the card as text, smaller than the local time beside it. The browser is set
   * to Kolkata so that the local time is not the UTC one.
   */
  @Test
  @Order(16)
  void anAlertsExactUtcInstantIsShownOnTheCardNotOnlyInATooltip() throws Exception {
    java.time.Instant at = java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(3).atTime(1, 25, 14, 123_000_000)
        .toInstant(java.time.ZoneOffset.UTC);
    MonitorHttpServer page = pageServer(Map.of("/api/alerts",
        "{\"capacity\":50,\"alerts\":[" + timedAlert(1, at.toEpochMilli()) + "]}"));
    try {
      browser.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", "Asia/Kolkata"));
      browser.get("http://127.0.0.1:" + page.port() + "/");
      waitUpTo(Duration.ofSeconds(20)).until(b -> !b.findElements(By.cssSelector("article.alert time")).isEmpty());
      assertThat(js("return document.querySelector('article.alert time').getAttribute('datetime');"))
          .isEqualTo(at.toString());
      assertThat(js("return document.querySelector('article.alert').innerText;")).as("the card's text")
          .asString().contains(at.toString());
      assertThat(js("const t = document.querySelector('article.alert time');"
          + "for (const e of document.querySelectorAll('article.alert *')) {"
          + "  if (e.children.length === 0 && e.innerText.includes(arguments[0])) {"
          + "    return parseFloat(getComputedStyle(e).fontSize) <= parseFloat(getComputedStyle(t).fontSize); } }"
          + "return null;", at.toString())).as("the UTC instant no larger than the local time").isEqualTo(true);
    } finally {
      browser.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", ""));
      page.close();
    }
  }

  /**
   * Each bar's count of the alerts chart was only in a tooltip, which the mouse alone reaches, and the chart's text was
   * 6 px in a 400 px window (a 640-wide drawing shrunk to the card). The bars now take the keyboard's focus (one stop of
   * the Tab key, the arrow keys from bar to bar), the line under the chart says the focused bar's count and keeps it
   * over the page's redraws, a table lists every count, and the chart's text is 11 px or more from a phone's width
   * (360 px) to a wide screen's (1920 px). Which detector flagged a frame was told by a red bar alone; it is in words too.
   */
  @Test
  @Order(17)
  void everyCountOfTheChartIsReadWithoutAMouseAndItsTextIsReadableFromAPhoneToAWideScreen() throws Exception {
    long bucket = 10_000;
    long first = System.currentTimeMillis() / bucket * bucket - 59 * bucket;
    int[] counts = new int[60];
    counts[3] = 2;
    counts[11] = 12;
    counts[59] = 1;
    String timeline = "{\"counts\":" + java.util.Arrays.toString(counts) + ",\"firstBucketStart\":" + first
        + ",\"bucketMs\":" + bucket + "}";
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    MonitorHttpServer page = pageWithSummaries(asked, n -> "{\"frames\":40,\"verdicts\":40,\"deadLetters\":0,"
        + "\"alerts\":15,\"streams\":\"RUNNING\",\"ready\":true,\"timeline\":" + timeline + "}");
    String alert = timedAlert(1, System.currentTimeMillis()).replace("\"scores\":[]", "\"scores\":["
        + "{\"detector\":\"squeeze\",\"score\":0.9,\"threshold\":0.5,\"flagged\":true},"
        + "{\"detector\":\"quiet\",\"score\":0.1,\"threshold\":0.5,\"flagged\":false}]");
    page.route("/api/alerts", (ex, p) -> reply(ex, "application/json",
        ("{\"capacity\":50,\"alerts\":[" + alert + "]}").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    String at = "return new Date(arguments[0]).toLocaleTimeString('en-GB', {hour: '2-digit', minute: '2-digit', "
        + "second: '2-digit', hourCycle: 'h23', timeZoneName: 'short'});";
    try {
      for (int width : new int[] {360, 800, 1920}) {
        browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
            Map.of("width", width, "height", 1000, "deviceScaleFactor", 1, "mobile", false));
        browser.get("http://127.0.0.1:" + page.port() + "/");
        waitUpTo(Duration.ofSeconds(20)).until(b -> !b.findElements(By.cssSelector("#chart rect.bar")).isEmpty());
        // the size the eye gets: the font's size times the drawing's scale on screen
        waitUpTo(NEXT_POLLS).withMessage(() -> "chart text of 11 px or more in a " + width + " px window: "
            + js("return Array.from(document.querySelectorAll('#chart text')).map(t => t.textContent + ' '"
            + " + parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a).join(', ');"))
            .until(b -> Boolean.TRUE.equals(js("const t = Array.from(document.querySelectorAll('#chart text'));"
                + "return t.length > 0 && t.every(e => parseFloat(getComputedStyle(e).fontSize) * e.getScreenCTM().a"
                + "  >= 11);")));
        assertThat(js("return document.documentElement.scrollWidth;")).as("the page's width at " + width + " px")
            .isEqualTo((long) width);
      }

      // the mouse: the line says the count of the bar pointed at, and the total again once the mouse has left the
      // chart (it kept the last bar's count, read then as the chart's state)
      String total = "15 alerts in the last 10 minutes, at most 12 in 10 s.";
      assertThat(text("chart-readout")).startsWith(total);
      @SuppressWarnings("unchecked")
      List<Number> middle = (List<Number>) js("const r = Array.from(document.querySelectorAll('#chart rect.bar'))"
          + ".find(b => b.getAttribute('aria-label').startsWith('12 alerts')).getBoundingClientRect();"
          + "return [r.left + r.width / 2, r.top + r.height / 2];");
      new org.openqa.selenium.interactions.Actions(browser)
          .moveToLocation(middle.get(0).intValue(), middle.get(1).intValue()).perform();
      waitUpTo(NEXT_POLLS).withMessage(() -> "the bar pointed at; the chart says: " + text("chart-readout"))
          .until(b -> text("chart-readout").startsWith("12 alerts in the 10 s from "));
      new org.openqa.selenium.interactions.Actions(browser)
          .moveToElement(browser.findElement(By.cssSelector(".chart-card h2"))).perform();
      waitUpTo(NEXT_POLLS).withMessage(() -> "the mouse gone from the chart; the chart says: "
          + text("chart-readout")).until(b -> text("chart-readout").startsWith(total));

      // the keyboard: Tab reaches the latest bar, the arrow key the one before, and the line under the chart says each
      browser.findElement(By.tagName("body")).sendKeys(org.openqa.selenium.Keys.TAB);
      waitUpTo(NEXT_POLLS).withMessage(() -> "the latest bar focused; the chart says: " + text("chart-readout"))
          .until(b -> text("chart-readout").equals("1 alert in the 10 s from " + js(at, first + 59 * bucket)));
      assertThat(js("return document.activeElement.getAttribute('aria-label');"))
          .isEqualTo("1 alert in the 10 s from " + js(at, first + 59 * bucket));
      browser.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.ARROW_LEFT);
      String twelve = "12 alerts in the 10 s from " + js(at, first + 11 * bucket);
      waitUpTo(NEXT_POLLS).withMessage(() -> "the bar before focused; the chart says: " + text("chart-readout"))
          .until(b -> text("chart-readout").equals(twelve));
      // the page redraws the chart at every poll: the focus and what the line says stay on that bar
      int polled = asked.get();
      waitUpTo(NEXT_POLLS).until(b -> asked.get() >= polled + 2);
      waitUpTo(NEXT_POLLS).withMessage(() -> "focus kept over a redraw; the chart says: " + text("chart-readout")
          + ", focus on " + js("return document.activeElement.outerHTML.slice(0, 120);"))
          .until(b -> twelve.equals(js("return document.activeElement.getAttribute('aria-label');"))
              && text("chart-readout").equals(twelve));
      // the focus gone on (to the table's toggle): the line says the total again, not the bar last focused
      browser.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.TAB);
      waitUpTo(NEXT_POLLS).withMessage(() -> "the focus gone from the chart; the chart says: "
          + text("chart-readout")).until(b -> text("chart-readout").startsWith(total));

      // every count in the table, newest first
      @SuppressWarnings("unchecked")
      List<String> rows = (List<String>) js("return Array.from(document.querySelectorAll('#chart-table tbody tr'))"
          + ".map(r => Array.from(r.cells).map(c => c.textContent.trim()).join('|'));");
      assertThat(rows).containsExactly(js(at, first + 59 * bucket) + "|1", js(at, first + 11 * bucket) + "|12",
          js(at, first + 3 * bucket) + "|2");

      // a flagged detector is said to be in words, not only by its bar's colour
      @SuppressWarnings("unchecked")
      List<String> scores = (List<String>) js("return Array.from(document.querySelectorAll('article.alert .scores li'))"
          + ".map(l => l.innerText.replace(/\\s+/g, ' ').trim());");
      assertThat(scores).containsExactly("squeeze 0.900 / 0.500 flagged", "quiet 0.100 / 0.500");
    } finally {
      browser.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
      page.close();
    }
  }

  /**
   * Walking the demo as an operator in a 1280 px window: the cameras table's last column, the flag rate a campaign is
   * read from, was cut off behind a sideways scroll (its headers kept on one line made it wider than its card); each
   * detector's score bar began where its name ended, so the bars and threshold marks of one alert did not line up and
   * could not be compared at a glance; and a phone's width cut detector names to "feature-...". Now the cameras fit,
   * the bars of an alert share one left edge, and every name is shown whole, from 360 px to 1920 px.
   */
  @Test
  @Order(18)
  void theCamerasFlagRateIsInViewAndAnAlertsScoreBarsLineUpUnderWholeDetectorNames() throws Exception {
    String cameras = "{\"cameras\":[{\"cameraId\":\"cam-04\",\"status\":\"CAMPAIGN\",\"totalFrames\":12345,"
        + "\"totalFlagged\":12001,\"lastWindowStart\":1,\"lastWindowFrames\":50,\"lastWindowFlagged\":50},"
        + "{\"cameraId\":\"cam-01\",\"status\":\"NORMAL\",\"totalFrames\":12345,\"totalFlagged\":1234,"
        + "\"lastWindowStart\":-1,\"windowFrames\":20,\"windowFlagged\":2}],\"known\":2,\"limit\":200}";
    StringBuilder scores = new StringBuilder();
    for (String detector : new String[] {"stability", "feature-squeezing", "overinterpretation", "learned", "consensus"}) {
      scores.append(scores.length() == 0 ? "" : ",").append("{\"detector\":\"").append(detector)
          .append("\",\"score\":0.9,\"threshold\":0.5,\"flagged\":").append(detector.length() % 2 == 0).append("}");
    }
    String alert = timedAlert(1, System.currentTimeMillis()).replace("\"scores\":[]", "\"scores\":[" + scores + "]");
    MonitorHttpServer page = pageServer(Map.of("/cameras", cameras, "/api/alerts",
        "{\"capacity\":50,\"alerts\":[" + alert + "]}"));
    try {
      for (int width : new int[] {360, 1024, 1280, 1920}) {
        browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
            Map.of("width", width, "height", 1000, "deviceScaleFactor", 1, "mobile", false));
        browser.get("http://127.0.0.1:" + page.port() + "/");
        waitUpTo(Duration.ofSeconds(20)).until(b -> b.findElements(By.cssSelector(".scores li")).size() == 5
            && b.findElements(By.cssSelector("#cameras tbody tr")).size() == 2);
        @SuppressWarnings("unchecked")
        List<Long> lefts = (List<Long>) js("return Array.from(document.querySelectorAll('.scores .track'))"
            + ".map(t => Math.round(t.getBoundingClientRect().left));");
        assertThat(lefts).as("the left edges of an alert's score bars at " + width + " px").containsOnly(lefts.get(0));
        assertThat(js("return Array.from(document.querySelectorAll('.scores .name'))"
            + ".filter(n => n.scrollWidth > n.clientWidth).map(n => n.textContent);"))
            .as("detector names cut at " + width + " px").isEqualTo(List.of());
        assertThat(midWordBreaks(".scores .name")).as("detector names broken mid-word at " + width + " px")
            .isEqualTo(List.of());
        if (width > 1000) { // two cards side by side; a phone's width is DashboardPageIT's (README, Dashboard)
          assertThat(js("const s = document.querySelector('.table-scroll'); return [s.scrollWidth, s.clientWidth];"))
              .as("the cameras table's width and its card's at " + width + " px")
              .satisfies(w -> assertThat(((List<?>) w).get(0)).isEqualTo(((List<?>) w).get(1)));
        }
      }
    } finally {
      browser.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
      page.close();
    }
  }

  /**
   * Walking the demo: a long error in the header (a refused request names itself, its status and the monitor's reason)
   * squeezed the title "advmon" onto three lines in a 1280 px window, and in a phone's width the tiles' breakdowns broke
   * dead-letter reasons and alert kinds mid-word ("UNDECODABLE_IMA GE"). The title now keeps its line whatever the
   * header says, and a reason or kind is broken only between entries, at 360 px as at 1280 px.
   */
  @Test
  @Order(19)
  void aLongErrorLeavesTheTitleOnOneLineAndNoReasonOrKindIsBrokenMidWord() throws Exception {
    MonitorHttpServer page = pageServer(Map.of("/api/summary", "{\"frames\":40,\"verdicts\":30,\"deadLetters\":6,"
        + "\"deadLettersByReason\":{\"UNDECODABLE_IMAGE\":3,\"REGISTRY_REQUEST_FAILED\":2,\"BAD_MAGIC_BYTE\":1},"
        + "\"alerts\":12,\"alertsByKind\":{\"OVERINTERPRETATION\":4,\"PERTURBATION\":7,\"CAMPAIGN_CLEARED\":1},"
        + "\"streams\":\"RUNNING\",\"ready\":true}"));
    String reason = "this route needs the header 'Authorization: Bearer <token>' " + "and more words ".repeat(12);
    page.route("/api/alerts", (ex, p) -> reply(ex, 401, "application/json",
        ("{\"error\":\"" + reason + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    try {
      for (int width : new int[] {360, 1280}) {
        browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
            Map.of("width", width, "height", 1000, "deviceScaleFactor", 1, "mobile", false));
        browser.get("http://127.0.0.1:" + page.port() + "/");
        waitUpTo(Duration.ofSeconds(20)).until(b -> text("updated").startsWith("update failed")
            && text("alerts-by-kind").contains("PERTURBATION"));
        assertThat(midWordBreaks("#dead-letters-by-reason, #alerts-by-kind"))
            .as("lines broken mid-word in the tiles' breakdowns at " + width + " px").isEqualTo(List.of());
        assertThat(js("return document.querySelector('.top h1').getBoundingClientRect().height;"))
            .as("the title's height at " + width + " px, under a long error (one line is 29 px)")
            .satisfies(h -> assertThat(((Number) h).doubleValue()).isLessThan(40));
        assertThat(js("return document.documentElement.scrollWidth;")).as("the page's width at " + width + " px")
            .isEqualTo((long) width);
      }
    } finally {
      browser.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
      page.close();
    }
  }

  /**
   * A server of the page whose summary is {@code summaryOfPoll} of the poll's number (1 for the first), counted in
   * {@code asked}; the other routes as {@link #pageServer}'s.
   */
  private static MonitorHttpServer pageWithSummaries(java.util.concurrent.atomic.AtomicInteger asked,
      java.util.function.IntFunction<String> summaryOfPoll) throws IOException {
    MonitorHttpServer page = pageServer(Map.of());
    page.route("/api/summary", (ex, p) -> reply(ex, "application/json",
        summaryOfPoll.apply(asked.incrementAndGet()).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    return page;
  }

  /** A stand-in peer that answers each path of {@code answers} with its JSON, and 404 anywhere else. */
  private static com.sun.net.httpserver.HttpServer peerAnswering(Map<String, String> answers) throws IOException {
    com.sun.net.httpserver.HttpServer peer =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    peer.createContext("/", ex -> {
      String answer = answers.get(ex.getRequestURI().getPath());
      if (answer == null) {
        reply(ex, 404, "application/json", "{\"error\":\"not here\"}".getBytes());
      } else {
        reply(ex, "application/json", answer.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      ex.close();
    });
    peer.start();
    return peer;
  }

  /** This instance's own HTTP server, in a group whose only other instance is {@code peer}. */
  private static MonitorHttpServer clusterWith(com.sun.net.httpserver.HttpServer peer) throws IOException {
    return new MonitorHttpServer(dev.advmon.http.HttpSettings.loopback("127.0.0.1", 0), monitor.health(),
        metrics::scrape, monitor.cameras(), recent, metrics::counts, new dev.advmon.http.Peers(null,
            () -> List.of(new org.apache.kafka.streams.state.HostInfo("127.0.0.1", peer.getAddress().getPort())),
            Duration.ofSeconds(5), null));
  }

  /** A server of the page whose JSON routes answer {@code answers} (path -> body); the summary a quiet one. */
  private static MonitorHttpServer pageServer(Map<String, String> answers) throws IOException {
    MonitorHttpServer page = new MonitorHttpServer(dev.advmon.http.HttpSettings.loopback("127.0.0.1", 0),
        monitor.health(), metrics::scrape, monitor.cameras(), recent, metrics::counts);
    Map<String, String> all = new HashMap<>(Map.of("/api/summary", "{\"frames\":0,\"verdicts\":0,\"deadLetters\":0,"
        + "\"alerts\":0,\"streams\":\"RUNNING\",\"ready\":true}", "/api/alerts", "{\"capacity\":50,\"alerts\":[]}",
        "/cameras", "{\"cameras\":[],\"known\":0,\"limit\":200}"));
    all.putAll(answers);
    all.forEach((path, body) -> page.route(path, (ex, p) ->
        reply(ex, "application/json", body.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    return page;
  }

  /** Waits until the note {@code id} names {@code server}; a failure says what the note said instead. */
  private static void waitForNaming(String id, String server) {
    waitUpTo(Duration.ofSeconds(20)).withMessage(() -> id + " naming " + server + "; it says: \"" + text(id) + "\"")
        .until(b -> text(id).contains(server));
  }

  private static void reply(HttpExchange ex, String type, byte[] body) throws IOException {
    reply(ex, 200, type, body);
  }

  private static void reply(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    DashboardBrowser.reply(ex, status, type, body);
  }

  /**
   * A camera's status as its table row shows it. The table is rebuilt on every poll, so the rows are read in one
   * script call (a snapshot), never through element references that the next render would make stale.
   */
  private static String cameraStatus(String camera) {
    Object status = js("for (const row of document.querySelectorAll('#cameras tbody tr')) {"
        + "  const cell = row.querySelector('td.camera'); const pill = row.querySelector('.pill');"
        + "  if (cell && pill && cell.innerText === arguments[0]) { return pill.innerText; } }"
        + "return '';", camera);
    return status == null ? "" : status.toString();
  }

  /** Sends the frames; returns the ids of the frames the test detector will flag. */
  private static List<String> produceFrames() throws Exception {
    String topic = config.string("topics.frames");
    AvroSerde<Frame> serde = AvroSerde.forClass(Frame.class, registry);
    List<String> flagged = new java.util.ArrayList<>();
    // Record timestamps spread over 1 s windows, so that the campaign windows close as the frames arrive.
    long base = System.currentTimeMillis() - 10_000;
    base -= base % 1000;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrap, ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < 12; i++) {
        send(producer, serde, topic, base + i * 250L, frame("lobby-" + i, "cam-lobby", png(false, i)));
      }
      for (int i = 0; i < 16; i++) {
        String id = "gate-" + i;
        flagged.add(id);
        send(producer, serde, topic, base + i * 250L, frame(id, "cam-gate", png(true, i)));
      }
      flagged.add("hostile-1");
      send(producer, serde, topic, base, frame("hostile-1", HOSTILE_CAMERA, png(true, 99)));
      for (int i = 0; i < 2; i++) {
        producer.send(new ProducerRecord<>(topic, null, base, "cam-broken".getBytes(), "not avro".getBytes()));
      }
      producer.flush();
    }
    return flagged;
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, AvroSerde<Frame> serde, String topic, long timestamp,
      Frame f) {
    producer.send(new ProducerRecord<>(topic, null, timestamp, f.getCameraId().getBytes(),
        serde.serializer().serialize(topic, f)));
  }

  private static Frame frame(String id, String camera, byte[] png) {
    return Frame.newBuilder().setFrameId(id).setCameraId(camera).setCaptureTime(Instant.now())
        .setEncoding(ImageEncoding.PNG).setImage(ByteBuffer.wrap(png)).build();
  }

  /** A 64x64 scene: a bright one (mean well above 0.75) or a dark one, with a shape that varies with {@code n}. */
  private static byte[] png(boolean bright, int n) throws Exception {
    BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(bright ? new Color(240, 238, 228) : new Color(38, 44, 56));
    g.fillRect(0, 0, 64, 64);
    Color[] palette = {new Color(220, 80, 60), new Color(60, 140, 220), new Color(60, 170, 90), new Color(230, 170, 40)};
    g.setColor(palette[Math.floorMod(n, palette.length)]);
    int x = 8 + (n * 7) % 32;
    g.fillOval(x, 14 + (n * 5) % 20, 18, 18);
    g.setColor(bright ? new Color(200, 200, 190) : new Color(90, 100, 120));
    g.fillRect(0, 50, 64, 14);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }
}
