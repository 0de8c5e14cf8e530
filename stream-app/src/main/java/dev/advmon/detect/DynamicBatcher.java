package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores the frames that several threads (the Kafka Streams threads) hand in at the same time together, in one
 * {@link FrameScorer#score(List)} call: the frames and all their probes in as few inference calls as
 * {@code model.max-batch} allows, and the overinterpretation rounds of all of them shared.
 *
 * <p><b>Why callers block.</b> Each caller hands in one frame and waits for its verdict. While it waits, its
 * record is still being processed by its stream thread, so Kafka Streams cannot commit past it: a frame that is
 * waiting in a batch when the process dies was never committed, and is read again after the restart. Nothing is
 * buffered across a commit, so exactly-once needs no extra state. The price: a batch holds at most one frame
 * per waiting thread, which is why the monitor runs more stream threads than it has cores.
 *
 * <p><b>When a batch goes.</b> One worker thread takes the waiting frames when {@code maxFrames} are waiting,
 * when every thread that handed in a frame recently is waiting (nobody else is coming), or when the oldest has
 * waited {@code maxWait}; whichever comes first. While it scores, newly handed-in frames gather for the next
 * batch. A batch that fails is scored again frame by frame, so that a frame the model cannot score fails alone.
 *
 * <p>With {@code maxFrames} = 1 there is no worker: each caller scores its own frame on its own thread.
 */
public final class DynamicBatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DynamicBatcher.class);

  /** A caller that has not handed in a frame for this long no longer counts as one to wait for. */
  private static final long ACTIVE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  /** A frame's verdict and the number of frames scored in the same call (1 = alone). */
  public record Result(Verdict verdict, int batchFrames) {}

  /** Sees every batch scored (metrics); called on the worker thread, so it must be quick. */
  @FunctionalInterface
  public interface Listener {
    Listener NONE = (frames, nanos) -> {};

    void batchScored(int frames, long nanos);
  }

  /** Thrown to a caller when no verdict can come, through no fault of its frame: closed, or interrupted. */
  public static final class ScoringUnavailableException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    ScoringUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private record Pending(FloatImage frame, long since, CompletableFuture<Result> result) {}

  private final FrameScorer scorer;
  private final int maxFrames;
  private final long maxWaitNanos;
  private final Listener listener;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  private final Map<Thread, Long> lastSeen = new HashMap<>();
  private final Thread worker;
  private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();
  private boolean closed;

  /**
   * @param maxFrames most frames per {@link FrameScorer#score(List)} call; 1 = no batching across callers
   * @param maxWait longest a frame waits for others to join its batch
   */
  public DynamicBatcher(FrameScorer scorer, int maxFrames, Duration maxWait, Listener listener) {
    if (maxFrames < 1 || maxWait.isNegative()) {
      throw new IllegalArgumentException("maxFrames must be positive and maxWait not negative");
    }
    this.scorer = scorer;
    this.maxFrames = maxFrames;
    this.maxWaitNanos = maxWait.toNanos();
    this.listener = listener;
    if (maxFrames == 1) {
      worker = null;
    } else {
      worker = new Thread(this::work, "advmon-batcher");
      worker.setDaemon(true);
      worker.start();
    }
  }

  /** Each caller scores its own frame alone, on its own thread (tests, tools). */
  public static DynamicBatcher direct(FrameScorer scorer) {
    return new DynamicBatcher(scorer, 1, Duration.ZERO, Listener.NONE);
  }

  public FrameScorer scorer() {
    return scorer;
  }

  public int maxFrames() {
    return maxFrames;
  }

  /** Frames handed in whose callers still wait for their verdict: queued, or in the batch being scored. */
  public int pending() {
    return pending.get();
  }

  /** Frames handed in and not yet taken into a batch (tests wait on it). */
  int waiting() {
    lock.lock();
    try {
      return waiting.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The verdict on {@code frame}, scored together with the frames other threads hand in meanwhile. Blocks until
   * it is ready. A frame the model cannot score throws what scoring it alone threw; a batcher that is closed, or
   * a caller interrupted while waiting, gets {@link ScoringUnavailableException}.
   */
  public Result score(FloatImage frame) {
    if (worker == null) {
      long start = System.nanoTime();
      Verdict v = scorer.score(frame);
      listener.batchScored(1, System.nanoTime() - start);
      return new Result(v, 1);
    }
    Pending p = new Pending(frame, System.nanoTime(), new CompletableFuture<>());
    lock.lock();
    try {
      if (closed) {
        throw new ScoringUnavailableException("the batcher is closed (the monitor is stopping)", null);
      }
      waiting.add(p);
      pending.incrementAndGet();
      lastSeen.put(Thread.currentThread(), p.since());
      arrived.signal();
    } finally {
      lock.unlock();
    }
    try {
      return p.result().get();
    } catch (InterruptedException e) {
      if (p.result().cancel(false)) {
        pending.decrementAndGet(); // the verdict may still come, but nobody waits for it
      }
      Thread.currentThread().interrupt();
      throw new ScoringUnavailableException("interrupted while waiting for a verdict", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("scoring failed: " + e.getCause(), e.getCause());
    }
  }

  private void work() {
    while (true) {
      List<Pending> batch = next();
      if (batch == null) {
        return;
      }
      run(batch);
    }
  }

  /** The next batch, once it should go; null when closed and nothing is left. */
  private List<Pending> next() {
    lock.lock();
    try {
      while (waiting.isEmpty()) {
        if (closed) {
          return null;
        }
        arrived.awaitUninterruptibly();
      }
      long deadline = waiting.peek().since() + maxWaitNanos;
      while (!closed && waiting.size() < maxFrames && waiting.size() < activeCallers()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          arrived.awaitNanos(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt(); // only close() interrupts: take what is there
          break;
        }
      }
      List<Pending> batch = new ArrayList<>(Math.min(waiting.size(), maxFrames));
      while (!waiting.isEmpty() && batch.size() < maxFrames) {
        batch.add(waiting.poll());
      }
      return batch;
    } finally {
      lock.unlock();
    }
  }

  /** Threads that handed in a frame lately (those waiting included); forgets the others. Under the lock. */
  private int activeCallers() {
    long now = System.nanoTime();
    lastSeen.entrySet().removeIf(e -> now - e.getValue() > ACTIVE_NANOS || !e.getKey().isAlive());
    return Math.max(1, lastSeen.size());
  }

  private void run(List<Pending> batch) {
    try {
      score(batch);
    } finally {
      for (Pending p : batch) {
        if (!p.result().isCancelled()) {
          pending.decrementAndGet();
        }
      }
    }
  }

  private void score(List<Pending> batch) {
    long start = System.nanoTime();
    List<FloatImage> frames = new ArrayList<>(batch.size());
    batch.forEach(p -> frames.add(p.frame()));
    try {
      List<Verdict> verdicts = scorer.score(frames);
      listener.batchScored(batch.size(), System.nanoTime() - start);
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).result().complete(new Result(verdicts.get(i), batch.size()));
      }
    } catch (RuntimeException e) {
      if (batch.size() == 1) {
        batch.get(0).result().completeExceptionally(e);
        return;
      }
      log.warn("a batch of {} frames failed ({}); scoring them one by one so that only the failing frames fail",
          batch.size(), e.toString());
      for (Pending p : batch) {
        try {
          long one = System.nanoTime();
          Verdict v = scorer.score(p.frame());
          listener.batchScored(1, System.nanoTime() - one);
          p.result().complete(new Result(v, 1));
        } catch (RuntimeException alone) {
          p.result().completeExceptionally(alone);
        } catch (Error fatal) {
          p.result().completeExceptionally(new IllegalStateException("scoring failed: " + fatal, fatal));
        }
      }
    } catch (Error e) { // a native failure: answer every caller rather than leave them waiting for ever
      log.error("scoring a batch of {} frames failed: {}", batch.size(), e.toString());
      batch.forEach(p -> p.result().completeExceptionally(new IllegalStateException("scoring failed: " + e, e)));
    }
  }

  /**
   * Scores what is still waiting, then stops the worker. Close it after the stream threads have stopped (they
   * may still hand in frames while Kafka Streams closes); later callers get {@link ScoringUnavailableException}.
   */
  @Override
  public void close() {
    if (worker == null) {
      return;
    }
    lock.lock();
    try {
      closed = true;
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      worker.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (worker.isAlive()) {
      log.warn("the batcher's worker did not finish within 30 s; its callers get no verdict");
    }
  }
}
