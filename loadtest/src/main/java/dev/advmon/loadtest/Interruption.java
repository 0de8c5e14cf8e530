package dev.advmon.loadtest;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT) or SIGTERM during a run: the JVM's shutdown hook only <em>signals</em> the run to stop and waits,
 * at most {@link #WAIT}, for the main thread to write what it measured so far (marked interrupted) and close what it
 * opened; then it closes whatever is still open ({@link ShutdownCleanup}). The hook never calls System.exit: the JVM
 * exits with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM) once the hook returns.
 *
 * <p>The run notices the request at its checkpoints ({@link #throwIfRequested()}: every sleep of a step, warm-up or
 * drain, the scoring loops, the wait for the monitors to start) rather than by Thread.interrupt, which would also
 * abort the Kafka clients' and Kafka Streams' own close and could leave their state folders behind.
 */
final class Interruption {

  /** Long enough to write the report and close the embedded monitors and broker; short enough for an operator. */
  static final Duration WAIT = Duration.ofSeconds(60);

  /** The one the commands and the shutdown hook share. */
  static final Interruption PROCESS = new Interruption(WAIT);

  /** Thrown at a checkpoint once a stop was requested: the run unwinds to where it writes the partial report. */
  static final class Stopped extends RuntimeException {
    Stopped() {
      super("interrupted (Ctrl-C or SIGTERM)", null, false, false);
    }
  }

  private static final Object LOCK = new Object();
  private static boolean hooked;

  private final Duration wait;
  private final Runnable atBegin;
  private final CountDownLatch finished = new CountDownLatch(1);
  private final java.util.List<Runnable> onRequest = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean running;
  private volatile boolean requested;

  Interruption(Duration wait) {
    this(wait, () -> {});
  }

  /**
   * As above, running {@code atBegin} as a run begins, once a shutdown would wait for it: a test looks there at what
   * the command has done before that point (a report folder made before it would be left behind by a Ctrl-C).
   */
  Interruption(Duration wait, Runnable atBegin) {
    this.wait = wait;
    this.atBegin = atBegin;
  }

  /** Registers the JVM shutdown hook once: signal {@link #PROCESS}, wait for it, then close what is left open. */
  static void install() {
    synchronized (LOCK) {
      if (hooked) {
        return;
      }
      try {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          PROCESS.onShutdown();
          ShutdownCleanup.closeAll();
        }, "advmon-loadtest-interrupt"));
      } catch (IllegalStateException e) {
        // already shutting down: there is no run to signal
      }
      hooked = true;
    }
  }

  /** A run starts (the shutdown hook is installed): from now until {@link #finished()} a shutdown interrupts it. */
  void begin() {
    install();
    running = true;
    atBegin.run();
  }

  /**
   * The hook's part: nothing when no run is under way (a normal exit, or a JVM that never started one, also runs
   * the hooks); otherwise ask it to stop and wait, at most the bounded time, for it to say it has written its report
   * and closed.
   *
   * @return true when no run was under way or it finished within the wait
   */
  boolean onShutdown() {
    if (!running || finished.getCount() == 0) {
      return true;
    }
    requested = true;
    onRequest.forEach(Runnable::run);
    System.err.println("loadtest: interrupted: stopping, writing what was measured so far (waiting up to "
        + wait.toSeconds() + " s) ...");
    try {
      if (finished.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    System.err.println("loadtest: the run did not finish within " + wait.toSeconds()
        + " s of the interruption; closing what is still open");
    return false;
  }

  boolean requested() {
    return requested;
  }

  /** A checkpoint: throws {@link Stopped} once a stop was requested. */
  void throwIfRequested() {
    if (requested) {
      throw new Stopped();
    }
  }

  /**
   * Runs {@code action} when a stop is requested (at once when it already was) until the returned handle is closed:
   * for a call that no checkpoint can reach because it blocks inside a client, such as a Kafka consumer's topic
   * lookup (its wakeup() ends the wait).
   */
  Registration whenRequested(Runnable action) {
    onRequest.add(action);
    if (requested) {
      action.run();
    }
    return () -> onRequest.remove(action);
  }

  /** A {@link #whenRequested} action, ended by close(). */
  interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  /** Sleeps until {@code deadlineNanos} (System.nanoTime), waking every 50 ms to honour a stop request. */
  void sleepUntil(long deadlineNanos) throws InterruptedException {
    while (true) {
      throwIfRequested();
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return;
      }
      long slice = Math.min(left, 50_000_000L);
      Thread.sleep(slice / 1_000_000, (int) (slice % 1_000_000));
    }
  }

  /**
   * Runs a command's whole measurement between {@link #begin()} and {@link #finished()}: its report is written
   * (interrupted or not) when {@code run} returns or throws, and only then may the shutdown hook go on.
   */
  <T> T during(java.util.concurrent.Callable<T> run) throws Exception {
    begin();
    try {
      return run.call();
    } finally {
      finished();
    }
  }

  /** The run has written its report (complete or partial) and closed, or failed: the hook may go on. */
  void finished() {
    finished.countDown();
  }
}
