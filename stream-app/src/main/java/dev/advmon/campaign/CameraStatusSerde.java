package dev.advmon.campaign;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * JSON for the camera state store and its changelog topic: internal to the monitor, readable when someone
 * inspects the changelog, and tolerant of fields added later (unknown ones are ignored).
 */
public final class CameraStatusSerde implements Serde<CameraStatus> {

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  @Override
  public Serializer<CameraStatus> serializer() {
    return (topic, status) -> {
      try {
        return status == null ? null : JSON.writeValueAsBytes(status);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  @Override
  public Deserializer<CameraStatus> deserializer() {
    return (topic, bytes) -> {
      try {
        return bytes == null ? null : JSON.readValue(bytes, CameraStatus.class);
      } catch (IOException e) {
        throw new UncheckedIOException("camera state in " + topic + " is not readable JSON", e);
      }
    };
  }

  /** The same JSON, for HTTP responses. */
  public static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
