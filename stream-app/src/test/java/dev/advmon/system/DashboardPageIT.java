package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpExchange;
import dev.advmon.campaign.CameraDirectory;
import dev.advmon.dashboard.RecentAlerts;
import dev.advmon.health.HealthCheck;
import dev.advmon.http.HttpSettings;
import dev.advmon.http.MonitorHttpServer;
import dev.advmon.image.ImageLimits;
import dev.advmon.testing.DashboardBrowser;
import dev.advmon.testing.TempTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator dashboard's page in headless Chromium, served by a monitor's HTTP server whose JSON routes answer what
 * each test makes up (a monitor starting, a burst of alerts, cameras counted before a restart): what the page says and
 * does, with no broker, registry or model behind it. {@link DashboardIT} has the page on a whole monitor.
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver} (CI installs them; see {@code .ci/run}).
 */
class DashboardPageIT {

  /**
   * For what the page shows within a poll or two of a change or of a key press (it polls every 1.5 s): 5-20 s left a
   * loaded CI machine, with Chromium and two other test JVMs on it, little room; each wait ends as soon as the page
   * shows it, and none waits for something not to happen.
   */
  private static final Duration NEXT_POLLS = Duration.ofSeconds(30);

  private static Path scratch; // the browser profile, removed after the class
  private static RecentAlerts recent;
  private static ChromeDriver browser;

  @BeforeAll
  static void start() throws Exception {
    scratch = Files.createTempDirectory("advmon-dashboard-page-it-");
    recent = new RecentAlerts(new ImageLimits(1_000_000, 4_000_000, 4096));
    browser = DashboardBrowser.start(scratch);
  }

  @AfterAll
  static void stop() {
    try {
      if (browser != null) {
        browser.quit();
      }
    } finally {
      if (recent != null) {
        recent.close();
      }
      TempTree.delete(scratch);
    }
  }

  /**
   * A normal start: until Kafka Streams runs, /cameras answers 503 (the cameras are not known yet), and the page read
   * "update failed: /cameras?limit=200 answered HTTP 503 ..." with the cameras greyed as stale, for as long as the
   * broker, the registry and the model were waited for. The monitor marks such an answer {@code notYet}: the page now
   * says "starting" and what start-up waits for, greys nothing, and once the cameras come reads as updated. A 503
   * without the mark (a peer that did not answer) is still a failure.
   */
  @Test
  void whileTheMonitorStartsThePageSaysStartingAndWhatItWaitsForNotThatAnUpdateFailed() throws Exception {
    MonitorHttpServer page = pageServer(Map.of("/api/summary", "{\"frames\":0,\"verdicts\":0,\"deadLetters\":0,"
        + "\"alerts\":0,\"streams\":\"STARTING\",\"ready\":false,\"readyReasons\":[\"starting: checking the Kafka "
        + "broker, the schema registry and the model before the first frame\",\"registry: http://registry:8081 "
        + "answered 503\"]}"));
    AtomicReference<String> cameras = new AtomicReference<>("starting");
    page.route("/cameras", (ex, p) -> {
      switch (cameras.get()) {
        case "starting" -> reply(ex, 503, "application/json", ("{\"error\":\"camera state is not available yet: this "
            + "instance is still starting (what it waits for: /health/ready); ask another instance of the group, or "
            + "retry once it is ready\",\"state\":\"STARTING\",\"notYet\":true}").getBytes());
        case "broken" -> reply(ex, 503, "application/json",
            "{\"error\":\"no instance answered for its cameras: 10.0.0.2:8080 did not answer\"}".getBytes());
        default -> reply(ex, "application/json", "{\"cameras\":[],\"known\":0,\"limit\":200}".getBytes());
      }
    });
    try {
      browser.get("http://127.0.0.1:" + page.port() + "/");
      waitUpTo(NEXT_POLLS).withMessage(() -> "the header saying what start-up waits for; it says \""
          + text("updated") + "\"").until(b -> text("updated").startsWith("starting: checking the Kafka broker"));
      assertThat(text("updated")).contains("registry: http://registry:8081 answered 503").doesNotContain("failed")
          .doesNotContain("HTTP 503");
      assertThat(js("return document.getElementById('updated').classList.contains('stale');")).isEqualTo(false);
      assertThat(greyedAsStale("cameras")).as("the cameras greyed as stale while starting").isFalse();
      assertThat(text("cameras-note")).isEqualTo("Cameras are listed once this instance has started; the page asks "
          + "again by itself.");

      cameras.set("broken");
      waitUpTo(NEXT_POLLS).until(b -> text("updated").startsWith("update failed: /cameras?limit=200 "
          + "answered HTTP 503: no instance answered"));
      waitUpTo(NEXT_POLLS).until(b -> greyedAsStale("cameras"));

      cameras.set("ok");
      waitUpTo(NEXT_POLLS).until(b -> text("updated").startsWith("updated "));
      assertThat(greyedAsStale("cameras")).isFalse();
    } finally {
      page.close();
    }
  }

