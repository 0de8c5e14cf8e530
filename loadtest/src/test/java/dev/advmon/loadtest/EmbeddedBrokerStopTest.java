package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Ctrl-C or SIGTERM while the embedded broker starts. The JVM is then shutting down, and Kafka's first metrics
 * registry, made while the broker is built, fails to add its own shutdown hook (an ExceptionInInitializerError,
 * "Shutdown in progress"): the load test ended with that stack trace, without its INTERRUPTED report.
 */
class EmbeddedBrokerStopTest {

  @Test
  void aStopWhileTheBrokerStartsEndsTheStartAsStoppedNotWithTheFailureItCaused() throws Exception {
    Throwable ended = failingAsASignalComes(
        new ExceptionInInitializerError(new IllegalStateException("Shutdown in progress")));

    assertThat(ended).isInstanceOf(Interruption.Stopped.class);
  }

  /**
   * What {@link EmbeddedTarget#startBroker} ends with when the broker's start fails with {@code failure} once the
   * signal's hook has asked the run to stop (checked here, with the hook's own end).
   */
  private static Throwable failingAsASignalComes(Throwable failure) throws Exception {
    Interruption stop = new Interruption(Duration.ofSeconds(30));
    stop.begin();
    AtomicReference<CompletableFuture<Boolean>> hook = new AtomicReference<>();
    Throwable ended;
    try {
      ended = catchThrowable(() -> EmbeddedTarget.startBroker(stop, () -> {
        hook.set(CompletableFuture.supplyAsync(stop::onShutdown)); // the signal, while the broker is built
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!stop.requested() && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        if (failure instanceof Error error) {
          throw error;
        }
        throw (Exception) failure;
      }));
    } finally {
      stop.finished();
    }

    assertThat(stop.requested()).as("the hook asked the run to stop").isTrue();
    assertThat(hook.get().get(30, TimeUnit.SECONDS)).isTrue();
    return ended;
  }

  @Test
  void aBrokerThatFailsWithNoStopRequestedFailsWithItsOwnError() {
    Interruption stop = new Interruption(Duration.ofSeconds(30));
    IllegalStateException broken = new IllegalStateException("the broker's log folder cannot be written");

    Throwable ended = catchThrowable(() -> EmbeddedTarget.startBroker(stop, () -> {
      throw broken;
    }));

    assertThat(ended).isSameAs(broken);
  }

  /**
   * A failure of the broker's own that a stop happens to meet (its folder cannot be written): ended as a stop, it was
   * hidden behind the INTERRUPTED report, while a failure later in the run is told as itself.
   */
  @Test
  void aBrokerFailureOfItsOwnWhileAStopIsRequestedIsToldNotHiddenAsTheStop() throws Exception {
    IllegalStateException broken = new IllegalStateException("the broker's log folder cannot be written");

    assertThat(failingAsASignalComes(broken)).isSameAs(broken);
  }

  /** The embedded start heard only the process's stop (Interruption.PROCESS), not the command's, as a test gives it. */
  @Test
  void theEmbeddedStartHearsTheCommandsOwnStopAndStartsNoBroker() throws Exception {
    Interruption stop = new Interruption(Duration.ofSeconds(30));
    stop.begin();
    CompletableFuture<Boolean> hook = CompletableFuture.supplyAsync(stop::onShutdown);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!stop.requested() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    AtomicBoolean brokerStarted = new AtomicBoolean();
    Throwable ended;
    try {
      ended = catchThrowable(() -> EmbeddedTarget.startBroker(stop, () -> {
        brokerStarted.set(true);
        throw new AssertionError("no broker is started once a stop was requested");
      }));
      Throwable whole = catchThrowable(() -> EmbeddedTarget.start(null, 1, 1, Map.of(), Path.of("."), System.err,
          stop));
      assertThat(whole).as("EmbeddedTarget.start").isInstanceOf(Interruption.Stopped.class);
    } finally {
      stop.finished();
    }

    assertThat(ended).isInstanceOf(Interruption.Stopped.class);
    assertThat(brokerStarted).isFalse();
    assertThat(hook.get(30, TimeUnit.SECONDS)).isTrue();
  }
}
