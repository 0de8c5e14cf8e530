package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.registry.RegistryUnavailableException;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.testing.Await;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.TestData;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry's start-up wait runs on a thread of its own (advmon-registry-check) beside the topic check, so that
 * whichever fails first ends the start. It ran on the thread that calls {@link StreamingMonitor#start}, and what that
 * gave it must still hold: an Error ends the start as itself (its stack trace logged), not wrapped in an
 * IllegalStateException whose message is the Error's class name (exit status 2, as if refused at start-up); and a
 * start ends only once its registry wait has ended, so that no retry is announced, and no schema registered, after a
 * stop or a failure was reported.
 */
class StartupRegistryCheckThreadTest {

  @TempDir
  Path dir;

  @Test
  void anErrorInTheRegistrysCheckEndsTheStartAsItself() throws Exception {
    Error broken = new NoClassDefFoundError("com/fasterxml/jackson/databind/ObjectMapper (a broken class path)");
    Throwable ended = startEndingWith(new StartupTestRegistry(() -> {
      throw broken;
    }), (start, starter) -> {});

    assertThat(ended).isSameAs(broken);
  }

  /**
   * A stop while the registry is asked: the start must end after the wait it interrupted, not before. The registry
   * here gives up its request only when the test lets it, once the start has either ended (the bug) or is seen
   * waiting for the check.
   */
  @Test
  void aStopEndsTheStartOnlyOnceTheRegistrysWaitHasEnded() throws Exception {
    CountDownLatch asked = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    CountDownLatch giveUp = new CountDownLatch(1);
    AtomicReference<Thread> check = new AtomicReference<>();
    StartupTestRegistry registry = new StartupTestRegistry(() -> {
      check.set(Thread.currentThread());
      asked.countDown();
      try {
        new CountDownLatch(1).await(); // a request that never gets an answer
      } catch (InterruptedException e) {
        interrupted.countDown();
        // the request's cancellation takes a moment; the test says when it is over
        boolean released = awaitUninterruptibly(giveUp);
        Thread.currentThread().interrupt(); // as HttpSchemaRegistryClient: the interrupt kept, the request failed
        throw new RegistryUnavailableException("test registry", 1, "interrupted (released: " + released + ")", e);
      }
      throw new AssertionError("not reached");
    });
    AtomicReference<Boolean> endedFirst = new AtomicReference<>();
    Throwable ended = startEndingWith(registry, (start, starter) -> {
      assertThat(asked.await(60, TimeUnit.SECONDS)).as("the registry was asked").isTrue();
      starter.interrupt(); // what run's stop does to the thread that starts the monitor
      assertThat(interrupted.await(60, TimeUnit.SECONDS)).as("the stop reached the registry's request").isTrue();
      // the start has ended, or its thread waits (for the check, or a lock) while the request is still being given up
      assertThat(Await.until(() -> start.isDone() || starter.getState() == Thread.State.WAITING,
          Duration.ofSeconds(60))).as("the start ended or waits; its thread is %s", starter.getState()).isTrue();
      endedFirst.set(start.isDone());
      giveUp.countDown();
    });

    assertThat(endedFirst.get()).as("the start ended while its registry wait was still under way").isFalse();
    assertThat(ended).isInstanceOf(InterruptedException.class);
    assertThat(check.get().isAlive()).as("the registry's check thread ended with the start").isFalse();
  }

  /** Starts against {@code registry} and a broker that refuses connections; what the start ended with. */
  private Throwable startEndingWith(SchemaRegistry registry, BackgroundStart.WhileStarting meanwhile)
      throws Exception {
    int noBroker;
    try (ServerSocket s = new ServerSocket(0)) {
      noBroker = s.getLocalPort();
    }
    Map<String, String> settings = MonitorSettings.of("127.0.0.1:" + noBroker, "http://127.0.0.1:1", "check-thread",
        dir);
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    try (MonitorMetrics metrics = MonitorMetrics.inMemory()) {
      return BackgroundStart.failure(config, registry, metrics, meanwhile);
    }
  }

  private static boolean awaitUninterruptibly(CountDownLatch latch) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        return latch.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException again) {
        // the request is given up when the test says, not before
      }
    }
  }
}
