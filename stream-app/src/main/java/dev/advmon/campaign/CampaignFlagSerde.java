package dev.advmon.campaign;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * JSON for the campaign repartition topic. It still reads the one-byte booleans that topic carried before
 * ({@code Serdes.Boolean()}): records written by an older instance and not yet consumed when it was upgraded are
 * counted, as flags without reasons, instead of failing the task.
 */
public final class CampaignFlagSerde implements Serde<CampaignFlag> {

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  @Override
  public Serializer<CampaignFlag> serializer() {
    return (topic, flag) -> {
      try {
        return flag == null ? null : JSON.writeValueAsBytes(flag);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  @Override
  public Deserializer<CampaignFlag> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      if (bytes.length == 1 && (bytes[0] == 0 || bytes[0] == 1)) {
        return CampaignFlag.bare(bytes[0] == 1); // Serdes.Boolean()'s format
      }
      try {
        return JSON.readValue(bytes, CampaignFlag.class);
      } catch (IOException e) {
        throw new UncheckedIOException("campaign flag in " + topic + " is neither a boolean nor readable JSON", e);
      }
    };
  }
}
