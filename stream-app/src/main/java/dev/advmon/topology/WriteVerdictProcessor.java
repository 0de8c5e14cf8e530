package dev.advmon.topology;

import dev.advmon.schema.FrameVerdict;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 3: the verdict, serialized here rather than in its sink, so that the frame's one outcome is settled before
 * anything of it is written. A verdict this record cannot be written as (a required field left null) becomes the
 * frame's OUTPUT_FAILED dead letter, and then no alert and no campaign flag follow it: they would speak of a verdict
 * nobody can read. A failure that is not this record's (the registry unreachable, or refusing the verdict schema
 * itself: see {@link Failures}) propagates and fails the task, as it did in the sink, so that the frame is processed
 * again rather than dead-lettered.
 */
final class WriteVerdictProcessor
    implements FixedKeyProcessor<String, VerdictMapper.Scored, Outcome<WriteVerdictProcessor.Written>> {

  /** A verdict with its bytes for the verdicts topic, and what it was made from (for the alert). */
  record Written(VerdictMapper.Scored scored, FrameVerdict verdict, byte[] bytes) {}

  private static final Logger log = LoggerFactory.getLogger(WriteVerdictProcessor.class);

  private final VerdictMapper mapper;
  private final String topic;
  private final Serializer<FrameVerdict> serializer;
  private final RecordLimits limits;
  private final dev.advmon.metrics.MonitorMetrics metrics;
  private final RecordKeys keys;
  private FixedKeyProcessorContext<String, Outcome<Written>> context;

  WriteVerdictProcessor(VerdictMapper mapper, Topic<String, FrameVerdict> verdicts, RecordLimits limits,
      dev.advmon.metrics.MonitorMetrics metrics, RecordKeys keys) {
    this.mapper = mapper;
    this.keys = keys;
    this.metrics = metrics;
    this.topic = verdicts.name();
    this.serializer = verdicts.valueSerde().serializer();
    this.limits = limits;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, Outcome<Written>> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<String, VerdictMapper.Scored> record) {
    VerdictMapper.Scored s = record.value();
    String partitionChanged = s.source() == null ? null : keys.partitionChanged(s.source());
    FrameVerdict verdict = mapper.toVerdict(s, partitionChanged);
    byte[] bytes;
    try {
      bytes = serializer.serialize(topic, verdict);
    } catch (RuntimeException e) {
      if (Failures.classify(e) != Failures.Kind.RECORD) {
        throw e;
      }
      DecodedFrame f = s.source();
      log.error("the verdict of frame record {}-{}@{} cannot be written ({}); dead-lettered as OUTPUT_FAILED, no alert",
          f.topic(), f.partition(), f.offset(), Failures.describe(e));
      context.forward(record.withHeaders(RedrivenFrames.deadLetterHeaders(f.redrivenFrom()))
          .withValue(new Outcome.Dead<>(DeadLetters.of(f.topic(), f.partition(), f.offset(),
          f.originalKey(), f.originalValue(), "OUTPUT_FAILED", e, f.frame().getFrameId(), f.frame().getCameraId(),
          context.currentSystemTimeMs(), limits))));
      return;
    }
    // the key is the monitor's alone (a frame's advmon.* attributes are dropped: VerdictMapper.OWN_PREFIX)
    if (verdict.getAttributes().containsKey(VerdictMapper.CAPTURE_TIME_WRITTEN)) {
      metrics.captureTimeNotMillis();
    }
    if (partitionChanged != null) {
      metrics.cameraPartitionChanged();
      DecodedFrame f = s.source();
      keys.warn(log, verdict.getCameraId(), partitionChanged, f.topic() + "-" + f.partition() + "@" + f.offset(),
          context.currentSystemTimeMs());
    }
    context.forward(record.withValue(new Outcome.Ok<>(new Written(s, verdict, bytes))));
  }

  @Override
  public void close() {
    keys.warnUnlogged(log); // the partition changes counted since RecordKeys' last line, not lost from the log
  }
}
