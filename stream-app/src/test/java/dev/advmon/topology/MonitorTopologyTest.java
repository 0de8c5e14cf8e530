package dev.advmon.topology;

import dev.advmon.testing.MeanBrightnessDetector;
import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.detect.FrameScorer;
import dev.advmon.model.FramePreparer;
import dev.advmon.image.ImageLimits;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.InMemorySchemaRegistry;
import dev.advmon.schema.Alert;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import dev.advmon.schema.ImageEncoding;
import dev.advmon.image.TestImages;
import dev.advmon.testing.TestData;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The topology with the real bundled model under TopologyTestDriver (serdes on an in-memory registry). */
class MonitorTopologyTest {

  private static DjlClassifier classifier;
  private InMemorySchemaRegistry registry;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> frames;
  private TestOutputTopic<String, FrameVerdict> verdicts;
  private TestOutputTopic<String, Alert> alerts;
  private TestOutputTopic<String, DeadLetter> deadLetters;
  private AvroSerde<Frame> frameSerde;

  @BeforeAll
  static void loadModel() throws Exception {
    classifier = DjlClassifier.load(ModelBundle.load(TestData.defaultBundle()), EngineChoice.ONNX_RUNTIME);
  }

  @AfterAll
  static void closeModel() {
    classifier.close();
  }

