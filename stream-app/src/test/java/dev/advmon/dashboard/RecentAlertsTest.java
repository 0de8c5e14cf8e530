package dev.advmon.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.image.ImageLimits;
import dev.advmon.schema.Alert;
import dev.advmon.schema.Frame;
import dev.advmon.schema.ImageEncoding;
import dev.advmon.testing.LogLines;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class RecentAlertsTest {

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final RecentAlerts recent = new RecentAlerts(3, ImageLimits.defaults(), 32, now::get);

  static Alert alert(String id, Map<String, String> evidence) {
    return Alert.newBuilder().setAlertId(id).setFrameId(id).setCameraId("cam-1").setTime(Instant.ofEpochMilli(5))
        .setKind("PERTURBATION").setEvidence(evidence).build();
  }

  static Frame grayFrame(String id, int width, int height) {
    return Frame.newBuilder().setFrameId(id).setCameraId("cam-1").setCaptureTime(Instant.ofEpochMilli(1))
        .setEncoding(ImageEncoding.GRAY8).setWidth(width).setHeight(height)
        .setImage(ByteBuffer.wrap(new byte[width * height])).build();
  }

  @Test
  void keepsTheLatestAlertsNewestFirstUpToItsCapacity() {
    for (int i = 1; i <= 5; i++) {
      recent.onAlert(alert("a" + i, Map.of()), null);
    }
    assertThat(recent.latest()).extracting(e -> e.alert().getAlertId()).containsExactly("a5", "a4", "a3");
    long first = now.get() * 1000 + 1;
    assertThat(recent.latest()).extracting(RecentAlerts.Entry::seq).containsExactly(first + 4, first + 3, first + 2);
    assertThat(recent.bySeq(first)).isEmpty();
  }

  @Test
  void aRestartedMonitorNeverNumbersAnAlertAsTheOldProcessDid() {
    recent.onAlert(alert("a1", Map.of()), null);
    recent.onAlert(alert("a2", Map.of()), null);
    long oldNewest = recent.latest().get(0).seq();
    now.addAndGet(1); // the new process starts a millisecond later
    RecentAlerts restarted = new RecentAlerts(3, ImageLimits.defaults(), 32, now::get);
    restarted.onAlert(alert("b1", Map.of()), null);
    assertThat(restarted.latest().get(0).seq()).as("the page keys cards and picture URLs by this number")
        .isGreaterThan(oldNewest);
  }

  @Test
  void theSameAlertSeenAgainAfterATaskRestartIsKeptOnce() {
    recent.onAlert(alert("a1", Map.of()), null);
    recent.onAlert(alert("a1", Map.of()), null);
    assertThat(recent.latest()).hasSize(1);
    assertThat(recent.timeline().counts()[RecentAlerts.BUCKETS - 1]).isEqualTo(1);
  }

  @Test
  void twoCamerasWhoseFrameIdsCoincideKeepBothAlerts() {
    // both cameras number their frames from 1: the alerts' ids are "1/PERTURBATION" for each
    Alert first = Alert.newBuilder(alert("1/PERTURBATION", Map.of())).setFrameId("1").setCameraId("cam-1").build();
    Alert second = Alert.newBuilder(first).setCameraId("cam-2").build();
    recent.onAlert(first, null);
    recent.onAlert(second, null);
    recent.onAlert(second, null); // a task restart replays cam-2's: still kept once
    assertThat(recent.latest()).extracting(e -> e.alert().getCameraId()).containsExactly("cam-2", "cam-1");
  }

  @Test
  void theStreamThreadOnlyHandsTheFrameOverThePictureIsMadeOnTheRenderersThread() {
    java.util.List<Runnable> handedOver = new java.util.ArrayList<>();
    RecentAlerts deferred = new RecentAlerts(3, ImageLimits.defaults(), 32, now::get, handedOver::add);
    // A frame that would take long to decode is not decoded by onAlert: nothing is kept until the renderer runs.
    deferred.onAlert(alert("a1", Map.of()), grayFrame("a1", 2048, 2048));
    assertThat(deferred.latest()).isEmpty();
    assertThat(handedOver).hasSize(1);
    now.addAndGet(5_000); // the alert's time is when onAlert saw it, not when its picture was made
    handedOver.get(0).run();
    assertThat(deferred.latest()).singleElement().satisfies(e -> {
      assertThat(e.receivedAt()).isEqualTo(1_000_000);
      assertThat(e.picture().width()).isEqualTo(32);
    });
  }

  @Test
  void framesBeyondThePendingBudgetAreKeptWithoutAPictureInsteadOfHeld() {
    java.util.List<Runnable> handedOver = new java.util.ArrayList<>();
    RecentAlerts deferred = new RecentAlerts(3, ImageLimits.defaults(), 32, now::get, handedOver::add, 3000);
    int side = 50; // 2,500 bytes of GRAY8 each: the second exceeds the 3,000-byte budget while the first waits
    deferred.onAlert(alert("a1", Map.of()), grayFrame("a1", side, side));
    deferred.onAlert(alert("a2", Map.of()), grayFrame("a2", side, side));
    handedOver.forEach(Runnable::run);
    assertThat(deferred.latest()).extracting(e -> e.alert().getAlertId()).containsExactly("a2", "a1");
    assertThat(deferred.latest().get(1).picture()).isNotNull();
    assertThat(deferred.latest().get(0).picture()).isNull();
  }

  @Test
  void keepsAPngOfTheFrameShrunkToTheMaximumSide() throws Exception {
    recent.onAlert(alert("big", Map.of()), grayFrame("big", 128, 64));
    FramePicture p = recent.latest().get(0).picture();
    assertThat(p.width()).isEqualTo(32);
    assertThat(p.height()).isEqualTo(16);
    BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(p.png()));
    assertThat(decoded.getWidth()).isEqualTo(32);
    assertThat(decoded.getHeight()).isEqualTo(16);
  }

  /** With alerts.evidence-image on, each alert may carry up to 768 KiB of picture: the dashboard keeps its own. */
  @Test
  void anAlertsOwnPictureIsNotKeptOnlyThePagesShrunkOne() throws Exception {
    BufferedImage gray = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_GRAY);
    java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
    ImageIO.write(gray, "png", png);
    Alert withFrame = Alert.newBuilder(alert("f", Map.of())).setEvidenceImage(ByteBuffer.wrap(png.toByteArray())).build();
    Alert alone = Alert.newBuilder(alert("g", Map.of())).setEvidenceImage(ByteBuffer.wrap(png.toByteArray())).build();
    recent.onAlert(withFrame, grayFrame("f", 128, 64));
    recent.onAlert(alone, null); // no frame: the page's picture is made from the alert's
    assertThat(recent.latest()).allSatisfy(e -> {
      assertThat(e.alert().getEvidenceImage()).isNull();
      assertThat(e.picture()).isNotNull();
    });
    assertThat(recent.latest().get(0).picture().width()).isEqualTo(32);
    assertThat(withFrame.getEvidenceImage()).as("the alert written to the topic is left as it is").isNotNull();
  }

  /**
   * An alert waiting for the picture thread held its own picture (alerts.evidence-image, up to 768 KiB) outside the
   * pending bound, which counts frame bytes only: a burst of alerts with small frames could pin far more than the bound
   * in the heap. The page's picture is made from the frame, so the alert is handed over without its own.
   */
  @Test
  void anAlertWaitingForThePictureThreadDoesNotHoldItsOwnPicture() throws Exception {
    List<Runnable> waiting = new java.util.ArrayList<>();
    RecentAlerts queued = new RecentAlerts(3, ImageLimits.defaults(), 32, now::get, waiting::add);
    byte[] picture = new byte[512 * 1024];
    java.lang.ref.WeakReference<byte[]> held = new java.lang.ref.WeakReference<>(picture);
    Alert written = Alert.newBuilder(alert("f", Map.of("model", "m:1"))).setEvidenceImage(ByteBuffer.wrap(picture))
        .build();
    picture = null;
    queued.onAlert(written, grayFrame("f", 16, 16));
    written = null; // on the alerts topic by now: only the waiting task could still hold its picture
    assertThat(dev.advmon.testing.Await.until(() -> {
      System.gc();
      return held.get() == null;
    }, java.time.Duration.ofSeconds(10))).as("the waiting alert lets go of its picture").isTrue();
    waiting.forEach(Runnable::run);
    assertThat(queued.latest()).singleElement().satisfies(e -> {
      assertThat(e.alert().getAlertId()).isEqualTo("f");
      assertThat(e.alert().getEvidence()).containsEntry("model", "m:1");
      assertThat(e.alert().getEvidenceImage()).isNull();
      assertThat(e.picture()).as("made from the frame").isNotNull();
    });
  }

  @Test
  void anUndecodableFrameKeepsTheAlertWithoutAPicture() {
    Frame broken = grayFrame("x", 10, 10);
    broken.setImage(ByteBuffer.wrap(new byte[3]));
    recent.onAlert(alert("x", Map.of()), broken);
    assertThat(recent.latest()).singleElement().satisfies(e -> assertThat(e.picture()).isNull());
  }

  @Test
  void anAlertIdIsLoggedEscapedSoAFrameIdCannotForgeLogLines() {
    // a frame larger than the pending budget: "alert <id> kept without a picture"
    RecentAlerts small = new RecentAlerts(3, ImageLimits.defaults(), 32, now::get, Runnable::run, 3000);
    List<String> logged;
    // the lines naming an alert id are debug lines
    try (LogLines lines = LogLines.of(RecentAlerts.class, ch.qos.logback.classic.Level.DEBUG)) {
      String id = "x\n12:00:00.000 ERROR StreamingMonitor - forged\u001b[2J/PERTURBATION";
      small.onAlert(alert(id, Map.of()), grayFrame(id, 100, 100));
      logged = lines.messages();
    }
    assertThat(small.latest()).singleElement().satisfies(e -> assertThat(e.alert().getAlertId()).contains("\n"));
    assertThat(logged).isNotEmpty().allSatisfy(m -> assertThat(m).doesNotContain("\n", "\u001b").contains("x\\n12:00"));
  }

  @Test
  void anOverlayInTheEvidenceIsReadAndABadOneIsNamed() {
    recent.onAlert(alert("good", Map.of("subset", "80", "subset.grid", "2x2")), null);
    recent.onAlert(alert("bad", Map.of("subset", "80")), null);
    assertThat(recent.latest().get(1).overlay().cells()).containsExactly(true, false, false, false);
    assertThat(recent.latest().get(0).overlay()).isNull();
    assertThat(recent.latest().get(0).overlayProblem()).contains("subset.grid");
  }

  @Test
  void theTimelineCountsAlertsPerTenSecondsOverTheLastTenMinutes() {
    recent.onAlert(alert("a", Map.of()), null);
    now.addAndGet(RecentAlerts.BUCKET_MS);
    recent.onAlert(alert("b", Map.of()), null);
    recent.onAlert(alert("c", Map.of()), null);
    long[] counts = recent.timeline().counts();
    assertThat(counts).hasSize(RecentAlerts.BUCKETS);
    assertThat(counts[RecentAlerts.BUCKETS - 1]).isEqualTo(2);
    assertThat(counts[RecentAlerts.BUCKETS - 2]).isEqualTo(1);
    now.addAndGet(RecentAlerts.BUCKETS * RecentAlerts.BUCKET_MS); // ten minutes later: all gone
    assertThat(recent.timeline().counts()).containsOnly(0L);
  }
}
