package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.image.ImageLimits;
import dev.advmon.schema.Alert;
import dev.advmon.schema.Frame;
import dev.advmon.schema.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evidence picture on its own: its size whatever the frame's, and an alert that survives a picture that fails. */
class EvidenceImagesTest {

  @TempDir Path dir;

  private final EvidenceImages images = new EvidenceImages(MonitorConfig.MAX_EVIDENCE_IMAGE_BYTES, 320);
  private final ImageLimits limits = ImageLimits.defaults();

  private static Frame frame(ImageEncoding encoding, byte[] image, Integer w, Integer h) {
    return Frame.newBuilder().setFrameId("f").setCameraId("cam").setCaptureTime(Instant.ofEpochMilli(1))
        .setEncoding(encoding).setImage(ByteBuffer.wrap(image)).setWidth(w).setHeight(h).setAttributes(Map.of()).build();
  }

  private static Alert alert(Map<String, String> evidence) {
    return Alert.newBuilder().setAlertId("f/PERTURBATION").setFrameId("f").setCameraId("cam").setSourceId(null)
        .setTime(Instant.ofEpochMilli(2)).setKind("PERTURBATION").setReasons(List.of("PERTURBATION"))
        .setScores(List.of()).setExplanation("x").setEvidence(new HashMap<>(evidence)).build();
  }

  private static BufferedImage picture(Alert a) throws Exception {
    byte[] png = new byte[a.getEvidenceImage().remaining()];
    a.getEvidenceImage().duplicate().get(png);
    return ImageIO.read(new ByteArrayInputStream(png));
  }

  @Test
  void aLargeFrameIsShrunkKeepingItsShapeTheLongerSideAtTheBound() throws Exception {
    Alert a = images.attach(alert(Map.of()), frame(ImageEncoding.RGB8, new byte[640 * 480 * 3], 640, 480), limits);
    BufferedImage p = picture(a);
    assertThat(p.getWidth()).isEqualTo(320);
    assertThat(p.getHeight()).isEqualTo(240);
  }

  @Test
  void aFrameThatCannotBeDecodedLeavesTheAlertWithoutAPictureAndSaysWhy() {
    Alert a = images.attach(alert(Map.of("model", "m:1")), frame(ImageEncoding.PNG, "not a png".getBytes(), null, null),
        limits);
    assertThat(a.getEvidenceImage()).isNull();
    assertThat(a.getEvidence()).containsEntry("model", "m:1");
    assertThat(a.getEvidence().get(EvidenceImages.EVIDENCE_KEY).toString()).startsWith("failed: ");
  }

  @Test
  void aMalformedOverlayLeavesTheAlertWithoutAPictureAndSaysWhy() {
    Alert a = images.attach(alert(Map.of("subset.grid", "7x7")), frame(ImageEncoding.GRAY8, new byte[28 * 28], 28, 28),
        limits);
    assertThat(a.getEvidenceImage()).isNull();
    assertThat(a.getEvidence().get(EvidenceImages.EVIDENCE_KEY).toString()).startsWith("failed: ").contains("subset");
  }

  @Test
  void theSettingIsOffByDefaultAndOnWithItsBound() {
    assertThat(EvidenceImages.from(MonitorConfig.load(null, Map.of(), Map.of(), dir).validated()).enabled()).isFalse();
    assertThat(EvidenceImages.from(MonitorConfig.load(null, Map.of(), Map.of("alerts.evidence-image", "true"), dir)
        .validated()).enabled()).isTrue();
  }

  /**
   * The alerts topic's max.message.bytes was assumed to be the broker's default: an alerts topic (or broker) set
   * below the picture bound refused the first alert with its picture, which under exactly-once fails the task on the
   * same frame after every restart. Start-up checks it (and raises it with topics.create) only while pictures are on.
   */
  @Test
  void startUpRequiresOfTheAlertsTopicAnAlertWithTheLargestPictureOnlyWhilePicturesAreOn() {
    dev.advmon.registry.InMemorySchemaRegistry registry = new dev.advmon.registry.InMemorySchemaRegistry();
    Topics topics = Topics.of("frames", dev.advmon.registry.AvroSerde.forClass(Frame.class, registry), "verdicts",
        dev.advmon.registry.AvroSerde.forClass(dev.advmon.schema.FrameVerdict.class, registry), "alerts",
        dev.advmon.registry.AvroSerde.forClass(Alert.class, registry), "dlq",
        dev.advmon.registry.AvroSerde.forClass(dev.advmon.schema.DeadLetter.class, registry));
    RecordLimits recordLimits = new RecordLimits(1_000);

    assertThat(StreamingMonitor.minMessageBytes(topics, recordLimits, EvidenceImages.OFF)).doesNotContainKey("alerts");
    Map<String, Long> on = StreamingMonitor.minMessageBytes(topics, recordLimits, new EvidenceImages(500_000, 320));
    assertThat(on).containsEntry("alerts", RecordLimits.maxAlertMessageBytes(500_000))
        .containsEntry("dlq", recordLimits.maxMessageBytes()).containsEntry("frames", recordLimits.maxFrameMessageBytes());
    assertThat(RecordLimits.maxAlertMessageBytes(MonitorConfig.MAX_EVIDENCE_IMAGE_BYTES))
        .as("the largest bound still fits the broker's default max.message.bytes and the producer's request")
        .isLessThanOrEqualTo(1_048_588).isLessThanOrEqualTo(RecordLimits.MIN_REQUEST_BYTES);
  }
}