  /**
   * A page opened during a rebalance of an instance that had run for hours read "starting: Kafka Streams is
   * REBALANCING ...": only a page that had seen RUNNING told a rebalance from a start. So did one opened while Kafka
   * Streams restarts in place after a failure. Only STARTING (before Kafka Streams exists) is a start; the others wait,
   * and nothing failed.
   */
  @Test
  void aPageOpenedDuringARebalanceOrARestartInPlaceSaysWaitingNotStarting() throws Exception {
    Map<String, String> reasonByState = Map.of(
        "REBALANCING", "Kafka Streams is REBALANCING (partitions are being assigned or restored)",
        "ERROR", "Kafka Streams is restarting after a failure (1 in a row; next start in 1 s): StreamsException: boom");
    for (Map.Entry<String, String> waiting : reasonByState.entrySet()) {
      String state = waiting.getKey();
      boolean restarting = state.equals("ERROR");
      MonitorHttpServer page = pageServer(Map.of("/api/summary", "{\"frames\":120000,\"verdicts\":120000,"
          + "\"deadLetters\":0,\"alerts\":3,\"streams\":\"" + state + "\",\"ready\":false,\"readyReasons\":[\""
          + waiting.getValue() + "\"],\"restarting\":" + restarting + "}"));
      page.route("/cameras", (ex, p) -> reply(ex, 503, "application/json", ("{\"error\":\"camera state is not "
          + (restarting ? "available while Kafka Streams restarts in place (its client is ERROR until a new one runs; "
          + "/health/ready says why)" : "available while Kafka Streams is " + state) + "; retry in a few seconds\","
          + "\"state\":\"" + state + "\",\"notYet\":true,\"restarting\":" + restarting + "}").getBytes()));
      try {
        browser.get("http://127.0.0.1:" + page.port() + "/");
        waitUpTo(NEXT_POLLS).withMessage(() -> state + ": the header saying what it waits for; it says \""
            + text("updated") + "\"").until(b -> text("updated").contains(waiting.getValue()));
        assertThat(text("updated")).as(state).isEqualTo("waiting: " + waiting.getValue()
            + " (the page updates by itself)");
        assertThat(greyedAsStale("cameras")).as(state + ": the cameras greyed as stale").isFalse();
        // a restart in place mends itself: its old client's ERROR read "running here (it is ERROR)" on a red badge
        waitUpTo(NEXT_POLLS).until(b -> text("cameras-note").startsWith("Cameras are listed once"));
        assertThat(text("cameras-note")).as(state).isEqualTo(restarting
            ? "Cameras are listed once Kafka Streams has restarted here (its old client is ERROR until a new one runs);"
              + " the page asks again by itself."
            : "Cameras are listed once Kafka Streams is running here (it is REBALANCING); the page asks again by "
              + "itself.");
        assertThat(text("streams-state")).as(state).isEqualTo(restarting ? "ERROR, restarting" : "REBALANCING");
        assertThat(js("return document.getElementById('streams-state').className;")).as(state)
            .isEqualTo("badge warn");
      } finally {
        page.close();
      }
    }
  }

