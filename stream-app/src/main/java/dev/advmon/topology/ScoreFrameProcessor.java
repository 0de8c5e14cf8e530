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
 * frame's verdict before it returns, so no frame is ever held past a commit. A frame the model cannot score
 * becomes a SCORING_FAILED dead letter rather than stopping the stream.
 */
final class ScoreFrameProcessor implements FixedKeyProcessor<String, DecodedFrame, Outcome<VerdictMapper.Scored>> {

  private static final Logger log = LoggerFactory.getLogger(ScoreFrameProcessor.class);

  private final DynamicBatcher scorer;
  private final MonitorMetrics metrics;
  private FixedKeyProcessorContext<String, Outcome<VerdictMapper.Scored>> context;

  ScoreFrameProcessor(DynamicBatcher scorer, MonitorMetrics metrics) {
    this.scorer = scorer;
    this.metrics = metrics;
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
      scored = scorer.score(f.image());
      metrics.frameScored(System.nanoTime() - start, scored.verdict().forwardPasses());
    } catch (DynamicBatcher.ScoringUnavailableException e) {
      throw e; // stopping: not the frame's fault; the task ends without committing it, so it is read again
    } catch (RuntimeException e) {
      log.warn("frame {} from camera {} could not be scored: {}", f.frame().getFrameId(), f.frame().getCameraId(), e.toString());
      context.forward(record.withValue(new Outcome.Dead<>(DeadLetters.of(f.topic(), f.partition(), f.offset(),
          f.originalKey(), f.originalValue(), "SCORING_FAILED", e, f.frame().getFrameId(), f.frame().getCameraId(),
          context.currentSystemTimeMs()))));
      return;
    }
    long now = context.currentSystemTimeMs();
    context.forward(record.withValue(new Outcome.Ok<>(
        new VerdictMapper.Scored(f.frame(), scored.verdict(), now, Math.max(0, now - record.timestamp()),
            scored.batchFrames()))));
  }
}
