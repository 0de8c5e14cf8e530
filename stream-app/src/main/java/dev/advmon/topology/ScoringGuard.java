package dev.advmon.topology;

import dev.advmon.detect.FrameScorer;
import dev.advmon.detect.ScoringUnavailableException;
import dev.advmon.detect.Verdict;
import dev.advmon.image.FloatImage;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a failure of one frame's scoring from a failure of scoring itself, so that a broken model never
 * dead-letters the whole stream:
 * <ul>
 *   <li>an {@link Error} (the heap or a native library gone) or a {@link ScoringUnavailableException} is
 *       systemic at once;
 *   <li>any other failure is tested on a canary, the last frame that scored (a mid-grey frame before the first):
 *       if the canary fails too, scoring is broken, not the frame: systemic; if it scores, the failure belongs to
 *       the frame;
 *   <li>{@value #MAX_FRAME_FAILURES_IN_A_ROW} frame failures in a row, with no success between, are systemic as
 *       well (a model that fails on every real frame but not on the canary), which bounds the dead letters such a
 *       model can cause. The frames of that run are remembered: after the restart their transaction was aborted and
 *       they come again; one that fails alone again, while the canary still scores, is then its own fault (a dead
 *       letter, not counted), so a burst of bad frames costs a restart per five, not a restart loop (and a model
 *       that fails every real frame but the canary dead-letters five frames per restart).
 * </ul>
 * An Error or a ScoringUnavailableException is recognised anywhere in the failure's cause chain: the shared batcher
 * hands a model call's Error to its callers wrapped.
 * A systemic failure throws {@link ScoringUnavailableException} (the frame is retried after a restart, never
 * dead-lettered) and is remembered for readiness until a frame scores again. It also records how long the
 * frame being scored has been in the model, for liveness (a hung model call). Shared by all stream threads
 * and across restarts of Kafka Streams; thread-safe.
 *
 * <p>Callers that score several frames in one call (a batcher) call {@link #classify} with the failure of
 * the batch and each frame of it, or score the frames one by one after a failed batch to find the bad one.
 */
public final class ScoringGuard {

  /** Frame failures in a row after which scoring counts as broken even though the canary scores. */
  public static final int MAX_FRAME_FAILURES_IN_A_ROW = 5;

  private static final Logger log = LoggerFactory.getLogger(ScoringGuard.class);

  private final FrameScorer scorer;
  private final LongSupplier clock;
  private final AtomicReference<FloatImage> canary = new AtomicReference<>();
  private final AtomicInteger failuresInARow = new AtomicInteger();
  /** Content hashes of the frames in the current run of frame failures (guarded by itself). */
  private final java.util.List<Long> run = new java.util.ArrayList<>();
  /** Frames of runs that were escalated: given their restart, they are their own fault when they fail again. */
  private final java.util.Set<Long> hadTheirRestart = java.util.Collections.newSetFromMap(
      new java.util.LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
          return size() > 4096;
        }
      });
  private final AtomicReference<String> systemic = new AtomicReference<>();
  private final Map<Thread, Long> inFlightSince = new ConcurrentHashMap<>();

  public ScoringGuard(FrameScorer scorer) {
    this(scorer, System::currentTimeMillis);
  }

  public ScoringGuard(FrameScorer scorer, LongSupplier clock) {
    this.scorer = scorer;
    this.clock = clock;
  }

  public FrameScorer scorer() {
    return scorer;
  }

  /**
   * Scores one frame.
   *
   * @throws FrameScoringException when this frame cannot be scored (dead-letter it as SCORING_FAILED)
   * @throws ScoringUnavailableException when scoring fails for every frame (do not dead-letter; let the task fail)
   */
  public Verdict score(FloatImage frame) throws FrameScoringException {
    return score(frame, scorer::score);
  }

  /**
   * Scores one frame the way {@code scoring} does (the shared batcher, whose model calls carry other threads'
   * frames too: a batch that fails is run again call by call, so what reaches here is this frame's own failure),
   * judged as {@link #score(FloatImage)} judges it. The canary is still scored alone, with {@link #scorer()}.
   */
  public <T> T score(FloatImage frame, Function<FloatImage, T> scoring) throws FrameScoringException {
    Thread me = Thread.currentThread();
    inFlightSince.put(me, clock.getAsLong());
    try {
      T result = scoring.apply(frame);
      succeeded(frame);
      return result;
    } catch (RuntimeException | Error e) {
      throw classify(e, frame);
    } finally {
      inFlightSince.remove(me);
    }
  }

  /** Records a frame that scored: it becomes the canary, and scoring counts as working again. */
  public void succeeded(FloatImage frame) {
    canary.set(frame);
    failuresInARow.set(0);
    synchronized (run) {
      run.clear();
    }
    String was = systemic.getAndSet(null);
    if (was != null) {
      log.info("scoring works again (it failed for every frame: {})", was);
    }
  }

  /**
   * Decides what a scoring failure is: returns the {@link FrameScoringException} to dead-letter the frame
   * with, or throws {@link ScoringUnavailableException} when scoring itself is broken.
   */
  public FrameScoringException classify(Throwable failure) {
    return classify(failure, null);
  }

  /** As {@link #classify(Throwable)}, for the failure of {@code frame} (null: unknown), whose repeats it tells. */
  public FrameScoringException classify(Throwable failure, FloatImage frame) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ScoringUnavailableException s) {
        throw systemic(s.getMessage(), s.getCause() == null ? s : s.getCause());
      }
      if (t instanceof Error) {
        throw systemic("the scorer failed with " + t, failure);
      }
    }
    FloatImage probe = canary.get();
    try {
      scorer.score(probe != null ? probe : midGrey());
    } catch (RuntimeException | Error canaryFailure) {
      throw systemic("a frame failed (" + failure + ") and so did the canary frame (" + canaryFailure + ")", failure);
    }
    Long id = frame == null ? null : contentHash(frame);
    synchronized (run) {
      // failed again after its restart: this frame, not scoring. Kept (not removed) so that a replay from an
      // earlier commit meets it again as known: a burst of N bad frames then costs N / 5 restarts, not a loop.
      if (id != null && hadTheirRestart.contains(id)) {
        return new FrameScoringException(failure);
      }
      if (id != null) {
        run.add(id);
      }
    }
    int inARow = failuresInARow.incrementAndGet();
    if (inARow >= MAX_FRAME_FAILURES_IN_A_ROW) {
      failuresInARow.set(0);
      synchronized (run) {
        hadTheirRestart.addAll(run);
        run.clear();
      }
      throw systemic(inARow + " frames in a row failed to score although the canary frame scores; last: " + failure,
          failure);
    }
    return new FrameScoringException(failure);
  }

  private ScoringUnavailableException systemic(String what, Throwable cause) {
    String message = "scoring fails for every frame: " + what
        + "; no frame is dead-lettered for it, Kafka Streams restarts with a backoff and scores them again";
    if (systemic.getAndSet(what) == null) {
      log.error(message);
    }
    return new ScoringUnavailableException(message, cause);
  }

  /** Why scoring counts as broken (it failed for every frame and nothing has scored since); null when it works. */
  public String problem() {
    String s = systemic.get();
    return s == null ? null : "scoring fails for every frame: " + s;
  }

  /** How long the longest frame now in the model has been there, in ms; 0 when none is. */
  public long longestInFlightMs() {
    long now = clock.getAsLong();
    long oldest = 0;
    for (long since : inFlightSince.values()) {
      oldest = Math.max(oldest, now - since);
    }
    return oldest;
  }

  /**
   * A frame's identity by content, only ever computed for a frame that failed. SHA-256, because Arrays.hashCode
   * collides for near-uniform frames (of twelve flat grey frames, five shared one hash): a collision would forgive
   * a frame it should count.
   */
  private static long contentHash(FloatImage frame) {
    try {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12 + 4 * frame.data().length);
      b.putInt(frame.channels()).putInt(frame.height()).putInt(frame.width());
      b.asFloatBuffer().put(frame.data());
      return java.nio.ByteBuffer.wrap(sha.digest(b.array())).getLong();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private FloatImage midGrey() {
    var in = scorer.manifest().input();
    float[] data = new float[in.channels() * in.height() * in.width()];
    Arrays.fill(data, 0.5f);
    return new FloatImage(in.channels(), in.height(), in.width(), data);
  }
}
