package dev.advmon.topology;

import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.schema.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' error handlers for the monitor, so that no record is replayed forever: the processors already
 * dead-letter every failure they expect; these catch the rest.
 * <ul>
 *   <li>{@link Processing}: an unexpected exception while processing a frame becomes a PROCESSING_FAILED dead
 *       letter with the frame's original bytes, in the same transaction, after one try; systemic and fatal
 *       failures ({@link Failures}) fail the task instead, for the monitor to restart or stop. A failure after the
 *       frame's verdict was written (alerts, campaigns) is logged, not dead-lettered: the frame already has its
 *       outcome, and a dead letter would count it twice.
 *   <li>{@link Production}: a verdict that cannot be serialized becomes an OUTPUT_FAILED dead letter of its
 *       frame; a dead letter that cannot be serialized is written again without its original bytes; any other
 *       output (an alert, a campaign count) is logged and left out, as the frame has its verdict. An output the
 *       broker refuses as too large fails the task with what to change (see {@link Production#handleError}).
 *   <li>{@link Deserialization}: a campaign flag the repartition topic holds but this version cannot read (written
 *       by hand, or by a version with another format) is logged and left out of its camera's window, as the frame
 *       has its verdict; Kafka Streams' default would fail the task on it at every restart, for ever.
 * </ul>
 * The first two read their collaborators from the Kafka Streams configuration ({@link #configs}).
 */
public final class StreamErrorHandlers {

  static final String DEAD_LETTER_TOPIC = "advmon.dead-letter.topic";
  static final String DEAD_LETTER_SERIALIZER = "advmon.dead-letter.serializer";
  static final String FRAMES_TOPIC = "advmon.frames.topic";
  static final String VERDICTS_TOPIC = "advmon.verdicts.topic";
  static final String MAX_ENCODED_BYTES = "advmon.image.max-encoded-bytes";
  static final String METRICS = "advmon.metrics";

  private static final Logger log = LoggerFactory.getLogger(StreamErrorHandlers.class);

  private StreamErrorHandlers() {}

  /** The Kafka Streams properties that install both handlers and hand them what they need. */
  public static Map<String, Object> configs(Topics topics, Serializer<DeadLetter> deadLetterSerializer,
      RecordLimits limits, MonitorMetrics metrics) {
    return Map.of(
        org.apache.kafka.streams.StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, Processing.class.getName(),
        org.apache.kafka.streams.StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, Production.class.getName(),
        org.apache.kafka.streams.StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, Deserialization.class.getName(),
        DEAD_LETTER_TOPIC, topics.deadLetters().name(),
        DEAD_LETTER_SERIALIZER, deadLetterSerializer,
        FRAMES_TOPIC, topics.frames().name(),
        VERDICTS_TOPIC, topics.verdicts().name(),
        MAX_ENCODED_BYTES, limits.maxEncodedBytes(),
        METRICS, metrics);
  }

  /** What both handlers share: where dead letters go and how they are written. */
  private static final class Writer {
    final String deadLetterTopic;
    final Serializer<DeadLetter> serializer;
    final String framesTopic;
    final String verdictsTopic;
    final RecordLimits limits;
    final MonitorMetrics metrics; // dead letters written here are counted as the topology's own are

    @SuppressWarnings("unchecked")
    Writer(Map<String, ?> configs) {
      Object serializer = configs.get(DEAD_LETTER_SERIALIZER);
      if (!(serializer instanceof Serializer<?>) || configs.get(DEAD_LETTER_TOPIC) == null) {
        throw new IllegalStateException("the monitor's error handlers need " + DEAD_LETTER_TOPIC + " and "
            + DEAD_LETTER_SERIALIZER + " in the Kafka Streams configuration (see StreamErrorHandlers.configs)");
      }
      this.serializer = (Serializer<DeadLetter>) serializer;
      this.deadLetterTopic = configs.get(DEAD_LETTER_TOPIC).toString();
      this.framesTopic = String.valueOf(configs.get(FRAMES_TOPIC));
      this.verdictsTopic = String.valueOf(configs.get(VERDICTS_TOPIC));
      this.limits = new RecordLimits(Long.parseLong(String.valueOf(configs.get(MAX_ENCODED_BYTES))));
      if (!(configs.get(METRICS) instanceof MonitorMetrics m)) {
        throw new IllegalStateException("the monitor's error handlers need " + METRICS
            + " in the Kafka Streams configuration (see StreamErrorHandlers.configs)");
      }
      this.metrics = m;
    }

    boolean fromFrames(ErrorHandlerContext ctx) {
      return framesTopic.equals(ctx.topic());
    }

    /** {@code value}: the record's, where the redriven frame's dead letter may be named (see RedrivenFrames). */
    ProducerRecord<byte[], byte[]> deadLetter(ErrorHandlerContext ctx, Object value, String reason, Throwable error,
        boolean keepValue) {
      byte[] raw = ctx.sourceRawValue();
      DeadLetter letter = DeadLetters.of(ctx.topic(), ctx.partition(), ctx.offset(), ctx.sourceRawKey(),
          keepValue ? raw : null, reason, error, null, null, System.currentTimeMillis(), limits);
      if (!keepValue && raw != null) {
        letter.setValueSize((long) raw.length);
      }
      dev.advmon.schema.Frame frame = decodedFrame(value);
      if (frame != null) {
        // read that far: named as the topology's own dead letters after decoding name it (its message read "Field
        // detector type:STRING pos:0 does not accept null values", the record key the producer's); the frameId and
        // cameraId fields stay null in the handlers' dead letters, as DeadLetter.avsc says
        letter.setErrorMessage(DeadLetters.bounded(DecodeFrameProcessor.which(frame) + ": "
            + DeadLetters.message(error), RecordLimits.MAX_MESSAGE_CHARS));
      }
      byte[] key = ctx.sourceRawKey() == null ? null
          : DeadLetters.bounded(new String(ctx.sourceRawKey(), StandardCharsets.UTF_8), RecordLimits.MAX_ID_CHARS)
              .getBytes(StandardCharsets.UTF_8);
      ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(deadLetterTopic, null,
          ctx.timestamp() >= 0 ? ctx.timestamp() : null, key, serializer.serialize(deadLetterTopic, letter),
          RedrivenFrames.deadLetterHeaders(RedrivenFrames.fromRecord(ctx.headers(), value)));
      metrics.deadLetter(reason);
      return record;
    }
  }

  /**
   * The frame a record past decoding carries, as the topology hands it from processor to processor (where
   * {@link RedrivenFrames#fromRecord} reads advmon.redrivenFrom too); null for a record not decoded yet, or not a
   * frame.
   */
  static dev.advmon.schema.Frame decodedFrame(Object value) {
    Object v = value instanceof Outcome.Ok<?> ok ? ok.value() : value;
    if (v instanceof WriteVerdictProcessor.Written w) {
      v = w.scored();
    }
    if (v instanceof VerdictMapper.Scored s) {
      return s.frame();
    }
    return v instanceof DecodedFrame f ? f.frame() : null;
  }

  /**
   * Nodes a frame passes before its verdict or dead letter is written: an exception there leaves the frame
   * without an outcome, so it is dead-lettered. Named in {@link MonitorTopology}.
   */
  static boolean beforeOutcome(String node) {
    return node != null && (node.startsWith("decode") || node.startsWith("score") || node.startsWith("unwrap-")
        || node.startsWith("written-") || node.equals("frames-source") || node.equals("to-verdict")
        || node.equals("verdict-bytes") || node.equals("decode-and-score-failures") || node.equals("verdict-failures")
        || node.equals("all-dead-letters"));
  }

  /** Unexpected processing exceptions: see {@link StreamErrorHandlers}. */
  public static final class Processing implements ProcessingExceptionHandler {

    private Writer writer;

    @Override
    public void configure(Map<String, ?> configs) {
      writer = new Writer(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext ctx, Record<?, ?> record, Exception exception) {
      if (Failures.classify(exception) != Failures.Kind.RECORD) {
        return Response.fail(); // the monitor restarts Kafka Streams, or stops (see StreamingMonitor)
      }
      String where = ctx.topic() + "-" + ctx.partition() + "@" + ctx.offset() + " in " + ctx.processorNodeId();
      if (!writer.fromFrames(ctx) || !beforeOutcome(ctx.processorNodeId())) {
        log.error("processing failed after the record's outcome was written ({}); going on: {}", where,
            Failures.describe(exception), exception);
        return Response.resume();
      }
      dev.advmon.schema.Frame frame = decodedFrame(record.value());
      log.error("frame record {}{} could not be processed; dead-lettered as PROCESSING_FAILED: {}", where,
          frame == null ? "" : " (" + LogText.of(DecodeFrameProcessor.which(frame)) + ")", Failures.describe(exception),
          exception);
      return Response.resume(List.of(writer.deadLetter(ctx, record.value(), "PROCESSING_FAILED", exception, true)));
    }
  }

  /** Outputs that cannot be written: see {@link StreamErrorHandlers}. */
  public static final class Production implements ProductionExceptionHandler {

    private Writer writer;

    @Override
    public void configure(Map<String, ?> configs) {
      writer = new Writer(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext ctx, ProducerRecord<byte[], byte[]> record, Exception exception) {
      if (exception instanceof RecordTooLargeException) {
        // Under exactly-once a refused send leaves the transaction abortable: a dead letter written into it would
        // be aborted with it, and the record replayed. So say plainly what to change and fail the task. Outputs
        // are bounded (ids, evidence; no input headers) and start-up checks the dead-letter topic's limit, so only
        // a topic configured below those bounds gets here.
        // The dead-letter topic must take the largest frame's dead letter (what start-up checks), far above the
        // 1 MiB of the other outputs: naming 1 MiB for it left the stream failing on the same frame after the fix.
        String need = writer.deadLetterTopic.equals(record.topic())
            ? writer.limits.maxMessageBytes() + " bytes (the largest frame, image.max-encoded-bytes, with its dead "
                + "letter's fields; or lower image.max-encoded-bytes)"
            : "1 MiB";
        log.error("an output to {} for record {}-{}@{} is larger than that topic or the producer accepts ({}); "
            + "under exactly-once the transaction cannot go on: raise max.message.bytes of {} (and the broker's "
            + "message.max.bytes) to at least {}", record.topic(), ctx.topic(), ctx.partition(), ctx.offset(),
            Failures.describe(exception), record.topic(), need);
        return Response.fail();
      }
      return exception instanceof RetriableException ? Response.retry() : Response.fail();
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(ErrorHandlerContext ctx, ProducerRecord record, Exception exception,
        SerializationExceptionOrigin origin) {
      if (Failures.classify(exception) != Failures.Kind.RECORD) {
        return Response.fail();
      }
      return undeliverable(ctx, record, exception);
    }

    private Response undeliverable(ErrorHandlerContext ctx, ProducerRecord<?, ?> record, Exception exception) {
      String where = ctx.topic() + "-" + ctx.partition() + "@" + ctx.offset();
      boolean deadLetterRefused = writer.deadLetterTopic.equals(record.topic());
      if (!writer.fromFrames(ctx) || !(deadLetterRefused || writer.verdictsTopic.equals(record.topic()))) {
        // an alert or a campaign count: the frame's verdict is its outcome, and a dead letter too would count it
        // twice
        log.error("an output to {} for {} cannot be written; going on without it: {}", record.topic(), where,
            Failures.describe(exception));
        return Response.resume();
      }
      log.error("{} for frame record {} cannot be written ({}); {}", deadLetterRefused ? "its dead letter" : "an output to "
          + record.topic(), where, Failures.describe(exception), deadLetterRefused
          ? "dead-lettered again without the original bytes: check the max.message.bytes of " + record.topic()
          : "dead-lettered as OUTPUT_FAILED");
      return Response.resume(List.of(writer.deadLetter(ctx, record.value(), "OUTPUT_FAILED", exception,
          !deadLetterRefused)));
    }
  }

  /** Records of the monitor's internal topics that cannot be read: see {@link StreamErrorHandlers}. */
  public static final class Deserialization implements DeserializationExceptionHandler {

    @Override
    public void configure(Map<String, ?> configs) {}

    @Override
    public Response handleError(ErrorHandlerContext ctx, ConsumerRecord<byte[], byte[]> record, Exception exception) {
      // frames are read as bytes and decoded by the topology, which dead-letters what it cannot read: only the
      // campaign repartition topic is deserialized by Kafka Streams itself
      if (record.topic().endsWith("-" + MonitorTopology.CAMPAIGN_REPARTITION + "-repartition")) {
        log.error("campaign flag {}-{}@{} cannot be read and is left out of camera {}'s window (its frame has its "
            + "verdict): {}", record.topic(), record.partition(), record.offset(), record.key() == null ? null
                : LogText.of(DeadLetters.bounded(new String(record.key(), StandardCharsets.UTF_8), RecordLimits.MAX_ID_CHARS)),
            Failures.describe(exception));
        return Response.resume();
      }
      return Response.fail();
    }
  }
}
