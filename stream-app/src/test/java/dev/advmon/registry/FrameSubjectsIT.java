package dev.advmon.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.schema.Frame;
import dev.advmon.testing.SchemaRegistryServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Frames whose producers register their Frame under another subject than {@code <topic>-value} (Confluent's
 * RecordNameStrategy and TopicRecordNameStrategy), whose subject is deleted later, or whose id names a JSON Schema
 * or Protobuf schema, against the real registry's Confluent API (Apicurio 2.4's ccompat): the monitor reads a frame
 * by the schema id in its header alone.
 */
@ExtendWith(SchemaRegistryServer.class)
class FrameSubjectsIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  /** The Frame schema with a doc of its own: ids are content ids, so each test registers content of its own. */
  private static Schema uniqueFrame(String unique) throws Exception {
    ObjectNode json = (ObjectNode) JSON.readTree(Frame.getClassSchema().toString());
    json.put("doc", "subjects test " + unique);
    return new Schema.Parser().parse(json.toString());
  }

  private static byte[] frame(int id, Schema writer) throws Exception {
    GenericData.Record rec = new GenericData.Record(writer);
    rec.put("frameId", "f-" + id);
    rec.put("cameraId", "cam-1");
    rec.put("captureTime", 1_000L);
    rec.put("encoding", new GenericData.EnumSymbol(writer.getField("encoding").schema(), "GRAY8"));
    rec.put("image", ByteBuffer.wrap(new byte[] {1}));
    rec.put("attributes", Map.of());
    if (writer.getField("lens") != null) {
      rec.put("lens", "wide");
    }
    return AvroSerdeTest.write(id, writer, rec);
  }

  private static AvroDeserializer<Frame> monitor(SchemaRegistryServer.Info registry) {
    return new AvroDeserializer<>(Frame.class, new HttpSchemaRegistryClient(RegistrySettings.builder(registry.url())
        .maxRetries(0).requestTimeout(Duration.ofSeconds(10)).build()));
  }

  @Test
  void framesRegisteredUnderRecordNameOrTopicRecordNameSubjectsAreRead(SchemaRegistryServer.Info registry)
      throws Exception {
    String unique = UUID.randomUUID().toString().replace("-", "");
    Schema writer = uniqueFrame(unique);
    String topic = "frames-" + unique;
    // RecordNameStrategy: the record's full name; TopicRecordNameStrategy: <topic>-<full name>. Registered with a
    // field of its own in the second, so that both subjects hold a schema (and an id) of their own.
    int byRecordName = register(registry, "dev.advmon.schema.Frame", writer);
    ObjectNode withExtra = (ObjectNode) JSON.readTree(writer.toString());
    ((com.fasterxml.jackson.databind.node.ArrayNode) withExtra.get("fields")).addObject().put("name", "lens")
        .put("type", "string").put("default", "");
    Schema extra = new Schema.Parser().parse(withExtra.toString());
    int byTopicRecordName = register(registry, topic + "-dev.advmon.schema.Frame", extra);
    assertThat(byTopicRecordName).isNotEqualTo(byRecordName);

    AvroDeserializer<Frame> monitor = monitor(registry);
    assertThat(monitor.deserialize(topic, frame(byRecordName, writer)).getFrameId()).isEqualTo("f-" + byRecordName);
    assertThat(monitor.deserialize(topic, frame(byTopicRecordName, extra)).getFrameId())
        .isEqualTo("f-" + byTopicRecordName);
  }

  @Test
  void aFrameWhoseSubjectWasDeletedIsReadAfterASoftDeleteAndIsUnknownSchemaAfterAHardOne(
      SchemaRegistryServer.Info registry) throws Exception {
    String unique = UUID.randomUUID().toString().replace("-", "");
    Schema writer = uniqueFrame(unique);
    String subject = "frames-" + unique + "-value";
    int id = register(registry, subject, writer);
    byte[] record = frame(id, writer);
    AvroDeserializer<Frame> running = monitor(registry);
    assertThat(running.deserialize("frames", record).getFrameId()).isEqualTo("f-" + id);

    assertThat(send(HttpRequest.newBuilder(URI.create(registry.url() + "/subjects/" + subject)).DELETE())
        .statusCode()).isEqualTo(200);
    assertThat(monitor(registry).deserialize("frames", record).getFrameId())
        .as("a soft-deleted subject's ids still answer, as in Confluent's registry").isEqualTo("f-" + id);

    assertThat(send(HttpRequest.newBuilder(URI.create(registry.url() + "/subjects/" + subject + "?permanent=true"))
        .DELETE()).statusCode()).isEqualTo(200);
    assertThat(running.deserialize("frames", record).getFrameId())
        .as("a monitor that read the id before keeps its schema").isEqualTo("f-" + id);
    assertThatThrownBy(() -> monitor(registry).deserialize("frames", record))
        .isInstanceOfSatisfying(SchemaNotFoundException.class, e -> {
          assertThat(e.reason()).isEqualTo("UNKNOWN_SCHEMA");
          assertThat(e.getMessage()).contains("schema id " + id + " not found at " + registry.url(),
              "its subject deleted permanently");
        });
  }

  @Test
  void aFrameWrittenWithAnEightByteIdIsUnknownSchemaSayingSo(SchemaRegistryServer.Info registry) throws Exception {
    String unique = UUID.randomUUID().toString().replace("-", "");
    Schema writer = uniqueFrame(unique);
    int id = register(registry, "frames-" + unique + "-value", writer);
    byte[] fourByteId = frame(id, writer);
    // Apicurio's serializer 2.x without apicurio.registry.as-confluent: the magic byte, then the id as a long
    byte[] eightByteId = ByteBuffer.allocate(fourByteId.length + 4).put((byte) 0).putLong(id)
        .put(fourByteId, 5, fourByteId.length - 5).array();

    assertThatThrownBy(() -> monitor(registry).deserialize("frames", eightByteId))
        .isInstanceOfSatisfying(SchemaNotFoundException.class, e -> {
          assertThat(e.reason()).isEqualTo("UNKNOWN_SCHEMA");
          assertThat(e.getMessage()).contains("schema id 0 not found at " + registry.url(), "8-byte",
              "apicurio.registry.as-confluent=true");
        });
  }

  @Test
  void framesWrittenWithAJsonSchemaOrProtobufIdAreBadAvroSayingWhichKind(SchemaRegistryServer.Info registry)
      throws Exception {
    String unique = UUID.randomUUID().toString().replace("-", "");
    int json = register(registry, "frames-" + unique + "-value", "JSON",
        "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"type\":\"object\",\"title\":\"f" + unique
            + "\"}");
    int protobuf = register(registry, "frames-" + unique + "-proto-value", "PROTOBUF",
        "syntax = \"proto3\";\nmessage Frame" + unique + " {\n  string frameId = 1;\n}\n");
    AvroDeserializer<Frame> monitor = monitor(registry);

    for (int[] idAndKind : new int[][] {{json, 0}, {protobuf, 1}}) {
      int id = idAndKind[0];
      byte[] record = {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id, 0, '{', '}'};
      assertThatThrownBy(() -> monitor.deserialize("frames", record))
          .isInstanceOfSatisfying(AvroDecodeException.class, e -> assertThat(e.reason()).isEqualTo("BAD_AVRO"))
          .hasMessageContaining("schema id " + id + " at " + registry.url() + " is a "
              + (idAndKind[1] == 0 ? "JSON" : "PROTOBUF") + " schema, not Avro");
    }
  }

  private int register(SchemaRegistryServer.Info registry, String subject, Schema schema) throws Exception {
    return register(registry, subject, null, schema.toString());
  }

  private int register(SchemaRegistryServer.Info registry, String subject, String type, String schema)
      throws Exception {
    ObjectNode body = JSON.createObjectNode().put("schema", schema);
    if (type != null) {
      body.put("schemaType", type);
    }
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(registry.url() + "/subjects/" + subject
        + "/versions")).header("Content-Type", "application/vnd.schemaregistry.v1+json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    assertThat(r.statusCode()).as("%s -> %s", r.request().uri(), r.body()).isEqualTo(200);
    return JSON.readTree(r.body()).path("id").asInt();
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
