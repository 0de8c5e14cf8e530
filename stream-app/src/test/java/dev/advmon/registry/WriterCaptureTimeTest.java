package dev.advmon.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.schema.Frame;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Frames whose producer wrote {@code captureTime} with its own logical type or made it nullable: Avro's resolution
 * ignores logical types (a writer's micros would read as millis, the year 55840) and Avro 1.12 fails every record of
 * a writer whose union holds a logical type, so the deserializer reads such a field by the writer's type itself.
 */
class WriterCaptureTimeTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final InMemorySchemaRegistry registry = InMemorySchemaRegistry.withoutCompatibilityChecks();
  private final AvroDeserializer<Frame> monitor = new AvroDeserializer<>(Frame.class, registry);

  /** Frame with {@code captureTime}'s type replaced by {@code timeType} (JSON). */
  private static Schema frameWithTime(String timeType) throws Exception {
    ObjectNode json = (ObjectNode) JSON.readTree(Frame.getClassSchema().toString());
    json.put("doc", "captureTime " + timeType); // a schema (and id) of its own per type
    for (var f : json.get("fields")) {
      if (f.get("name").asText().equals("captureTime")) {
        ((ObjectNode) f).set("type", JSON.readTree(timeType));
      }
    }
    return new Schema.Parser().parse(json.toString());
  }

  private byte[] written(Schema writer, String frameId, Long captureTime) throws Exception {
    int id = registry.register("frames-value", writer);
    GenericData.Record rec = new GenericData.Record(writer);
    rec.put("frameId", frameId);
    rec.put("cameraId", "cam-1");
    rec.put("captureTime", captureTime);
    rec.put("encoding", new GenericData.EnumSymbol(writer.getField("encoding").schema(), "GRAY8"));
    rec.put("image", ByteBuffer.wrap(new byte[] {1}));
    rec.put("attributes", Map.of());
    return AvroSerdeTest.write(id, writer, rec);
  }

  @ParameterizedTest(name = "{0}: {1} -> {2} ms")
  @CsvSource(delimiter = '|', value = {
      "{\"type\": \"long\", \"logicalType\": \"timestamp-micros\"}       | 1764000000123999       | 1764000000123",
      "{\"type\": \"long\", \"logicalType\": \"timestamp-nanos\"}        | 1764000000123999999    | 1764000000123",
      "{\"type\": \"long\", \"logicalType\": \"local-timestamp-millis\"} | 1764000000123          | 1764000000123",
      "{\"type\": \"long\", \"logicalType\": \"local-timestamp-micros\"} | 1764000000123999       | 1764000000123",
      "{\"type\": \"long\", \"logicalType\": \"local-timestamp-nanos\"}  | 1764000000123999999    | 1764000000123",
      // before 1970 truncation goes toward the past too, not toward zero
      "{\"type\": \"long\", \"logicalType\": \"timestamp-micros\"}       | -1                     | -1",
      "{\"type\": \"long\", \"logicalType\": \"timestamp-nanos\"}        | -1000001               | -2",
      // no logical type, or the monitor's own: milliseconds as they are
      "\"long\"                                                          | 1764000000123          | 1764000000123",
      "{\"type\": \"long\", \"logicalType\": \"timestamp-millis\"}       | 1764000000123          | 1764000000123"})
  void aCaptureTimeWrittenWithAnotherTimestampUnitIsReadAsMillisecondsTruncatedTowardThePast(String timeType,
      long written, long expectedMillis) throws Exception {
    Frame frame = monitor.deserialize("frames", written(frameWithTime(timeType), "f-1", written));

    assertThat(frame.getCaptureTime()).isEqualTo(Instant.ofEpochMilli(expectedMillis));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "[\"null\", \"long\"]",
      "[\"null\", {\"type\": \"long\", \"logicalType\": \"timestamp-millis\"}]",
      "[{\"type\": \"long\", \"logicalType\": \"timestamp-millis\"}, \"null\"]"})
  void aCaptureTimeMadeNullableIsReadWhenARecordHoldsATimeAndRefusedNamingTheFieldWhenItHoldsNull(String timeType)
      throws Exception {
    Schema writer = frameWithTime(timeType);
    int id = registry.register("frames-value", writer);

    assertThat(monitor.deserialize("frames", written(writer, "f-time", 1_764_000_000_123L)).getCaptureTime())
        .isEqualTo(Instant.ofEpochMilli(1_764_000_000_123L));
    assertThatThrownBy(() -> monitor.deserialize("frames", written(writer, "f-null", null)))
        .isInstanceOfSatisfying(AvroDecodeException.class, e -> {
          assertThat(e.getMessage()).contains("writer schema id " + id, "captureTime", "holds null",
              "a time is required").doesNotContain("corrupt");
          assertThat(e.partialRecord()).as("the record as read, so that its dead letter names the frame")
              .isInstanceOfSatisfying(Frame.class, f -> assertThat(f.getFrameId()).isEqualTo("f-null"));
        });
    // and the next record of that writer holding a time is read again
    assertThat(monitor.deserialize("frames", written(writer, "f-later", 1_000L)).getFrameId()).isEqualTo("f-later");
  }

  @Test
  void aNullableCaptureTimeInMicrosecondsIsConvertedToo() throws Exception {
    Schema writer = frameWithTime("[\"null\", {\"type\": \"long\", \"logicalType\": \"timestamp-micros\"}]");

    assertThat(monitor.deserialize("frames", written(writer, "f-1", 1_764_000_000_123_456L)).getCaptureTime())
        .isEqualTo(Instant.ofEpochMilli(1_764_000_000_123L));
  }
}
