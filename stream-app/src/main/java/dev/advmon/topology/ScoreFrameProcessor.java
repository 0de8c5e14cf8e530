package dev.advmon.topology;

import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.detect.Verdict;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 2: one batched inference for the frame and every detector probe, then the verdict. What a failure
 * means is the {@link ScoringGuard}'s call: a frame that alone cannot be scored becomes a SCORING_FAILED dead
 * letter; when scoring fails for every frame, {@link ScoringUnavailableException} fails the task without
 * writing anything for the frame, so that it is scored again after the restart instead of dead-lettered.
 */
final class ScoreFrameProcessor implements FixedKeyProcessor<String, DecodedFrame, Outcome<VerdictMapper.Scored>> {

  private static final Logger log = LoggerFactory.getLogger(ScoreFrameProcessor.class);

  private final ScoringGuard guard;
  private final MonitorMetrics metrics;
  private final RecordLimits limits;
  private FixedKeyProcessorContext<String, Outcome<VerdictMapper.Scored>> context;

  ScoreFrameProcessor(ScoringGuard guard, MonitorMetrics metrics, RecordLimits limits) {
    this.guard = guard;
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
    Verdict verdict;
    try {
      long start = System.nanoTime();
      verdict = guard.score(f.image()); // ScoringUnavailableException propagates: see the class comment
      metrics.frameScored(System.nanoTime() - start, verdict.forwardPasses());
    } catch (FrameScoringException e) {
      log.warn("frame {} from camera {} could not be scored (other frames score): {}", f.frame().getFrameId(),
          f.frame().getCameraId(), e.getCause().toString());
      context.forward(record.withValue(new Outcome.Dead<>(DeadLetters.of(f.topic(), f.partition(), f.offset(),
          f.originalKey(), f.originalValue(), "SCORING_FAILED", e.getCause(), f.frame().getFrameId(),
          f.frame().getCameraId(), context.currentSystemTimeMs(), limits))));
      return;
    }
    long now = context.currentSystemTimeMs();
    context.forward(record.withValue(new Outcome.Ok<>(
        new VerdictMapper.Scored(f.frame(), verdict, now, Math.max(0, now - record.timestamp())))));
  }
}
