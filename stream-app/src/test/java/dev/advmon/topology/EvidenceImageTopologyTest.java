package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.image.ImageLimits;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.FramePreparer;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.InMemorySchemaRegistry;
import dev.advmon.schema.Alert;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import dev.advmon.schema.ImageEncoding;
import dev.advmon.testing.MeanBrightnessDetector;
import dev.advmon.testing.SharedCnn;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.imageio.ImageIO;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code alerts.evidence-image} end to end under TopologyTestDriver: off, a frame alert's evidenceImage stays null; on,
 * it is a PNG of the frame with the evidence's cell subset drawn over it; too large, it is left out and the evidence
 * says so, and the alert is written all the same.
 */
class EvidenceImageTopologyTest {

  @TempDir Path stateDir;

  private final DjlClassifier classifier = SharedCnn.get();
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> frames;
  private TestOutputTopic<String, FrameVerdict> verdicts;
  private TestOutputTopic<String, Alert> alerts;
  private AvroSerde<Frame> frameSerde;

  private void start(EvidenceImages images) {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    frameSerde = AvroSerde.forClass(Frame.class, registry);
    AvroSerde<FrameVerdict> verdictSerde = AvroSerde.forClass(FrameVerdict.class, registry);
    AvroSerde<Alert> alertSerde = AvroSerde.forClass(Alert.class, registry);
    AvroSerde<DeadLetter> dlqSerde = AvroSerde.forClass(DeadLetter.class, registry);
    Topics topics = Topics.of("frames", frameSerde, "verdicts", verdictSerde, "alerts", alertSerde, "dlq", dlqSerde);
    FrameScorer scorer = new FrameScorer(classifier, List.of(
        // flags a bright frame as the overinterpretation detector flags one: with a 2x2 sufficient subset holding only
        // the top-left cell, which the picture outlines while dimming the other three
        new MeanBrightnessDetector("subset", 0.95, "OVERINTERPRETATION", "subset.grid=2x2;subset=80")), 64);
    ImageLimits limits = new ImageLimits(100_000, 1_000_000, 4096);
    FramePreparer preparer = FramePreparer.forModel(limits, classifier.manifest());
    Properties props = TopologyTestProps.exactlyOnce("evidence-image-test", stateDir, topics, dlqSerde.serializer(),
        limits.maxEncodedBytes());
    TopologySettings settings = TopologySettings.of(topics, preparer, scorer);
    if (images != null) {
      settings = settings.withEvidenceImages(images);
    }
    driver = new TopologyTestDriver(MonitorTopology.buildTopology(new StreamsBuilder(), settings), props);
    frames = driver.createInputTopic("frames", Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
    verdicts = driver.createOutputTopic("verdicts", Serdes.String().deserializer(), verdictSerde.deserializer());
    alerts = driver.createOutputTopic("alerts", Serdes.String().deserializer(), alertSerde.deserializer());
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.close();
    }
  }

  /** A white 28x28 frame: the detector flags it, so it has a verdict and an alert. */
  private void sendWhiteFrame(String id) {
    byte[] white = new byte[28 * 28];
    Arrays.fill(white, (byte) 255);
    Frame f = Frame.newBuilder().setFrameId(id).setCameraId("cam-1").setCaptureTime(Instant.ofEpochMilli(1_000))
        .setEncoding(ImageEncoding.GRAY8).setImage(ByteBuffer.wrap(white)).setWidth(28).setHeight(28)
        .setAttributes(Map.of()).build();
    frames.pipeInput("cam-1".getBytes(), frameSerde.serializer().serialize("frames", f));
  }

  private static Map<String, String> evidence(Alert a) {
    Map<String, String> m = new java.util.HashMap<>();
    a.getEvidence().forEach((k, v) -> m.put(k.toString(), v.toString()));
    return m;
  }

  @Test
  void byDefaultAFrameAlertCarriesNoPicture() {
    start(null);
    sendWhiteFrame("w-default");
    Alert a = alerts.readValue();
    assertThat(a.getFrameId()).isEqualTo("w-default");
    assertThat(a.getEvidenceImage()).isNull();
    assertThat(evidence(a)).doesNotContainKey(EvidenceImages.EVIDENCE_KEY);
  }

  @Test
  void switchedOnAFrameAlertCarriesAPngOfTheFrameWithItsSubsetDrawnAtTheBoundedSide() throws Exception {
    start(new EvidenceImages(MonitorConfig.MAX_EVIDENCE_IMAGE_BYTES, MonitorConfig.EVIDENCE_IMAGE_SIDE));
    sendWhiteFrame("w-on");
    assertThat(verdicts.readValue().getAlert()).isTrue();
    Alert a = alerts.readValue();
    assertThat(a.getEvidenceImage()).as("evidenceImage").isNotNull();
    byte[] png = new byte[a.getEvidenceImage().remaining()];
    a.getEvidenceImage().duplicate().get(png);
    assertThat(Arrays.copyOf(png, 8)).as("PNG signature")
        .isEqualTo(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    BufferedImage picture = ImageIO.read(new ByteArrayInputStream(png));
    assertThat(picture).isNotNull();
    int side = MonitorConfig.EVIDENCE_IMAGE_SIDE;
    assertThat(picture.getWidth()).isEqualTo(side);
    assertThat(picture.getHeight()).isEqualTo(side);
    // the subset's cell (top-left) shows the white frame as it is; the cells outside it are dimmed
    assertThat(picture.getRGB(side / 4, side / 4) & 0xffffff).isEqualTo(0xffffff);
    int dimmed = picture.getRGB(3 * side / 4, 3 * side / 4);
    assertThat(dimmed >> 16 & 0xff).as("red of a dimmed cell").isLessThan(128);
    assertThat(evidence(a)).doesNotContainKey(EvidenceImages.EVIDENCE_KEY);
  }

  @Test
  void aPictureAboveTheBoundIsLeftOutAndTheEvidenceSaysSoWhileTheAlertIsStillWritten() {
    start(new EvidenceImages(64, MonitorConfig.EVIDENCE_IMAGE_SIDE));
    sendWhiteFrame("w-big");
    Alert a = alerts.readValue();
    assertThat(a.getFrameId()).isEqualTo("w-big");
    assertThat(a.getEvidenceImage()).isNull();
    assertThat(evidence(a).get(EvidenceImages.EVIDENCE_KEY)).matches("omitted: \\d+ bytes > 64");
    assertThat(evidence(a)).containsEntry("subset.grid", "2x2");
    assertThat(alerts.isEmpty()).isTrue();
  }
}
