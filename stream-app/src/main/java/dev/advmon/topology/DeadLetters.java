package dev.advmon.topology;

import dev.advmon.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Builds dead letters: the original bytes, where they came from, a stable reason and a message for people.
 * Every dead letter fits {@link RecordLimits#maxDeadLetterBytes()}: the value is kept whole up to
 * {@link RecordLimits#maxFrameRecordBytes()} (larger records keep their beginning, and {@code valueSize} says
 * how large they were), the key up to {@value RecordLimits#MAX_KEY_BYTES} bytes, the message up to
 * {@value RecordLimits#MAX_MESSAGE_CHARS} characters.
 */
final class DeadLetters {

  private DeadLetters() {}

  static DeadLetter of(Optional<RecordMetadata> where, byte[] key, byte[] value, String reason, Throwable error,
      String frameId, String cameraId, long now, RecordLimits limits) {
    return of(where.map(RecordMetadata::topic).orElse("?"), where.map(RecordMetadata::partition).orElse(-1),
        where.map(RecordMetadata::offset).orElse(-1L), key, value, reason, error, frameId, cameraId, now, limits);
  }

  static DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] value, String reason,
      Throwable error, String frameId, String cameraId, long now, RecordLimits limits) {
    String message = message(error);
    long maxValue = limits.maxFrameRecordBytes();
    boolean cut = value != null && value.length > maxValue;
    return DeadLetter.newBuilder()
        .setKey(key == null ? null : ByteBuffer.wrap(key.length > RecordLimits.MAX_KEY_BYTES
            ? Arrays.copyOf(key, RecordLimits.MAX_KEY_BYTES) : key))
        .setValue(value == null ? null : ByteBuffer.wrap(cut ? Arrays.copyOf(value, (int) maxValue) : value))
        .setValueSize(cut ? Long.valueOf(value.length) : null)
        .setSourceTopic(bounded(topic, 300))
        .setPartition(partition)
        .setOffset(offset)
        .setReason(reason)
        .setErrorClass(error.getClass().getName())
        .setErrorMessage(bounded(message, RecordLimits.MAX_MESSAGE_CHARS))
        .setFrameId(frameId == null ? null : bounded(frameId, RecordLimits.MAX_ID_CHARS))
        .setCameraId(cameraId == null ? null : bounded(cameraId, RecordLimits.MAX_ID_CHARS))
        .setTime(java.time.Instant.ofEpochMilli(now))
        .build();
  }

  /** What a dead letter of {@code error} says, before it is bounded: its message, or its class when it has none. */
  static String message(Throwable error) {
    return error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
  }

  static String bounded(String s, int maxChars) {
    return s.length() <= maxChars ? s : s.substring(0, maxChars) + "... (" + s.length() + " characters)";
  }
}
