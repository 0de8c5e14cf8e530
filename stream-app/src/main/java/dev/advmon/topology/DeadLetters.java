package dev.advmon.topology;

import dev.advmon.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Builds dead letters: the original bytes, where they came from, a stable reason and a message for people. */
final class DeadLetters {

  private DeadLetters() {}

  static DeadLetter of(Optional<RecordMetadata> where, byte[] key, byte[] value, String reason, Throwable error,
      String frameId, String cameraId, long now) {
    return of(where.map(RecordMetadata::topic).orElse("?"), where.map(RecordMetadata::partition).orElse(-1),
        where.map(RecordMetadata::offset).orElse(-1L), key, value, reason, error, frameId, cameraId, now);
  }

  static DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] value, String reason,
      Throwable error, String frameId, String cameraId, long now) {
    String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    return DeadLetter.newBuilder()
        .setKey(key == null ? null : ByteBuffer.wrap(key))
        .setValue(value == null ? null : ByteBuffer.wrap(value))
        .setSourceTopic(topic)
        .setPartition(partition)
        .setOffset(offset)
        .setReason(reason)
        .setErrorClass(error.getClass().getName())
        .setErrorMessage(message)
        .setFrameId(frameId)
        .setCameraId(cameraId)
        .setTime(java.time.Instant.ofEpochMilli(now))
        .build();
  }
}
