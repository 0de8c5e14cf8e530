package dev.advmon.topology;

import dev.advmon.image.FloatImage;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.FramePreparer;
import dev.advmon.image.ImageDecodeException;
import dev.advmon.image.ImageFormat;
import dev.advmon.registry.AvroDecodeException;
import dev.advmon.registry.RegistryRequestException;
import dev.advmon.registry.RegistrySerdeException;
import dev.advmon.registry.RegistryUnavailableException;
import dev.advmon.registry.SchemaNotFoundException;
import dev.advmon.registry.WireFormatException;
import dev.advmon.schema.Frame;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Step 1: raw record -> Avro Frame -> validated -> image in the model's geometry. Every failure becomes a
 * dead letter with its reason; nothing is dropped. The output key is the frame's camera id. The frame's headers
 * stay behind: they belong to the frame's producer (a schema id, a trace), not to a verdict, and a frame with
 * megabytes of headers would otherwise make every output too large to write, which under exactly-once dooms
 * the whole transaction instead of failing one record.
 */
final class DecodeFrameProcessor implements Processor<byte[], byte[], String, Outcome<DecodedFrame>> {

  private final Topics topics;
  private final FramePreparer preparer;
  private final MonitorMetrics metrics;
  private final RecordLimits limits;
  private ProcessorContext<String, Outcome<DecodedFrame>> context;

  DecodeFrameProcessor(Topics topics, FramePreparer preparer, MonitorMetrics metrics) {
    this.topics = topics;
    this.preparer = preparer;
    this.metrics = metrics;
    this.limits = new RecordLimits(preparer.limits().maxEncodedBytes());
  }

  @Override
  public void init(ProcessorContext<String, Outcome<DecodedFrame>> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    metrics.frameReceived();
    String topic = context.recordMetadata().map(m -> m.topic()).orElse(topics.frames().name());
    int partition = context.recordMetadata().map(m -> m.partition()).orElse(-1);
    long offset = context.recordMetadata().map(m -> m.offset()).orElse(-1L);
    if (record.value() != null && record.value().length > limits.maxFrameRecordBytes()) {
      dead(record, topic, partition, offset, "RECORD_TOO_LARGE", new SerializationException("the record value has "
          + record.value().length + " bytes, more than the largest frame accepted (" + limits.maxFrameRecordBytes()
          + " bytes: image.max-encoded-bytes = " + limits.maxEncodedBytes() + " plus " + RecordLimits.FRAME_ENVELOPE_BYTES
          + " for the other fields); only its first " + limits.maxFrameRecordBytes() + " bytes are kept here"),
          null, null);
      return;
    }
    Frame frame;
    try {
      if (record.value() == null) {
        throw new WireFormatException("record has no value (a tombstone); a frame was expected");
      }
      frame = topics.frameDeserializer().deserialize(topic, record.headers(), record.value());
    } catch (RegistrySerdeException e) {
      if (e instanceof RegistryUnavailableException) {
        throw e; // the registry is down: fail the task and retry from the last commit, do not dead-letter
      }
      if (e instanceof RegistryRequestException r && r.misconfigured()) {
        // wrong credentials or URL would dead-letter every frame: stop the monitor instead (see StreamingMonitor)
        throw r;
      }
      if (e instanceof AvroDecodeException bad && bad.partialRecord() instanceof Frame read) {
        // read whole but unusable (captureTime written null): its dead letter names the frame, as INVALID_FRAME's do
        dead(record, topic, partition, offset, e.reason(), new AvroDecodeException(which(read) + ": "
            + e.getMessage(), e), read.getFrameId(), read.getCameraId());
        return;
      }
      String inHeader = e instanceof WireFormatException
          ? SchemaIdHeaders.problem(record.headers(), record.value())
          : e instanceof SchemaNotFoundException || e instanceof AvroDecodeException
          ? SchemaIdHeaders.problemOfAnEmptyFrameId(record.headers(), record.value(), e.reason()) : null;
      // a schema id in a header is a record not in the wire format, whatever reading it as one failed with
      RegistrySerdeException told = inHeader == null ? e : new WireFormatException(inHeader);
      dead(record, topic, partition, offset, told.reason(), told, null, null);
      return;
    } catch (RuntimeException e) {
      dead(record, topic, partition, offset, "BAD_AVRO", e, null, null);
      return;
    }
    String problem = FrameValidation.problem(frame);
    if (problem != null) {
      dead(record, topic, partition, offset, "INVALID_FRAME",
          new IllegalArgumentException(which(frame) + ": " + problem),
          frame.getFrameId(), frame.getCameraId());
      return;
    }
    FloatImage image;
    try {
      image = preparer.prepare(bytes(frame.getImage()), format(frame), frame.getWidth(), frame.getHeight());
    } catch (ImageDecodeException e) {
      dead(record, topic, partition, offset, e.deadLetterReason(),
          new ImageDecodeException(e.reason(), which(frame) + ": " + e.getMessage(), e),
          frame.getFrameId(), frame.getCameraId());
      return;
    }
    context.forward(record.withKey(frame.getCameraId()).withHeaders(new RecordHeaders()).withValue(new Outcome.Ok<>(
        new DecodedFrame(frame, image, record.key(), record.value(), topic, partition, offset,
            RedrivenFrames.from(record.headers())))));
  }

  /**
   * "frame X from camera Y" with each id cut to {@value #QUOTED_ID_CHARS} characters: an invalid frame's ids are not
   * bounded yet, and one quoted whole would fill the dead letter's bounded message and push out what is wrong. An id
   * that is empty or starts or ends with white space is in double quotes: bare, "frame  from camera cam-w" showed no id.
   * Also how the processing handler names a frame that failed past decoding ({@link StreamErrorHandlers}).
   */
  static String which(Frame frame) {
    return "frame " + quoted(frame.getFrameId()) + " from camera " + quoted(frame.getCameraId());
  }

  private static final int QUOTED_ID_CHARS = 100;

  private static String quoted(String id) {
    if (id == null) {
      return null;
    }
    String cut = DeadLetters.bounded(id, QUOTED_ID_CHARS);
    return id.isEmpty() || !id.strip().equals(id) ? "\"" + cut + "\"" : cut;
  }

  /** The frame's image bytes (also read by {@link EvidenceImages}). */
  static byte[] bytes(java.nio.ByteBuffer buffer) {
    java.nio.ByteBuffer b = buffer.duplicate(); // Avro may hand out a view into a larger array
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  /** The decoder's format for a validated frame's encoding (also read by {@link EvidenceImages}). */
  static ImageFormat format(Frame frame) {
    return switch (frame.getEncoding()) {
      case PNG -> ImageFormat.PNG;
      case JPEG -> ImageFormat.JPEG;
      case GRAY8 -> ImageFormat.GRAY8;
      case RGB8 -> ImageFormat.RGB8;
      case UNKNOWN -> throw new IllegalStateException("validated before"); // FrameValidation refuses UNKNOWN
    };
  }

  private void dead(Record<byte[], byte[]> record, String topic, int partition, long offset, String reason,
      Throwable error, String frameId, String cameraId) {
    String key = cameraId != null ? cameraId : record.key() == null ? null : new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
    key = key == null ? null : DeadLetters.bounded(key, RecordLimits.MAX_ID_CHARS);
    context.forward(record.withKey(key).withHeaders(RedrivenFrames.deadLetterHeaders(RedrivenFrames.from(record.headers())))
        .withValue(new Outcome.Dead<>(DeadLetters.of(topic, partition, offset,
        record.key(), record.value(), reason, error, frameId, cameraId, context.currentSystemTimeMs(), limits))));
  }
}
