package dev.advmon.model;

import dev.advmon.image.FloatImage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A classifier shared by several threads whose concurrent calls become one call of the model: each thread hands in
 * its images (a frame and its probes, or a round of probes) and blocks until its rows come back, while worker
 * threads run the model on the requests of all threads together. The threads keep doing their own work (probes,
 * detector statistics) in parallel; only the model runs once per batch, on all its own threads, which is what a
 * GPU, and ONNX Runtime on many cores, are fast at.
 *
 * <p><b>When a call goes.</b> While the workers run the model, new requests gather; a free worker takes what is
 * waiting (at most {@code maxRequests} requests and {@code maxImages} images). With one worker (a GPU: one stream of
 * big batches, where a batch costs little more than one frame), it first waits for more until {@code maxRequests}
 * or {@code maxImages} are waiting, or every thread that is scoring a frame ({@link #startFrame}) is waiting
 * (nobody else is coming), or the oldest has waited {@code maxWait}. With several workers (a CPU: one per group of
 * ONNX Runtime intra-op threads, so that every core runs the model) a free worker never waits, since that would
 * leave cores idle, and calls merge only while all workers are busy. A call that fails is run again request by
 * request, so that a request the model cannot run fails alone.
 *
 * <p>Requests larger than {@code maxImages} go alone. The underlying model is not owned: {@link #close()} stops the
 * workers only.
 */
public final class SharedClassifier implements BatchClassifier {

  private static final Logger log = LoggerFactory.getLogger(SharedClassifier.class);

  /** Sees every model call (metrics); called on the worker thread, so it must be quick. */
  @FunctionalInterface
  public interface Listener {
    Listener NONE = (requests, images, nanos) -> {};

    void called(int requests, int images, long nanos);
  }

  /** Thrown to a caller when no answer can come through no fault of its images: closed, or interrupted. */
  public static final class UnavailableException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private record Request(List<FloatImage> images, Thread caller, long since, CompletableFuture<Answer> answer) {}

  private record Answer(BatchOutput rows, int requests) {}

  private final BatchClassifier model;
  private final int maxRequests;
  private final int maxImages;
  private final long maxWaitNanos;
  private final Listener listener;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Request> waiting = new ArrayDeque<>();
  private final Set<Thread> inFrame = new HashSet<>();
  private final ThreadLocal<int[]> firstCallRequests = ThreadLocal.withInitial(() -> new int[1]);
  private final AtomicInteger pending = new AtomicInteger();
  private final List<Thread> workers = new ArrayList<>();
  private int busy;
  private boolean closed;

  /**
   * @param maxRequests most requests (frames) in one model call
   * @param maxImages most images in one model call (a larger request goes alone)
   * @param maxWait longest a request waits for others to join
   * @param workers model calls that may run at the same time
   */
  public SharedClassifier(BatchClassifier model, int maxRequests, int maxImages, Duration maxWait, int workers,
      Listener listener) {
    if (maxRequests < 1 || maxImages < 1 || maxWait.isNegative() || workers < 1) {
      throw new IllegalArgumentException("maxRequests, maxImages and workers must be positive and maxWait not negative");
    }
    this.model = model;
    this.maxRequests = maxRequests;
    this.maxImages = maxImages;
    this.maxWaitNanos = maxWait.toNanos();
    this.listener = listener;
    for (int i = 0; i < workers; i++) {
      Thread w = new Thread(this::work, workers == 1 ? "advmon-inference" : "advmon-inference-" + (i + 1));
      w.setDaemon(true);
      w.start();
      this.workers.add(w);
    }
  }

  /** One worker: all model calls one after the other (a GPU). */
  public SharedClassifier(BatchClassifier model, int maxRequests, int maxImages, Duration maxWait, Listener listener) {
    this(model, maxRequests, maxImages, maxWait, 1, listener);
  }

  @Override
  public ModelManifest manifest() {
    return model.manifest();
  }

  @Override
  public String engineName() {
    return model.engineName();
  }

  /**
   * The calling thread starts scoring a frame: until {@link #endFrame}, its requests are expected, so others wait
   * for them (up to maxWait). Also resets {@link #requestsInFirstCall()}.
   */
  public void startFrame() {
    firstCallRequests.get()[0] = 0;
    lock.lock();
    try {
      inFrame.add(Thread.currentThread());
    } finally {
      lock.unlock();
    }
  }

  /** The calling thread is done with its frame: nobody waits for it any more. */
  public void endFrame() {
    lock.lock();
    try {
      inFrame.remove(Thread.currentThread());
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Requests (frames) in the model call that ran this thread's first request since {@link #startFrame}; 0 if none. */
  public int requestsInFirstCall() {
    return firstCallRequests.get()[0];
  }

  /** Requests handed in whose callers still wait: queued, or in the call running now. */
  public int pending() {
    return pending.get();
  }

  /** Requests handed in and not yet taken into a call (tests wait on it). */
  int waiting() {
    lock.lock();
    try {
      return waiting.size();
    } finally {
      lock.unlock();
    }
  }

  /** Runs the model on {@code images} together with what other threads hand in meanwhile; blocks until done. */
  @Override
  public BatchOutput classify(List<FloatImage> images) {
    if (images.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    Request r = new Request(List.copyOf(images), Thread.currentThread(), System.nanoTime(), new CompletableFuture<>());
    lock.lock();
    try {
      if (closed) {
        throw new UnavailableException("the shared classifier is closed (the monitor is stopping)", null);
      }
      waiting.add(r);
      pending.incrementAndGet();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    Answer a;
    try {
      a = r.answer().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      r.answer().cancel(false); // the model may still run it, but nobody waits for the answer
      throw new UnavailableException("interrupted while waiting for the model", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException("inference failed: " + e.getCause(), e.getCause());
    } finally {
      // the caller counts itself out, so that once classify returns, pending() no longer counts it (the worker
      // completes the answer first and would count it out only afterwards)
      pending.decrementAndGet();
    }
    int[] first = firstCallRequests.get();
    if (first[0] == 0) {
      first[0] = a.requests();
    }
    return a.rows();
  }

  private void work() {
    while (true) {
      List<Request> call = next();
      if (call == null) {
        return;
      }
      try {
        run(call);
      } finally {
        lock.lock();
        try {
          busy--;
          changed.signalAll(); // a free worker may end another's wait
        } finally {
          lock.unlock();
        }
      }
    }
  }

  /** The next call's requests, once it should go; null when closed and nothing is left. */
  private List<Request> next() {
    lock.lock();
    try {
      while (waiting.isEmpty()) {
        if (closed) {
          return null;
        }
        changed.awaitUninterruptibly();
      }
      long deadline = waiting.peek().since() + maxWaitNanos;
      // With several workers (a CPU) a free worker never waits: calls merge only while all are busy. With one (a
      // GPU, where a batch costs little more than one frame), it waits a moment for the threads still scoring.
      while (workers.size() == 1 && !closed && !full() && !everyoneWaiting()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          changed.awaitNanos(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      List<Request> call = new ArrayList<>();
      int images = 0;
      while (!waiting.isEmpty() && call.size() < maxRequests
          && (call.isEmpty() || images + waiting.peek().images().size() <= maxImages)) {
        Request r = waiting.poll();
        images += r.images().size();
        call.add(r);
      }
      busy++;
      return call;
    } finally {
      lock.unlock();
    }
  }

  private boolean full() {
    if (waiting.size() >= maxRequests) {
      return true;
    }
    int images = 0;
    for (Request r : waiting) {
      images += r.images().size();
    }
    return images >= maxImages;
  }

  /** True when every thread scoring a frame has a request waiting: no other request is about to come. */
  private boolean everyoneWaiting() {
    Set<Thread> waitingThreads = new HashSet<>();
    for (Request r : waiting) {
      waitingThreads.add(r.caller());
    }
    inFrame.removeIf(t -> !t.isAlive());
    return waitingThreads.containsAll(inFrame);
  }

  private void run(List<Request> call) {
    List<FloatImage> images = new ArrayList<>();
    call.forEach(r -> images.addAll(r.images()));
    long start = System.nanoTime();
    try {
      BatchOutput out = model.classify(images);
      listener.called(call.size(), images.size(), System.nanoTime() - start);
      int row = 0;
      for (Request r : call) {
        r.answer().complete(new Answer(call.size() == 1 ? out : out.rows(row, r.images().size()), call.size()));
        row += r.images().size();
      }
    } catch (RuntimeException | Error e) {
      if (call.size() == 1) {
        call.get(0).answer().completeExceptionally(answerFor(e));
        return;
      }
      // an Error too: a call too large for the heap (merged frames of a large input with their probes) is the
      // merge's fault, and each request alone may fit; answered with it, every frame of the call counted as systemic
      // and the restart merged the same frames again. Where the Error is not the merge's (a native library gone),
      // each request fails again on its own below.
      log.warn("a model call of {} requests failed ({}); running them one by one so that only a failing one fails",
          call.size(), e.toString());
      for (Request r : call) {
        try {
          long one = System.nanoTime();
          BatchOutput out = model.classify(r.images());
          listener.called(1, r.images().size(), System.nanoTime() - one);
          r.answer().complete(new Answer(out, 1));
        } catch (RuntimeException | Error alone) {
          r.answer().completeExceptionally(answerFor(alone));
        }
      }
    }
  }

  /** What a caller gets for a failed call: a RuntimeException as it is, an Error wrapped (a native failure). */
  private static RuntimeException answerFor(Throwable failure) {
    return failure instanceof RuntimeException re ? re : new IllegalStateException("inference failed: " + failure, failure);
  }

  /**
   * Runs what is still waiting, then stops the workers (the model stays open: its owner closes it). Close it after
   * the threads that call it have stopped; later calls get {@link UnavailableException}.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    // joined even when the closing thread is interrupted (a SIGTERM does that): the model's owner closes the model
    // next, and must not do so under a worker still in a call
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    boolean interrupted = false;
    for (Thread w : workers) {
      while (w.isAlive() && System.nanoTime() < deadline) {
        try {
          w.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (w.isAlive()) {
        log.warn("inference worker {} did not finish within 30 s; its callers get no answer", w.getName());
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
