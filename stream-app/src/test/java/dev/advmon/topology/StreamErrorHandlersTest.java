package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.InMemorySchemaRegistry;
import dev.advmon.schema.Alert;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

/** The production handler alone: which output failures become dead letters, and which fail the task. */
class StreamErrorHandlersTest {

  private static StreamErrorHandlers.Production handler() {
    return handler(MonitorMetrics.inMemory());
  }

  private static StreamErrorHandlers.Production handler(MonitorMetrics metrics) {
    StreamErrorHandlers.Production h = new StreamErrorHandlers.Production();
    h.configure(handlerConfigs(metrics));
    return h;
  }

  private static java.util.Map<String, Object> handlerConfigs() {
    return handlerConfigs(MonitorMetrics.inMemory());
  }

  private static java.util.Map<String, Object> handlerConfigs(MonitorMetrics metrics) {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    AvroSerde<DeadLetter> dlq = AvroSerde.forClass(DeadLetter.class, registry);
    Topics topics = Topics.of("frames", AvroSerde.forClass(Frame.class, registry),
        "verdicts", AvroSerde.forClass(FrameVerdict.class, registry),
        "alerts", AvroSerde.forClass(Alert.class, registry), "dlq", dlq);
    return StreamErrorHandlers.configs(topics, dlq.serializer(), new RecordLimits(100_000), metrics);
  }

  /** A frame record's context: frames-0@7. */
  private static ErrorHandlerContext frameRecord() {
    return frameRecord("verdicts-sink");
  }

  /** A frame record's context at processor {@code node}: frames-0@7. */
  private static ErrorHandlerContext frameRecord(String node) {
    return frameRecord(node, new RecordHeaders());
  }

  /** Headers named {@code names}, as redrive writes them (advmon.redriven: a reason; advmon.redrivenFrom: frames-dlq-1@3). */
  private static Headers redriveHeaders(String... names) {
    RecordHeaders headers = new RecordHeaders();
    for (String name : names) {
      headers.add(name, (name.equals(RedrivenFrames.HEADER) ? "SCORING_FAILED" : "frames-dlq-1@3").getBytes());
    }
    return headers;
  }

  /** As above, with {@code headers} as the record's. */
  private static ErrorHandlerContext frameRecord(String node, Headers headers) {
    return new ErrorHandlerContext() {
      public String topic() { return "frames"; }
      public int partition() { return 0; }
      public long offset() { return 7; }
      public Headers headers() { return headers; }
      public String processorNodeId() { return node; }
      public TaskId taskId() { return new TaskId(0, 0); }
      public long timestamp() { return 1_000; }
      public byte[] sourceRawKey() { return "cam-1".getBytes(); }
      public byte[] sourceRawValue() { return new byte[] {0, 0, 0, 0, 1, 2}; }
    };
  }

