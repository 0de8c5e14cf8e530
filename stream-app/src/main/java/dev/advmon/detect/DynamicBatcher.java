package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.SharedClassifier;
import java.time.Duration;

/**
 * Scores the frames that several threads (the Kafka Streams threads) score at the same time with shared inference
 * calls: each thread scores its own frame, probes and detector statistics included, on its own thread, while every
 * model call it makes (the frame with its probes, then any overinterpretation rounds) is merged with the calls the
 * other threads make meanwhile into one call of the model ({@link SharedClassifier}). The Java-side work runs in
 * parallel on the stream threads; the model runs once per batch.
 *
 * <p><b>Why callers block.</b> Each thread waits for its frame's verdict. While it waits, its record is still being
 * processed by its stream thread, so Kafka Streams cannot commit past it: a frame that is waiting in a batch when the
 * process dies was never committed, and is read again after the restart. Nothing is buffered across a commit, so
 * exactly-once needs no extra state. The price: a batch holds at most one frame per stream thread, which is why the
 * monitor may run more stream threads than it has cores (they mostly wait).
 *
 * <p>With {@code maxFrames} = 1 each thread calls the model alone, without a worker in between.
 */
public final class DynamicBatcher implements AutoCloseable {

  /** A frame's verdict and the number of frames its own inference call held (1 = alone). */
  public record Result(Verdict verdict, int batchFrames) {}

  /** Sees every shared model call (metrics): frames in it, and how long it took. Must be quick. */
  @FunctionalInterface
  public interface Listener {
    Listener NONE = (frames, nanos) -> {};

    void batchScored(int frames, long nanos);
  }

  private final FrameScorer scorer;
  private final SharedClassifier shared;
  private final FrameScorer sharedScorer;
  private final int maxFrames;

  /**
   * @param maxFrames most frames whose model calls are merged into one; 1 = no merging
   * @param maxWait longest a frame's model call waits for others to join it
   * @param workers model calls that may run at the same time ({@link SharedClassifier})
   */
  public DynamicBatcher(FrameScorer scorer, int maxFrames, Duration maxWait, int workers, Listener listener) {
    if (maxFrames < 1 || maxWait.isNegative()) {
      throw new IllegalArgumentException("maxFrames must be positive and maxWait not negative");
    }
    this.scorer = scorer;
    this.maxFrames = maxFrames;
    if (maxFrames == 1) {
      shared = null;
      sharedScorer = scorer;
    } else {
      shared = new SharedClassifier(scorer.classifier(), maxFrames, Math.max(scorer.maxBatch(), 1), maxWait, workers,
          (requests, images, nanos) -> listener.batchScored(requests, nanos));
      sharedScorer = scorer.withClassifier(shared);
    }
  }

  /** One worker: every model call after the other, merged while it runs (a GPU; tests). */
  public DynamicBatcher(FrameScorer scorer, int maxFrames, Duration maxWait, Listener listener) {
    this(scorer, maxFrames, maxWait, 1, listener);
  }

  /** Each caller scores its own frame alone, on its own thread (tests, tools). */
  public static DynamicBatcher direct(FrameScorer scorer) {
    return new DynamicBatcher(scorer, 1, Duration.ZERO, Listener.NONE);
  }

  /** The scorer as given (its classifier unshared): manifest, engine, detectors. */
  public FrameScorer scorer() {
    return scorer;
  }

  public int maxFrames() {
    return maxFrames;
  }

  /** Frames whose threads wait for the model right now (queued, or in the call running); not yet committed. */
  public int pending() {
    return shared == null ? 0 : shared.pending();
  }

  /**
   * The verdict on {@code frame}, its model calls shared with those of the frames other threads score meanwhile.
   * Blocks until it is ready. A frame the model cannot score throws what scoring it alone threw; a batcher that is
   * closed, or a caller interrupted while waiting, gets {@link ScoringUnavailableException}.
   */
  public Result score(FloatImage frame) {
    if (shared == null) {
      return new Result(scorer.score(frame), 1);
    }
    shared.startFrame();
    try {
      Verdict v = sharedScorer.score(frame);
      return new Result(v, Math.max(1, shared.requestsInFirstCall()));
    } catch (SharedClassifier.UnavailableException e) {
      throw new ScoringUnavailableException(e.getMessage(), e);
    } finally {
      shared.endFrame();
    }
  }

  /**
   * Runs what is still waiting, then stops the worker. Close it after the stream threads have stopped (they may
   * still score frames while Kafka Streams closes); later callers get {@link ScoringUnavailableException}.
   */
  @Override
  public void close() {
    if (shared != null) {
      shared.close();
    }
  }
}
