package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.detect.FrameScorer;
import dev.advmon.image.ImageLimits;
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
import dev.advmon.testing.MeanBrightnessDetector;
import dev.advmon.testing.TestData;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each frame has exactly one outcome even when an output cannot be written: a verdict that cannot be written
 * becomes the frame's dead letter; an alert that cannot be written is left out (the verdict is the outcome); the
 * frame's own headers never travel to its outputs.
 */
class OutputFailuresTopologyTest {

  private static DjlClassifier model;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> frames;
  private TestOutputTopic<String, FrameVerdict> verdicts;
  private TestOutputTopic<String, Alert> alerts;
  private TestOutputTopic<String, DeadLetter> deadLetters;
  private AvroSerde<Frame> frameSerde;

  @BeforeAll
  static void load() throws Exception {
    model = DjlClassifier.load(ModelBundle.load(TestData.defaultBundle()), EngineChoice.ONNX_RUNTIME);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.close();
    }
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> Serde<T> failingOnWrite(AvroSerde<T> real,
      String what) {
    Serializer<T> broken = (topic, value) -> {
      throw new SerializationException(what + " cannot be written");
    };
    return Serdes.serdeFrom(broken, real.deserializer());
  }

  private void start(boolean verdictFails, boolean alertFails) {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    frameSerde = AvroSerde.forClass(Frame.class, registry);
    AvroSerde<FrameVerdict> verdictSerde = AvroSerde.forClass(FrameVerdict.class, registry);
    AvroSerde<Alert> alertSerde = AvroSerde.forClass(Alert.class, registry);
    AvroSerde<DeadLetter> dlqSerde = AvroSerde.forClass(DeadLetter.class, registry);
    Topics topics = Topics.of("frames", frameSerde,
        "verdicts", verdictFails ? failingOnWrite(verdictSerde, "the verdict") : verdictSerde,
        "alerts", alertFails ? failingOnWrite(alertSerde, "the alert") : alertSerde, "dlq", dlqSerde);
    ImageLimits limits = new ImageLimits(100_000, 1_000_000, 4096);
    FrameScorer scorer = new FrameScorer(model, List.of(new MeanBrightnessDetector("white", 0.95)), 64);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "output-failures-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.putAll(StreamErrorHandlers.configs(topics, dlqSerde.serializer(), new RecordLimits(limits.maxEncodedBytes())));
    driver = new TopologyTestDriver(MonitorTopology.buildTopology(new StreamsBuilder(),
        TopologySettings.of(topics, FramePreparer.forModel(limits, model.manifest()), scorer)), props);
    frames = driver.createInputTopic("frames", Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
    verdicts = driver.createOutputTopic("verdicts", Serdes.String().deserializer(), verdictSerde.deserializer());
    alerts = driver.createOutputTopic("alerts", Serdes.String().deserializer(), alertSerde.deserializer());
    deadLetters = driver.createOutputTopic("dlq", Serdes.String().deserializer(), dlqSerde.deserializer());
  }

  /** A white 28x28 frame: the brightness detector flags it, so it has a verdict and an alert. */
  private byte[] whiteFrame(String id) {
    byte[] white = new byte[28 * 28];
    Arrays.fill(white, (byte) 255);
    return frameSerde.serializer().serialize("frames", Frame.newBuilder().setFrameId(id).setCameraId("cam-1")
        .setCaptureTime(Instant.ofEpochMilli(1_000)).setEncoding(ImageEncoding.GRAY8).setWidth(28).setHeight(28)
        .setImage(ByteBuffer.wrap(white)).build());
  }

  @Test
  void anAlertThatCannotBeWrittenLeavesTheVerdictAsTheFramesOnlyOutcome() {
    start(false, true);
    frames.pipeInput("cam-1".getBytes(), whiteFrame("w1"));
    assertThat(verdicts.readValuesToList()).singleElement()
        .satisfies(v -> assertThat(v.getFrameId()).isEqualTo("w1"))
        .satisfies(v -> assertThat(v.getAlert()).isTrue());
    assertThat(deadLetters.readValuesToList()).as("a dead letter too would count the frame twice").isEmpty();
  }

  @Test
  void aVerdictThatCannotBeWrittenBecomesTheFramesDeadLetter() {
    start(true, false);
    byte[] value = whiteFrame("w1");
    frames.pipeInput("cam-1".getBytes(), value);
    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(d -> {
      assertThat(d.getReason()).isEqualTo("OUTPUT_FAILED");
      assertThat(d.getValue().array()).isEqualTo(value);
      assertThat(d.getErrorMessage()).contains("the verdict cannot be written");
    });
  }

  @Test
  void theFramesHeadersDoNotTravelToItsOutputs() {
    start(false, false);
    RecordHeaders headers = new RecordHeaders();
    headers.add("trace", new byte[1_500_000]); // a producer's megabytes would make every output too large
    frames.pipeInput(new TestRecord<>("cam-1".getBytes(), whiteFrame("w1"), headers, Instant.ofEpochMilli(1_000)));
    frames.pipeInput(new TestRecord<>("cam-1".getBytes(), "not avro".getBytes(), headers, Instant.ofEpochMilli(1_000)));
    TestRecord<String, FrameVerdict> verdict = verdicts.readRecord();
    assertThat(verdict.getValue().getFrameId()).isEqualTo("w1");
    assertThat(verdict.getHeaders().toArray()).isEmpty();
    assertThat(alerts.readRecord().getHeaders().toArray()).isEmpty();
    TestRecord<String, DeadLetter> dead = deadLetters.readRecord();
    assertThat(dead.getValue().getReason()).isEqualTo("BAD_MAGIC_BYTE");
    assertThat(dead.getHeaders().toArray()).isEmpty();
  }

  @Test
  void aTombstoneIsDeadLetteredAsNotInTheWireFormat() {
    start(false, false);
    frames.pipeInput("cam-1".getBytes(), (byte[]) null);
    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(d -> {
      assertThat(d.getReason()).isEqualTo("BAD_MAGIC_BYTE");
      assertThat(d.getErrorMessage()).contains("tombstone");
    });
  }
}
