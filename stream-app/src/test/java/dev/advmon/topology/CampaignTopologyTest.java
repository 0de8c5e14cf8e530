package dev.advmon.topology;

import dev.advmon.testing.MeanBrightnessDetector;
import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.campaign.CameraStatus;
import dev.advmon.campaign.CampaignSettings;
import dev.advmon.detect.FrameScorer;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.InMemorySchemaRegistry;
import dev.advmon.schema.Alert;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import dev.advmon.schema.ImageEncoding;
import dev.advmon.testing.TestData;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Campaign alerts through the whole topology under TopologyTestDriver, with a real (tiny, test-only) ONNX
 * model and a test detector that flags bright frames, standing in for the adversarial detectors.
 */
class CampaignTopologyTest {

  @org.junit.jupiter.api.io.TempDir java.nio.file.Path stateDir;

  private static DjlClassifier classifier;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> frames;
  private TestOutputTopic<String, Alert> alerts;
  private TestOutputTopic<String, FrameVerdict> verdicts;
  private AvroSerde<Frame> frameSerde;
  private Topics topics;
  private MonitorMetrics metrics;
  private int sequence;
  private final List<Heard> heard = new java.util.ArrayList<>();

  /** What the alert listener (the dashboard's feed) was given. */
  record Heard(Alert alert, Frame frame) {}

  @BeforeAll
  static void loadModel() throws Exception {
    classifier = DjlClassifier.load(
        ModelBundle.load(TestData.repoRoot().resolve("stream-app/src/test/resources/models/tiny-rgb")),
        EngineChoice.ONNX_RUNTIME);
  }

  @AfterAll
  static void closeModel() {
    classifier.close();
  }

  @BeforeEach
  void start() {
    // windows of 1 s; 5 frames make a window count; above 20% flagged is hot; 2 windows in a row decide
    start(new CampaignSettings(1_000, 5, 0.2, 2));
  }

  /** The topology under the driver, with {@code campaigns}. */
  private void start(CampaignSettings campaigns) {
    start(campaigns, new Properties());
  }

  /** As above, with {@code extra} Kafka Streams properties. */
  private void start(CampaignSettings campaigns, Properties extra) {
    start(campaigns, extra, MonitorMetrics.inMemory());
  }