  @BeforeEach
  void start() {
    registry = new InMemorySchemaRegistry();
    frameSerde = AvroSerde.forClass(Frame.class, registry);
    Topics topics = Topics.of("frames", frameSerde, "verdicts", AvroSerde.forClass(FrameVerdict.class, registry),
        "alerts", AvroSerde.forClass(Alert.class, registry), "dlq", AvroSerde.forClass(DeadLetter.class, registry));
    FrameScorer scorer = new FrameScorer(classifier, List.of(new MeanBrightnessDetector("white", 0.95)), 64);
    FramePreparer preparer = FramePreparer.forModel(new ImageLimits(100_000, 1_000_000, 4096), classifier.manifest());
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    driver = new TopologyTestDriver(MonitorTopology.buildTopology(new StreamsBuilder(), TopologySettings.of(topics, preparer, scorer)), props);
    frames = driver.createInputTopic("frames", Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
    verdicts = driver.createOutputTopic("verdicts", Serdes.String().deserializer(), topics.verdicts().valueSerde().deserializer());
    alerts = driver.createOutputTopic("alerts", Serdes.String().deserializer(), topics.alerts().valueSerde().deserializer());
    deadLetters = driver.createOutputTopic("dlq", Serdes.String().deserializer(), topics.deadLetters().valueSerde().deserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private static Frame frame(String id, String camera, ImageEncoding encoding, byte[] image, Integer w, Integer h) {
    return Frame.newBuilder().setFrameId(id).setCameraId(camera).setCaptureTime(Instant.ofEpochMilli(1_000))
        .setEncoding(encoding).setImage(ByteBuffer.wrap(image)).setWidth(w).setHeight(h)
        .setAttributes(Map.of("gps", "52.1,4.3")).build();
  }

  private void send(String camera, Frame f) {
    frames.pipeInput(camera.getBytes(), frameSerde.serializer().serialize("frames", f));
  }

  @Test
  void scoresAReadableFrameIntoExactlyOneVerdictWithTheRightLabel() throws Exception {
    List<TestData.Labelled> eval = TestData.evalSet().subList(0, 20);
    for (int i = 0; i < eval.size(); i++) {
      send("cam-1", frame("f" + i, "cam-1", ImageEncoding.PNG, Files.readAllBytes(eval.get(i).file()), null, null));
    }
    List<TestRecord<String, FrameVerdict>> out = verdicts.readRecordsToList();
    assertThat(out).hasSize(20);
    long correct = 0;
    for (int i = 0; i < out.size(); i++) {
      FrameVerdict v = out.get(i).value();
      assertThat(out.get(i).key()).isEqualTo("cam-1");
      assertThat(v.getFrameId()).isEqualTo("f" + i);
      assertThat(v.getModelName()).isEqualTo("fashion-mnist-cnn");
      assertThat(v.getEngine()).isEqualTo("OnnxRuntime");
      assertThat(v.getConfidence()).isBetween(0.0, 1.0);
      assertThat(v.getAttributes()).containsEntry("gps", "52.1,4.3");
      assertThat(v.getScores()).extracting(s -> s.getDetector()).containsExactly("white");
      correct += v.getPredictedClass() == eval.get(i).label() ? 1 : 0;
    }
    assertThat(correct).isGreaterThanOrEqualTo(17);
    assertThat(deadLetters.isEmpty()).isTrue();
    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void flaggedVerdictsAlsoRaiseAnAlertThatExplainsItself() {
    byte[] white = new byte[28 * 28];
    Arrays.fill(white, (byte) 255);
    send("cam-2", frame("white-1", "cam-2", ImageEncoding.GRAY8, white, 28, 28));
    FrameVerdict v = verdicts.readValue();
    assertThat(v.getAlert()).isTrue();
    assertThat(v.getReasons()).containsExactly("PERTURBATION");
    Alert a = alerts.readValue();
    assertThat(a.getFrameId()).isEqualTo("white-1");
    assertThat(a.getKind()).isEqualTo("PERTURBATION");
    assertThat(a.getExplanation()).contains("cam-2").contains("white score");
    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void recordsThatAreNotAvroFramesGoToTheDeadLetterTopicWithTheirOriginalBytes() {
    byte[] garbage = "hello, not avro".getBytes();
    frames.pipeInput("cam-3".getBytes(), garbage);
    byte[] unknownId = {0, 0, 0, 0x7f, 1, 2, 3};
    frames.pipeInput("cam-3".getBytes(), unknownId);
    byte[] truncatedAvro = Arrays.copyOf(frameSerde.serializer().serialize("frames",
        frame("f", "cam-3", ImageEncoding.GRAY8, new byte[784], 28, 28)), 12);
    frames.pipeInput("cam-3".getBytes(), truncatedAvro);

    List<DeadLetter> dead = deadLetters.readValuesToList();
    assertThat(dead).extracting(DeadLetter::getReason).containsExactly("BAD_MAGIC_BYTE", "UNKNOWN_SCHEMA", "BAD_AVRO");
    assertThat(dead.get(0).getValue().array()).isEqualTo(garbage);
    assertThat(dead.get(0).getKey().array()).isEqualTo("cam-3".getBytes());
    assertThat(dead.get(0).getSourceTopic()).isEqualTo("frames");
    assertThat(dead.get(1).getErrorMessage()).contains("schema id 32513");
    assertThat(dead).allSatisfy(d -> assertThat(d.getErrorMessage()).isNotBlank());
    assertThat(verdicts.isEmpty()).isTrue();
  }

  @Test
  void framesWithUnreadableOrOversizedImagesGoToTheDeadLetterTopicWithTheirReason() throws Exception {
    byte[] png = Files.readAllBytes(TestData.evalSet().get(0).file());
    send("cam-4", frame("truncated", "cam-4", ImageEncoding.PNG, Arrays.copyOf(png, png.length / 2), null, null));
    send("cam-4", frame("huge", "cam-4", ImageEncoding.PNG, TestImages.handmadePng(50_000, 50_000), null, null));
    send("cam-4", frame("short-raw", "cam-4", ImageEncoding.GRAY8, new byte[100], 28, 28));
    send("cam-4", frame("no-size", "cam-4", ImageEncoding.RGB8, new byte[100], null, null));
    send("cam-4", frame("", "cam-4", ImageEncoding.PNG, png, null, null));

    List<DeadLetter> dead = deadLetters.readValuesToList();
    assertThat(dead).extracting(DeadLetter::getReason)
        .containsExactly("UNDECODABLE_IMAGE", "IMAGE_TOO_LARGE", "UNDECODABLE_IMAGE", "INVALID_FRAME", "INVALID_FRAME");
    assertThat(dead.get(0).getFrameId()).isEqualTo("truncated");
    assertThat(dead.get(1).getErrorMessage()).contains("huge").contains("image.max-pixels");
    assertThat(dead.get(3).getErrorMessage()).contains("needs width and height");
    assertThat(dead.get(4).getErrorMessage()).contains("frameId is empty");
    assertThat(verdicts.isEmpty()).isTrue();
  }
}
