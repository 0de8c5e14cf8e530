package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.advmon.detect.FrameScorer;
import dev.advmon.image.ImageLimits;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.FramePreparer;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.InMemorySchemaRegistry;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.schema.Alert;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import dev.advmon.testing.MeanBrightnessDetector;
import dev.advmon.testing.SharedCnn;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Frames written with another schema than the monitor's Frame (an older or newer gateway, another client, another
 * record), read as the monitor reads them: the registry serde over the HTTP client, here against a registry that
 * serves each id as the test sets it (Avro, Protobuf, JSON Schema). Each frame gets a verdict, or a dead letter that
 * names the schema id and what does not match; none stops the stream.
 */
class FramesFromOtherSchemasTest {

  @org.junit.jupiter.api.io.TempDir java.nio.file.Path stateDir;
  private final DjlClassifier classifier = SharedCnn.get();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<Integer, String> answers = new ConcurrentHashMap<>();
  /** Answers for GET /subjects/{subject}/versions/{version}: the schemas that others reference. */
  private final Map<String, String> versions = new ConcurrentHashMap<>();
  private HttpServer server;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> frames;
  private TestOutputTopic<String, FrameVerdict> verdicts;
  private TestOutputTopic<String, DeadLetter> deadLetters;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      String path = ex.getRequestURI().getPath();
      String body = null;
      String missing = "{\"error_code\":40403,\"message\":\"Schema not found\"}";
      if (path.startsWith("/schemas/ids/")) {
        body = answers.get(Integer.parseInt(path.substring("/schemas/ids/".length())));
      } else if (path.startsWith("/subjects/")) {
        body = versions.get(path);
        missing = "{\"error_code\":40402,\"message\":\"Version not found.\"}";
      }
      int status = body == null ? 404 : 200;
      if (body == null) {
        body = missing;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
      ex.sendResponseHeaders(status, bytes.length);
      try (var out = ex.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
    HttpSchemaRegistryClient http = new HttpSchemaRegistryClient(RegistrySettings.builder(registryUrl()).maxRetries(0).autoRegister(false)
        .requestTimeout(Duration.ofSeconds(60)).build()); // the stub answers at once: room for a loaded machine
    InMemorySchemaRegistry outputs = new InMemorySchemaRegistry();
    AvroSerde<Frame> frameSerde = new AvroSerde<>(Frame.class, http, false, false);
    AvroSerde<FrameVerdict> verdictSerde = AvroSerde.forClass(FrameVerdict.class, outputs);
    AvroSerde<Alert> alertSerde = AvroSerde.forClass(Alert.class, outputs);
    AvroSerde<DeadLetter> dlqSerde = AvroSerde.forClass(DeadLetter.class, outputs);
    Topics topics = Topics.of("frames", frameSerde, "verdicts", verdictSerde, "alerts", alertSerde, "dlq", dlqSerde);
    FrameScorer scorer = new FrameScorer(classifier, List.of(new MeanBrightnessDetector("white", 0.95)), 64);
    ImageLimits limits = new ImageLimits(100_000, 1_000_000, 4096);
    FramePreparer preparer = FramePreparer.forModel(limits, classifier.manifest());
    Properties props = TopologyTestProps.exactlyOnce("other-schemas-test", stateDir, topics, dlqSerde.serializer(),
        limits.maxEncodedBytes());
    driver = new TopologyTestDriver(MonitorTopology.buildTopology(new StreamsBuilder(),
        TopologySettings.of(topics, preparer, scorer)), props);
    frames = driver.createInputTopic("frames", Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
    verdicts = driver.createOutputTopic("verdicts", Serdes.String().deserializer(), verdictSerde.deserializer());
    deadLetters = driver.createOutputTopic("dlq", Serdes.String().deserializer(), dlqSerde.deserializer());
  }

  private String registryUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    driver.close();
    server.stop(0);
  }

  private static ObjectNode frameSchemaJson() throws IOException {
    return (ObjectNode) JSON.readTree(Frame.getClassSchema().toString());
  }

  private static ObjectNode field(ObjectNode schema, String name) {
    for (var f : schema.get("fields")) {
      if (f.get("name").asText().equals(name)) {
        return (ObjectNode) f;
      }
    }
    throw new IllegalArgumentException(name);
  }

  private static ObjectNode without(ObjectNode schema, String name) {
    ArrayNode fields = (ArrayNode) schema.get("fields");
    for (int i = 0; i < fields.size(); i++) {
      if (fields.get(i).get("name").asText().equals(name)) {
        fields.remove(i);
        return schema;
      }
    }
    throw new IllegalArgumentException(name);
  }

  private int nextId = 100;

  private int serve(String type, String schemaText) throws IOException {
    int id = nextId++;
    ObjectNode answer = JSON.createObjectNode().put("schema", schemaText);
    if (type != null) {
      answer.put("schemaType", type);
    }
    answers.put(id, answer.toString());
    return id;
  }

  /** A GRAY8 28x28 frame as a generic record of {@code schema}, changed by {@code change}. */
  private byte[] frameWrittenWith(int id, Schema schema, Consumer<GenericData.Record> change) throws IOException {
    GenericData.Record rec = new GenericData.Record(schema);
    for (Schema.Field f : schema.getFields()) {
      switch (f.name()) {
        case "frameId" -> rec.put(f.name(), "f-" + id);
        case "cameraId" -> rec.put(f.name(), "cam-" + id);
        case "captureTime" -> rec.put(f.name(), 1_000L);
        case "encoding" -> rec.put(f.name(), new GenericData.EnumSymbol(f.schema(), "GRAY8"));
        case "width", "height" -> rec.put(f.name(), 28);
        case "image" -> rec.put(f.name(), ByteBuffer.wrap(new byte[784]));
        case "attributes" -> rec.put(f.name(), Map.of());
        default -> rec.put(f.name(), f.defaultVal() == org.apache.avro.JsonProperties.NULL_VALUE ? null : f.defaultVal());
      }
    }
    change.accept(rec);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericData.Record>(schema).write(rec, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  /** The id of {@code schemaJson}, served as an Avro schema (no schemaType, as Confluent's serializer registers). */
  private byte[] written(ObjectNode schemaJson, Consumer<GenericData.Record> change) throws IOException {
    Schema schema = new Schema.Parser().parse(schemaJson.toString());
    return frameWrittenWith(serve(null, schemaJson.toString()), schema, change);
  }

  private static int idOf(byte[] record) {
    return ByteBuffer.wrap(record, 1, 4).getInt();
  }

  private static final Consumer<GenericData.Record> AS_IS = r -> {};

  @Test
  void framesWrittenWithAnOlderOrANewerCompatibleSchemaScore() throws Exception {
    ObjectNode newer = frameSchemaJson();
    ((ArrayNode) newer.get("fields")).addObject().put("name", "exposureMicros").putNull("default")
        .putArray("type").add("null").add("long");
    frames.pipeInput("cam".getBytes(), written(newer, r -> r.put("exposureMicros", 1500L)));
    frames.pipeInput("cam".getBytes(), written(without(without(frameSchemaJson(), "attributes"), "sourceId"), AS_IS));
    // What Avro's resolution rules allow too (and so a registry's compatibility check): another namespace (records
    // match by unqualified name), and the promotions int -> long, string -> bytes.
    frames.pipeInput("cam".getBytes(), written((ObjectNode) frameSchemaJson().put("namespace", "com.vendor"), AS_IS));
    ObjectNode intTime = frameSchemaJson();
    field(intTime, "captureTime").put("type", "int");
    frames.pipeInput("cam".getBytes(), written(intTime, r -> r.put("captureTime", 1000)));
    ObjectNode stringImage = frameSchemaJson();
    field(stringImage, "image").put("type", "string");
    frames.pipeInput("cam".getBytes(), written(stringImage, r -> r.put("image", "x".repeat(784))));
    // a field added without a default (a reader skips what it does not know, default or not), the fields in another
    // order (they match by name), and captureTime as a plain long (logical types play no part in resolution)
    ObjectNode noDefault = frameSchemaJson();
    ((ArrayNode) noDefault.get("fields")).addObject().put("name", "lens").put("type", "string");
    frames.pipeInput("cam".getBytes(), written(noDefault, r -> r.put("lens", "wide")));
    ObjectNode reordered = frameSchemaJson();
    ArrayNode fields = (ArrayNode) reordered.get("fields");
    List<com.fasterxml.jackson.databind.JsonNode> reversed = new java.util.ArrayList<>();
    fields.forEach(reversed::add);
    java.util.Collections.reverse(reversed);
    fields.removeAll().addAll(reversed);
    frames.pipeInput("cam".getBytes(), written(reordered, AS_IS));
    ObjectNode plainLong = frameSchemaJson();
    field(plainLong, "captureTime").put("type", "long");
    frames.pipeInput("cam".getBytes(), written(plainLong, AS_IS));

    assertThat(deadLetters.readValuesToList()).isEmpty();
    List<FrameVerdict> out = verdicts.readValuesToList();
    assertThat(out).extracting(FrameVerdict::getFrameId)
        .containsExactly("f-100", "f-101", "f-102", "f-103", "f-104", "f-105", "f-106", "f-107");
    assertThat(out).extracting(v -> v.getCaptureTime().toEpochMilli()).containsOnly(1_000L);
  }

  @Test
  void anEncodingSymbolTheMonitorDoesNotKnowReadsAsUnknownAndIsAnInvalidFrameDeadLetter() throws Exception {
    ObjectNode webp = frameSchemaJson();
    ((ArrayNode) field(webp, "encoding").get("type").get("symbols")).add("WEBP");
    byte[] record = written(webp, r -> r.put("encoding",
        new GenericData.EnumSymbol(r.getSchema().getField("encoding").schema(), "WEBP")));
    frames.pipeInput("cam".getBytes(), record);

    assertThat(verdicts.readValuesToList()).isEmpty();
    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(d -> {
      assertThat(d.getReason()).isEqualTo("INVALID_FRAME");
      assertThat(d.getErrorMessage()).contains("encoding is UNKNOWN", "use PNG, JPEG, GRAY8 or RGB8");
      assertThat(d.getValue().array()).isEqualTo(record);
    });
  }

  @Test
  void aFrameWrittenWithAWidenedUnionScoresWhenItsValueIsOneFrameHoldsAndIsADeadLetterNamingTheFieldOtherwise()
      throws Exception {
    // what BACKWARD lets a producer register: image made nullable. By Avro's resolution rules (and so with
    // Confluent's deserializer) a record whose union holds a branch the reader's type can read is read; only a record
    // that holds the other branch (null) cannot be.
    ObjectNode nullable = frameSchemaJson();
    field(nullable, "image").putArray("type").add("null").add("bytes");
    Schema schema = new Schema.Parser().parse(nullable.toString());
    int id = serve(null, nullable.toString());

    frames.pipeInput("cam".getBytes(), frameWrittenWith(id, schema, AS_IS));
    byte[] noImage = frameWrittenWith(id, schema, r -> r.put("image", null));
    frames.pipeInput("cam".getBytes(), noImage);
    frames.pipeInput("cam".getBytes(), frameWrittenWith(id, schema, r -> r.put("frameId", "again")));

    assertThat(verdicts.readValuesToList()).extracting(FrameVerdict::getFrameId).containsExactly("f-" + id, "again");
    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(d -> {
      assertThat(d.getReason()).isEqualTo("BAD_AVRO");
      assertThat(d.getErrorMessage()).contains("writer schema id " + id + " (",
          "TYPE_MISMATCH at /fields/7/type/0 (reader type: BYTES not compatible with writer type: NULL)",
          "this record holds such a branch (Found null, expecting bytes)");
      assertThat(d.getValue().array()).isEqualTo(noImage);
    });
    // the same for a writer whose whole value is a union: ["null", Frame] holding a Frame is read
    int orNull = serve(null, "[\"null\", " + Frame.getClassSchema() + "]");
    byte[] frame = frameWrittenWith(orNull, Frame.getClassSchema(), AS_IS);
    byte[] branch = new byte[frame.length + 1];
    System.arraycopy(frame, 0, branch, 0, 5);
    branch[5] = 2; // union index 1, zig-zag encoded
    System.arraycopy(frame, 5, branch, 6, frame.length - 5);
    frames.pipeInput("cam".getBytes(), branch);
    assertThat(verdicts.readValuesToList()).extracting(FrameVerdict::getFrameId).containsExactly("f-" + orNull);
    assertThat(deadLetters.readValuesToList()).isEmpty();
    // captureTime made ["null", "long"] (Avro 1.12 alone fails every record of such a writer, the long too): a record
    // that holds a time scores, one that holds null is a dead letter naming the frame, the schema id and the field
    ObjectNode optionalTime = frameSchemaJson();
    field(optionalTime, "captureTime").putArray("type").add("null").add("long");
    Schema optional = new Schema.Parser().parse(optionalTime.toString());
    int timeId = serve(null, optionalTime.toString());
    frames.pipeInput("cam".getBytes(), frameWrittenWith(timeId, optional, AS_IS));
    byte[] noTime = frameWrittenWith(timeId, optional, r -> r.put("captureTime", null));
    frames.pipeInput("cam".getBytes(), noTime);
    assertThat(verdicts.readValuesToList()).singleElement().satisfies(v -> {
      assertThat(v.getFrameId()).isEqualTo("f-" + timeId);
      assertThat(v.getCaptureTime().toEpochMilli()).isEqualTo(1_000L);
    });
    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(d -> {
      assertThat(d.getReason()).isEqualTo("BAD_AVRO");
      assertThat(d.getFrameId()).isEqualTo("f-" + timeId);
      assertThat(d.getCameraId()).isEqualTo("cam-" + timeId);
      assertThat(d.getErrorMessage()).contains("frame f-" + timeId + " from camera cam-" + timeId,
          "writer schema id " + timeId + " (", "captureTime", "holds null", "a time is required")
          .doesNotContain("corrupt");
      assertThat(d.getValue().array()).isEqualTo(noTime);
    });
  }

  @Test
  void aCaptureTimeWrittenInMicrosecondsGetsAVerdictWithItsTimeInMilliseconds() throws Exception {
    ObjectNode micros = frameSchemaJson();
    field(micros, "captureTime").putObject("type").put("type", "long").put("logicalType", "timestamp-micros");
    frames.pipeInput("cam".getBytes(), written(micros, r -> r.put("captureTime", 1_764_000_000_123_999L)));

    assertThat(deadLetters.readValuesToList()).isEmpty();
    assertThat(verdicts.readValuesToList()).singleElement()
        .satisfies(v -> assertThat(v.getCaptureTime().toEpochMilli()).isEqualTo(1_764_000_000_123L));
  }

  @Test
  void aCorruptFrameWrittenWithAWidenedUnionIsADeadLetterSayingTheBytesAreCorrupt() throws Exception {
    ObjectNode nullable = frameSchemaJson();
    field(nullable, "image").putArray("type").add("null").add("bytes");
    int id = serve(null, nullable.toString());
    byte[] corrupt = frameWrittenWith(id, new Schema.Parser().parse(nullable.toString()), AS_IS);
    // frameId and cameraId (a length byte each), sourceId's null branch, captureTime 1000 (2 bytes): the encoding
    int encoding = 5 + 1 + ("f-" + id).length() + 1 + ("cam-" + id).length() + 1 + 2;
    assertThat(corrupt[encoding]).as("GRAY8, index 3, zig-zag encoded").isEqualTo((byte) 6);
    corrupt[encoding] = 18; // index 9: ImageEncoding has 5 symbols

    frames.pipeInput("cam".getBytes(), corrupt);

    assertThat(verdicts.readValuesToList()).isEmpty();
    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(d -> {
      assertThat(d.getReason()).isEqualTo("BAD_AVRO");
      assertThat(d.getErrorMessage()).contains("schema (id " + id + ")", "the bytes are corrupt")
          .doesNotContain("this record holds such a branch", "register a schema the reader can read");
    });
  }

  @Test
  void aFrameWhoseWriterAddedABranchToAUnionOfFrameScoresWhenItHoldsABranchFrameHas() throws Exception {
    // also what BACKWARD lets a producer register: sourceId's ["null", "string"] widened by a branch
    ObjectNode widened = frameSchemaJson();
    field(widened, "sourceId").putArray("type").add("null").add("string").add("long");
    Schema schema = new Schema.Parser().parse(widened.toString());
    int id = serve(null, widened.toString());

    frames.pipeInput("cam".getBytes(), frameWrittenWith(id, schema, r -> r.put("sourceId", "site-1")));
    byte[] numbered = frameWrittenWith(id, schema, r -> r.put("sourceId", 7L));
    frames.pipeInput("cam".getBytes(), numbered);

    assertThat(verdicts.readValuesToList()).extracting(FrameVerdict::getSourceId).containsExactly("site-1");
    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(d -> {
      assertThat(d.getReason()).isEqualTo("BAD_AVRO");
      assertThat(d.getErrorMessage()).contains("writer schema id " + id + " (",
          "MISSING_UNION_BRANCH at /fields/2/type/2", "this record holds such a branch");
      assertThat(d.getValue().array()).isEqualTo(numbered);
    });
  }

  @Test
  void framesWhoseWriterSchemaCannotBeReadAsAFrameAreDeadLetteredNamingTheIdAndWhatDoesNotMatch() throws Exception {
    Map<byte[], String> expected = new java.util.LinkedHashMap<>();
    expected.put(written(without(frameSchemaJson(), "cameraId"), AS_IS),
        "READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1 (cameraId)");
    // Avro's checker said "TYPE_MISMATCH at /fields/4/type (reader type: ENUM not compatible with writer type: RECORD)"
    expected.put(written(without(frameSchemaJson(), "encoding"), AS_IS),
        "READER_FIELD_MISSING_DEFAULT_VALUE at /fields/4 (encoding)");
    expected.put(written((ObjectNode) frameSchemaJson().put("name", "CameraFrame"), AS_IS),
        "the writer's record is named dev.advmon.schema.CameraFrame, the reader's dev.advmon.schema.Frame");
    ObjectNode longId = frameSchemaJson();
    field(longId, "frameId").put("type", "long");
    expected.put(written(longId, r -> r.put("frameId", 7L)),
        "TYPE_MISMATCH at /fields/0/type (reader type: STRING not compatible with writer type: LONG)");
    ObjectNode longWidth = frameSchemaJson();
    field(longWidth, "width").put("type", "long").remove("default");
    expected.put(written(longWidth, r -> r.put("width", 28L)),
        "MISSING_UNION_BRANCH at /fields/5/type (reader union lacking writer type: LONG)");
    ObjectNode fixedImage = frameSchemaJson(); // Avro promotes string to bytes, not fixed
    field(fixedImage, "image").putObject("type").put("type", "fixed").put("name", "Pixels").put("size", 784);
    Schema fixed = new Schema.Parser().parse(fixedImage.toString());
    expected.put(written(fixedImage, r -> r.put("image", new GenericData.Fixed(fixed.getField("image").schema(),
        new byte[784]))), "TYPE_MISMATCH at /fields/7/type (reader type: BYTES not compatible with writer type: FIXED)");
    int string = serve(null, "\"string\"");
    expected.put(new byte[] {0, 0, 0, 0, (byte) string, 4, 'h', 'i'},
        "TYPE_MISMATCH at / (reader type: RECORD not compatible with writer type: STRING)");
    int nullable = serve(null, "[\"null\", " + Frame.getClassSchema() + "]");
    expected.put(new byte[] {0, 0, 0, 0, (byte) nullable, 0},
        "TYPE_MISMATCH at /0 (reader type: RECORD not compatible with writer type: NULL)");

    for (int round = 0; round < 2; round++) { // the second time from the client's caches
      for (Map.Entry<byte[], String> e : expected.entrySet()) {
        frames.pipeInput("cam".getBytes(), e.getKey());
        int id = idOf(e.getKey());
        assertThat(deadLetters.readValuesToList()).singleElement().satisfies(d -> {
          assertThat(d.getReason()).isEqualTo("BAD_AVRO");
          assertThat(d.getErrorMessage()).contains("writer schema id " + id + " (").contains(e.getValue());
          assertThat(d.getValue().array()).isEqualTo(e.getKey());
        });
      }
    }
    frames.pipeInput("cam".getBytes(), written(frameSchemaJson(), AS_IS));
    assertThat(verdicts.readValuesToList()).as("the stream goes on").hasSize(1);
  }

  @Test
  void aFrameWhoseWriterSchemaReferencesASeparatelyRegisteredEnumScoresAndOneWhoseReferenceIsMissingIsADeadLetter()
      throws Exception {
    // as Confluent's serializer (or @confluentinc/schemaregistry) registers a Frame whose ImageEncoding is its own
    // subject: the Frame only names it, and the registry's answer lists it as a reference
    String encoding = "dev.advmon.schema.ImageEncoding";
    Schema enumSchema = Frame.getClassSchema().getField("encoding").schema();
    versions.put("/subjects/image-encoding/versions/1", JSON.createObjectNode().put("subject", "image-encoding")
        .put("version", 1).put("id", 7).put("schema", enumSchema.toString()).toString());
    ObjectNode naming = frameSchemaJson();
    field(naming, "encoding").put("type", encoding);
    Schema.Parser parser = new Schema.Parser(); // what the producer writes with: the enum defined, then the Frame
    parser.parse(enumSchema.toString());
    Schema full = parser.parse(naming.toString());
    int withReference = nextId++;
    int withMissingReference = nextId++;
    for (int id : new int[] {withReference, withMissingReference}) {
      ObjectNode answer = JSON.createObjectNode().put("schema", naming.toString());
      answer.putArray("references").addObject().put("name", encoding).put("subject", "image-encoding")
          .put("version", id == withReference ? 1 : 2);
      answers.put(id, answer.toString());
    }

    frames.pipeInput("cam".getBytes(), frameWrittenWith(withReference, full, AS_IS));
    byte[] missing = frameWrittenWith(withMissingReference, full, AS_IS);
    frames.pipeInput("cam".getBytes(), missing);

    assertThat(verdicts.readValuesToList()).extracting(FrameVerdict::getFrameId).containsExactly("f-" + withReference);
    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(d -> {
      assertThat(d.getReason()).isEqualTo("UNKNOWN_SCHEMA");
      assertThat(d.getErrorMessage()).contains("schema id " + withMissingReference,
          "references '" + encoding + "' (subject 'image-encoding' version 2)", "does not have");
      assertThat(d.getValue().array()).isEqualTo(missing);
    });
  }

  @Test
  void framesWithAnIdTheRegistryDoesNotHaveOrThatIsNotAnAvroSchemaAreDeadLettered() throws Exception {
    int protobuf = serve("PROTOBUF", "syntax = \"proto3\"; message Frame { string frameId = 1; }");
    int jsonSchema = serve("JSON", "{\"type\":\"object\"}");
    int noRecord = serve("AVRO", "{\"type\":\"record\"}");
    Map<byte[], String> expected = new java.util.LinkedHashMap<>();
    expected.put(new byte[] {0, 0, 0, 0x7f, 0x7f, 2}, "UNKNOWN_SCHEMA: schema id 32639 not found");
    expected.put(new byte[] {0, 0, 0, 0, (byte) protobuf, 0, 10, 1, 'a'},
        "BAD_AVRO: schema id " + protobuf + " at " + registryUrl() + " is a PROTOBUF schema, not Avro");
    expected.put(new byte[] {0, 0, 0, 0, (byte) jsonSchema, '{', '}'},
        "BAD_AVRO: schema id " + jsonSchema + " at " + registryUrl() + " is a JSON schema, not Avro");
    expected.put(new byte[] {0, 0, 0, 0, (byte) noRecord, 0},
        "BAD_AVRO: schema id " + noRecord + " at " + registryUrl() + " is not a valid Avro schema");

    for (int round = 0; round < 2; round++) { // the second time from the client's caches
      for (Map.Entry<byte[], String> e : expected.entrySet()) {
        frames.pipeInput("cam".getBytes(), e.getKey());
        assertThat(deadLetters.readValuesToList()).singleElement()
            .satisfies(d -> assertThat(d.getReason() + ": " + d.getErrorMessage()).startsWith(e.getValue()));
      }
    }
    frames.pipeInput("cam".getBytes(), written(frameSchemaJson(), AS_IS));
    assertThat(verdicts.readValuesToList()).as("the stream goes on").hasSize(1);
  }
}