  @Test
  void aVerdictTheBrokerRefusesAsTooLargeFailsTheTaskInsteadOfDeadLetteringIntoADoomedTransaction() {
    var r = handler().handleError(frameRecord(), new ProducerRecord<>("verdicts", new byte[0], new byte[10]),
        new RecordTooLargeException("too large"));
    assertThat(r.result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
  }

  @Test
  void aDeadLetterTheBrokerRefusesAsTooLargeNamesTheLimitTheDeadLetterTopicNeeds() {
    // Its topic lowered (or deleted and auto-created with the broker's 1 MiB) after start-up: raising it to the
    // 1 MiB that verdicts and alerts need would leave the stream failing on the same frame after every restart.
    long need = new RecordLimits(100_000).maxMessageBytes();
    try (dev.advmon.testing.LogLines lines = dev.advmon.testing.LogLines.of(StreamErrorHandlers.class)) {
      var r = handler().handleError(frameRecord("dead-letter-sink"), new ProducerRecord<>("dlq", new byte[0],
          new byte[10]), new RecordTooLargeException("too large"));
      assertThat(r.result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
      assertThat(lines.messages()).singleElement().asString()
          .contains("max.message.bytes of dlq").contains("at least " + need + " bytes").doesNotContain("1 MiB");
    }
    try (dev.advmon.testing.LogLines lines = dev.advmon.testing.LogLines.of(StreamErrorHandlers.class)) {
      handler().handleError(frameRecord(), new ProducerRecord<>("verdicts", new byte[0], new byte[10]),
          new RecordTooLargeException("too large"));
      assertThat(lines.messages()).singleElement().asString().contains("max.message.bytes of verdicts")
          .contains("at least 1 MiB");
    }
  }

  @Test
  void aVerdictThatCannotBeSerializedBecomesTheFramesDeadLetterButAnAlertDoesNot() {
    MonitorMetrics metrics = MonitorMetrics.inMemory();
    var verdict = handler(metrics).handleSerializationError(frameRecord(), new ProducerRecord<>("verdicts", "k", "v"),
        new SerializationException("no"), ProductionExceptionHandler.SerializationExceptionOrigin.VALUE);
    assertThat(verdict.result()).isEqualTo(ProductionExceptionHandler.Result.RESUME);
    assertThat(verdict.deadLetterQueueRecords()).singleElement()
        .satisfies(d -> assertThat(d.topic()).isEqualTo("dlq"));
    var alert = handler(metrics).handleSerializationError(frameRecord(), new ProducerRecord<>("alerts", "k", "v"),
        new SerializationException("no"), ProductionExceptionHandler.SerializationExceptionOrigin.VALUE);
    assertThat(alert.result()).isEqualTo(ProductionExceptionHandler.Result.RESUME);
    assertThat(alert.deadLetterQueueRecords()).isEmpty();
    assertThat(metrics.counts().deadLettersByReason()).as("the handler's dead letter is counted like the topology's")
        .containsEntry("OUTPUT_FAILED", 1L);
    assertThat(metrics.counts().deadLetters()).isEqualTo(1);
  }

  /**
   * The handler's dead letter of a redriven frame says so as the topology's does (advmon.redrivenFrom): from the frame's
   * redrive headers, or from the dead letter the sink refused, which carries that header alone.
   */
  @Test
  void theHandlersDeadLetterOfARedrivenFrameNamesTheDeadLetterItCameFrom() {
    for (String[] given : new String[][] {{"advmon.redriven", "advmon.redrivenFrom"}, {"advmon.redrivenFrom"}}) {
      Headers headers = redriveHeaders(given);
      var r = handler().handleSerializationError(frameRecord("verdicts-sink", headers), new ProducerRecord<>("verdicts", "k", "v"),
          new SerializationException("no"), ProductionExceptionHandler.SerializationExceptionOrigin.VALUE);
      assertThat(r.deadLetterQueueRecords()).singleElement().satisfies(d -> assertThat(
          new String(d.headers().lastHeader(RedrivenFrames.FROM_HEADER).value())).isEqualTo("frames-dlq-1@3"));
    }
    var plain = handler().handleSerializationError(frameRecord(), new ProducerRecord<>("verdicts", "k", "v"),
        new SerializationException("no"), ProductionExceptionHandler.SerializationExceptionOrigin.VALUE);
    assertThat(plain.deadLetterQueueRecords()).singleElement()
        .satisfies(d -> assertThat(d.headers().lastHeader(RedrivenFrames.FROM_HEADER)).isNull());
  }

  /**
   * A frame that carries advmon.redrivenFrom without advmon.redriven (a third-party producer's; redrive sends both) is
   * no redriven frame to the topology: its dead letter has no header. The handler's dead letter of the same frame, for
   * a failure while it is still the frame as read (its headers the frame's), marked it, from the header alone that only
   * the topology's own dead letter carries. Both now read the frame's headers alike.
   */
  @Test
  void aFrameWithRedrivenFromAloneIsNotMarkedByTheHandlersDeadLetterAsNotByTheTopologys() {
    StreamErrorHandlers.Processing h = new StreamErrorHandlers.Processing();
    h.configure(handlerConfigs());
    for (String[] given : new String[][] {{"advmon.redrivenFrom"}, {"advmon.redriven", "advmon.redrivenFrom"}}) {
      Headers headers = redriveHeaders(given);
      var r = h.handleError(frameRecord("decode-and-validate", headers), new Record<>("cam-1".getBytes(), new byte[] {0, 0, 0, 0, 1, 2}, 1_000, headers),
          new IllegalStateException("this frame broke the decoder"));
      // what DecodeFrameProcessor puts on its own dead letter of this frame
      Header topologys = RedrivenFrames.deadLetterHeaders(RedrivenFrames.from(headers))
          .lastHeader(RedrivenFrames.FROM_HEADER);
      assertThat(r.deadLetterQueueRecords()).as(String.join(" + ", given)).singleElement().satisfies(d -> assertThat(
          Optional.ofNullable(d.headers().lastHeader(RedrivenFrames.FROM_HEADER)).map(x -> new String(x.value())))
          .isEqualTo(Optional.ofNullable(topologys).map(x -> new String(x.value()))));
      assertThat(topologys == null).as(String.join(" + ", given)).isEqualTo(given.length == 1);
    }
  }

  /**
   * Past decoding a record has no headers (decoding leaves the frame's behind), so a redriven frame that failed there
   * again got a PROCESSING_FAILED dead letter without advmon.redrivenFrom. The record the handler is given still knows
   * it: the decoded frame, and what scoring and the verdict writer made of it.
   */
  @Test
  void aRedrivenFramesProcessingFailureAfterDecodingNamesTheDeadLetterItCameFrom() {
    StreamErrorHandlers.Processing h = new StreamErrorHandlers.Processing();
    h.configure(handlerConfigs());
    Frame frame = Frame.newBuilder().setFrameId("f-1").setCameraId("cam-1")
        .setCaptureTime(java.time.Instant.ofEpochMilli(1)).setEncoding(dev.advmon.schema.ImageEncoding.PNG)
        .setImage(java.nio.ByteBuffer.allocate(0)).build();
    DecodedFrame decoded = new DecodedFrame(frame, null, "cam-1".getBytes(), new byte[] {0, 0, 0, 0, 1, 2}, "frames",
        0, 7, "frames-dlq-1@3");
    VerdictMapper.Scored scored = new VerdictMapper.Scored(frame, null, 1_000, 0, 1, decoded);
    for (Object value : java.util.List.of(decoded, new Outcome.Ok<>(decoded), scored, new Outcome.Ok<>(scored),
        new WriteVerdictProcessor.Written(scored, null, new byte[0]))) {
      var r = h.handleError(frameRecord("score"), new Record<>("cam-1", value, 1_000),
          new IllegalStateException("this frame broke the scorer"));
      assertThat(r.deadLetterQueueRecords()).as(value.getClass().getSimpleName()).singleElement().satisfies(d ->
          assertThat(d.headers().lastHeader(RedrivenFrames.FROM_HEADER)).isNotNull().extracting(
              header -> new String(header.value())).isEqualTo("frames-dlq-1@3"));
    }
    DecodedFrame firstSend = new DecodedFrame(frame, null, null, new byte[0], "frames", 0, 7, null);
    var plain = h.handleError(frameRecord("score"), new Record<>("cam-1", firstSend, 1_000),
        new IllegalStateException("this frame broke the scorer"));
    assertThat(plain.deadLetterQueueRecords()).singleElement()
        .satisfies(d -> assertThat(d.headers().lastHeader(RedrivenFrames.FROM_HEADER)).isNull());
  }

  /** A verdict refused at its sink: its attributes name the dead letter (a frame's own advmon. ones are dropped). */
  @Test
  void aRedrivenFramesVerdictThatCannotBeWrittenNamesTheDeadLetterItCameFrom() {
    FrameVerdict verdict = new FrameVerdict();
    verdict.setAttributes(java.util.Map.of(VerdictMapper.REDRIVEN_FROM, "frames-dlq-1@3"));
    var r = handler().handleSerializationError(frameRecord(), new ProducerRecord<>("verdicts", "cam-1", verdict),
        new SerializationException("no"), ProductionExceptionHandler.SerializationExceptionOrigin.VALUE);
    assertThat(r.deadLetterQueueRecords()).singleElement().satisfies(d -> assertThat(
        d.headers().lastHeader(RedrivenFrames.FROM_HEADER)).isNotNull().extracting(header -> new String(header.value()))
        .isEqualTo("frames-dlq-1@3"));
  }

  @Test
  void aProcessingFailureCausedByTheJvmOrAnInterruptFailsTheTaskInsteadOfDeadLetteringTheFrame() {
    // an OutOfMemoryError or an interrupt says nothing about the frame: dead-lettering it would lose a good frame
    StreamErrorHandlers.Processing h = new StreamErrorHandlers.Processing();
    h.configure(handlerConfigs());
    Record<byte[], byte[]> record = new Record<>("cam-1".getBytes(), new byte[] {0, 0, 0, 0, 1, 2}, 1_000);
    // (not wrapped in a KafkaException: that alone already counts as systemic)
    for (Exception systemic : new Exception[] {
        new java.util.concurrent.CompletionException(new OutOfMemoryError("Java heap space")),
        new InterruptedException("shutting down")}) {
      var r = h.handleError(frameRecord("score"), record, systemic);
      assertThat(r.result()).as(systemic.toString()).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
      assertThat(r.deadLetterQueueRecords()).as(systemic.toString()).isEmpty();
    }
    // while the frame's own failure becomes its dead letter
    var own = h.handleError(frameRecord("score"), record, new IllegalStateException("this frame broke the scorer"));
    assertThat(own.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
    assertThat(own.deadLetterQueueRecords()).singleElement().satisfies(d -> assertThat(d.topic()).isEqualTo("dlq"));
  }
}
