package dev.advmon.topology;

import dev.advmon.testing.MeanBrightnessDetector;
import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.detect.FrameScorer;
import dev.advmon.model.FramePreparer;
import dev.advmon.image.ImageLimits;
import dev.advmon.model.DjlClassifier;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.InMemorySchemaRegistry;
import dev.advmon.schema.Alert;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import dev.advmon.schema.ImageEncoding;
import dev.advmon.image.TestImages;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.testing.SharedCnn;
import dev.advmon.testing.TestData;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The topology with the real bundled model and the monitor's error handlers under TopologyTestDriver (serdes on an
 * in-memory registry): each frame comes out as exactly one verdict or one dead letter, also when an output fails.
 */
class MonitorTopologyTest {

  @org.junit.jupiter.api.io.TempDir java.nio.file.Path stateDir;

  private final DjlClassifier classifier = SharedCnn.get();
  private InMemorySchemaRegistry registry;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> frames;
  private TestOutputTopic<String, FrameVerdict> verdicts;
  private TestOutputTopic<String, Alert> alerts;
  private TestOutputTopic<String, DeadLetter> deadLetters;
  private AvroSerde<Frame> frameSerde;
  private MonitorMetrics metrics;
  /** What the alert listener (the dashboard's) was handed: each alert with the frame that raised it. */
  private final List<Map.Entry<Alert, Frame>> heard = new java.util.ArrayList<>();

  @BeforeEach
  void start() {
    start(false, false);
  }

  /** A serde whose writes fail, as a verdict or alert that cannot be serialized does. */
  private static <T extends org.apache.avro.specific.SpecificRecord> Serde<T> failingOnWrite(AvroSerde<T> real,
      String what) {
    Serializer<T> broken = (topic, value) -> {
      throw new SerializationException(what + " cannot be written");
    };
    return Serdes.serdeFrom(broken, real.deserializer());
  }

  /** The topology with the monitor's error handlers, as it runs; verdicts or alerts unwritable when asked. */
  private void start(boolean verdictFails, boolean alertFails) {
    start(verdictFails, alertFails, true);
  }

  /** As above; with {@code autoRegister} false the verdict serde only looks its schema up (registry.auto-register). */
  private void start(boolean verdictFails, boolean alertFails, boolean autoRegister) {
    start(verdictFails, alertFails, autoRegister, false);
  }

