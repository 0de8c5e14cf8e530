package dev.advmon.loadtest;

import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/** The monitor under load and how to reach it: an external deployment, or one started in this process. */
interface Target extends AutoCloseable {

  /** Kafka client settings for the generator and the reader (bootstrap servers, security pass-through). */
  Map<String, Object> clientProperties();

  String framesTopic();

  String verdictsTopic();

  String deadLetterTopic();

  Serializer<Frame> frameSerializer();

  Deserializer<FrameVerdict> verdictDeserializer();

  Deserializer<DeadLetter> deadLetterDeserializer();

  /** The monitor's streams.commit-interval-ms: verdicts become readable at each commit (exactly-once). */
  long commitIntervalMs();

  /** Where its settings come from, for an error that asks the user to fix one (e.g. "--config FILE"). */
  default String settingsSource() {
    return "the embedded monitor's settings";
  }

  /**
   * Stops the run, naming the registry and the setting, when the registry does not answer (in memory: nothing); ends
   * with {@link Interruption.Stopped} as soon as {@code stop} is requested.
   */
  default void requireRegistry(Interruption stop) {}

  /** What runs, for the report: mode, instances, threads, batch settings ... */
  Map<String, Object> describe();

  @Override
  void close();
}
