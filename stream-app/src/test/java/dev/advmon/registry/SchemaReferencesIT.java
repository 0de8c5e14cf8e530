package dev.advmon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.schema.Frame;
import dev.advmon.schema.ImageEncoding;
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
 * A Frame registered with a reference, through the real registry's Confluent API (Apicurio 2.4's ccompat), as
 * Confluent's serializer registers one whose ImageEncoding enum is a subject of its own: the registry's answer for
 * the id names the enum without defining it, and the monitor's client reads it with the reference.
 */
@ExtendWith(SchemaRegistryServer.class)
class SchemaReferencesIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ENCODING = "dev.advmon.schema.ImageEncoding";

  @Test
  void aFrameRegisteredWithAReferenceToItsEncodingEnumIsRead(SchemaRegistryServer.Info registry) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String unique = UUID.randomUUID().toString().replace("-", "");
    String encodingSubject = "image-encoding-" + unique;
    Schema enumSchema = Frame.getClassSchema().getField("encoding").schema();
    post(http, registry.url() + "/subjects/" + encodingSubject + "/versions",
        JSON.createObjectNode().put("schema", enumSchema.toString()));
    int version = JSON.readTree(get(http, registry.url() + "/subjects/" + encodingSubject + "/versions/latest"))
        .path("version").asInt();
    ObjectNode naming = (ObjectNode) JSON.readTree(Frame.getClassSchema().toString());
    naming.put("doc", "registered with a reference " + unique); // ids are content ids: this content is this test's
    for (JsonNode f : naming.get("fields")) {
      if (f.get("name").asText().equals("encoding")) {
        ((ObjectNode) f).put("type", ENCODING);
      }
    }
    ObjectNode body = JSON.createObjectNode().put("schema", naming.toString());
    body.putArray("references").addObject().put("name", ENCODING).put("subject", encodingSubject)
        .put("version", version);
    int id = JSON.readTree(post(http, registry.url() + "/subjects/frames-" + unique + "-value/versions", body))
        .path("id").asInt();
    JsonNode answer = JSON.readTree(get(http, registry.url() + "/schemas/ids/" + id));
    assertThat(answer.path("references")).as("the precondition: the registry answers the id with its reference: %s",
        answer).isNotEmpty();

    HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(RegistrySettings.builder(registry.url())
        .requestTimeout(Duration.ofSeconds(10)).build());
    Schema writer = client.byId(id);
    GenericData.Record rec = new GenericData.Record(writer);
    rec.put("frameId", "f-1");
    rec.put("cameraId", "cam-1");
    rec.put("captureTime", 1_000L);
    rec.put("encoding", new GenericData.EnumSymbol(writer.getField("encoding").schema(), "GRAY8"));
    rec.put("image", ByteBuffer.wrap(new byte[] {1}));
    rec.put("attributes", Map.of());
    Frame frame = new AvroDeserializer<>(Frame.class, client).deserialize("frames", AvroSerdeTest.write(id, writer, rec));

    assertThat(frame.getFrameId()).isEqualTo("f-1");
    assertThat(frame.getEncoding()).isEqualTo(ImageEncoding.GRAY8);
  }

  private static String get(HttpClient http, String url) throws Exception {
    return send(http, HttpRequest.newBuilder(URI.create(url)).GET());
  }

  private static String post(HttpClient http, String url, JsonNode body) throws Exception {
    return send(http, HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
  }

  private static String send(HttpClient http, HttpRequest.Builder request) throws Exception {
    HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("%s -> %s", response.request().uri(), response.body()).isEqualTo(200);
    return response.body();
  }
}
