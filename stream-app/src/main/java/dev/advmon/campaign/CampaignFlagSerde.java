package dev.advmon.campaign;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * JSON for the campaign repartition topic. It still reads the one-byte booleans that topic carried before
 * ({@code Serdes.Boolean()}): records written by an older instance and not yet consumed when it was upgraded are
 * counted, as flags without reasons, instead of failing the task.
 */
public final class CampaignFlagSerde implements Serde<CampaignFlag> {

  @Override
  public Serializer<CampaignFlag> serializer() {
    return (topic, flag) -> CampaignJson.write(flag);
  }

  @Override
  public Deserializer<CampaignFlag> deserializer() {
    return (topic, bytes) -> bytes != null && bytes.length == 1 && (bytes[0] == 0 || bytes[0] == 1)
        ? CampaignFlag.bare(bytes[0] == 1) // Serdes.Boolean()'s format
        : CampaignJson.read(bytes, CampaignFlag.class,
            () -> "campaign flag in " + topic + " is neither a boolean nor readable JSON");
  }
}
