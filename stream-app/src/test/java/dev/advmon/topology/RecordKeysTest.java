package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.InMemorySchemaRegistry;
import dev.advmon.schema.Alert;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import dev.advmon.schema.ImageEncoding;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A camera's frames read from several partitions of the frames topic reach its campaign window in no fixed order:
 * what is reported is a frame from another partition than its camera's previous one, not a key other than the
 * camera id (a site's key keeps a camera on one partition).
 */
class RecordKeysTest {

  private static DecodedFrame frame(String camera, String key, int partition, boolean redriven) {
    Frame f = Frame.newBuilder().setFrameId("f").setCameraId(camera).setCaptureTime(Instant.ofEpochMilli(1))
        .setEncoding(ImageEncoding.PNG).setImage(ByteBuffer.allocate(0)).build();
    return new DecodedFrame(f, null, key == null ? null : key.getBytes(StandardCharsets.UTF_8), new byte[0], "frames",
        partition, 7, redriven ? "frames-dlq-0@7" : null);
  }

  @Test
  void aCameraWhoseFramesStayOnOnePartitionIsNotReportedWhateverItsKey() {
    RecordKeys keys = new RecordKeys();
    for (int i = 0; i < 5; i++) {
      assertThat(keys.partitionChanged(frame("cam-1", "site-7", 3, false))).isNull();
      assertThat(keys.partitionChanged(frame("cam-2", null, 1, false))).isNull();
    }
  }

  @Test
  void aFrameFromAnotherPartitionThanItsCamerasPreviousOneNamesBothAndItsKey() {
    RecordKeys keys = new RecordKeys();
    assertThat(keys.partitionChanged(frame("cam-1", "cam-1:frame-1", 0, false))).isNull();
    assertThat(keys.partitionChanged(frame("cam-1", "cam-1:frame-2", 4, false)))
        .isEqualTo("partition 4 after partition 0 of frames; record key \"cam-1:frame-2\"");
    assertThat(keys.partitionChanged(frame("cam-1", null, 2, false)))
        .isEqualTo("partition 2 after partition 4 of frames; no record key");
    assertThat(keys.partitionChanged(frame("cam-1", "cam-1", 5, false)))
        .as("keyed by its id and moved all the same: the topic grew, or the producer ignores the key")
        .isEqualTo("partition 5 after partition 2 of frames; record key = cameraId (were partitions added, or does "
            + "the producer pick partitions itself: partitioner.ignore.keys, a custom partitioner, an explicit "
            + "partition?)");
    assertThat(keys.partitionChanged(frame("cam-2", "x".repeat(500), 1, false))).isNull();
    assertThat(keys.partitionChanged(frame("cam-2", "x".repeat(500), 2, false))).as("a long key is cut")
        .hasSizeLessThan(200);
  }

  /**
   * Keyed by its camera id and on another partition all the same: partitions added, or a producer that picks the
   * partition itself (partitioner.ignore.keys=true, a round-robin or custom partitioner, an explicit partition), which
   * a question about partitions alone sent the operator away from.
   */
  @Test
  void aCameraKeyedByItsIdOnAnotherPartitionNamesBothCausesTheOperatorCanCheck() {
    RecordKeys keys = new RecordKeys();
    assertThat(keys.partitionChanged(frame("cam-1", "cam-1", 0, false))).isNull();
    assertThat(keys.partitionChanged(frame("cam-1", "cam-1", 3, false)))
        .contains("partitions added").contains("partitioner.ignore.keys");
  }

  @Test
  void aFrameSentBackByRedriveIsNeitherJudgedNorRemembered() {
    RecordKeys keys = new RecordKeys();
    assertThat(keys.partitionChanged(frame("cam-1", "cam-1", 0, false))).isNull();
    assertThat(keys.partitionChanged(frame("cam-1", null, 3, true))).as("late by nature").isNull();
    assertThat(keys.partitionChanged(frame("cam-1", "cam-1", 0, false))).as("partition 0 is still the one remembered")
        .isNull();
  }

  @Test
  void theLeastRecentlySeenCameraIsForgottenBeyondTheCapAndThenNeverFalselyReported() {
    RecordKeys keys = new RecordKeys();
    keys.partitionChanged(frame("cam-first", "k", 0, false));
    for (int i = 0; i < RecordKeys.MAX_CAMERAS; i++) {
      keys.partitionChanged(frame("cam-" + i, "k", 1, false));
    }
    assertThat(keys.partitionChanged(frame("cam-first", "k", 2, false))).as("forgotten: judged again from here").isNull();
    assertThat(keys.partitionChanged(frame("cam-first", "k", 3, false))).isNotNull();
    assertThat(keys.partitionChanged(frame("cam-" + (RecordKeys.MAX_CAMERAS - 1), "k", 4, false)))
        .as("a recent camera is remembered").isNotNull();
  }

  @Test
  void theWarningIsOneLineAMinuteSayingHowManyCameSinceTheLast() {
    RecordKeys keys = new RecordKeys();
    try (dev.advmon.testing.LogLines lines = dev.advmon.testing.LogLines.of(RecordKeysTest.class)) {
      var log = LoggerFactory.getLogger(RecordKeysTest.class);
      keys.warn(log, "cam-1", "partition 4 after partition 0 of frames; no record key", "frames-4@9", 1_000);
      keys.warn(log, "cam-2", "partition 1 after partition 0 of frames; no record key", "frames-1@3", 30_000);
      keys.warn(log, "cam-3", "partition 1 after partition 0 of frames; no record key", "frames-1@4", 59_999);
      assertThat(lines.messages()).singleElement().asString().contains("frames-4@9", "camera cam-1",
          "partition 4 after partition 0", "advmon_camera_partition_changes_total", VerdictMapper.PARTITION_CHANGED,
          "Writing frames (a camera's producer)");
      keys.warn(log, "cam-4", "partition 2 after partition 0 of frames; no record key", "frames-2@5", 61_000);
      assertThat(lines.messages()).hasSize(2);
      assertThat(lines.messages().get(1)).contains("camera cam-4", "2 more such frames since the last line");
    }
  }

  /**
   * The frames counted since the last line reached the log only with the next line: a monitor that stopped within the
   * minute lost them from the log (the counter kept them). The verdict writer's close logs them once.
   */
  @Test
  void theFramesCountedSinceTheLastLineAreLoggedOnceWhenTheVerdictWriterCloses() {
    RecordKeys keys = new RecordKeys();
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    Topics topics = Topics.of("frames", AvroSerde.forClass(Frame.class, registry),
        "verdicts", AvroSerde.forClass(FrameVerdict.class, registry),
        "alerts", AvroSerde.forClass(Alert.class, registry), "dlq", AvroSerde.forClass(DeadLetter.class, registry));
    try (dev.advmon.testing.LogLines lines = dev.advmon.testing.LogLines.of(WriteVerdictProcessor.class)) {
      var log = LoggerFactory.getLogger(WriteVerdictProcessor.class);
      keys.warn(log, "cam-1", "partition 4 after partition 0 of frames; no record key", "frames-4@9", 1_000);
      keys.warn(log, "cam-2", "partition 1 after partition 0 of frames; no record key", "frames-1@3", 30_000);
      keys.warn(log, "cam-3", "partition 1 after partition 0 of frames; no record key", "frames-1@4", 40_000);
      assertThat(lines.messages()).hasSize(1);
      for (int task = 0; task < 2; task++) { // each task's writer closes; only the first has anything to say
        new WriteVerdictProcessor(null, topics.verdicts(), new RecordLimits(100_000), MonitorMetrics.inMemory(), keys)
            .close();
      }
      assertThat(lines.messages()).hasSize(2);
      assertThat(lines.messages().get(1)).contains("2 more frames", "advmon_camera_partition_changes_total");
    }
  }
}
