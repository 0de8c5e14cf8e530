package dev.advmon.topology;

import dev.advmon.schema.Alert;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The monitor's topics. Frames are read as raw bytes and decoded inside the topology, so that a record
 * that is not a readable Frame reaches the dead-letter topic with its original bytes instead of stopping the
 * application; {@code frameDeserializer} is what decodes them.
 */
public record Topics(
    Topic<byte[], byte[]> frames,
    Deserializer<Frame> frameDeserializer,
    Topic<String, FrameVerdict> verdicts,
    Topic<String, Alert> alerts,
    Topic<String, DeadLetter> deadLetters) {

  public static Topics of(String frames, Serde<Frame> frameSerde, String verdicts, Serde<FrameVerdict> verdictSerde,
      String alerts, Serde<Alert> alertSerde, String deadLetters, Serde<DeadLetter> deadLetterSerde) {
    return new Topics(
        new Topic<>(frames, Serdes.ByteArray(), Serdes.ByteArray()),
        frameSerde.deserializer(),
        new Topic<>(verdicts, Serdes.String(), verdictSerde),
        new Topic<>(alerts, Serdes.String(), alertSerde),
        new Topic<>(deadLetters, Serdes.String(), deadLetterSerde));
  }

  public List<String> names() {
    return List.of(frames.name(), verdicts.name(), alerts.name(), deadLetters.name());
  }
}
