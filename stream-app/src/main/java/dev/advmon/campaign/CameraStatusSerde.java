package dev.advmon.campaign;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * JSON for the camera state store and its changelog topic: internal to the monitor, readable when someone
 * inspects the changelog, and tolerant of fields added later (unknown ones are ignored).
 */
public final class CameraStatusSerde implements Serde<CameraStatus> {

  @Override
  public Serializer<CameraStatus> serializer() {
    return (topic, status) -> CampaignJson.write(status);
  }

  @Override
  public Deserializer<CameraStatus> deserializer() {
    return (topic, bytes) -> CampaignJson.read(bytes, CameraStatus.class,
        () -> "camera state in " + topic + " is not readable JSON");
  }

  /** The same JSON, for HTTP responses. */
  public static String toJson(Object value) {
    return CampaignJson.writeString(value);
  }
}