  /** As above, counting into {@code meters} (an instance's meters outlive its tasks). */
  private void start(CampaignSettings campaigns, Properties extra, MonitorMetrics meters) {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    frameSerde = AvroSerde.forClass(Frame.class, registry);
    topics = Topics.of("frames", frameSerde, "verdicts", AvroSerde.forClass(FrameVerdict.class, registry),
        "alerts", AvroSerde.forClass(Alert.class, registry), "dlq", AvroSerde.forClass(DeadLetter.class, registry));
    FrameScorer scorer = new FrameScorer(classifier, List.of(new MeanBrightnessDetector("bright", 0.5)), 16);
    FramePreparer preparer = FramePreparer.forModel(new ImageLimits(100_000, 1_000_000, 4096), classifier.manifest());
    metrics = meters;
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "campaign-test");
    // its own folder: the default /tmp/kafka-streams/<id> is shared by every build on the machine (a LOCK error)
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    // the monitor's error handlers, as StreamingMonitor installs them
    props.putAll(StreamErrorHandlers.configs(topics, topics.deadLetters().valueSerde().serializer(),
        new RecordLimits(100_000), metrics));
    props.putAll(extra);
    driver = new TopologyTestDriver(
        MonitorTopology.buildTopology(new StreamsBuilder(), TopologySettings.of(topics, preparer, scorer)
            .withCampaigns(campaigns).withMetrics(metrics).withAlerts((alert, frame) -> heard.add(new Heard(alert, frame)))),
        // the monitor's clock at the epoch, near the frames' timestamps (0..12 s): campaign windows bound
        // timestamps by the clock, which the driver moves only when told to
        props, Instant.EPOCH);
    frames = driver.createInputTopic("frames", Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
    alerts = driver.createOutputTopic("alerts", Serdes.String().deserializer(), topics.alerts().valueSerde().deserializer());
    verdicts = driver.createOutputTopic("verdicts", Serdes.String().deserializer(),
        topics.verdicts().valueSerde().deserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
    metrics.close();
  }

  /** Six frames from {@code camera} in the window starting at {@code second} s, bright (flagged) or dark. */
  private void window(String camera, int second, boolean bright) {
    frames(camera, second, 6, bright);
  }

  /** {@code count} (at most 10) frames from {@code camera} in the window starting at {@code second} s. */
  private void frames(String camera, int second, int count, boolean bright) {
    for (int i = 0; i < count; i++) {
      byte[] pixels = new byte[16 * 16];
      Arrays.fill(pixels, (byte) (bright ? 230 : 20));
      long t = second * 1_000L + i * 100L;
      Frame f = Frame.newBuilder().setFrameId("f" + sequence++).setCameraId(camera).setCaptureTime(Instant.ofEpochMilli(t))
          .setEncoding(ImageEncoding.GRAY8).setImage(ByteBuffer.wrap(pixels)).setWidth(16).setHeight(16).build();
      frames.pipeInput(camera.getBytes(), frameSerde.serializer().serialize("frames", f), t);
    }
  }

  private List<Alert> campaignAlerts() {
    return alerts.readValuesToList().stream().filter(a -> a.getKind().startsWith("CAMPAIGN")).toList();
  }

  @Test
  void aCameraFlaggedInConsecutiveWindowsRaisesCampaignAndItsRecoveryClearsIt() {
    window("cam-stickered", 0, true);
    window("cam-stickered", 1, true);
    assertThat(campaignAlerts()).isEmpty();
    window("cam-stickered", 2, true); // its first frame closes window 1: two hot windows in a row
    List<Alert> raised = campaignAlerts();
    assertThat(raised).singleElement().satisfies(a -> {
      assertThat(a.getKind()).isEqualTo("CAMPAIGN");
      assertThat(a.getCameraId()).isEqualTo("cam-stickered");
      assertThat(a.getEvidence()).containsEntry("window_frames", "6").containsEntry("window_flagged", "6");
    });
    window("cam-stickered", 3, false);
    window("cam-stickered", 4, false);
    window("cam-stickered", 5, false); // closes window 4: two cool windows in a row
    assertThat(campaignAlerts()).extracting(Alert::getKind).containsExactly("CAMPAIGN_CLEARED");
    assertThat(metrics.registry().counter("advmon.alerts", "kind", "CAMPAIGN").count()).isEqualTo(1);
    assertThat(metrics.registry().counter("advmon.alerts", "kind", "CAMPAIGN_CLEARED").count()).isEqualTo(1);
    assertThat(metrics.registry().counter("advmon.alerts", "kind", "PERTURBATION").count()).isEqualTo(18);
  }

  /**
   * k8s' AdvmonCampaign rule pages while a camera is in CAMPAIGN: on increase() of the CAMPAIGN counter alone it
   * resolved ten minutes after the alert while the camera was still attacked. The gauge says how many are in CAMPAIGN.
   */
  @Test
  void theCamerasInACampaignAreAGaugeForAsLongAsTheCampaignLasts() {
    window("cam-stickered", 0, true);
    window("cam-stickered", 1, true);
    window("cam-stickered", 2, true); // raises the campaign
    window("cam-clean", 2, false);
    driver.advanceWallClockTime(java.time.Duration.ofSeconds(1)); // a sweep
    assertThat(camerasInCampaign()).isEqualTo(1);
    // the camera goes quiet in its campaign (cleared only after campaign.idle-retention-ms): still in CAMPAIGN
    driver.advanceWallClockTime(java.time.Duration.ofMinutes(15));
    assertThat(campaignAlerts()).extracting(Alert::getKind).containsExactly("CAMPAIGN");
    assertThat(camerasInCampaign()).as("fifteen minutes into the campaign").isEqualTo(1);
    window("cam-stickered", 901, false);
    window("cam-stickered", 902, false);
    window("cam-stickered", 903, false); // closes window 902: two cool windows in a row
    assertThat(campaignAlerts()).extracting(Alert::getKind).containsExactly("CAMPAIGN_CLEARED");
    driver.advanceWallClockTime(java.time.Duration.ofSeconds(1));
    assertThat(camerasInCampaign()).as("cleared").isZero();
  }

  /**
   * A rebalance that moves the task away closes its processor: its cameras leave this instance's gauge (the instance
   * that has the task now counts them). Moved back, its processor counts them from the restored store at its first
   * sweep, before any frame is read.
   */
  @Test
  void aTaskMovedAwayLeavesTheGaugeAndCountsAgainFromItsStoreWhenItComesBack() {
    window("cam-stickered", 0, true);
    window("cam-stickered", 1, true);
    window("cam-stickered", 2, true); // raises the campaign
    driver.advanceWallClockTime(java.time.Duration.ofSeconds(1));
    assertThat(camerasInCampaign()).isEqualTo(1);
    CameraStatus status = driver.<String, CameraStatus>getKeyValueStore(MonitorTopology.CAMERA_STORE).get("cam-stickered");

    driver.close(); // the task moves to another instance
    assertThat(camerasInCampaign()).as("moved away").isZero();

    start(new CampaignSettings(1_000, 5, 0.2, 2), new Properties(), metrics); // and comes back
    // what the changelog restores (the test driver keeps no state across drivers)
    driver.<String, CameraStatus>getKeyValueStore(MonitorTopology.CAMERA_STORE).put("cam-stickered", status);
    driver.advanceWallClockTime(java.time.Duration.ofSeconds(1));
    assertThat(camerasInCampaign()).as("back, before any frame").isEqualTo(1);
  }

  private double camerasInCampaign() {
    var gauge = metrics.registry().find("advmon.cameras.in.campaign").gauge();
    assertThat(gauge).as("the gauge advmon_cameras_in_campaign").isNotNull();
    return gauge.value();
  }

  @Test
  void aCampaignAlertSaysWhichDetectorsFlaggedItsWindowAndNamesFramesToLookAt() {
    window("cam-stickered", 0, true); // f0..f5
    window("cam-stickered", 1, true); // f6..f11: the window the alert judges
    window("cam-stickered", 2, true);
    assertThat(campaignAlerts()).singleElement().satisfies(a -> {
      assertThat(a.getEvidence()).containsEntry("window_flagged_PERTURBATION", "6")
          .containsEntry("example_frame_1", "f6").containsEntry("example_frame_2", "f7")
          .containsEntry("example_frame_3", "f8").doesNotContainKey("example_frame_4");
      assertThat(a.getExplanation()).contains("flagged as PERTURBATION 6").contains("f6, f7, f8");
    });
  }

  @Test
  void flagsLeftInTheRepartitionTopicByAnOlderVersionAsBareBooleansAreStillCounted() {
    // before reasons and frame ids, the campaign repartition topic carried Serdes.Boolean()'s one byte
    TestInputTopic<String, byte[]> old = driver.createInputTopic(
        "campaign-test-" + MonitorTopology.CAMPAIGN_REPARTITION + "-repartition", Serdes.String().serializer(),
        Serdes.ByteArray().serializer());
    for (int second = 0; second < 3; second++) {
      for (int i = 0; i < 6; i++) {
        old.pipeInput("cam-upgraded", Serdes.Boolean().serializer().serialize("t", true), second * 1_000L + i * 100L);
      }
    }
    assertThat(campaignAlerts()).singleElement().satisfies(a -> {
      assertThat(a.getCameraId()).isEqualTo("cam-upgraded");
      assertThat(a.getEvidence()).containsEntry("window_flagged", "6").doesNotContainKey("example_frame_1");
    });
  }

  @Test
  void aCampaignFlagThatCannotBeReadIsLeftOutOfItsWindowInsteadOfFailingTheTaskForEver() {
    TestInputTopic<String, byte[]> repartition = driver.createInputTopic(
        "campaign-test-" + MonitorTopology.CAMPAIGN_REPARTITION + "-repartition", Serdes.String().serializer(),
        Serdes.ByteArray().serializer());
    // written by hand, or by a version with another format: Kafka Streams' default handler fails the task on it
    repartition.pipeInput("cam-poisoned", "{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0L);
    for (int second = 0; second < 3; second++) {
      for (int i = 0; i < 6; i++) {
        repartition.pipeInput("cam-poisoned", Serdes.Boolean().serializer().serialize("t", true), second * 1_000L + i * 100L);
      }
    }
    assertThat(campaignAlerts()).singleElement().satisfies(a -> assertThat(a.getCameraId()).isEqualTo("cam-poisoned"));
    CameraStatus s = driver.<String, CameraStatus>getKeyValueStore(MonitorTopology.CAMERA_STORE).get("cam-poisoned");
    assertThat(s.totalFrames()).as("the 18 readable flags, not the unreadable one").isEqualTo(18);
  }

  @Test
  void aCameraWithOnlyCleanFramesNeverRaisesACampaignWhileAnotherOneDoes() {
    for (int s = 0; s < 5; s++) {
      window("cam-clean", s, false);
      window("cam-attacked", s, true);
    }
    assertThat(campaignAlerts()).extracting(Alert::getCameraId).containsExactly("cam-attacked");
    assertThat(verdicts.readValuesToList()).hasSize(60);
  }

  @Test
  void theCameraStoreHoldsEachCamerasStatusAndCurrentWindowCounts() {
    window("cam-a", 0, true);
    window("cam-a", 1, true);
    window("cam-a", 2, true);
    window("cam-b", 0, false);
    KeyValueStore<String, CameraStatus> store = driver.getKeyValueStore(MonitorTopology.CAMERA_STORE);
    CameraStatus a = store.get("cam-a");
    assertThat(a.status()).isEqualTo(CameraStatus.CAMPAIGN);
    assertThat(a.windowStart()).isEqualTo(2_000);
    assertThat(a.windowFrames()).isEqualTo(6);
    assertThat(a.lastWindowFlagged()).isEqualTo(6);
    assertThat(a.totalFrames()).isEqualTo(18);
    CameraStatus b = store.get("cam-b");
    assertThat(b.status()).isEqualTo(CameraStatus.NORMAL);
    assertThat(b.totalFlagged()).isZero();
    assertThat(metrics.registry().counter("advmon.frames").count()).isEqualTo(24);
    assertThat(metrics.registry().find("advmon.inference").timer().count()).isEqualTo(24);
  }

  @Test
  void theAlertListenerHearsEveryAlertWrittenWithTheFrameThatRaisedIt() {
    window("cam-a", 10, true);
    window("cam-a", 11, true);
    window("cam-a", 12, true);
    List<Alert> written = alerts.readValuesToList();
    assertThat(written).extracting(Alert::getKind).contains("PERTURBATION", "CAMPAIGN");
    assertThat(heard).extracting(h -> h.alert().getAlertId()).containsExactlyElementsOf(
        written.stream().map(Alert::getAlertId).toList());
    for (Heard h : heard) {
      if (h.alert().getKind().equals("CAMPAIGN")) {
        assertThat(h.frame()).as("a camera-level alert has no frame").isNull();
      } else {
        assertThat(h.frame().getFrameId()).isEqualTo(h.alert().getFrameId());
        assertThat(h.frame().getImage().remaining()).isEqualTo(16 * 16);
      }
    }
  }

  @Test
  void framesOfOneCameraKeyedInDifferentWaysShareOneCameraState() {
    for (int i = 0; i < 6; i++) {
      byte[] pixels = new byte[16 * 16];
      Frame f = Frame.newBuilder().setFrameId("k" + i).setCameraId("cam-k").setCaptureTime(Instant.ofEpochMilli(i))
          .setEncoding(ImageEncoding.GRAY8).setImage(ByteBuffer.wrap(pixels)).setWidth(16).setHeight(16).build();
      // a producer that keys by something else than the camera (or not at all)
      frames.pipeInput(i % 2 == 0 ? ("other-key-" + i).getBytes() : null, frameSerde.serializer().serialize("frames", f), i);
    }
    KeyValueStore<String, CameraStatus> store = driver.getKeyValueStore(MonitorTopology.CAMERA_STORE);
    assertThat(store.get("cam-k").totalFrames()).isEqualTo(6);
    try (var all = store.all()) {
      assertThat(all).toIterable().extracting(kv -> kv.key).containsExactly("cam-k");
    }
  }

  @Test
  void theClockClosesTheLastWindowOfACameraThatWentQuiet() {
    window("cam-quiet", 0, true);
    window("cam-quiet", 1, true);
    assertThat(campaignAlerts()).isEmpty(); // window 1 is still open: no later frame closed it
    driver.advanceWallClockTime(java.time.Duration.ofMillis(2_000 + CampaignSettings.DEFAULT_MAX_CLOCK_SKEW_MS));
    assertThat(campaignAlerts()).singleElement().satisfies(a -> {
      assertThat(a.getKind()).isEqualTo("CAMPAIGN");
      assertThat(a.getCameraId()).isEqualTo("cam-quiet");
    });
  }

  @Test
  void aCameraWhoseClockJumpsBackStillHasItsWindowsJudgedSoItsCampaignIsRaised() {
    // the task's only camera: a right clock for three windows, then it reboots with its clock at 1970 and is attacked
    driver.advanceWallClockTime(java.time.Duration.ofSeconds(3_600));
    windowsASecondApart("cam-reset", 3_600, 3_603, false);
    windowsASecondApart("cam-reset", 0, 40, true); // counted at the clock's bound, 30 s behind it
    assertThat(campaignAlerts()).as("windows closed by the clock while the camera's own clock is an hour behind")
        .extracting(Alert::getKind).containsExactly("CAMPAIGN");
    CameraStatus s = driver.<String, CameraStatus>getKeyValueStore(MonitorTopology.CAMERA_STORE).get("cam-reset");
    assertThat(s.lastWindowFrames()).as("one window per second, not one window for ever").isEqualTo(6);
  }

  @Test
  void aCampaignAlertIsStampedWithTheEndOfItsWindowNotWithTheFrameThatClosedIt() {
    window("cam-stickered", 0, true);
    window("cam-stickered", 1, true);
    // a frame stamped 2100 closes window 1 (it counts at the clock's bound): the alert is about window 1, and a
    // record stamped 2100 on the alerts topic would outlive its retention and mislead a search by time
    frameIn2100("cam-stickered", true);
    assertThat(alerts.readRecordsToList()).filteredOn(r -> r.value().getKind().equals("CAMPAIGN")).singleElement()
        .satisfies(r -> {
          assertThat(r.value().getTime()).isEqualTo(Instant.ofEpochMilli(2_000));
          assertThat(r.timestamp()).isEqualTo(2_000);
        });
  }

  /** One frame of {@code camera} whose clock reads 2100, captured and stamped then; bright: one the detector flags. */
  private void frameIn2100(String camera, boolean bright) {
    byte[] pixels = new byte[16 * 16];
    Arrays.fill(pixels, (byte) (bright ? 230 : 20));
    long year2100 = 4_102_444_800_000L;
    Frame f = Frame.newBuilder().setFrameId("f-2100").setCameraId(camera)
        .setCaptureTime(Instant.ofEpochMilli(year2100)).setEncoding(ImageEncoding.GRAY8)
        .setImage(ByteBuffer.wrap(pixels)).setWidth(16).setHeight(16).build();
    frames.pipeInput(camera.getBytes(), frameSerde.serializer().serialize("frames", f), year2100);
  }

  /**
   * README bounds a frame's time by the monitor's clock and the skew: a camera whose clock jumps to 2100 must count
   * at most the skew ahead of the wall clock. Bounded twice (once by the task's clock, which is itself the skew
   * ahead, then by the tracker around that clock) it counted twice the skew ahead, and its next minute of frames,
   * right again, fell into that one window.
   */
  @Test
  void aFrameStampedFarAheadCountsNoMoreThanTheClockSkewAheadOfTheWallClock() {
    frameIn2100("cam-ahead", false);
    CameraStatus s = driver.<String, CameraStatus>getKeyValueStore(MonitorTopology.CAMERA_STORE).get("cam-ahead");
    assertThat(s.windowStart()).as("the wall clock is at the epoch")
        .isLessThanOrEqualTo(CampaignSettings.DEFAULT_MAX_CLOCK_SKEW_MS);
  }

  @Test
  void aCameraRestoredFromBeforeARestartWhoseClockJumpedBackStillHasItsWindowsJudged() {
    // the camera was counting window 3599 s, and this task (fresh clock) has read no frame yet
    restoredAfterAnHour(
        new CameraStatus("cam-reset", CameraStatus.NORMAL, 3_599_000, 6, 0, 3_598_000, 6, 0, 0, 5, -1, 60, 0));
    // the camera rebooted with its clock at 1970, and is attacked
    windowsASecondApart("cam-reset", 0, 90, true);
    assertThat(campaignAlerts()).as("its first frames must not turn the task's clock back to 1970")
        .extracting(Alert::getKind).containsExactly("CAMPAIGN");
  }

  @Test
  void aNewCameraWhoseClockIsFarBehindDoesNotHoldBackTheWindowsRestoredFromBeforeARestart() {
    // a camera one hot window into a campaign (two decide here), its second hot window open when the monitor
    // stopped; it sends nothing more
    restoredAfterAnHour(
        new CameraStatus("cam-quiet", CameraStatus.NORMAL, 3_599_000, 6, 6, 3_598_000, 6, 6, 1, 0, -1, 12, 12));
    // the only camera this task hears from after the restart is one it has no state for, its clock at 1970: the task's
    // clock follows that camera's frames, and must still not stay an hour behind the restored windows
    windowsASecondApart("cam-new-1970", 0, 90, false);
    assertThat(campaignAlerts()).as("the restored window of the quiet camera is judged by the clock")
        .extracting(Alert::getCameraId, Alert::getKind).containsExactly(org.assertj.core.groups.Tuple.tuple("cam-quiet", "CAMPAIGN"));
  }

  @Test
  void aPunctuationReadsABoundedNumberOfCamerasAndTheNextOneGoesOnWhereItStopped() {
    // a producer that invents camera ids: each one frame, so each one window for the clock to close
    driver.advanceWallClockTime(java.time.Duration.ofSeconds(100));
    int cameras = CampaignProcessor.SWEEP_PER_SECOND + 2_000;
    KeyValueStore<String, CameraStatus> store = inventedCamerasThenARealFrame(cameras);
    driver.advanceWallClockTime(java.time.Duration.ofMillis(1_000 + CampaignSettings.DEFAULT_MAX_CLOCK_SKEW_MS));
    assertThat(openWindows(store)).as("one punctuation (once a second) reads at most SWEEP_PER_SECOND cameras")
        .isEqualTo(cameras + 1 - CampaignProcessor.SWEEP_PER_SECOND);
    driver.advanceWallClockTime(java.time.Duration.ofSeconds(1));
    assertThat(openWindows(store)).as("the next one reads the rest").isZero();
  }

  @Test
  void withWindowsShorterThanASecondTheSweepStillReadsAtMostItsCamerasInASecond() {
    // README: the punctuator reads at most 10,000 cameras a second per task. With windows under a second it runs once
    // a window (here every 100 ms): each run may then read only its share, or invented ids stall the thread 10x longer
    stop();
    start(new CampaignSettings(100, 5, 0.2, 2));
    driver.advanceWallClockTime(java.time.Duration.ofSeconds(100));
    int cameras = 12_000;
    KeyValueStore<String, CameraStatus> store = inventedCamerasThenARealFrame(cameras);
    driver.advanceWallClockTime(java.time.Duration.ofMillis(1_000 + CampaignSettings.DEFAULT_MAX_CLOCK_SKEW_MS));
    for (int i = 0; i < 9; i++) { // ten punctuations within 0.9 s
      driver.advanceWallClockTime(java.time.Duration.ofMillis(100));
    }
    assertThat(cameras + 1 - openWindows(store)).as("cameras read by the punctuations of less than a second")
        .isEqualTo(CampaignProcessor.SWEEP_PER_SECOND);
    for (int i = 0; i < 3; i++) {
      driver.advanceWallClockTime(java.time.Duration.ofMillis(100));
    }
    assertThat(openWindows(store)).as("the following ones read the rest").isZero();
  }

  /**
   * What the changelog restores after a restart an hour in: {@code restored}, as the monitor stopped; the task's wall
   * clock then reads an hour.
   */
  private void restoredAfterAnHour(CameraStatus restored) {
    driver.advanceWallClockTime(java.time.Duration.ofSeconds(3_600));
    driver.<String, CameraStatus>getKeyValueStore(MonitorTopology.CAMERA_STORE).put(restored.cameraId(), restored);
  }

  /** A window of {@code camera} at each second from {@code from} to {@code to} (exclusive), a clock second apart. */
  private void windowsASecondApart(String camera, int from, int to, boolean bright) {
    for (int s = from; s < to; s++) {
      window(camera, s, bright);
      driver.advanceWallClockTime(java.time.Duration.ofSeconds(1));
    }
  }

  /**
   * {@code cameras} ids a producer invented, each with one frame, so each with a window at 100 s for the clock to
   * close; then a frame of a real camera is read, so the task's clock runs. Returns the store of cameras.
   */
  private KeyValueStore<String, CameraStatus> inventedCamerasThenARealFrame(int cameras) {
    KeyValueStore<String, CameraStatus> store = driver.getKeyValueStore(MonitorTopology.CAMERA_STORE);
    for (int i = 0; i < cameras; i++) {
      String id = String.format("cam-%06d", i);
      store.put(id, new CameraStatus(id, CameraStatus.NORMAL, 100_000, 1, 0, -1, 0, 0, 0, 0, -1, 1, 0));
    }
    window("cam-real", 100, false);
    return store;
  }

  private static long openWindows(KeyValueStore<String, CameraStatus> store) {
    try (var all = store.all()) {
      long open = 0;
      while (all.hasNext()) {
        open += all.next().value.ownFrames() > 0 ? 1 : 0; // not closed yet (frames carried from closed ones are not)
      }
      return open;
    }
  }

  @Test
  void aQuietCameraLeavesTheStoreAfterTheIdleRetention() {
    window("cam-gone", 0, false);
    // the clock closes every camera's last window
    driver.advanceWallClockTime(java.time.Duration.ofMillis(5_000 + CampaignSettings.DEFAULT_MAX_CLOCK_SKEW_MS));
    KeyValueStore<String, CameraStatus> store = driver.getKeyValueStore(MonitorTopology.CAMERA_STORE);
    assertThat(store.get("cam-gone")).as("quiet, but not for long yet").isNotNull();
    driver.advanceWallClockTime(java.time.Duration.ofMillis(CampaignSettings.DEFAULT_IDLE_RETENTION_MS));
    assertThat(store.get("cam-gone")).as("idle past campaign.idle-retention-ms").isNull();
    assertThat(campaignAlerts()).as("a camera not in a campaign leaves without an alert").isEmpty();
  }

  @Test
  void aCameraInACampaignThatGoesQuietIsClearedOnceAndForgottenAndStartsAfreshWhenItComesBack() {
    // README (Campaigns): a camera in CAMPAIGN that stopped sending stayed in CAMPAIGN for ever (store, /cameras,
    // dashboard), and a consumer pairing CAMPAIGN with CAMPAIGN_CLEARED never closed its incident
    window("cam-attacked", 0, true);
    window("cam-attacked", 1, true);
    window("cam-attacked", 2, true); // raises the campaign; window 2 is then closed by the clock
    assertThat(campaignAlerts()).extracting(Alert::getKind).containsExactly("CAMPAIGN");
    KeyValueStore<String, CameraStatus> store = driver.getKeyValueStore(MonitorTopology.CAMERA_STORE);
    driver.advanceWallClockTime(java.time.Duration.ofMillis(5_000 + CampaignSettings.DEFAULT_MAX_CLOCK_SKEW_MS));
    assertThat(store.get("cam-attacked")).as("quiet, but not for long yet").isNotNull()
        .satisfies(s -> assertThat(s.inCampaign()).isTrue());
    assertThat(campaignAlerts()).isEmpty();
    heard.clear();

    driver.advanceWallClockTime(java.time.Duration.ofMillis(CampaignSettings.DEFAULT_IDLE_RETENTION_MS));
    var clearedRecords = alerts.readRecordsToList().stream().filter(r -> r.value().getKind().startsWith("CAMPAIGN"))
        .toList();
    // README (Times): a campaign alert's record carries its own time, here the moment the retention ran out (no
    // window was judged), so a consumer windowing the alerts topic by record time puts the clear where it happened
    assertThat(clearedRecords).singleElement().satisfies(r -> assertThat(r.timestamp())
        .isEqualTo(3_000 + CampaignSettings.DEFAULT_IDLE_RETENTION_MS));
    List<Alert> cleared = clearedRecords.stream().map(r -> r.value()).toList();
    assertThat(cleared).singleElement().satisfies(a -> {
      assertThat(a.getKind()).isEqualTo("CAMPAIGN_CLEARED");
      assertThat(a.getSeverity()).isEqualTo(dev.advmon.schema.Severity.INFO);
      assertThat(a.getCameraId()).isEqualTo("cam-attacked");
      assertThat(a.getEvidence()).containsEntry("cleared_by", "camera_quiet")
          .containsEntry("quiet_since", Instant.ofEpochMilli(3_000).toString())
          .containsEntry("idle_retention_ms", Long.toString(CampaignSettings.DEFAULT_IDLE_RETENTION_MS));
      assertThat(a.getExplanation()).contains("cam-attacked").contains("no frame").contains("24 h")
          .contains("no longer observed");
      // stamped with the moment the retention ran out, by the campaign clock: a replay writes the same alert
      assertThat(a.getTime()).isEqualTo(Instant.ofEpochMilli(3_000 + CampaignSettings.DEFAULT_IDLE_RETENTION_MS));
    });
    assertThat(store.get("cam-attacked")).as("forgotten as a quiet NORMAL camera is").isNull();
    // through the same path as the other campaign alerts: counted, and heard by the dashboard's feed
    assertThat(metrics.registry().counter("advmon.alerts", "kind", "CAMPAIGN_CLEARED").count()).isEqualTo(1);
    assertThat(heard).extracting(h -> h.alert().getKind()).containsExactly("CAMPAIGN_CLEARED");

    driver.advanceWallClockTime(java.time.Duration.ofMillis(CampaignSettings.DEFAULT_IDLE_RETENTION_MS));
    assertThat(campaignAlerts()).as("cleared once, not at every sweep").isEmpty();

    // back a day later: a fresh camera, whose campaign is raised (and cleared) anew
    long back = (3_000 + 2 * CampaignSettings.DEFAULT_IDLE_RETENTION_MS) / 1_000 + 60;
    driver.advanceWallClockTime(java.time.Duration.ofMillis(60_000));
    window("cam-attacked", (int) back, false);
    assertThat(store.get("cam-attacked")).satisfies(s -> {
      assertThat(s.inCampaign()).isFalse();
      assertThat(s.totalFrames()).as("counted afresh").isEqualTo(6);
    });
    window("cam-attacked", (int) back + 1, true);
    window("cam-attacked", (int) back + 2, true);
    window("cam-attacked", (int) back + 3, false);
    assertThat(campaignAlerts()).extracting(Alert::getKind).containsExactly("CAMPAIGN");
  }

  /**
   * README (Campaigns): a camera in CAMPAIGN that kept sending fewer than campaign.min-frames a window stayed in
   * CAMPAIGN for ever (each window inconclusive, the camera never idle), so AdvmonCampaign paged for ever.
   */
  @Test
  void aCampaignOfACameraSendingTooFewFramesPerWindowIsClearedOnItsPooledWindowsOnlyOnceTheyAreCool() {
    window("cam-sparse", 0, true);
    window("cam-sparse", 1, true);
    window("cam-sparse", 2, true); // raises the campaign
    assertThat(campaignAlerts()).extracting(Alert::getKind).containsExactly("CAMPAIGN");
    for (int s = 3; s < 20; s++) {
      frames("cam-sparse", s, 2, true); // 2 frames a window, 5 needed: still flagged, so still a campaign
    }
    driver.advanceWallClockTime(java.time.Duration.ofSeconds(1));
    assertThat(campaignAlerts()).isEmpty();
    assertThat(camerasInCampaign()).isEqualTo(1);
    for (int s = 20; s < 40; s++) {
      frames("cam-sparse", s, 2, false);
    }
    List<Alert> cleared = campaignAlerts();
    assertThat(cleared).singleElement().satisfies(a -> {
      assertThat(a.getKind()).isEqualTo("CAMPAIGN_CLEARED");
      assertThat(a.getEvidence()).containsEntry("cleared_by", "cool_windows").containsEntry("window_flagged", "0")
          .containsKey("pooled_frames");
    });
    driver.advanceWallClockTime(java.time.Duration.ofSeconds(1));
    assertThat(camerasInCampaign()).as("cleared").isZero();
  }

  /**
   * README (Campaigns): a camera that sent fewer than campaign.min-frames a window (on motion only, a low frame rate)
   * never raised a campaign while NORMAL, even with every frame flagged: nothing was carried, each window inconclusive.
   */
  @Test
  void aSparseCameraWhoseFramesAreAllFlaggedRaisesACampaignOnItsPooledWindows() {
    for (int s = 0; s < 7; s++) {
      frames("cam-sparse", s, 2, true); // 2 frames a window, 5 needed: three windows' frames are judged together
    }
    // spans [0 s, 3 s) and [3 s, 6 s), both hot: the second raises when window 6 begins
    assertThat(campaignAlerts()).singleElement().satisfies(a -> {
      assertThat(a.getKind()).isEqualTo("CAMPAIGN");
      assertThat(a.getAlertId()).isEqualTo("cam-sparse/CAMPAIGN/5000");
      assertThat(a.getEvidence()).containsEntry("window_start", "1970-01-01T00:00:03Z")
          .containsEntry("window_end", "1970-01-01T00:00:06Z").containsEntry("window_frames", "6")
          .containsEntry("window_flagged", "6").containsEntry("pooled_frames", "4")
          .containsEntry("consecutive_windows", "2").containsKey("example_frame_1");
      assertThat(a.getExplanation()).contains("judged together");
    });
    driver.advanceWallClockTime(java.time.Duration.ofSeconds(1));
    assertThat(camerasInCampaign()).isEqualTo(1);
  }

  /**
   * README ("How long a campaign takes" in Faults): the times stated there for cameras at one frame a second, one every
   * 10 s and one a minute, at the default settings, all on one task, with the punctuator running once a second. Each
   * is attacked (every frame flagged) from its first frame on, one of them from its 9th, then sends clean frames.
   */
  @Test
  void atTheDefaultsACameraAtAFrameASecondRaisesAMinuteIntoItsAttackAndOneAtAFrameAMinuteAnHourIn() {
    stop();
    start(CampaignSettings.defaults());
    java.util.Map<String, Long> firstSeen = new java.util.LinkedHashMap<>(); // "camera kind" -> wall second
    java.util.Map<String, Double> gauge = new java.util.LinkedHashMap<>();
    for (int second = 0; second <= 200 * 60; second++) {
      if (second < 600) {
        frames("cam-1s", second, 1, second < 300); // attacked for 5 minutes, then 5 clean
      }
      if (second % 10 == 0 && second < 3_600) {
        frames("cam-10s", second, 1, second < 1_800); // attacked for 30 minutes, then 30 clean
      }
      if (second % 60 == 0) {
        frames("cam-1min", second, 1, second < 120 * 60); // attacked for 2 hours, then clean
        // attacked from its 9th frame to its 128th: into its first span and out of a later one
        frames("cam-1min-late", second, 1, second >= 8 * 60 && second < 128 * 60);
      }
      for (Alert a : campaignAlerts()) {
        firstSeen.putIfAbsent(a.getCameraId() + " " + a.getKind(), (long) second);
      }
      if (second == 3_590 || second == 10_790) {
        gauge.put("at " + second + " s", camerasInCampaign());
      }
      driver.advanceWallClockTime(java.time.Duration.ofSeconds(1));
    }
    assertThat(firstSeen).as("second of the run at which each campaign alert was written").containsOnly(
        java.util.Map.entry("cam-1s CAMPAIGN", 60L), // the frame of second 60 closes the third hot span of 20 frames
        java.util.Map.entry("cam-1s CAMPAIGN_CLEARED", 360L), // 61 s after its last attacked frame (299 s)
        java.util.Map.entry("cam-10s CAMPAIGN", 600L), // three spans of 20 frames, 200 s each
        java.util.Map.entry("cam-10s CAMPAIGN_CLEARED", 2_400L), // 610 s after its last attacked frame (1,790 s)
        // the 60th attacked frame (59 min) closes nothing: its window is closed by the clock 40 s later
        java.util.Map.entry("cam-1min CAMPAIGN", 3_580L),
        java.util.Map.entry("cam-1min CAMPAIGN_CLEARED", 10_780L), // 60 min 40 s after its last attacked frame
        // its first span (12 of 20 flagged) is hot already: 51 min 40 s after its first attacked frame (8 min)
        java.util.Map.entry("cam-1min-late CAMPAIGN", 3_580L),
        // the span its attack ended in (8 of 20 flagged) is still hot: 72 min 40 s after its last attacked frame
        java.util.Map.entry("cam-1min-late CAMPAIGN_CLEARED", 11_980L));
    assertThat(gauge).as("advmon_cameras_in_campaign while the cameras at a frame a minute are in CAMPAIGN, and after "
        + "one of them cleared")
        .containsExactly(java.util.Map.entry("at 3590 s", 2.0), java.util.Map.entry("at 10790 s", 1.0));
  }

  /**
   * A camera at a frame a minute, clean for 20 minutes, then attacked: its CAMPAIGN came an hour later naming only its
   * last span (the 40 minutes before it said nothing), so an operator could not read when the attack's evidence began.
   */
  @Test
  void aCampaignOfACameraAtAFrameAMinuteSaysWhenTheSpansThatRaisedItBegan() {
    stop();
    start(CampaignSettings.defaults());
    for (int minute = 0; minute <= 81; minute++) {
      frames("cam-1min", minute * 60, 1, minute >= 20);
      driver.advanceWallClockTime(java.time.Duration.ofMinutes(1));
    }
    assertThat(campaignAlerts()).singleElement().satisfies(a -> {
      assertThat(a.getKind()).isEqualTo("CAMPAIGN");
      assertThat(a.getEvidence()).containsEntry("streak_start", "1970-01-01T00:20:00Z")
          .containsEntry("window_start", "1970-01-01T01:00:00Z").containsEntry("window_end", "1970-01-01T01:19:10Z");
      assertThat(a.getExplanation()).contains("The evidence runs from 1970-01-01T00:20:00Z (the start of the first of those 3 spans) to "
          + "1970-01-01T01:19:10Z.");
    });
  }

  @Test
  void aSparseCameraFlaggedNoMoreThanTheBaselineRaisesNoCampaign() {
    for (int s = 0; s < 40; s++) {
      // 2 frames a window, one in five flagged (the baseline of 20%): spans of 6 frames hold 1 or 2 flagged
      frames("cam-sparse", s, 1, (2 * s) % 5 == 0);
      frames("cam-sparse", s, 1, (2 * s + 1) % 5 == 0);
    }
    assertThat(campaignAlerts()).isEmpty();
    KeyValueStore<String, CameraStatus> store = driver.getKeyValueStore(MonitorTopology.CAMERA_STORE);
    assertThat(store.get("cam-sparse").lastWindowFrames()).as("its pooled windows were judged").isEqualTo(6);
  }

  @Test
  void aNormalClearSaysItWasClearedByCoolWindows() {
    window("cam-stickered", 0, true);
    window("cam-stickered", 1, true);
    window("cam-stickered", 2, false);
    window("cam-stickered", 3, false);
    window("cam-stickered", 4, false);
    assertThat(campaignAlerts()).extracting(a -> a.getKind() + " " + a.getEvidence().get("cleared_by"))
        .containsExactly("CAMPAIGN null", "CAMPAIGN_CLEARED cool_windows");
  }

  /**
   * README (Campaigns): a consumer closes the incident a CAMPAIGN opened when its CAMPAIGN_CLEARED comes, whichever
   * way it was cleared. The clear names the CAMPAIGN's id and time, so that the consumer needs no state of its own to
   * pair them (a cool clear said neither; a quiet one only when the campaign was raised).
   */
  @Test
  void everyCampaignClearNamesTheCampaignAlertItClears() {
    window("cam-cool", 0, true);
    window("cam-cool", 1, true);
    window("cam-cool", 2, false); // raises the campaign
    window("cam-cool", 3, false);
    window("cam-cool", 4, false); // clears it by cool windows
    window("cam-quiet", 0, true);
    window("cam-quiet", 1, true);
    window("cam-quiet", 2, true); // raises the campaign, then the camera goes quiet
    // one sweep closes the last windows, a later one forgets the quiet camera
    driver.advanceWallClockTime(java.time.Duration.ofMillis(5_000 + CampaignSettings.DEFAULT_MAX_CLOCK_SKEW_MS));
    driver.advanceWallClockTime(java.time.Duration.ofMillis(CampaignSettings.DEFAULT_IDLE_RETENTION_MS));
    List<Alert> all = campaignAlerts();
    assertThat(all).extracting(a -> a.getCameraId() + " " + a.getKind() + " " + a.getEvidence().get("cleared_by"))
        .containsExactlyInAnyOrder("cam-cool CAMPAIGN null", "cam-cool CAMPAIGN_CLEARED cool_windows",
            "cam-quiet CAMPAIGN null", "cam-quiet CAMPAIGN_CLEARED camera_quiet");
    for (String camera : List.of("cam-cool", "cam-quiet")) {
      Alert raised = all.stream().filter(a -> a.getCameraId().equals(camera) && a.getKind().equals("CAMPAIGN"))
          .findFirst().orElseThrow();
      Alert cleared = all.stream().filter(a -> a.getCameraId().equals(camera) && a.getKind().equals("CAMPAIGN_CLEARED"))
          .findFirst().orElseThrow();
      assertThat(cleared.getEvidence()).as(camera)
          .containsEntry("campaign_alert_id", raised.getAlertId())
          .containsEntry("campaign_since", raised.getTime().toString());
      assertThat(cleared.getAlertId()).as("an id of its own").isNotEqualTo(raised.getAlertId());
    }
  }

  /**
   * README (What it does): a consumer keeps a camera's outputs in order because every output is keyed by the camera
   * id, whatever key the camera's producer used: verdicts, frame alerts, CAMPAIGN and both CAMPAIGN_CLEAREDs, and
   * dead letters of frames read that far. A record not read that far keeps its producer's key (as text).
   */
  @Test
  void everyOutputIsKeyedByTheCameraIdWhateverKeyTheProducerUsed() {
    int[] n = {0};
    java.util.function.BiConsumer<String, Boolean> windowKeyedOddly = (camera, bright) -> {
      int second = n[0]++;
      for (int i = 0; i < 6; i++) {
        byte[] pixels = new byte[16 * 16];
        Arrays.fill(pixels, (byte) (bright ? 230 : 20));
        long t = second * 1_000L + i * 100L;
        Frame f = Frame.newBuilder().setFrameId(camera + "-f" + sequence++).setCameraId(camera)
            .setCaptureTime(Instant.ofEpochMilli(t)).setEncoding(ImageEncoding.GRAY8).setImage(ByteBuffer.wrap(pixels))
            .setWidth(16).setHeight(16).build();
        frames.pipeInput(i % 2 == 0 ? ("producer-key-" + i).getBytes() : null,
            frameSerde.serializer().serialize("frames", f), t);
      }
    };
    windowKeyedOddly.accept("cam-x", true);
    windowKeyedOddly.accept("cam-x", true);
    windowKeyedOddly.accept("cam-x", false); // raises
    windowKeyedOddly.accept("cam-x", false);
    windowKeyedOddly.accept("cam-x", false); // clears by cool windows
    windowKeyedOddly.accept("cam-x", true);
    windowKeyedOddly.accept("cam-x", true);
    windowKeyedOddly.accept("cam-x", true); // raises again, then quiet
    driver.advanceWallClockTime(java.time.Duration.ofMillis(10_000 + CampaignSettings.DEFAULT_MAX_CLOCK_SKEW_MS));
    driver.advanceWallClockTime(java.time.Duration.ofMillis(CampaignSettings.DEFAULT_IDLE_RETENTION_MS));
    // an invalid frame (read far enough to know its camera) and bytes that are no frame at all
    Frame invalid = Frame.newBuilder().setFrameId("bad").setCameraId("cam-x").setCaptureTime(Instant.ofEpochMilli(1))
        .setEncoding(ImageEncoding.GRAY8).setImage(ByteBuffer.wrap(new byte[3])).build(); // GRAY8 without a size
    frames.pipeInput("producer-key".getBytes(), frameSerde.serializer().serialize("frames", invalid), 1);
    frames.pipeInput("producer-key".getBytes(), new byte[] {1, 2, 3}, 2);

    List<org.apache.kafka.streams.KeyValue<String, Alert>> written = alerts.readKeyValuesToList();
    assertThat(written).extracting(kv -> kv.value.getKind() + " " + kv.value.getEvidence().getOrDefault("cleared_by", ""))
        .contains("PERTURBATION ", "CAMPAIGN ", "CAMPAIGN_CLEARED cool_windows", "CAMPAIGN_CLEARED camera_quiet");
    assertThat(written).allSatisfy(kv -> assertThat(kv.key).as(kv.value.getAlertId()).isEqualTo("cam-x"));
    assertThat(verdicts.readKeyValuesToList()).hasSize(48).allSatisfy(kv -> assertThat(kv.key).isEqualTo("cam-x"));
    TestOutputTopic<String, DeadLetter> dlq = driver.createOutputTopic("dlq", Serdes.String().deserializer(),
        topics.deadLetters().valueSerde().deserializer());
    assertThat(dlq.readKeyValuesToList()).extracting(kv -> kv.key + " " + kv.value.getReason())
        .containsExactly("cam-x INVALID_FRAME", "producer-key BAD_MAGIC_BYTE");
  }

  /** Restarts the driver with output topics that refuse records older than a day, as StreamingMonitor sets it. */
  private long outputsAcceptOneDay(Properties limit) {
    stop();
    limit.put(FrameTimestampExtractor.MAX_AGE_MS, Long.toString(java.time.Duration.ofDays(1).toMillis()));
    start(new CampaignSettings(1_000, 5, 0.2, 2), limit);
    return FrameTimestampExtractor.keptAgeMs(java.time.Duration.ofDays(1).toMillis());
  }

  /**
   * A window's end is ahead of the frames that fill it, and frames count up to the clock skew ahead of the clock: an
   * alerts topic that takes records only a few seconds ahead refused such an alert, and the task failed for ever.
   */
  @Test
  void aCampaignAlertStampedFurtherAheadThanTheAlertsTopicAcceptsIsStampedWithTheClockAndKeepsItsTime() {
    stop();
    Properties limit = new Properties();
    limit.put(FrameTimestampExtractor.MAX_AHEAD_LIMIT_MS, "4000"); // as StreamingMonitor sets it from the topics
    start(new CampaignSettings(1_000, 5, 0.2, 2), limit);
    // the clock at the epoch; frames 10 to 12 s ahead of it, inside the 30 s skew (and the 5 minutes)
    window("cam-stickered", 10, true);
    window("cam-stickered", 11, true);
    window("cam-stickered", 12, false); // closes window 11: the campaign, stamped with its end, 12 s ahead
    assertThat(alerts.readRecordsToList()).filteredOn(r -> r.value().getKind().equals("CAMPAIGN")).singleElement()
        .satisfies(r -> {
          assertThat(r.value().getTime()).as("the end of the window it judges").isEqualTo(Instant.ofEpochMilli(12_000));
          assertThat(r.timestamp()).as("a time the alerts topic accepts: the clock's").isEqualTo(0L);
        });
  }

  @Test
  void aFlagLeftInTheRepartitionTopicLongerThanTheOutputsAcceptIsStoredWithTheClocksTimeNotRefusedForEver() {
    Properties monitors = new Properties();
    // the monitor's default extractor, as StreamingMonitor sets it: Kafka Streams does not apply it to the
    // repartition topic, whose source it builds with FailOnInvalidTimestamp (the record's own time)
    monitors.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, FrameTimestampExtractor.class.getName());
    long keptAgeMs = outputsAcceptOneDay(monitors);
    TestInputTopic<String, byte[]> repartition = driver.createInputTopic(
        "campaign-test-" + MonitorTopology.CAMPAIGN_REPARTITION + "-repartition", Serdes.String().serializer(),
        Serdes.ByteArray().serializer());
    TestOutputTopic<String, byte[]> changelog = driver.createOutputTopic(
        "campaign-test-" + MonitorTopology.CAMERA_STORE + "-changelog", Serdes.String().deserializer(),
        Serdes.ByteArray().deserializer());
    // written at the epoch, just before the monitor went down for two days; the changelog write carries the time
    // the flag is read with
    driver.advanceWallClockTime(java.time.Duration.ofDays(2));
    repartition.pipeInput("cam-late", Serdes.Boolean().serializer().serialize("t", true), 0L);
    long now = java.time.Duration.ofDays(2).toMillis();
    assertThat(changelog.readRecordsToList()).as("the camera's state, written to its changelog").isNotEmpty()
        .allSatisfy(r -> assertThat(r.timestamp()).as("a time the changelog accepts").isGreaterThanOrEqualTo(now - keptAgeMs));
  }

  @Test
  void aCampaignAlertOfAWindowClosedLongerAgoThanTheAlertsTopicAcceptsIsStampedWithTheClockAndKeepsItsTime() {
    long keptAgeMs = outputsAcceptOneDay(new Properties());
    window("cam-stickered", 0, true);
    window("cam-stickered", 1, true); // window 1 still open, one hot window behind it: the next hot one decides
    // the monitor down for two days with that window in its store: back, its clock closes it
    driver.advanceWallClockTime(java.time.Duration.ofDays(2));
    long now = java.time.Duration.ofDays(2).toMillis();
    List<org.apache.kafka.streams.test.TestRecord<String, Alert>> raised = alerts.readRecordsToList().stream()
        .filter(r -> r.value().getKind().startsWith("CAMPAIGN")).toList();
    assertThat(raised).singleElement().satisfies(r -> {
      assertThat(r.value().getKind()).isEqualTo("CAMPAIGN");
      assertThat(r.value().getTime()).as("the end of the window it judges").isEqualTo(Instant.ofEpochMilli(2_000));
      assertThat(r.timestamp()).as("a time the alerts topic accepts").isGreaterThanOrEqualTo(now - keptAgeMs);
    });
  }
}