  /**
   * As above; with {@code deadLetterWithBytesFails} the dead-letter sink cannot write a dead letter that carries its
   * frame's bytes (as one above the topic's limits), while the error handler's copy without them is written.
   */
  private void start(boolean verdictFails, boolean alertFails, boolean autoRegister, boolean deadLetterWithBytesFails) {
    registry = new InMemorySchemaRegistry();
    frameSerde = AvroSerde.forClass(Frame.class, registry);
    AvroSerde<FrameVerdict> verdictSerde = new AvroSerde<>(FrameVerdict.class, registry, false, autoRegister);
    AvroSerde<Alert> alertSerde = AvroSerde.forClass(Alert.class, registry);
    AvroSerde<DeadLetter> dlqSerde = AvroSerde.forClass(DeadLetter.class, registry);
    Serializer<DeadLetter> refusingBytes = (topic, letter) -> {
      if (letter.getValue() != null) {
        throw new SerializationException("the dead letter with its frame's bytes cannot be written");
      }
      return dlqSerde.serializer().serialize(topic, letter);
    };
    Topics topics = Topics.of("frames", frameSerde,
        "verdicts", verdictFails ? failingOnWrite(verdictSerde, "the verdict") : verdictSerde,
        "alerts", alertFails ? failingOnWrite(alertSerde, "the alert") : alertSerde,
        "dlq", deadLetterWithBytesFails ? Serdes.serdeFrom(refusingBytes, dlqSerde.deserializer()) : dlqSerde);
    FrameScorer scorer = new FrameScorer(classifier, List.of(new MeanBrightnessDetector("white", 0.95)), 64);
    ImageLimits limits = new ImageLimits(100_000, 1_000_000, 4096);
    FramePreparer preparer = FramePreparer.forModel(limits, classifier.manifest());
    metrics = MonitorMetrics.inMemory();
    Properties props = TopologyTestProps.exactlyOnce("topology-test", stateDir, topics, dlqSerde.serializer(),
        limits.maxEncodedBytes(), metrics);
    driver = new TopologyTestDriver(MonitorTopology.buildTopology(new StreamsBuilder(),
        TopologySettings.of(topics, preparer, scorer).withMetrics(metrics)
            .withAlerts((alert, frame) -> heard.add(new java.util.AbstractMap.SimpleEntry<>(alert, frame)))), props);
    frames = driver.createInputTopic("frames", Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
    verdicts = driver.createOutputTopic("verdicts", Serdes.String().deserializer(), verdictSerde.deserializer());
    alerts = driver.createOutputTopic("alerts", Serdes.String().deserializer(), alertSerde.deserializer());
    deadLetters = driver.createOutputTopic("dlq", Serdes.String().deserializer(), dlqSerde.deserializer());
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
  void theInternalTopicsItNamesAreExactlyTheOnesKafkaStreamsWrites() throws Exception {
    // the hanging-transaction check looks at these by name: a topic missing here would go unwatched
    send("cam-9", frame("internal", "cam-9", ImageEncoding.PNG, Files.readAllBytes(TestData.evalSet().get(0).file()),
        null, null));
    assertThat(driver.producedTopicNames().stream().filter(t -> t.startsWith("topology-test-")))
        .containsExactlyInAnyOrderElementsOf(MonitorTopology.internalTopics("topology-test"));
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
  void aDeadLetterOfALongProducerKeyIsKeyedByItsFirst256CharactersAndSaysHowLongItWas() {
    // README (What a consumer of the outputs can rely on, Keys): a consumer matching dead letters to its producer's
    // keys must know the record key is not the key as sent past 256 characters; the field key keeps its bytes
    String key = "site-7/gateway-3/".repeat(20); // 340 characters
    frames.pipeInput(key.getBytes(java.nio.charset.StandardCharsets.UTF_8), "hello, not avro".getBytes());

    assertThat(deadLetters.readRecordsToList()).singleElement().satisfies(r -> {
      assertThat(r.getValue().getReason()).isEqualTo("BAD_MAGIC_BYTE");
      assertThat(r.key()).isEqualTo(key.substring(0, 256) + "... (340 characters)");
      assertThat(r.getValue().getKey().array()).isEqualTo(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    });
  }

  @Test
  void aJsonFrameIsADeadLetterSayingItLooksLikeJsonAndWhatTheMonitorReads() {
    byte[] json = "{\"frameId\":\"f-1\",\"cameraId\":\"cam-3\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    frames.pipeInput("cam-3".getBytes(), json);

    DeadLetter dead = deadLetters.readValue();
    assertThat(dead.getReason()).isEqualTo("BAD_MAGIC_BYTE");
    assertThat(dead.getValue().array()).isEqualTo(json);
    assertThat(dead.getErrorMessage()).contains("looks like JSON", "Avro in the Confluent wire format",
        "schema-registry Avro serializer").doesNotContain("not written by");
  }

  @Test
  void aFrameWhoseSchemaIdIsInAHeaderIsADeadLetterSayingHowToConfigureItsSerializer() {
    byte[] written = frameSerde.serializer().serialize("frames", frame("f", "cam-3", ImageEncoding.GRAY8, new byte[784],
        28, 28));
    byte[] plainAvro = Arrays.copyOfRange(written, 5, written.length); // the body alone: the id went to a header
    RecordHeaders confluent = new RecordHeaders();
    byte[] guid = new byte[17];
    guid[0] = 1; // Confluent's magic byte for a GUID
    confluent.add("__value_schema_id", guid);
    frames.pipeInput(new TestRecord<>("cam-3".getBytes(), plainAvro, confluent, Instant.ofEpochMilli(1_000)));
    RecordHeaders apicurio = new RecordHeaders();
    apicurio.add("apicurio.value.globalId", new byte[] {0, 0, 0, 0, 0, 0, 0, 7});
    apicurio.add("apicurio.value.encoding", "BINARY".getBytes());
    frames.pipeInput(new TestRecord<>("cam-3".getBytes(), plainAvro, apicurio, Instant.ofEpochMilli(1_000)));

    List<DeadLetter> dead = deadLetters.readValuesToList();
    assertThat(dead).extracting(DeadLetter::getReason).containsExactly("BAD_MAGIC_BYTE", "BAD_MAGIC_BYTE");
    assertThat(dead).allSatisfy(d -> assertThat(d.getValue().array()).isEqualTo(plainAvro));
    assertThat(dead.get(0).getErrorMessage()).contains("header __value_schema_id", "HeaderSchemaIdSerializer",
        "PrefixSchemaIdSerializer", "byte 0 of the value is 0x02").doesNotContain("not written by");
    assertThat(dead.get(1).getErrorMessage()).contains("header apicurio.value.globalId",
        "apicurio.registry.headers.enabled=false", "apicurio.registry.as-confluent=true",
        "apicurio.registry.use-id=contentId", "byte 0 of the value is 0x02");
    assertThat(verdicts.isEmpty()).isTrue();
  }

  /**
   * JSON from a producer that writes UTF-16 (Java's getBytes(UTF_16)) or ends it with a C string's NUL was dead-lettered
   * with the generic "plain Avro, JSON or another format?": the dead letter now says it is JSON, and in which encoding.
   */
  @Test
  void aJsonFrameInUtf16OrEndingInANulIsADeadLetterSayingItLooksLikeJson() {
    String doc = "{\"frameId\":\"f-1\",\"cameraId\":\"cam-3\"}";
    frames.pipeInput("cam-3".getBytes(), doc.getBytes(java.nio.charset.StandardCharsets.UTF_16));
    frames.pipeInput("cam-3".getBytes(), (doc + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8));

    List<DeadLetter> dead = deadLetters.readValuesToList();
    assertThat(dead).extracting(DeadLetter::getReason).containsExactly("BAD_MAGIC_BYTE", "BAD_MAGIC_BYTE");
    assertThat(dead.get(0).getErrorMessage()).contains("looks like JSON (in UTF-16BE, it starts with '{')",
        "schema-registry Avro serializer");
    assertThat(dead.get(1).getErrorMessage()).contains("looks like JSON (it starts with '{')",
        "schema-registry Avro serializer");
    assertThat(verdicts.isEmpty()).isTrue();
  }

  @Test
  void aJsonFrameWithASchemaIdHeaderIsToldItIsJsonBecauseTheValueIsWhatIsWrong() {
    // a JSON serializer with a header-id setting left over (Confluent's KafkaJsonSchemaSerializer, Apicurio's JSON
    // serde): moving the id into the value would still leave JSON the monitor cannot read
    byte[] json = "{\"frameId\":\"f-1\",\"cameraId\":\"cam-3\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    RecordHeaders confluent = new RecordHeaders();
    confluent.add("__value_schema_id", new byte[17]);
    frames.pipeInput(new TestRecord<>("cam-3".getBytes(), json, confluent, Instant.ofEpochMilli(1_000)));
    RecordHeaders apicurio = new RecordHeaders();
    apicurio.add("apicurio.value.globalId", new byte[] {0, 0, 0, 0, 0, 0, 0, 7});
    frames.pipeInput(new TestRecord<>("cam-3".getBytes(), json, apicurio, Instant.ofEpochMilli(1_000)));
    // two documents in one record (NDJSON) are no whole document, and were told to move the id
    byte[] ndjson = "{\"frameId\":\"f-1\"}\n{\"frameId\":\"f-2\"}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    frames.pipeInput(new TestRecord<>("cam-3".getBytes(), ndjson, confluent, Instant.ofEpochMilli(1_000)));

    List<DeadLetter> dead = deadLetters.readValuesToList();
    assertThat(dead).extracting(DeadLetter::getReason).containsExactly("BAD_MAGIC_BYTE", "BAD_MAGIC_BYTE",
        "BAD_MAGIC_BYTE");
    assertThat(dead).allSatisfy(d -> assertThat(d.getErrorMessage()).contains("looks like JSON",
        "schema-registry Avro serializer").doesNotContain("carries its schema id in the header", "PrefixSchemaIdSerializer"));
  }

  @Test
  void anAvroBodyWithItsIdInAHeaderWhoseFrameIdStartsWithABraceIsToldToMoveTheIdNotThatItIsJson() {
    // the body starts with frameId's length as a zigzag varint: 5 characters is 0x0a ('\n'), 16 is 0x20 (' '), both
    // blanks, so a frame id starting with '{' or '[' made the body start "like JSON" after blanks
    for (String frameId : List.of("{abcd", "{0123456789abcde", "[abcd")) {
      byte[] written = frameSerde.serializer().serialize("frames", frame(frameId, "cam-3", ImageEncoding.GRAY8,
          new byte[784], 28, 28));
      byte[] plainAvro = Arrays.copyOfRange(written, 5, written.length);
      RecordHeaders confluent = new RecordHeaders();
      confluent.add("__value_schema_id", new byte[17]);
      frames.pipeInput(new TestRecord<>("cam-3".getBytes(), plainAvro, confluent, Instant.ofEpochMilli(1_000)));
    }

    List<DeadLetter> dead = deadLetters.readValuesToList();
    assertThat(dead).hasSize(3).allSatisfy(d -> assertThat(d.getErrorMessage())
        .contains("header __value_schema_id", "PrefixSchemaIdSerializer").doesNotContain("looks like JSON"));
  }

  @Test
  void anAvroBodyWithItsIdInAHeaderAndAnEmptyFrameIdIsToldToMoveTheIdNotThatItsSchemaIsUnknown() {
    // an empty frameId's length is the varint 0x00, the wire format's magic byte: the body alone was read as the wire
    // format, bytes 1-4 (the camera id's length and first characters) as a schema id, and dead-lettered UNKNOWN_SCHEMA
    // without a word of the header. An empty camera id and a zero capture time too make those bytes schema id 0.
    byte[] named = frameSerde.serializer().serialize("frames", frame("", "cam-3", ImageEncoding.GRAY8, new byte[784],
        28, 28));
    Frame bare = frame("", "", ImageEncoding.UNKNOWN, new byte[784], 28, 28);
    bare.setCaptureTime(Instant.EPOCH);
    byte[] zeroId = frameSerde.serializer().serialize("frames", bare);
    RecordHeaders confluent = new RecordHeaders();
    confluent.add("__value_schema_id", new byte[17]);
    RecordHeaders apicurio = new RecordHeaders();
    apicurio.add("apicurio.value.globalId", new byte[] {0, 0, 0, 0, 0, 0, 0, 7});
    for (byte[] written : List.of(named, zeroId)) {
      byte[] plainAvro = Arrays.copyOfRange(written, 5, written.length);
      assertThat(plainAvro[0]).isZero();
      frames.pipeInput(new TestRecord<>("cam-3".getBytes(), plainAvro, confluent, Instant.ofEpochMilli(1_000)));
      frames.pipeInput(new TestRecord<>("cam-3".getBytes(), plainAvro, apicurio, Instant.ofEpochMilli(1_000)));
    }

    List<DeadLetter> dead = deadLetters.readValuesToList();
    assertThat(dead).extracting(DeadLetter::getReason).containsOnly("BAD_MAGIC_BYTE").hasSize(4);
    assertThat(dead).allSatisfy(d -> assertThat(d.getErrorMessage()).contains("frameId is empty")
        .doesNotContain("was the frame written against another registry", "8-byte schema id"));
    assertThat(List.of(dead.get(0), dead.get(2))).allSatisfy(d -> assertThat(d.getErrorMessage())
        .contains("header __value_schema_id", "PrefixSchemaIdSerializer"));
    assertThat(List.of(dead.get(1), dead.get(3))).allSatisfy(d -> assertThat(d.getErrorMessage())
        .contains("header apicurio.value.globalId", "apicurio.registry.headers.enabled=false"));
    assertThat(verdicts.isEmpty()).isTrue();
  }

  /**
   * The empty-frameId advice above was given to any value starting with 0x00 whose schema id was unknown, while a
   * schema-id header was there: a frame in the wire format that also carries such a header (copied by a forwarder)
   * and whose id the registry does not know was told that its frameId is empty and to change its serializer, neither
   * true. The advice is for a value that is a whole Avro Frame body alone with an empty frameId.
   */
  @Test
  void aWireFormatFrameWithAnUnknownIdAndASchemaIdHeaderIsNotToldItsFrameIdIsEmpty() {
    byte[] written = frameSerde.serializer().serialize("frames", frame("f-1", "cam-3", ImageEncoding.GRAY8,
        new byte[784], 28, 28));
    byte[] unknownId = written.clone();
    java.nio.ByteBuffer.wrap(unknownId, 1, 4).putInt(99);
    RecordHeaders confluent = new RecordHeaders();
    confluent.add("__value_schema_id", new byte[17]);
    frames.pipeInput(new TestRecord<>("cam-3".getBytes(), unknownId, confluent, Instant.ofEpochMilli(1_000)));

    DeadLetter dead = deadLetters.readValue();
    assertThat(dead.getReason()).isEqualTo("UNKNOWN_SCHEMA");
    assertThat(dead.getErrorMessage()).contains("99").doesNotContain("frameId is empty");
  }

  @Test
  void aFrameWithAnEightByteSchemaIdIsADeadLetterSayingSo() {
    byte[] written = frameSerde.serializer().serialize("frames", frame("f", "cam-3", ImageEncoding.GRAY8, new byte[784],
        28, 28));
    // Apicurio's serializer 2.x without apicurio.registry.as-confluent: the magic byte, then its id as a long
    byte[] eightByteId = new byte[written.length + 4];
    eightByteId[8] = 7;
    System.arraycopy(written, 5, eightByteId, 9, written.length - 5);
    frames.pipeInput("cam-3".getBytes(), eightByteId);

    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(d -> {
      assertThat(d.getReason()).isEqualTo("UNKNOWN_SCHEMA");
      assertThat(d.getErrorMessage()).contains("schema id 0", "8-byte", "apicurio.registry.as-confluent=true")
          .doesNotContain("deleted permanently");
    });
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

  /**
   * An empty frame id read "frame  from camera cam-w: frameId is empty" (two spaces, no id to see), and a blank one was
   * called empty as well: the id is quoted where bare it would not show, and a blank id is called blank.
   */
  @Test
  void anEmptyOrBlankIdIsQuotedInItsDeadLetterAndABlankOneIsCalledBlank() throws Exception {
    byte[] png = Files.readAllBytes(TestData.evalSet().get(0).file());
    send("cam-w", frame("", "cam-w", ImageEncoding.PNG, png, null, null));
    send("cam-w", frame("  ", "cam-w", ImageEncoding.PNG, png, null, null));
    send("cam-w", frame("f-9", "\t", ImageEncoding.PNG, png, null, null));

    assertThat(deadLetters.readValuesToList()).extracting(DeadLetter::getErrorMessage).satisfiesExactly(
        m -> assertThat(m).contains("frame \"\" from camera cam-w: frameId is empty"),
        m -> assertThat(m).contains("frame \"  \" from camera cam-w: frameId is blank (white space only)"),
        m -> assertThat(m).contains("frame f-9 from camera \"\t\": cameraId is blank (white space only)"));
  }

  /**
   * An id with white space at an end is valid, so its frame can fail later, in decoding its image: that dead letter
   * showed it bare ("frame f-8  from camera cam-w"), where an invalid frame's shows it quoted.
   */
  @Test
  void anIdWithWhiteSpaceAtAnEndIsQuotedInAnUndecodableImagesDeadLetterToo() throws Exception {
    byte[] png = Files.readAllBytes(TestData.evalSet().get(0).file());
    send("cam-w", frame("f-8 ", "cam-w", ImageEncoding.PNG, Arrays.copyOf(png, png.length / 2), null, null));

    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(d -> {
      assertThat(d.getReason()).isEqualTo("UNDECODABLE_IMAGE");
      assertThat(d.getErrorMessage()).contains("frame \"f-8 \" from camera cam-w: ");
    });
  }

  /**
   * Each of FrameValidation's refusals, one frame apiece: the test above reaches only two of them, so dropping any
   * other check left the suite green (a blank cameraId was even scored into a verdict).
   */
  @Test
  void framesWithABlankCameraNoImageOrAnUnknownEncodingAreDeadLetteredAsInvalidSayingWhich() throws Exception {
    byte[] png = Files.readAllBytes(TestData.evalSet().get(0).file());
    send("cam-5", frame("blank-camera", " ", ImageEncoding.PNG, png, null, null));
    send("cam-5", frame("no-image", "cam-5", ImageEncoding.PNG, new byte[0], null, null));
    send("cam-5", frame("unknown-encoding", "cam-5", ImageEncoding.UNKNOWN, png, null, null));

    List<DeadLetter> dead = deadLetters.readValuesToList();
    assertThat(dead).extracting(DeadLetter::getFrameId).containsExactly("blank-camera", "no-image", "unknown-encoding");
    assertThat(dead).extracting(DeadLetter::getReason).containsOnly("INVALID_FRAME");
    assertThat(dead).extracting(DeadLetter::getErrorMessage).satisfiesExactly(
        m -> assertThat(m).contains("cameraId is blank"),
        m -> assertThat(m).contains("image is empty"),
        m -> assertThat(m).contains("encoding is UNKNOWN").contains("use PNG, JPEG, GRAY8 or RGB8"));
    assertThat(verdicts.isEmpty()).isTrue();
  }

  /** A white 28x28 frame: the brightness detector flags it, so it has a verdict and an alert. */
  private byte[] whiteFrame(String id) {
    byte[] white = new byte[28 * 28];
    Arrays.fill(white, (byte) 255);
    return frameSerde.serializer().serialize("frames", frame(id, "cam-1", ImageEncoding.GRAY8, white, 28, 28));
  }

  @Test
  void anAlertThatCannotBeWrittenLeavesTheVerdictAsTheFramesOnlyOutcome() {
    stop();
    start(false, true);
    frames.pipeInput("cam-1".getBytes(), whiteFrame("w1"));
    assertThat(verdicts.readValuesToList()).singleElement()
        .satisfies(v -> assertThat(v.getFrameId()).isEqualTo("w1"))
        .satisfies(v -> assertThat(v.getAlert()).isTrue());
    assertThat(deadLetters.readValuesToList()).as("a dead letter too would count the frame twice").isEmpty();
    assertThat(metrics.counts().alerts()).as("advmon_alerts_total counts alerts written; this one was left out")
        .isZero();
    assertThat(metrics.counts().deadLetters()).isZero();
  }

  @Test
  void anAlertThatCannotBeWrittenIsNotHandedToTheDashboard() {
    // The listener was a peek before the alerts sink: the dashboard listed an alert that no reader of the topic saw.
    stop();
    start(false, true);
    frames.pipeInput("cam-1".getBytes(), whiteFrame("w1"));
    assertThat(verdicts.readValuesToList()).hasSize(1);
    assertThat(heard).extracting(h -> h.getKey().getAlertId()).as("the alert was left out of the alerts topic")
        .isEmpty();
  }

  @Test
  void eachAlertWrittenIsHandedToTheDashboardOnceWithTheFrameThatRaisedIt() {
    frames.pipeInput("cam-1".getBytes(), whiteFrame("w1"));
    assertThat(alerts.readValuesToList()).singleElement()
        .satisfies(a -> assertThat(a.getAlertId()).isEqualTo("cam-1/w1/PERTURBATION"));
    assertThat(heard).singleElement().satisfies(h -> {
      assertThat(h.getKey().getAlertId()).isEqualTo("cam-1/w1/PERTURBATION");
      assertThat(h.getValue().getFrameId()).as("the frame, for the dashboard's picture").isEqualTo("w1");
    });
  }

  @Test
  void aDeadLetterThatCannotBeWrittenWithItsBytesIsCountedOnceAsTheOutputFailedOneWritten() {
    // The frame's dead letter, counted at a peek before its sink, then refused by the sink, was counted again as the
    // handler's OUTPUT_FAILED copy: two in advmon_dead_letters_total for the one record on the topic.
    stop();
    start(false, false, true, true);
    frames.pipeInput("cam-3".getBytes(), "hello, not avro".getBytes());
    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(d -> {
      assertThat(d.getReason()).isEqualTo("OUTPUT_FAILED");
      assertThat(d.getValue()).isNull();
    });
    assertThat(metrics.counts().deadLettersByReason()).containsEntry("OUTPUT_FAILED", 1L)
        .containsEntry("BAD_MAGIC_BYTE", 0L);
    assertThat(metrics.counts().deadLetters()).as("one frame, one dead letter written, one counted").isEqualTo(1);
  }

  /**
   * /metrics had the time a frame waits for the model (advmon_inference_seconds) but not how late its verdict is: a
   * monitor hours behind read as fast. advmon_frame_latency_seconds is the verdict's processingLatencyMs, the frame
   * record's timestamp to its verdict.
   */
  @Test
  void theTimeFromAFramesRecordToItsVerdictIsMeasured() {
    frames.pipeInput("cam-1".getBytes(), whiteFrame("w1"), Instant.now().minusSeconds(90));
    FrameVerdict verdict = verdicts.readValue();
    io.micrometer.core.instrument.Timer latency = metrics.registry().find("advmon.frame.latency").timer();
    assertThat(latency).as("advmon.frame.latency").isNotNull();
    assertThat(latency.count()).isEqualTo(1);
    assertThat(latency.max(java.util.concurrent.TimeUnit.MILLISECONDS))
        // the driver's wall clock stands where it was made, before this test: up to a few seconds behind now
        .isEqualTo((double) verdict.getProcessingLatencyMs()).isBetween(80_000.0, 95_000.0);
  }

  /**
   * A frame redrive sent back keeps its first send's timestamp, so its "latency" is its dead letter's age: it gets a
   * verdict, but is left out of advmon_frame_latency_seconds, whose alert would fire after every redrive.
   */
  @Test
  void aRedrivenFramesAgeIsLeftOutOfTheFrameLatency() {
    org.apache.kafka.common.header.internals.RecordHeaders headers = new org.apache.kafka.common.header.internals
        .RecordHeaders();
    headers.add(RedrivenFrames.HEADER, "SCORING_FAILED".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    frames.pipeInput(new TestRecord<>("cam-1".getBytes(), whiteFrame("old"), headers,
        Instant.now().minusSeconds(3_600)));
    frames.pipeInput("cam-1".getBytes(), whiteFrame("new"), Instant.now().minusSeconds(90));
    assertThat(verdicts.readValuesToList()).as("both frames get a verdict").hasSize(2);
    io.micrometer.core.instrument.Timer latency = metrics.registry().find("advmon.frame.latency").timer();
    assertThat(latency.count()).as("the redriven frame is not timed").isEqualTo(1);
    assertThat(latency.max(java.util.concurrent.TimeUnit.MILLISECONDS)).isLessThan(600_000.0);
  }

  /**
   * Downstream could not tell a verdict of a frame redrive sent back from any other, nor link it to its dead letter:
   * the frame's headers are not passed on. Its verdict's attributes now name the dead letter it came from
   * ({@code advmon.redrivenFrom}, from redrive's header), and a frame that was not sent back has no such entry.
   */
  @Test
  void aRedrivenFramesVerdictNamesTheDeadLetterItCameFrom() {
    org.apache.kafka.common.header.internals.RecordHeaders headers = new org.apache.kafka.common.header.internals
        .RecordHeaders();
    headers.add(RedrivenFrames.HEADER, "SCORING_FAILED".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    headers.add(RedrivenFrames.FROM_HEADER, "frames-dlq-2@41".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    frames.pipeInput(new TestRecord<>("cam-1".getBytes(), whiteFrame("old"), headers, Instant.now()));
    frames.pipeInput("cam-1".getBytes(), whiteFrame("new"), Instant.now());
    List<FrameVerdict> written = verdicts.readValuesToList();
    assertThat(written).hasSize(2);
    assertThat(written.get(0).getAttributes()).containsEntry("advmon.redrivenFrom", "frames-dlq-2@41");
    assertThat(written.get(1).getAttributes()).doesNotContainKey("advmon.redrivenFrom");
  }

  /**
   * A frame that failed again after redrive got a dead letter like any other: the next operator could not tell it had
   * been sent back already, nor from where (the DeadLetter schema has no attributes). Its dead letter now bears the
   * header advmon.redrivenFrom, as its verdict would have named it; another frame's has none. Decoding and writing the
   * verdict each make dead letters of their own.
   */
  @Test
  void aRedrivenFrameThatFailsAgainGetsADeadLetterNamingTheDeadLetterItCameFrom() {
    stop();
    start(true, false);
    frames.pipeInput(new TestRecord<>("cam-1".getBytes(), "hello, not avro".getBytes(), redriven("frames-dlq-2@41"),
        Instant.now()));
    frames.pipeInput(new TestRecord<>("cam-1".getBytes(), whiteFrame("old"), redriven("frames-dlq-0@7"),
        Instant.now()));
    frames.pipeInput("cam-1".getBytes(), whiteFrame("new"), Instant.now());
    List<org.apache.kafka.streams.test.TestRecord<String, DeadLetter>> dead = deadLetters.readRecordsToList();
    assertThat(dead).extracting(r -> r.getValue().getReason().toString())
        .containsExactly("BAD_MAGIC_BYTE", "OUTPUT_FAILED", "OUTPUT_FAILED");
    assertThat(dead).extracting(r -> r.getHeaders().lastHeader(RedrivenFrames.FROM_HEADER))
        .extracting(h -> h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8))
        .containsExactly("frames-dlq-2@41", "frames-dlq-0@7", null);

    // a dead letter the sink refuses with its bytes is written by the error handler without them: still marked
    stop();
    start(false, false, true, true);
    frames.pipeInput(new TestRecord<>("cam-1".getBytes(), "hello, not avro".getBytes(), redriven("frames-dlq-2@41"),
        Instant.now()));
    assertThat(deadLetters.readRecordsToList()).singleElement().satisfies(r -> {
      assertThat(r.getValue().getReason().toString()).isEqualTo("OUTPUT_FAILED");
      assertThat(new String(r.getHeaders().lastHeader(RedrivenFrames.FROM_HEADER).value(),
          java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("frames-dlq-2@41");
    });
  }

  private static org.apache.kafka.common.header.Headers redriven(String from) {
    org.apache.kafka.common.header.internals.RecordHeaders headers = new org.apache.kafka.common.header.internals
        .RecordHeaders();
    headers.add(RedrivenFrames.HEADER, "SCORING_FAILED".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    headers.add(RedrivenFrames.FROM_HEADER, from.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return headers;
  }

  @Test
  void eachFrameIsCountedOnceAsTheOutcomeWrittenForIt() {
    frames.pipeInput("cam-3".getBytes(), "hello, not avro".getBytes());
    frames.pipeInput("cam-1".getBytes(), whiteFrame("w1"));
    assertThat(deadLetters.readValuesToList()).hasSize(1);
    assertThat(alerts.readValuesToList()).hasSize(1);
    assertThat(metrics.counts().deadLettersByReason()).containsEntry("BAD_MAGIC_BYTE", 1L);
    assertThat(metrics.counts().deadLetters()).isEqualTo(1);
    assertThat(metrics.counts().alertsByKind()).containsEntry("PERTURBATION", 1L);
    assertThat(metrics.counts().alerts()).isEqualTo(1);
    assertThat(verdicts.readValuesToList()).hasSize(1);
    assertThat(metrics.counts().verdicts()).isEqualTo(1);
  }

  @Test
  void aVerdictThatCannotBeWrittenBecomesTheFramesDeadLetterAndRaisesNoAlert() {
    stop();
    start(true, false);
    byte[] value = whiteFrame("w1");
    frames.pipeInput("cam-1".getBytes(), value);
    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(d -> {
      assertThat(d.getReason()).isEqualTo("OUTPUT_FAILED");
      assertThat(d.getValue().array()).isEqualTo(value);
      assertThat(d.getErrorMessage()).contains("the verdict cannot be written");
    });
    assertThat(verdicts.readValuesToList()).isEmpty();
    assertThat(alerts.readValuesToList()).as("no alert for a verdict nobody can read: the dead letter is its only outcome")
        .isEmpty();
  }

  @Test
  void aVerdictThatCannotBeWrittenIsCountedAsItsDeadLetterOnlyNotAsAVerdict() {
    // The dashboard's verdicts were the inference timer's count, recorded when the frame was scored: a verdict that
    // to-verdict then could not serialize was counted as a verdict and as its OUTPUT_FAILED dead letter.
    stop();
    start(true, false);
    frames.pipeInput("cam-1".getBytes(), whiteFrame("w1"));
    assertThat(deadLetters.readValuesToList()).hasSize(1);
    assertThat(metrics.counts().verdicts()).as("no verdict was written").isZero();
    assertThat(metrics.counts().deadLettersByReason()).containsEntry("OUTPUT_FAILED", 1L);
    assertThat(metrics.counts().deadLetters()).isEqualTo(1);
  }

  /**
   * A schema the registry holds under {@code subject} that no version of the monitor's output schema is compatible
   * with, as after a registry change: registering the monitor's own is then refused (HTTP 409) for every record.
   */
  private void registerIncompatibleSchemaUnder(String subject) {
    registry.register(subject, new org.apache.avro.Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Other\","
        + "\"fields\":[{\"name\":\"other\",\"type\":\"string\"}]}"));
  }

  @Test
  void aVerdictSchemaTheRegistryRefusesFailsTheTaskInsteadOfDeadLetteringEveryFrame() {
    // Not the frame's fault: every frame after it would be an OUTPUT_FAILED dead letter while the monitor looked
    // healthy. Failing the task restarts Kafka Streams with a backoff (readiness DOWN naming the subject) and the
    // frames are scored again once the registry takes the schema.
    registerIncompatibleSchemaUnder("verdicts-value");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> frames.pipeInput("cam-1".getBytes(), whiteFrame("w1")))
        .satisfies(e -> assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.SYSTEMIC))
        .satisfies(e -> assertThat(Failures.describe(e)).contains("verdicts-value"));
    assertThat(deadLetters.isEmpty()).as("no dead letter for a frame whose verdict schema the registry refuses").isTrue();
    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void anAlertSchemaTheRegistryRefusesFailsTheTaskInsteadOfLeavingEveryAlertOut() {
    // Left out with a log line, as an alert that cannot be serialized is, every alert would vanish while verdicts
    // go on and readiness stays UP.
    registerIncompatibleSchemaUnder("alerts-value");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> frames.pipeInput("cam-1".getBytes(), whiteFrame("w1")))
        .satisfies(e -> assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.SYSTEMIC))
        .satisfies(e -> assertThat(Failures.describe(e)).contains("alerts-value"));
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void anOutputSchemaMissingFromTheRegistryWithoutAutoRegistrationFailsTheTask() {
    // registry.auto-register=false and the verdict schema not (or no longer) registered: the same for every frame
    stop();
    start(false, false, false);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> frames.pipeInput("cam-1".getBytes(), whiteFrame("w1")))
        .satisfies(e -> assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.SYSTEMIC));
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void theFramesHeadersDoNotTravelToItsOutputs() {
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

  /** The count of the monitor's counter {@code meter} (Micrometer's name), which must be registered from the start. */
  private double counted(String meter) {
    var counter = metrics.registry().find(meter).counter();
    assertThat(counter).as(meter.replace('.', '_') + "_total").isNotNull();
    return counter.count();
  }

  private double captureTimesNotMillis() {
    return counted("advmon.capture.time.not.millis");
  }

  @Test
  void aCaptureTimeThatCannotBeMillisecondsIsReadInTheUnitItMustHaveAndTheVerdictSaysSo() {
    long micros = 1_764_000_000_123_456L; // 2025-11-24T16:00:00.123456Z; as milliseconds, the year 57868
    Map<String, Long> written = new java.util.LinkedHashMap<>();
    written.put("in-ms", 1_764_000_000_123L);
    written.put("in-micros", micros);
    written.put("in-nanos", micros * 1000 + 789);
    written.put("clock-unset", 0L);
    written.put("before-1970", -1L);
    written.put("year-2100", 4_102_444_800_000L);
    assertThat(captureTimesNotMillis()).as("counted from 0, so that a rate sees the first").isZero();
    written.forEach((id, t) -> send("cam-1", Frame.newBuilder(frame(id, "cam-1", ImageEncoding.GRAY8, new byte[28 * 28], 28,
        28)).setCaptureTime(Instant.ofEpochMilli(t)).build()));

    Map<String, FrameVerdict> byFrame = new java.util.HashMap<>();
    verdicts.readValuesToList().forEach(v -> byFrame.put(v.getFrameId(), v));
    assertThat(deadLetters.readValuesToList()).isEmpty();
    assertThat(byFrame).hasSize(written.size());
    assertThat(byFrame.get("in-micros").getCaptureTime()).isEqualTo(Instant.ofEpochMilli(1_764_000_000_123L));
    assertThat(byFrame.get("in-nanos").getCaptureTime()).isEqualTo(Instant.ofEpochMilli(1_764_000_000_123L));
    assertThat(byFrame.get("in-micros").getAttributes()).containsEntry("gps", "52.1,4.3")
        .containsEntry(VerdictMapper.CAPTURE_TIME_WRITTEN, micros + " (read as microseconds: as milliseconds it is the "
            + "year 57868)");
    assertThat(byFrame.get("in-nanos").getAttributes().get(VerdictMapper.CAPTURE_TIME_WRITTEN))
        .startsWith((micros * 1000 + 789) + " (read as nanoseconds");
    // the operator's sign, which no consumer of the verdicts has to be watched for
    assertThat(captureTimesNotMillis()).isEqualTo(2.0);
    for (String asWritten : List.of("in-ms", "clock-unset", "before-1970", "year-2100")) {
      assertThat(byFrame.get(asWritten).getCaptureTime()).as(asWritten).isEqualTo(Instant.ofEpochMilli(written.get(asWritten)));
      assertThat(byFrame.get(asWritten).getAttributes()).as(asWritten).isEqualTo(Map.of("gps", "52.1,4.3"));
    }
  }

  private double cameraPartitionChanges() {
    return counted("advmon.camera.partition.changes");
  }

  /**
   * README asks producers to key frames by cameraId so that a camera's frames stay on one partition; a key that is
   * the same for every frame of a camera but not its id (a site, a gateway) does that as well, and no key at all on a
   * one-partition topic too: none of them is reported (the monitor judges the partition, not the key; RecordKeysTest
   * has the frames that change partition, which this driver's one partition per topic cannot send).
   */
  @Test
  void framesOfACameraOnOnePartitionAreNotReportedWhateverTheirKey() {
    assertThat(cameraPartitionChanges()).as("counted from 0, so that a rate sees the first").isZero();
    byte[] gray = new byte[28 * 28];
    try (dev.advmon.testing.LogLines lines = dev.advmon.testing.LogLines.of(WriteVerdictProcessor.class)) {
      send("cam-1", frame("keyed", "cam-1", ImageEncoding.GRAY8, gray, 28, 28));
      send("site-7", frame("other-key", "cam-1", ImageEncoding.GRAY8, gray, 28, 28));
      frames.pipeInput((byte[]) null, frameSerde.serializer().serialize("frames",
          frame("no-key", "cam-1", ImageEncoding.GRAY8, gray, 28, 28)));
      send("cam-2:frame-9", frame("frame-key", "cam-2", ImageEncoding.GRAY8, gray, 28, 28));

      Map<String, FrameVerdict> byFrame = new java.util.HashMap<>();
      verdicts.readValuesToList().forEach(v -> byFrame.put(v.getFrameId(), v));
      assertThat(byFrame).containsOnlyKeys("keyed", "other-key", "no-key", "frame-key");
      byFrame.values().forEach(v -> assertThat(v.getAttributes()).as(v.getFrameId()).isEqualTo(Map.of("gps", "52.1,4.3")));
      assertThat(cameraPartitionChanges()).isZero();
      assertThat(lines.messages()).isEmpty();
    }
  }

  @Test
  void aTombstoneIsDeadLetteredAsNotInTheWireFormat() {
    frames.pipeInput("cam-1".getBytes(), (byte[]) null);
    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(d -> {
      assertThat(d.getReason()).isEqualTo("BAD_MAGIC_BYTE");
      assertThat(d.getErrorMessage()).contains("tombstone");
    });
  }

  /**
   * A value too short to hold the wire format's header (empty, or a few bytes) and a record with neither key nor value
   * are dead letters saying what they lacked, with the bytes they had: the tombstone test above has a key and a null
   * value, the other dead-letter tests values of five bytes or more.
   */
  @Test
  void aValueTooShortForTheWireFormatOrARecordWithoutKeyOrValueIsADeadLetterSayingWhatItLacked() {
    frames.pipeInput("cam-1".getBytes(), new byte[0]);
    frames.pipeInput((byte[]) null, new byte[] {0, 0, 1});
    frames.pipeInput((byte[]) null, (byte[]) null);

    List<TestRecord<String, DeadLetter>> dead = deadLetters.readRecordsToList();
    assertThat(dead).extracting(r -> r.key() + " " + r.value().getReason() + ": " + r.value().getErrorMessage())
        .containsExactly(
            "cam-1 BAD_MAGIC_BYTE: record has 0 byte(s), fewer than the 5-byte header (magic byte 0 + "
                + "4-byte schema id); not written by a registry serde",
            "null BAD_MAGIC_BYTE: record has 3 byte(s), fewer than the 5-byte header (magic byte 0 + "
                + "4-byte schema id); not written by a registry serde",
            "null BAD_MAGIC_BYTE: record has no value (a tombstone); a frame was expected");
    assertThat(dead.get(0).value().getValue()).as("an empty value is kept as such, not as no value")
        .isEqualTo(ByteBuffer.wrap(new byte[0]));
    assertThat(dead.get(1).value().getValue()).isEqualTo(ByteBuffer.wrap(new byte[] {0, 0, 1}));
    assertThat(dead).extracting(r -> r.value().getKey()).containsExactly(ByteBuffer.wrap("cam-1".getBytes()), null,
        null);
    assertThat(verdicts.isEmpty()).isTrue();
  }

  /**
   * Header values are a producer's bytes: a redriven frame whose headers are not UTF-8 (another producer's, or
   * damaged) is still scored, and its verdict names the dead letter as far as the bytes read as UTF-8 (each undecodable
   * byte a U+FFFD), rather than the frame failing on its headers.
   */
  @Test
  void aRedrivenFrameWhoseHeadersAreNotUtf8IsScoredWithTheHeaderReadAsFarAsItIsText() {
    RecordHeaders headers = new RecordHeaders();
    headers.add(RedrivenFrames.HEADER, new byte[] {(byte) 0xff, (byte) 0xfe});
    headers.add(RedrivenFrames.FROM_HEADER, new byte[] {'d', 'l', 'q', '@', (byte) 0xc3, (byte) 0x28});
    frames.pipeInput(new TestRecord<>("cam-1".getBytes(), whiteFrame("odd-headers"), headers, Instant.now()));

    assertThat(verdicts.readValuesToList()).singleElement().satisfies(v -> {
      assertThat(v.getFrameId()).isEqualTo("odd-headers");
      assertThat(v.getAttributes()).containsEntry("advmon.redrivenFrom", "dlq@\uFFFD(");
    });
    assertThat(deadLetters.isEmpty()).isTrue();
  }
}
