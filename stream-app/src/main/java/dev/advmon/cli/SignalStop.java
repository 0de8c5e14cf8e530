package dev.advmon.cli;

import dev.advmon.model.ModelDocs;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code run}'s shutdown hook: asks the main thread to stop and waits, at most {@code bound}, for it to have closed.
 * The JVM exits when this returns, whatever is still closing, so the bound is the longest a SIGTERM takes; a close that
 * outlasts it (a broker gone) is named in the log rather than cut off without a word.
 */
final class SignalStop implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(SignalStop.class);

  private final CountDownLatch stop;
  private final CountDownLatch stopped;
  private final AtomicBoolean startingUp;
  private final Thread main;
  private final Duration bound;

  SignalStop(CountDownLatch stop, CountDownLatch stopped, AtomicBoolean startingUp, Thread main, Duration bound) {
    this.stop = stop;
    this.stopped = stopped;
    this.startingUp = startingUp;
    this.main = main;
    this.bound = bound;
  }

  @Override
  public void run() {
    if (stopped.getCount() == 0) {
      // call() ended by itself (a start-up error, a fatal failure) and the JVM exits with its status: no signal
      // came, and a "signal received" line after the error would send the operator looking for who sent one
      return;
    }
    log.info("stopping (signal received)");
    stop.countDown();
    if (startingUp.get()) {
      main.interrupt(); // ends a start-up wait for the broker or registry; once running, the latch is enough
    }
    try {
      if (!stopped.await(bound.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("the monitor did not finish closing within {} s of the signal (the main thread was in {}); exiting "
            + "now without the rest of the close ({})", bound.toSeconds(), where(main),
            ModelDocs.projectReadme("Faults, restarts and health"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The main thread's innermost frame in the monitor's own code: which close step it was still in. */
  private static String where(Thread main) {
    return Arrays.stream(main.getStackTrace())
        .filter(f -> f.getClassName().startsWith("dev.advmon.") && !f.getClassName().equals(SignalStop.class.getName()))
        .findFirst().map(StackTraceElement::toString).orElse("code outside the monitor's");
  }
}