  /**
   * A demo raises about 400 alerts in 33 s: each poll (1.5 s) put the new cards on top and pushed the one being read
   * down or off the list. The list now holds still while Pause is pressed (a button, reached with Tab and pressed with
   * Space) or while the pointer is over it, and says how many alerts arrived meanwhile; Resume shows them. Here every
   * poll of the alerts adds one.
   */
  @Test
  void theAlertListHoldsStillWhilePausedOrPointedAtAndSaysHowManyArrivedMeanwhile() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    MonitorHttpServer page = pageServer(Map.of());
    long now = System.currentTimeMillis();
    page.route("/api/alerts", (ex, p) -> {
      int newest = polls.incrementAndGet();
      StringBuilder list = new StringBuilder();
      for (int seq = newest; seq >= Math.max(1, newest - 49); seq--) {
        list.append(list.length() == 0 ? "" : ",").append(timedAlert(seq, now + seq));
      }
      reply(ex, "application/json", ("{\"capacity\":50,\"alerts\":[" + list + "]}").getBytes());
    });
    String shown = "return Array.from(document.querySelectorAll('#alerts article.alert')).map(a => a.dataset.key)"
        + ".join(',');";
    try {
      browser.get("http://127.0.0.1:" + page.port() + "/");
      waitUpTo(NEXT_POLLS).until(b -> b.findElements(By.cssSelector("article.alert")).size() >= 2);
      browser.findElement(By.tagName("body")).sendKeys(Keys.TAB);
      for (int tab = 1; tab < 10 && !"alerts-pause".equals(js("return document.activeElement.id;")); tab++) {
        browser.switchTo().activeElement().sendKeys(Keys.TAB);
      }
      assertThat(js("return document.activeElement.id;")).as("Tab reaches the alerts' Pause").isEqualTo("alerts-pause");
      browser.switchTo().activeElement().sendKeys(Keys.SPACE);
      // a toggle's label must not change with its state: "Resume (3 new), toggle button, pressed" read as resuming
      assertThat(js("return document.getElementById('alerts-pause').getAttribute('aria-pressed');"))
          .as("aria-pressed on a button whose label says the state").isNull();
      String held = (String) js(shown);
      int pausedAt = polls.get();
      waitUpTo(NEXT_POLLS).withMessage(() -> "an alert counted while paused; the page says \""
          + text("alerts-held") + "\"").until(b -> polls.get() > pausedAt
              && text("alerts-held").matches("Paused: [1-9]\\d* new alerts? since \\d\\d:\\d\\d:\\d\\d \\S+; "
                  + "Resume shows them\\."));
      assertThat(js(shown)).as("the cards while paused").isEqualTo(held);
      assertThat(text("alerts-pause")).matches("Resume \\([1-9]\\d* new\\)");

      browser.switchTo().activeElement().sendKeys(Keys.SPACE);
      waitUpTo(NEXT_POLLS).until(b -> !js(shown).equals(held) && text("alerts-held").isEmpty());
      assertThat(text("alerts-pause")).isEqualTo("Pause");
      assertThat(js("return document.getElementById('alerts-pause').getAttribute('aria-pressed');")).isNull();

      // the pointer on a card holds the list as Pause does, and moving it away lets it go
      new Actions(browser)
          .moveToElement(browser.findElement(By.cssSelector("article.alert"))).perform();
      String pointed = (String) js(shown);
      waitUpTo(NEXT_POLLS).until(b -> text("alerts-held").matches("Held while the pointer is on the "
          + "alerts: [1-9]\\d* new alerts? since \\d\\d:\\d\\d:\\d\\d \\S+; move it away to show them\\."));
      assertThat(js(shown)).as("the cards while pointed at").isEqualTo(pointed);
      new Actions(browser)
          .moveToElement(browser.findElement(By.cssSelector(".top h1"))).perform();
      waitUpTo(NEXT_POLLS).until(b -> !js(shown).equals(pointed) && text("alerts-held").isEmpty());
    } finally {
      page.close();
    }
  }

  /**
   * Holding the list must not move the card being read. The note that says it is held appeared above the cards and
   * pushed each one down a line at the moment the pointer came onto them (or Pause was pressed); pointed at near its
   * top edge, the list slid away from under the pointer.
   */
  @Test
  void holdingTheAlertListLeavesTheCardsWhereTheyAreOnTheScreen() throws Exception {
    long now = System.currentTimeMillis();
    StringBuilder list = new StringBuilder();
    for (int seq = 12; seq >= 1; seq--) {
      list.append(list.length() == 0 ? "" : ",").append(timedAlert(seq, now + seq));
    }
    MonitorHttpServer page = pageServer(Map.of("/api/alerts", "{\"capacity\":50,\"alerts\":[" + list + "]}"));
    String top = "return document.querySelector('#alerts article.alert').getBoundingClientRect().top;";
    try {
      browser.get("http://127.0.0.1:" + page.port() + "/");
      waitUpTo(NEXT_POLLS).until(b -> b.findElements(By.cssSelector("article.alert")).size() == 12);
      js("document.querySelector('#alerts article.alert').scrollIntoView({block: 'center'});");
      double before = ((Number) js(top)).doubleValue();
      WebElement first = browser.findElement(By.cssSelector("#alerts article.alert"));
      // 3 px below the card's top edge, where a list moved down a line no longer lies under the pointer
      new Actions(browser).moveToElement(first, 0, 3 - first.getSize().getHeight() / 2).perform();
      waitUpTo(NEXT_POLLS).until(b -> text("alerts-held").startsWith("Held while the pointer"));
      assertThat(((Number) js(top)).doubleValue()).as("the first card's top on the screen once held by the pointer")
          .isCloseTo(before, within(0.5));

      new Actions(browser).moveToElement(browser.findElement(By.cssSelector(".top h1"))).perform();
      waitUpTo(NEXT_POLLS).until(b -> text("alerts-held").isEmpty());
      js("document.querySelector('#alerts article.alert').scrollIntoView({block: 'center'});");
      double unpaused = ((Number) js(top)).doubleValue();
      browser.findElement(By.id("alerts-pause")).sendKeys(Keys.SPACE);
      waitUpTo(NEXT_POLLS).until(b -> text("alerts-held").startsWith("Paused"));
      assertThat(((Number) js(top)).doubleValue()).as("the first card's top on the screen once paused")
          .isCloseTo(unpaused, within(0.5));
      browser.findElement(By.id("alerts-pause")).sendKeys(Keys.SPACE);
      waitUpTo(NEXT_POLLS).until(b -> text("alerts-held").isEmpty());
    } finally {
      page.close();
    }
  }

  /**
   * "At least" is for a list that alerts were pushed out of: every alert of a full list (50) new means more may have
   * come. Paused on a list of fewer, every one new is every one that came: "at least 2" of 2 said some were lost.
   */
  @Test
  void alertsArrivedWhilePausedAreCountedExactlyWhileTheListIsNotFull() throws Exception {
    AtomicReference<String> alerts = new AtomicReference<>("");
    MonitorHttpServer page = pageServer(Map.of());
    page.route("/api/alerts", (ex, p) -> reply(ex, "application/json",
        ("{\"capacity\":50,\"alerts\":[" + alerts.get() + "]}").getBytes()));
    try {
      browser.get("http://127.0.0.1:" + page.port() + "/");
      waitUpTo(NEXT_POLLS).until(b -> text("updated").startsWith("updated "));
      browser.findElement(By.id("alerts-pause")).sendKeys(Keys.SPACE);
      long now = System.currentTimeMillis();
      alerts.set(timedAlert(2, now) + "," + timedAlert(1, now - 1));
      waitUpTo(NEXT_POLLS).withMessage(() -> "2 alerts counted while paused; the page says \""
          + text("alerts-held") + "\"").until(b -> text("alerts-held").startsWith("Paused: 2 new alerts since"));
      assertThat(text("alerts-pause")).isEqualTo("Resume (2 new)");
      browser.findElement(By.id("alerts-pause")).sendKeys(Keys.SPACE);
      waitUpTo(NEXT_POLLS).until(b -> b.findElements(By.cssSelector("article.alert")).size() == 2);
    } finally {
      page.close();
    }
  }

  /**
   * With a peer left out of the counts (it did not answer), the frames read are this instance's alone while the
   * cameras' totals still hold the peer's cameras (from standby replicas): the caption said they included frames read
   * before a restart or by an instance since stopped, and gave a frames count from an earlier poll, not the one shown.
   * The note over the counts names the peer left out; the caption claims nothing then.
   */
  @Test
  void theCaptionClaimsNothingOfTheCamerasTotalsWhileTheCountsLeaveAPeerOut() throws Exception {
    AtomicReference<String> summary = new AtomicReference<>("{\"frames\":400,\"verdicts\":400,\"deadLetters\":0,"
        + "\"alerts\":0,\"streams\":\"RUNNING\",\"ready\":true}");
    AtomicReference<String> totals = new AtomicReference<>("150");
    MonitorHttpServer page = pageServer(Map.of());
    page.route("/api/summary", (ex, p) -> reply(ex, "application/json", summary.get().getBytes()));
    page.route("/cameras", (ex, p) -> reply(ex, "application/json", ("{\"cameras\":[{\"cameraId\":\"cam-01\","
        + "\"status\":\"NORMAL\",\"totalFrames\":" + totals.get() + ",\"totalFlagged\":1}],\"known\":1,"
        + "\"limit\":200}").getBytes()));
    String plain = "Counts since the monitor started (each process starts them at 0); the cameras' totals since each "
        + "camera's first frame";
    try {
      browser.get("http://127.0.0.1:" + page.port() + "/");
      waitUpTo(NEXT_POLLS)
          .until(b -> text("count-frames").equals("400") && text("cameras").contains("150"));
      summary.set("{\"frames\":200,\"verdicts\":200,\"deadLetters\":0,\"alerts\":0,\"streams\":\"RUNNING\","
          + "\"ready\":true,\"instances\":[{\"server\":\"10.0.0.1:8080\",\"local\":true},{\"server\":"
          + "\"10.0.0.2:8080\",\"error\":\"did not answer within 2 s\"}]}");
      totals.set("8000");
      waitUpTo(NEXT_POLLS).until(b -> text("count-frames").equals("200")
          && text("cameras").contains("8,000") && text("instances-note").contains("10.0.0.2:8080"));
      assertThat(text("counts-hint")).as("the caption while the counts leave 10.0.0.2:8080 out").isEqualTo(plain);
    } finally {
      page.close();
    }
  }

  /**
   * The caption said the camera totals do not start at 0 with each process: in a demo (a new broker each time) they
   * do; after a restart that kept its state, or a scale-in, the cameras' totals were above the frames read with no word
   * on the page why. The caption now says what each counts, and when the cameras' totals are above the frames read,
   * that they were counted before this process started.
   */
  @Test
  void theCaptionSaysWhyTheCamerasTotalsAreAboveTheFramesReadOnlyWhenTheyAre() throws Exception {
    AtomicReference<String> totals = new AtomicReference<>("5000,3000");
    MonitorHttpServer page = pageServer(Map.of("/api/summary", "{\"frames\":400,\"verdicts\":390,\"deadLetters\":10,"
        + "\"alerts\":0,\"streams\":\"RUNNING\",\"ready\":true}"));
    page.route("/cameras", (ex, p) -> {
      String[] n = totals.get().split(",");
      reply(ex, "application/json", ("{\"cameras\":[{\"cameraId\":\"cam-01\",\"status\":\"NORMAL\",\"totalFrames\":"
          + n[0] + ",\"totalFlagged\":1},{\"cameraId\":\"cam-02\",\"status\":\"NORMAL\",\"totalFrames\":" + n[1]
          + ",\"totalFlagged\":1}],\"known\":2,\"limit\":200}").getBytes());
    });
    String plain = "Counts since the monitor started (each process starts them at 0); the cameras' totals since each "
        + "camera's first frame";
    try {
      browser.get("http://127.0.0.1:" + page.port() + "/");
      waitUpTo(NEXT_POLLS).withMessage(() -> "the caption on 8,000 frames in the cameras' totals; it "
          + "says \"" + text("counts-hint") + "\"").until(b -> text("counts-hint").contains("8,000"));
      assertThat(text("counts-hint")).isEqualTo(plain + ": the cameras' 8,000 frames are more than the 400 read, as "
          + "they include frames read before a restart that kept the cameras' state, or by an instance since stopped "
          + "(a scale-in)");
      totals.set("150,200");
      waitUpTo(NEXT_POLLS).withMessage(() -> "the caption on totals below the frames read; it says \""
          + text("counts-hint") + "\"").until(b -> text("counts-hint").equals(plain));
    } finally {
      page.close();
    }
  }

  /**
   * A restarting peer whose summary carried no {@code streams} value read "mon-3:8080 is restarting Kafka Streams in
   * place (its old client is  until a new one runs)": the restart is said without the old client's state then, and
   * with it where the summary has one.
   */
  @Test
  void aRestartingPeerWithoutAStreamsStateIsSaidToRestartWithoutAnEmptyState() throws Exception {
    MonitorHttpServer page = pageServer(Map.of("/api/summary", "{\"frames\":0,\"verdicts\":0,\"deadLetters\":0,"
        + "\"alerts\":0,\"streams\":\"RUNNING\",\"ready\":true,\"instances\":["
        + "{\"server\":\"mon-0:8080\",\"local\":true,\"streams\":\"RUNNING\"},"
        + "{\"server\":\"mon-2:8080\",\"local\":false,\"streams\":\"ERROR\",\"ready\":false,\"restarting\":true},"
        + "{\"server\":\"mon-3:8080\",\"local\":false,\"ready\":false,\"restarting\":true}]}"));
    try {
      browser.get("http://127.0.0.1:" + page.port() + "/");
      waitUpTo(NEXT_POLLS).withMessage(() -> "the note on the restarting peers; it says \""
          + text("instances-note") + "\"").until(b -> text("instances-note").contains("mon-3:8080"));
      assertThat(text("instances-note")).isEqualTo("mon-2:8080 is restarting Kafka Streams in place (its old client "
          + "is ERROR until a new one runs); mon-3:8080 is restarting Kafka Streams in place.");
    } finally {
      page.close();
    }
  }

  /**
   * At 360 px the cameras table showed the camera, its status and its frames; the flag rate, the number an operator
   * reads a campaign from, was behind a sideways scroll. It is now the column after the status, in view from 360 px.
   */
  @Test
  void theFlagRateIsInViewWithoutScrollingSidewaysFrom360Px() throws Exception {
    String cameras = "{\"cameras\":[{\"cameraId\":\"cam-04\",\"status\":\"CAMPAIGN\",\"totalFrames\":1234567,"
        + "\"totalFlagged\":1234001,\"lastWindowStart\":1,\"lastWindowFrames\":50,\"lastWindowFlagged\":50},"
        + "{\"cameraId\":\"cam-01\",\"status\":\"NORMAL\",\"totalFrames\":1234567,\"totalFlagged\":1234,"
        + "\"lastWindowStart\":-1,\"windowFrames\":20,\"windowFlagged\":2}],\"known\":2,\"limit\":200}";
    MonitorHttpServer page = pageServer(Map.of("/cameras", cameras));
    try {
      for (int width : new int[] {360, 1280}) {
        browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
            Map.of("width", width, "height", 1000, "deviceScaleFactor", 1, "mobile", false));
        browser.get("http://127.0.0.1:" + page.port() + "/");
        waitUpTo(NEXT_POLLS).until(b -> b.findElements(By.cssSelector("#cameras tbody tr")).size() == 2);
        @SuppressWarnings("unchecked")
        List<Object> outside = (List<Object>) js("const box = document.querySelector('.table-scroll')"
            + ".getBoundingClientRect(); const rate = Array.from(document.querySelectorAll('#cameras th'))"
            + ".findIndex(t => t.innerText.startsWith('Flag rate'));"
            + "return Array.from(document.querySelectorAll('#cameras tr')).map(r => r.cells[rate])"
            + ".filter(c => c.getBoundingClientRect().right > box.right + 0.5).map(c => c.innerText);");
        assertThat(outside).as("flag-rate cells beyond the cameras card's right edge at " + width + " px").isEmpty();
        assertThat(text("cameras")).contains("100.0%").contains("10.0% (current)");
      }
    } finally {
      browser.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
      page.close();
    }
  }

  /**
   * At 360 px the flag rate was in view but the two totals after it scrolled sideways (five columns took about 460 px).
   * In a phone's width the status stands under the camera id and the flagged total under the frames': no cell is
   * beyond the card's edge, and every number is still on the row. From 600 px the five columns are back.
   */
  @Test
  void everyColumnOfTheCamerasTableIsInViewWithoutScrollingSidewaysFrom360Px() throws Exception {
    String cameras = "{\"cameras\":[{\"cameraId\":\"cam-04\",\"status\":\"CAMPAIGN\",\"totalFrames\":12345678,"
        + "\"totalFlagged\":12345001,\"lastWindowStart\":1,\"lastWindowFrames\":50,\"lastWindowFlagged\":50},"
        + "{\"cameraId\":\"cam-01\",\"status\":\"NORMAL\",\"totalFrames\":1234567,\"totalFlagged\":1234,"
        + "\"lastWindowStart\":-1,\"windowFrames\":20,\"windowFlagged\":2}],\"known\":2,\"limit\":200}";
    MonitorHttpServer page = pageServer(Map.of("/cameras", cameras));
    String outside = "const box = document.querySelector('.table-scroll').getBoundingClientRect();"
        + "return Array.from(document.querySelectorAll('#cameras tr')).flatMap(r => Array.from(r.cells))"
        + ".filter(c => c.getBoundingClientRect().width > 0 && c.getBoundingClientRect().right > box.right + 0.5)"
        + ".map(c => c.innerText);";
    String rows = "return Array.from(document.querySelectorAll('#cameras tbody tr'))"
        + ".map(r => r.innerText.replace(/\\s+/g, ' ').trim());";
    try {
      for (int width : new int[] {360, 600}) {
        browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
            Map.of("width", width, "height", 1000, "deviceScaleFactor", 1, "mobile", false));
        browser.get("http://127.0.0.1:" + page.port() + "/");
        waitUpTo(NEXT_POLLS).until(b -> b.findElements(By.cssSelector("#cameras tbody tr")).size() == 2);
        assertThat(js(outside)).as("cells beyond the cameras card's right edge at " + width + " px")
            .isEqualTo(List.of());
        assertThat(js("const s = document.querySelector('.table-scroll'); return s.scrollWidth <= s.clientWidth;"))
            .as("the table fits its card at " + width + " px").isEqualTo(true);
        assertThat(js(rows)).as("the rows at " + width + " px").isEqualTo(width == 360
            ? List.of("cam-04 CAMPAIGN 100.0% 12,345,678 12,345,001 flagged",
                "cam-01 NORMAL 10.0% (current) 1,234,567 1,234 flagged")
            : List.of("cam-04 CAMPAIGN 100.0% 12,345,678 12,345,001",
                "cam-01 NORMAL 10.0% (current) 1,234,567 1,234"));
      }
    } finally {
      browser.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
      page.close();
    }
  }

  /**
   * "Paused: N new alerts since ..." changed on the screen only: a screen reader user who pressed Pause heard nothing
   * of what arrived. The note is a live region (role status) that is there, empty, before it says anything: one that
   * appears together with its text is not announced by every screen reader.
   */
  @Test
  void thePausesCountIsInALiveRegionThatIsThereBeforeItSaysAnything() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    MonitorHttpServer page = pageServer(Map.of());
    long now = System.currentTimeMillis();
    page.route("/api/alerts", (ex, p) -> {
      int newest = polls.incrementAndGet();
      reply(ex, "application/json", ("{\"capacity\":50,\"alerts\":[" + timedAlert(newest, now + newest) + "]}")
          .getBytes(StandardCharsets.UTF_8));
    });
    String region = "const e = document.getElementById('alerts-held'); return [e.getAttribute('role'), e.hidden,"
        + " getComputedStyle(e).display, e.innerText.trim()];";
    try {
      browser.get("http://127.0.0.1:" + page.port() + "/");
      waitUpTo(NEXT_POLLS).until(b -> !b.findElements(By.cssSelector("article.alert")).isEmpty());
      assertThat(js(region)).as("the note before Pause").isEqualTo(List.of("status", false, "block", ""));
      browser.findElement(By.id("alerts-pause")).click();
      int pausedAt = polls.get();
      waitUpTo(NEXT_POLLS).withMessage(() -> "an alert counted while paused; the page says \""
          + text("alerts-held") + "\"").until(b -> polls.get() > pausedAt
              && text("alerts-held").matches("Paused: [1-9]\\d* new alerts? since .*"));
      @SuppressWarnings("unchecked")
      List<Object> whilePaused = (List<Object>) js(region);
      assertThat(whilePaused.subList(0, 3)).as("the note while paused").isEqualTo(List.of("status", false, "block"));
      browser.findElement(By.id("alerts-pause")).click();
      waitUpTo(NEXT_POLLS).until(b -> text("alerts-held").isEmpty());
      assertThat(js(region)).as("the note after Resume").isEqualTo(List.of("status", false, "block", ""));
    } finally {
      page.close();
    }
  }

  /**
   * A monitor's HTTP server whose JSON routes answer {@code answers} (path -> body); the others a quiet running
   * monitor's: no frame, no alert, no camera.
   */
  private static MonitorHttpServer pageServer(Map<String, String> answers) throws IOException {
    MonitorHttpServer page = new MonitorHttpServer(HttpSettings.loopback("127.0.0.1", 0),
        HealthCheck.ofState(() -> KafkaStreams.State.RUNNING), () -> "", CameraDirectory.EMPTY, recent, () -> null);
    Map<String, String> all = new HashMap<>(Map.of("/api/summary", "{\"frames\":0,\"verdicts\":0,\"deadLetters\":0,"
        + "\"alerts\":0,\"streams\":\"RUNNING\",\"ready\":true}", "/api/alerts", "{\"capacity\":50,\"alerts\":[]}",
        "/cameras", "{\"cameras\":[],\"known\":0,\"limit\":200}"));
    all.putAll(answers);
    all.forEach((path, body) -> page.route(path, (ex, p) ->
        reply(ex, "application/json", body.getBytes(StandardCharsets.UTF_8))));
    return page;
  }

  private static String timedAlert(int seq, long time) {
    return "{\"seq\":" + seq + ",\"key\":\"" + seq + "\",\"kind\":\"PERTURBATION\",\"severity\":\"WARNING\","
        + "\"cameraId\":\"cam-t\",\"time\":" + time + ",\"explanation\":\"timed\",\"scores\":[]}";
  }

  private static Object js(String script, Object... args) {
    return DashboardBrowser.js(browser, script, args);
  }

  private static WebDriverWait waitUpTo(Duration d) {
    return DashboardBrowser.waitUpTo(browser, d);
  }

  private static String text(String id) {
    return DashboardBrowser.text(browser, id);
  }

  private static boolean greyedAsStale(String id) {
    return DashboardBrowser.greyedAsStale(browser, id);
  }

  private static void reply(HttpExchange ex, String type, byte[] body) throws IOException {
    DashboardBrowser.reply(ex, 200, type, body);
  }

  private static void reply(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    DashboardBrowser.reply(ex, status, type, body);
  }
}
