package dev.advmon.topology;

/**
 * Sizes that follow from the largest accepted image ({@code image.max-encoded-bytes}), so that a frame the
 * monitor accepts can always be dead-lettered with its original bytes:
 * <ul>
 *   <li>{@link #maxFrameRecordBytes()}: the largest frames-topic record value read at all, the image plus an
 *       allowance for the rest of a Frame (ids, attributes); a larger record is dead-lettered as
 *       RECORD_TOO_LARGE with only its first {@code maxFrameRecordBytes} bytes kept;
 *   <li>{@link #maxDeadLetterBytes()}: the largest dead letter, such a record plus the dead letter's own fields
 *       (the key is kept up to {@value #MAX_KEY_BYTES} bytes, the message up to {@value #MAX_MESSAGE_CHARS}
 *       characters);
 *   <li>{@link #maxMessageBytes()}: what the dead-letter topic ({@code max.message.bytes}) and the monitor's
 *       producer ({@code max.request.size}) must accept: the largest dead letter in its record batch.
 * </ul>
 * Verdicts and alerts stay small whatever the frame (ids are at most {@value #MAX_ID_CHARS} characters,
 * attributes are bounded in the verdict), so their topics keep the broker's default limit; an alert's optional
 * picture ({@code alerts.evidence-image}) is at most {@value #MAX_EVIDENCE_IMAGE_BYTES} bytes, which leaves it under
 * that limit too. {@link #maxRequestBytes()}, the producer's {@code max.request.size}, takes such an alert whatever
 * {@code image.max-encoded-bytes}.
 */
public record RecordLimits(long maxEncodedBytes) {

  /** A Frame's fields beside its image: ids, times, attributes, Avro framing. */
  public static final int FRAME_ENVELOPE_BYTES = 256 * 1024;
  /** The dead letter's own fields: key, topic, error class and message, ids. */
  public static final int DEAD_LETTER_ENVELOPE_BYTES = 64 * 1024;
  /** Record batch header, record header and record headers. */
  public static final int BATCH_OVERHEAD_BYTES = 16 * 1024;
  public static final int MAX_KEY_BYTES = 16 * 1024;
  public static final int MAX_MESSAGE_CHARS = 4 * 1024;
  /** frameId, cameraId, sourceId: they travel in every verdict and alert. */
  public static final int MAX_ID_CHARS = 256;
  /**
   * The largest {@code image.max-encoded-bytes} whose dead letter still fits one Java array and Kafka's int-sized
   * limits ({@code max.request.size}, {@code max.message.bytes}): the JVM's largest array less every allowance above.
   */
  public static final long LARGEST_ENCODED_BYTES = Integer.MAX_VALUE - 8L - FRAME_ENVELOPE_BYTES
      - DEAD_LETTER_ENVELOPE_BYTES - BATCH_OVERHEAD_BYTES;

  /**
   * The largest {@code alerts.evidence-image-max-bytes}: the alerts topic keeps the broker's default max.message.bytes
   * (1048588), and the alert's other fields (bounded ids, evidence, explanation) and its batch need far less than the
   * rest.
   */
  public static final int MAX_EVIDENCE_IMAGE_BYTES = 768 * 1024;
  /** What the producer accepts at least: Kafka's default max.request.size, above an alert with its largest picture. */
  public static final int MIN_REQUEST_BYTES = 1024 * 1024;
  /** An alert's fields beside its picture (bounded ids, evidence, explanation, scores; Avro and wire framing), its key. */
  public static final int ALERT_ENVELOPE_BYTES = 64 * 1024;

  public RecordLimits {
    if (maxEncodedBytes <= 0) {
      throw new IllegalArgumentException("maxEncodedBytes must be positive");
    }
    if (maxEncodedBytes > LARGEST_ENCODED_BYTES) {
      throw new IllegalArgumentException("image.max-encoded-bytes = " + maxEncodedBytes + " is above "
          + LARGEST_ENCODED_BYTES + ": its dead letter would not fit Kafka's record size limits");
    }
  }

  public long maxFrameRecordBytes() {
    return maxEncodedBytes + FRAME_ENVELOPE_BYTES;
  }

  public long maxDeadLetterBytes() {
    return maxFrameRecordBytes() + DEAD_LETTER_ENVELOPE_BYTES;
  }

  public long maxMessageBytes() {
    return maxDeadLetterBytes() + BATCH_OVERHEAD_BYTES;
  }

  /**
   * The producer's {@code max.request.size}: the largest dead letter, and never below {@value #MIN_REQUEST_BYTES}, so
   * that with a small {@code image.max-encoded-bytes} an alert with its picture is not refused by the producer (a
   * refused send fails the task under exactly-once, on the same frame again after each restart).
   */
  public long maxRequestBytes() {
    return Math.max(maxMessageBytes(), MIN_REQUEST_BYTES);
  }

  /**
   * What the alerts topic ({@code max.message.bytes}) must accept when alerts carry pictures of up to
   * {@code maxPictureBytes} ({@code alerts.evidence-image-max-bytes}): at most 868352 bytes, under the broker's default.
   */
  public static long maxAlertMessageBytes(long maxPictureBytes) {
    return maxPictureBytes + ALERT_ENVELOPE_BYTES + BATCH_OVERHEAD_BYTES;
  }

  /** The frames topic, when the monitor creates it, accepts the largest frame record. */
  public long maxFrameMessageBytes() {
    return maxFrameRecordBytes() + BATCH_OVERHEAD_BYTES;
  }
}
