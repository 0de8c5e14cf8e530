package dev.advmon.testing;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.ModelManifest;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A real model that fails on demand: {@link #fault} decides, per call, whether the call throws (and what), and
 * {@link #hold} can keep calls waiting (a hung model). Only the failure is made up; every call that does not
 * fail runs the real model. {@link #entered} counts calls as they arrive, so a test can wait until a call is in
 * the model instead of guessing how long a thread takes to get there.
 */
public final class BreakableClassifier implements BatchClassifier {

  /** What a call on {@code images} throws; null = it runs the model. */
  @FunctionalInterface
  public interface Fault {
    Throwable on(List<FloatImage> images);

    /**
     * The next {@code calls} model calls fail, as a device that went away would, then the model runs again: a test
     * sets the count (e.g. to break one frame and the canary) and each failing call takes one off.
     */
    static Fault failingWhileCounting(java.util.concurrent.atomic.AtomicInteger calls) {
      return images -> calls.getAndUpdate(n -> Math.max(0, n - 1)) > 0
          ? new IllegalStateException("injected: the accelerator went away") : null;
    }
  }

  private final BatchClassifier model;
  public volatile Fault fault = images -> null;
  public volatile CountDownLatch hold;
  public final java.util.concurrent.Semaphore entered = new java.util.concurrent.Semaphore(0);

  public BreakableClassifier(BatchClassifier model) {
    this.model = model;
  }

  @Override
  public ModelManifest manifest() {
    return model.manifest();
  }

  @Override
  public String engineName() {
    return model.engineName();
  }

  @Override
  public BatchOutput classify(List<FloatImage> images) {
    entered.release();
    CountDownLatch h = hold;
    if (h != null) {
      try {
        h.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Throwable t = fault.on(images);
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return model.classify(images);
  }

  /** How often {@link #close} was called: a test that hands this to code owning a model checks it closes it. */
  public final java.util.concurrent.atomic.AtomicInteger closed = new java.util.concurrent.atomic.AtomicInteger();

  /** The model is not closed here: it belongs to the test. Counted in {@link #closed}. */
  @Override
  public void close() {
    closed.incrementAndGet();
  }
}
