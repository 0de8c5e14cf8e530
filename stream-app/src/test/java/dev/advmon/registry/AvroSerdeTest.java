package dev.advmon.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import dev.advmon.schema.ImageEncoding;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

  /** Frame as it was before {@code attributes} was added. */
  private static final String FRAME_WITHOUT_ATTRIBUTES = """
      {"type": "record", "name": "Frame", "namespace": "dev.advmon.schema", "fields": [
        {"name": "frameId", "type": "string"},
        {"name": "cameraId", "type": "string"},
        {"name": "sourceId", "type": ["null", "string"], "default": null},
        {"name": "captureTime", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "encoding", "type": {"type": "enum", "name": "ImageEncoding",
          "symbols": ["UNKNOWN", "PNG", "JPEG", "GRAY8", "RGB8"], "default": "UNKNOWN"}},
        {"name": "width", "type": ["null", "int"], "default": null},
        {"name": "height", "type": ["null", "int"], "default": null},
        {"name": "image", "type": "bytes"}
      ]}""";

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final AvroSerde<Frame> serde = AvroSerde.forClass(Frame.class, registry);

  @AfterEach
  void dropScopes() {
    InMemorySchemaRegistry.dropScope("serde-test");
  }

  static Frame frame(String id) {
    return Frame.newBuilder()
        .setFrameId(id)
        .setCameraId("cam-7")
        .setSourceId("truck-3")
        .setCaptureTime(Instant.ofEpochMilli(1_764_000_000_123L))
        .setEncoding(ImageEncoding.GRAY8)
        .setWidth(2)
        .setHeight(2)
        .setImage(ByteBuffer.wrap(new byte[] {0, 127, (byte) 200, (byte) 255}))
        .setAttributes(Map.of("gps", "52.5,13.4", "firmware", "1.2"))
        .build();
  }

  @Test
  void roundTripsAFrame() {
    Frame frame = frame("f-1");

    Frame back = serde.deserializer().deserialize("frames", serde.serializer().serialize("frames", frame));

    assertThat(back).isEqualTo(frame);
    assertThat(back.getCaptureTime()).isEqualTo(Instant.ofEpochMilli(1_764_000_000_123L));
    assertThat(back.getAttributes()).containsEntry("gps", "52.5,13.4");
  }

  /**
   * The deserializer lives as long as the monitor, across in-place restarts of Kafka Streams; the stream thread that
   * first read a schema id must not stay reachable through it (with that thread, its whole closed client would).
   */
  @Test
  void keepsNoThreadThatReadARecordReachableAfterItEnds() throws Exception {
    byte[] bytes = serde.serializer().serialize("frames", frame("f-1"));
    var deserializer = serde.deserializer();
    Thread reader = new Thread(() -> deserializer.deserialize("frames", bytes), "a-stream-thread");
    reader.start();
    reader.join();
    java.lang.ref.WeakReference<Thread> gone = new java.lang.ref.WeakReference<>(reader);
    reader = null;

    assertThat(dev.advmon.testing.Await.until(() -> {
      System.gc();
      return gone.get() == null;
    }, java.time.Duration.ofMinutes(2))).as("the ended thread became garbage").isTrue();
    assertThat(deserializer.deserialize("frames", bytes)).as("still reads afterwards").isEqualTo(frame("f-1"));
  }

  @Test
  void writesMagicByteThenBigEndianIdThenAvroBody() {
    registry.register("other-value", FrameVerdict.getClassSchema()); // so that Frame's id is not 1
    byte[] bytes = serde.serializer().serialize("frames", frame("f-1"));

    int id = registry.idOf("frames-value", PortableSchema.of(Frame.getClassSchema())); // as registered
    assertThat(id).isEqualTo(2);
    assertThat(Arrays.copyOf(bytes, 5)).containsExactly(0, 0, 0, 0, 2);
    assertThat(WireFormat.schemaId(bytes)).isEqualTo(id);
    // The body is plain Avro binary: the first field is the string "f-1" (zig-zag length 3 = 6).
    assertThat(Arrays.copyOfRange(bytes, 5, 9)).containsExactly(6, 'f', '-', '1');
  }

  @Test
  void keysUseTheKeySubject() {
    AvroSerde<Frame> keys = AvroSerde.forKeyClass(Frame.class, registry, RegistrySettings.builder("mock://x").build());

    keys.serializer().serialize("frames", frame("f-1"));

    assertThat(registry.latest("frames-key").schema()).isEqualTo(PortableSchema.of(Frame.getClassSchema()));
    assertThat(registry.latest("frames-key").schema().toString()).doesNotContain("avro.java.string");
    assertThatThrownBy(() -> registry.latest("frames-value")).isInstanceOf(SchemaNotFoundException.class);
  }

  @Test
  void nullRecordSerializesToNull() {
    assertThat(serde.serializer().serialize("frames", null)).isNull();
  }

  @Test
  void withoutAutoRegisterAnUnregisteredSchemaFailsClearly() {
    AvroSerde<Frame> strict = new AvroSerde<>(Frame.class, registry, false, false);

    assertThatThrownBy(() -> strict.serializer().serialize("frames", frame("f-1")))
        .isInstanceOfSatisfying(SchemaNotFoundException.class,
            e -> assertThat(e.reason()).isEqualTo("UNKNOWN_SCHEMA"))
        .hasMessageContaining("frames-value")
        .hasMessageContaining("auto.register.schemas");

    int id = registry.register("frames-value", Frame.getClassSchema());
    assertThat(WireFormat.schemaId(strict.serializer().serialize("frames", frame("f-1")))).isEqualTo(id);
  }

  @Test
  void withoutAutoRegisterASchemaRegisteredFromItsAvscFileIsFound() throws Exception {
    // what an operator (or a producer in another language) registers: the .avsc, without the generated class's
    // Java-only avro.java.string properties, which the registry would otherwise count as a different schema
    Schema fromFile = new Schema.Parser().parse(dev.advmon.testing.TestData.repoRoot()
        .resolve("schemas/src/main/avro/Frame.avsc").toFile());
    assertThat(fromFile.toString()).isNotEqualTo(Frame.getClassSchema().toString());
    int id = registry.register("frames-value", fromFile);
    AvroSerde<Frame> strict = new AvroSerde<>(Frame.class, registry, false, false);

    byte[] bytes = strict.serializer().serialize("frames", frame("f-1"));

    assertThat(WireFormat.schemaId(bytes)).isEqualTo(id);
    assertThat(serde.deserializer().deserialize("frames", bytes).getCameraId()).isInstanceOf(String.class)
        .isEqualTo("cam-7");
  }

  @Test
  void nullBytesAreAWireFormatError() {
    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", null))
        .isInstanceOfSatisfying(WireFormatException.class, e -> assertThat(e.reason()).isEqualTo("BAD_MAGIC_BYTE"))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("null");
  }

  @Test
  void tooShortIsAWireFormatError() {
    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", new byte[] {0, 0, 1}))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("3 byte(s)")
        .hasMessageContaining("5-byte header");
  }

  @Test
  void badMagicByteSaysWhichByteAndWhatWasExpected() {
    byte[] text = "frame f-1".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", text))
        .isInstanceOf(WireFormatException.class)
        .hasMessageStartingWith("byte 0 is 0x66, expected the magic byte 0x00");
  }

  @Test
  void aJsonValueIsSaidToBeJsonWithWhatTheMonitorReadsInstead() {
    for (String json : new String[] {"{\"frameId\":\"f-1\"}", "[1,2]", " \n {}", "{}"}) {
      assertThatThrownBy(() -> serde.deserializer().deserialize("frames", json.getBytes(StandardCharsets.UTF_8)))
          .as(json)
          .isInstanceOf(WireFormatException.class)
          .hasMessageContaining("looks like JSON")
          .hasMessageContaining("Avro in the Confluent wire format")
          .hasMessageContaining("schema-registry Avro serializer");
    }
    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", "frame f-1".getBytes(StandardCharsets.UTF_8)))
        .as("other text keeps the generic message").hasMessageNotContaining("looks like JSON");
  }

  /**
   * A JSON producer's value is not always one whole document: several in one record (NDJSON), a document cut short, or
   * one with more after it. Told apart from a plain Avro body by the whole document only, these lost the JSON advice
   * and got "plain Avro, JSON or another format?". Text that only starts with a bracket is not JSON.
   */
  @Test
  void aJsonValueCutShortOrFollowedByMoreIsStillSaidToBeJson() {
    for (String json : new String[] {"{\"frameId\":\"f-1\"}\n{\"frameId\":\"f-2\"}\n", "{\"frameId\":\"f-1\",\"ima",
        "[1,2", "{\"frameId\":\"f-1\"}}", "{\"frameId\":\"f-1\"} trailing text"}) {
      assertThatThrownBy(() -> serde.deserializer().deserialize("frames", json.getBytes(StandardCharsets.UTF_8)))
          .as(json)
          .isInstanceOf(WireFormatException.class)
          .hasMessageContaining("looks like JSON")
          .hasMessageContaining("schema-registry Avro serializer");
    }
    assertThatThrownBy(() -> serde.deserializer().deserialize("frames",
        "[INFO] frame f-1".getBytes(StandardCharsets.UTF_8)))
        .as("text that starts with a bracket").hasMessageNotContaining("looks like JSON");
  }

  /**
   * A plain Avro Frame body (no magic byte, no schema id) starts with frameId's length as a zigzag varint: 0x0a for 5
   * characters and 0x20 for 16, both blanks, so a frame id starting with '{' or '[' made it start "like JSON" after
   * blanks, and its producer was told to drop a JSON serializer it never used. A BOM or blanks before a JSON document
   * still say JSON.
   */
  @Test
  void aPlainAvroBodyWhoseFrameIdStartsWithABraceIsNotSaidToBeJson() {
    // {}abc and [0]-0123456789ab begin with a whole JSON document: the body's control bytes tell them from JSON
    for (String frameId : new String[] {"{abcd", "[abcd", "{0123456789abcde", "{}abc", "[0]-0123456789ab"}) {
      byte[] written = serde.serializer().serialize("frames", frame(frameId));
      byte[] plainAvro = Arrays.copyOfRange(written, WireFormat.HEADER_SIZE, written.length);
      assertThat(new String(plainAvro, 1, 1, StandardCharsets.UTF_8)).as("the body starts like JSON after a blank")
          .isEqualTo(frameId.substring(0, 1));
      assertThatThrownBy(() -> serde.deserializer().deserialize("frames", plainAvro))
          .as(frameId)
          .isInstanceOf(WireFormatException.class)
          .hasMessageNotContaining("looks like JSON")
          .hasMessageContaining("expected the magic byte 0x00")
          .hasMessageContaining("plain Avro");
    }
    byte[] bom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '\n', '{', '"', 'a', '"', ':', '1', '}', '\n'};
    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", bom))
        .as("a JSON document after a byte order mark").hasMessageContaining("looks like JSON");
  }

  /**
   * JSON as other producers write it got the generic "plain Avro, JSON or another format?": UTF-16 (Java's
   * getBytes(UTF_16) with its byte order mark, .NET's Encoding.Unicode without one) and UTF-32, a C string's NUL after
   * the document, and a document nested deeper than the parser's limit (1,000). Each is said to be JSON.
   */
  @Test
  void jsonInUtf16OrUtf32FollowedByANulOrNestedDeeplyIsSaidToBeJson() {
    String doc = "{\"frameId\":\"f-1\",\"cameraId\":\"cam-3\"}";
    Map<String, byte[]> values = new java.util.LinkedHashMap<>();
    values.put("UTF-16 (big-endian, byte order mark)", doc.getBytes(StandardCharsets.UTF_16));
    values.put("UTF-16LE with a byte order mark", ("\uFEFF\n" + doc).getBytes(StandardCharsets.UTF_16LE));
    values.put("UTF-16LE", doc.getBytes(StandardCharsets.UTF_16LE));
    values.put("UTF-16LE cut short", Arrays.copyOf(doc.getBytes(StandardCharsets.UTF_16LE), 25));
    values.put("UTF-32LE", doc.getBytes(java.nio.charset.Charset.forName("UTF-32LE")));
    values.put("UTF-32LE with a byte order mark", ("\uFEFF" + doc).getBytes(java.nio.charset.Charset.forName("UTF-32LE")));
    values.put("a NUL after it", (doc + "\0").getBytes(StandardCharsets.UTF_8));
    values.put("UTF-16 with a NUL after it", (doc + "\0").getBytes(StandardCharsets.UTF_16));
    values.put("nested 1,001 deep", ("[".repeat(1001) + "]".repeat(1001)).getBytes(StandardCharsets.UTF_8));
    values.put("nested 5,000 deep, cut short", "{\"a\":".repeat(5000).getBytes(StandardCharsets.UTF_8));
    values.forEach((what, bytes) -> {
      assertThat(WireFormat.isJson(bytes)).as(what).isTrue();
      assertThatThrownBy(() -> serde.deserializer().deserialize("frames", bytes))
          .as(what)
          .isInstanceOf(WireFormatException.class)
          .hasMessageContaining("looks like JSON")
          .hasMessageContaining("it starts with '" + (what.startsWith("nested 1") ? "[" : "{") + "'")
          .hasMessageContaining("schema-registry Avro serializer");
    });
    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", doc.getBytes(StandardCharsets.UTF_16)))
        .as("the encoding is named").hasMessageContaining("looks like JSON (in UTF-16BE, it starts with '{')");
    assertThat(WireFormat.isJson((doc + "\0\0").getBytes(StandardCharsets.UTF_8))).as("two NULs").isFalse();
    assertThat(WireFormat.isJson(("[".repeat(999) + "x").getBytes(StandardCharsets.UTF_8))).as("a syntax error "
        + "within the parser's depth").isFalse();
    assertThat(WireFormat.isJson(("\n" + doc).getBytes(StandardCharsets.UTF_16LE))).as("UTF-16LE without a byte "
        + "order mark starting with a blank").isFalse();
  }

  /**
   * A real Frame body (no magic byte, its schema id in a header) that looks most like JSON followed by NULs: a JSON
   * frame id, then fields all empty, each written as 0x00. More than one NUL after the document is not JSON.
   */
  @Test
  void aFrameBodyOfAJsonFrameIdAndEmptyFieldsIsNotSaidToBeJson() {
    Frame emptyFields = Frame.newBuilder().setFrameId("[123]").setCameraId("").setSourceId(null)
        .setCaptureTime(Instant.ofEpochMilli(0)).setEncoding(ImageEncoding.UNKNOWN).setWidth(null).setHeight(null)
        .setImage(ByteBuffer.wrap(new byte[0])).setAttributes(Map.of()).build();
    byte[] written = serde.serializer().serialize("frames", emptyFields);
    byte[] body = Arrays.copyOfRange(written, WireFormat.HEADER_SIZE, written.length);
    byte[] looksLike = new byte[14];
    System.arraycopy("\n[123]".getBytes(StandardCharsets.US_ASCII), 0, looksLike, 0, 6);
    assertThat(body).as("a blank, a JSON document, then 0x00 bytes").isEqualTo(looksLike);
    assertThat(WireFormat.isJson(body)).isFalse();
    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", body))
        .isInstanceOf(WireFormatException.class)
        .hasMessageNotContaining("looks like JSON")
        .hasMessageContaining("expected the magic byte 0x00");
  }

  @Test
  void unknownIdIsUnknownSchema() {
    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", new byte[] {0, 0, 0, 0, 99, 6}))
        .isInstanceOfSatisfying(SchemaNotFoundException.class, e -> {
          assertThat(e.reason()).isEqualTo("UNKNOWN_SCHEMA");
          assertThat(e.schemaId()).hasValue(99);
        })
        .hasMessageContaining("schema id 99 not found at in-memory");
  }

  @Test
  void garbageBodyIsBadAvro() {
    byte[] good = serde.serializer().serialize("frames", frame("f-1"));
    byte[] garbage = Arrays.copyOf(good, 9);
    garbage[5] = (byte) 0x81; // zig-zag -1 ... an impossible negative string length
    garbage[6] = 0x7f;

    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", garbage))
        .isInstanceOfSatisfying(AvroDecodeException.class, e -> assertThat(e.reason()).isEqualTo("BAD_AVRO"))
        .hasMessageContaining("does not decode with its writer schema (id 1)");
  }

  @Test
  void aLengthPrefixBeyondTheRecordIsBadAvroBeforeAnythingIsAllocated() {
    byte[] good = serde.serializer().serialize("frames", frame("f-1"));
    // the header, then frameId declaring 2,000,000,000 bytes (zig-zag varint): Avro would allocate them first
    long zigzag = 2_000_000_000L << 1;
    java.io.ByteArrayOutputStream poison = new java.io.ByteArrayOutputStream();
    poison.write(good, 0, 5);
    while ((zigzag & ~0x7fL) != 0) {
      poison.write((int) ((zigzag & 0x7f) | 0x80));
      zigzag >>>= 7;
    }
    poison.write((int) zigzag);
    poison.write(new byte[] {1, 2, 3, 4}, 0, 4);
    byte[] bytes = poison.toByteArray();

    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", bytes))
        .isInstanceOfSatisfying(AvroDecodeException.class, e -> assertThat(e.reason()).isEqualTo("BAD_AVRO"))
        .hasMessageContaining("a string declares 2000000000 bytes with 4 left");
  }

  @Test
  void aMapDeclaringMoreEntriesThanBytesIsBadAvro() {
    byte[] good = serde.serializer().serialize("frames", frame("f-1"));
    // the frame up to its attributes map (two entries, each "gps"/"firmware" key and value, then the 0 end)
    int mapStart = good.length - 1 - (1 + 3 + 1 + 9 + 1 + 8 + 1 + 3) - 1;
    byte[] bytes = Arrays.copyOf(good, mapStart + 4);
    bytes[mapStart] = (byte) 0xfe; // zig-zag varint of 2^20 - 1 = 1048575 entries
    bytes[mapStart + 1] = (byte) 0xff;
    bytes[mapStart + 2] = (byte) 0x7f;
    bytes[mapStart + 3] = 0;

    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", bytes))
        .isInstanceOf(AvroDecodeException.class).hasMessageContaining("items with");
  }

  @Test
  void itemsThatTakeNoBytesCannotAddUpToMoreItemsThanTheBodyHasBytes() throws IOException {
    // A compatible writer schema may add a field the monitor skips, such as an array of nulls: its items take no
    // bytes, so each block may declare as many items as bytes are left, block after block. A 10 MB record then
    // declares about 10^13 items, walked one by one here and again by Avro's skip: a stream thread busy for hours
    // and, after the liveness restart, the same record again.
    int id = registerFrameWithAnArrayOfNullsFirst();
    ByteArrayOutputStream blocks = new ByteArrayOutputStream();
    for (int b = 0; b < 20_000; b++) {
      blocks.write(0x3e); // a block of 31 items (zig-zag varint), fewer than the bytes left: 620,000 in all
    }
    byte[] bytes = frameWithArrayOfNullsFirst(id, blocks.toByteArray());

    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", bytes))
        .isInstanceOfSatisfying(AvroDecodeException.class, e -> assertThat(e.reason()).isEqualTo("BAD_AVRO"))
        .hasMessageContaining("items in all")
        .hasMessageContaining("id " + id);
  }

  @Test
  void aBlockCountOfTheSmallestLongIsBadAvro() throws IOException {
    // A negative count means "that many items, then the block's size in bytes"; the smallest long has no positive
    // counterpart (negating it gives itself), so it slipped past every check meant for a count and a size.
    int id = registerFrameWithAnArrayOfNullsFirst();
    byte[] bytes = frameWithArrayOfNullsFirst(id, new byte[] {
        // zig-zag of Long.MIN_VALUE: 64 one bits, ten varint bytes; then the block's size in bytes, 0
        (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
        (byte) 0xff, 0x01, 0});

    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", bytes))
        .isInstanceOfSatisfying(AvroDecodeException.class, e -> assertThat(e.reason()).isEqualTo("BAD_AVRO"))
        .hasMessageContaining("id " + id).hasMessageContaining("no such count");
  }

  /**
   * Registers a compatible writer schema of Frame with a first field the monitor skips, an array of nulls: items
   * that take no bytes. Returns its id.
   */
  private int registerFrameWithAnArrayOfNullsFirst() throws IOException {
    ObjectNode root = (ObjectNode) new ObjectMapper().readTree(Frame.getClassSchema().toString());
    ObjectNode padding = ((ArrayNode) root.get("fields")).insertObject(0).put("name", "padding");
    padding.putObject("type").put("type", "array").put("items", "null");
    padding.putArray("default");
    return registry.register("elsewhere-value", new Schema.Parser().parse(root.toString()));
  }

  /**
   * A record of the schema {@link #registerFrameWithAnArrayOfNullsFirst} registered as {@code id}: the array's
   * {@code blocks} as given, its end, then a good frame's body.
   */
  private byte[] frameWithArrayOfNullsFirst(int id, byte[] blocks) throws IOException {
    byte[] good = serde.serializer().serialize("frames", frame("f-1"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
    out.write(blocks);
    out.write(0); // end of the array
    out.write(good, 5, good.length - 5);
    return out.toByteArray();
  }

  @Test
  void truncatedBodyIsBadAvro() {
    byte[] good = serde.serializer().serialize("frames", frame("f-1"));

    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", Arrays.copyOf(good, good.length - 3)))
        .isInstanceOf(AvroDecodeException.class);
  }

  @Test
  void leftoverBytesAreBadAvro() {
    byte[] good = serde.serializer().serialize("frames", frame("f-1"));

    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", Arrays.copyOf(good, good.length + 2)))
        .isInstanceOf(AvroDecodeException.class)
        .hasMessageContaining("left over");
  }

  @Test
  void incompatibleWriterSchemaIsBadAvroAndSaysWhy() throws IOException {
    Schema other = new Schema.Parser().parse("""
        {"type": "record", "name": "Frame", "namespace": "dev.advmon.schema",
         "fields": [{"name": "frameId", "type": "int"}]}""");
    int id = registry.register("elsewhere-value", other);
    GenericRecord rec = new GenericData.Record(other);
    rec.put("frameId", 5);

    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", write(id, other, rec)))
        .isInstanceOf(AvroDecodeException.class)
        .hasMessageContaining("writer schema id " + id)
        .hasMessageContaining("cannot be read as dev.advmon.schema.Frame")
        .hasMessageContaining("cameraId");
  }

  @Test
  void aSchemaInferredFromAJavaScriptObjectIsToldToRegisterTheAvscInstead() throws IOException {
    // what @confluentinc/schemaregistry 1.10.1 registered with autoRegisterSchemas: true for a Frame-shaped object
    Schema inferred = new Schema.Parser().parse("""
        {"name": "Record2", "type": "record", "fields": [
          {"name": "frameId", "type": "string"}, {"name": "cameraId", "type": "string"},
          {"name": "sourceId", "type": "null"}, {"name": "captureTime", "type": "float"},
          {"name": "encoding", "type": "string"}, {"name": "width", "type": "null"}, {"name": "height", "type": "null"},
          {"name": "image", "type": "bytes"},
          {"name": "attributes", "type": {"name": "Record1", "type": "record",
            "fields": [{"name": "gw", "type": "string"}]}}]}""");
    int id = registry.register("frames-value", inferred);
    GenericRecord rec = new GenericData.Record(inferred);
    rec.put("frameId", "f-1");
    rec.put("cameraId", "cam-7");
    rec.put("captureTime", 1.0f);
    rec.put("encoding", "PNG");
    rec.put("image", ByteBuffer.wrap(new byte[] {1}));
    GenericRecord attributes = new GenericData.Record(inferred.getField("attributes").schema());
    attributes.put("gw", "node");
    rec.put("attributes", attributes);

    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", write(id, inferred, rec)))
        .isInstanceOf(AvroDecodeException.class)
        .hasMessageContaining("writer schema id " + id + " (Record2)")
        .hasMessageContaining("inferred from an object", "autoRegisterSchemas", "register Frame.avsc",
            "useLatestVersion");
  }

  @Test
  void aRenamedTypeIsBadAvroNamingBothNamesEachAsWhose() throws IOException {
    // Avro's own text for this is "expected: <the writer's name>", read by people as the name the monitor wants
    Schema renamed = new Schema.Parser().parse(Frame.getClassSchema().toString()
        .replace("\"name\":\"ImageEncoding\"", "\"name\":\"Encoding\",\"namespace\":\"com.vendor\""));
    int id = registry.register("elsewhere-value", renamed);
    GenericRecord rec = new GenericData.Record(renamed);
    Frame original = frame("f-1");
    for (Schema.Field f : renamed.getFields()) {
      rec.put(f.name(), original.get(f.name()));
    }
    rec.put("captureTime", original.getCaptureTime().toEpochMilli());
    rec.put("encoding", new GenericData.EnumSymbol(renamed.getField("encoding").schema(), "GRAY8"));

    assertThatThrownBy(() -> serde.deserializer().deserialize("frames", write(id, renamed, rec)))
        .isInstanceOf(AvroDecodeException.class)
        .hasMessageContaining("writer schema id " + id)
        .hasMessageContaining("NAME_MISMATCH at /fields/4/type/name")
        .hasMessageContaining("the writer's enum is named com.vendor.Encoding, the reader's "
            + "dev.advmon.schema.ImageEncoding")
        .hasMessageNotContaining("expected: com.vendor.Encoding");
  }

  @Test
  void unwritableRecordIsABadRecord() {
    Frame broken = frame("f-1");
    broken.setCameraId(null);

    assertThatThrownBy(() -> serde.serializer().serialize("frames", broken))
        .isInstanceOfSatisfying(AvroEncodeException.class, e -> assertThat(e.reason()).isEqualTo("BAD_RECORD"))
        .hasMessageContaining("dev.advmon.schema.Frame");
  }

  @Test
  void readsBytesWrittenWithAnOlderSchemaUsingTheNewDefault() throws IOException {
    Schema old = new Schema.Parser().parse(FRAME_WITHOUT_ATTRIBUTES);
    int oldId = registry.register("frames-value", old);
    GenericRecord rec = new GenericData.Record(old);
    rec.put("frameId", "f-old");
    rec.put("cameraId", "cam-1");
    rec.put("captureTime", 1_000L);
    rec.put("encoding", new GenericData.EnumSymbol(old.getField("encoding").schema(), "PNG"));
    rec.put("image", ByteBuffer.wrap(new byte[] {1, 2, 3}));

    Frame frame = serde.deserializer().deserialize("frames", write(oldId, old, rec));

    assertThat(frame.getFrameId()).isEqualTo("f-old");
    assertThat(frame.getEncoding()).isEqualTo(ImageEncoding.PNG);
    assertThat(frame.getCaptureTime()).isEqualTo(Instant.ofEpochMilli(1_000L));
    assertThat(frame.getAttributes()).isEmpty();
    assertThat(frame.getSourceId()).isNull();
    // The current schema is a BACKWARD-compatible successor: the registry takes it as version 2.
    assertThat(registry.register("frames-value", Frame.getClassSchema())).isNotEqualTo(oldId);
  }

  @Test
  void readsBytesWrittenWithANewerSchemaSkippingTheUnknownField() throws IOException {
    registry.register("frames-value", Frame.getClassSchema());
    Schema newer = withExtraField(Frame.getClassSchema());
    int newerId = registry.register("frames-value", newer);
    GenericRecord rec = new GenericData.Record(newer);
    Frame original = frame("f-new");
    for (Schema.Field f : Frame.getClassSchema().getFields()) {
      rec.put(f.name(), original.get(f.name()));
    }
    rec.put("captureTime", original.getCaptureTime().toEpochMilli());
    rec.put("encoding", new GenericData.EnumSymbol(newer.getField("encoding").schema(), "GRAY8"));
    rec.put("exposureMicros", 1500L);

    Frame frame = serde.deserializer().deserialize("frames", write(newerId, newer, rec));

    assertThat(frame).isEqualTo(original);
  }

  @Test
  void configuresFromKafkaStyleConfigs() {
    Map<String, Object> configs = Map.of(
        "schema.registry.url", "mock://serde-test",
        "auto.register.schemas", "true",
        "specific.avro.value.type", Frame.class.getName());
    AvroSerde<Frame> configured = new AvroSerde<>();
    configured.configure(configs, false);
    AvroDeserializer<Frame> byWriterName = new AvroDeserializer<>();
    byWriterName.configure(Map.of("schema.registry.url", "mock://serde-test"), false);

    byte[] bytes = configured.serializer().serialize("frames", frame("f-1"));

    assertThat(configured.deserializer().deserialize("frames", bytes)).isEqualTo(frame("f-1"));
    assertThat(byWriterName.deserialize("frames", bytes)).isEqualTo(frame("f-1"));
    assertThat(InMemorySchemaRegistry.scoped("serde-test").latest("frames-value").id())
        .isEqualTo(WireFormat.schemaId(bytes));
  }

  @Test
  void unconfiguredSerdeSaysHowToConfigureIt() {
    assertThatThrownBy(() -> new AvroSerde<Frame>().serializer().serialize("frames", frame("f-1")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("schema.registry.url");
  }

  /** Current schema plus an optional field, as a later version of the producer would write. */
  private static Schema withExtraField(Schema current) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = (ObjectNode) json.readTree(current.toString());
    ((ArrayNode) root.get("fields")).addObject()
        .put("name", "exposureMicros").put("default", (String) null)
        .putArray("type").add("null").add("long");
    return new Schema.Parser().parse(root.toString());
  }

  /** The frame schema without {@code attributes}: another schema, yet one a Frame reader still reads. */
  static Schema frameWithoutAttributes() {
    return new Schema.Parser().parse(FRAME_WITHOUT_ATTRIBUTES);
  }

  /** A record of {@link #frameWithoutAttributes()} in the wire format, with schema id {@code id}. */
  static byte[] oldFrame(int id, String frameId) throws IOException {
    Schema old = frameWithoutAttributes();
    GenericRecord rec = new GenericData.Record(old);
    rec.put("frameId", frameId);
    rec.put("cameraId", "cam-1");
    rec.put("captureTime", 1_000L);
    rec.put("encoding", new GenericData.EnumSymbol(old.getField("encoding").schema(), "PNG"));
    rec.put("image", ByteBuffer.wrap(new byte[] {1, 2, 3}));
    return write(id, old, rec);
  }

  static byte[] write(int id, Schema schema, GenericRecord rec) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(rec, encoder);
    encoder.flush();
    return out.toByteArray();
  }
}
