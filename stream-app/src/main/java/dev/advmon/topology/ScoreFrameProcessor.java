package dev.advmon.topology;

import dev.advmon.detect.DynamicBatcher;
import dev.advmon.metrics.MonitorMetrics;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 2: one batched inference for the frame and every detector probe, shared with the frames the other stream
 * threads are scoring at the same time ({@link DynamicBatcher}), then the verdict. The thread waits for its
 * frame's verdict before it returns, so no frame is ever held past a commit. What a failure means is the
 * {@link ScoringGuard}'s call: a frame that alone cannot be scored becomes a SCORING_FAILED dead letter; when
 * scoring fails for every frame (or the batcher is closed), {@link dev.advmon.detect.ScoringUnavailableException}
 * fails the task without writing anything for the frame, so that it is scored again after the restart instead of
 * dead-lettered.
 */
final class ScoreFrameProcessor implements FixedKeyProcessor<String, DecodedFrame, Outcome<VerdictMapper.Scored>> {

  private static final Logger log = LoggerFactory.getLogger(ScoreFrameProcessor.class);

  private final ScoringGuard guard;
  private final DynamicBatcher batcher;
  private final MonitorMetrics metrics;
  private final RecordLimits limits;
  private FixedKeyProcessorContext<String, Outcome<VerdictMapper.Scored>> context;

  ScoreFrameProcessor(ScoringGuard guard, DynamicBatcher batcher, MonitorMetrics metrics, RecordLimits limits) {
    this.guard = guard;
    this.batcher = batcher;
    this.metrics = metrics;
    this.limits = limits;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, Outcome<VerdictMapper.Scored>> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<String, DecodedFrame> record) {
    DecodedFrame f = record.value();
    DynamicBatcher.Result scored;
    try {
      long start = System.nanoTime();
      scored = guard.score(f.image(), batcher::score); // ScoringUnavailableException propagates: see above
      metrics.frameScored(System.nanoTime() - start, scored.verdict().forwardPasses());
    } catch (FrameScoringException e) {
      log.warn("frame {} from camera {} could not be scored (other frames score): {}",
          LogText.of(f.frame().getFrameId()), LogText.of(f.frame().getCameraId()), e.getCause().toString());
      context.forward(record.withHeaders(RedrivenFrames.deadLetterHeaders(f.redrivenFrom()))
          .withValue(new Outcome.Dead<>(DeadLetters.of(f.topic(), f.partition(), f.offset(),
          f.originalKey(), f.originalValue(), "SCORING_FAILED", e.getCause(), f.frame().getFrameId(),
          f.frame().getCameraId(), context.currentSystemTimeMs(), limits))));
      return;
    }
    long now = context.currentSystemTimeMs();
    long latencyMs = Math.max(0, now - record.timestamp());
    if (!f.redriven()) { // a redriven frame's "latency" is its dead letter's age
      metrics.frameLatency(latencyMs);
    }
    context.forward(record.withValue(new Outcome.Ok<>(
        new VerdictMapper.Scored(f.frame(), scored.verdict(), now, latencyMs, scored.batchFrames(), f))));
  }
}
