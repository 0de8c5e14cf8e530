package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InterruptionTest {

  /** Waits for a condition (polling), failing after {@code seconds}: no fixed sleeps. */
  private static void await(java.util.function.BooleanSupplier condition, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within %d s", seconds).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void theHookAsksTheRunToStopAndWaitsUntilItHasWrittenItsSummary() throws Exception {
    Interruption stop = new Interruption(Duration.ofSeconds(30));
    stop.begin();
    CompletableFuture<Boolean> hook = CompletableFuture.supplyAsync(stop::onShutdown);
    await(stop::requested, 10);
    assertThat(hook).as("still waiting for the run").isNotDone();
    stop.finished(); // the main thread has written the partial report and closed
    assertThat(hook.get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void theHookWaitsOnlyABoundedTimeForARunThatDoesNotFinish() {
    Interruption stop = new Interruption(Duration.ofMillis(200));
    stop.begin();
    long t0 = System.nanoTime();
    assertThat(stop.onShutdown()).isFalse();
    long waitedMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(waitedMs).isBetween(190L, 10_000L);
  }

  @Test
  void aJvmThatStartedNoRunExitsWithoutWaiting() {
    Interruption stop = new Interruption(Duration.ofSeconds(30));
    long t0 = System.nanoTime();
    assertThat(stop.onShutdown()).isTrue();
    assertThat(stop.requested()).isFalse();
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
  }

  @Test
  void aNormalExitRunsTheHookWithoutAskingTheFinishedRunToStop() {
    Interruption stop = new Interruption(Duration.ofSeconds(30));
    stop.begin();
    stop.finished();
    assertThat(stop.onShutdown()).isTrue();
    assertThat(stop.requested()).isFalse();
  }

  @Test
  void aStepsSleepEndsPromptlyWithStoppedOnceAStopIsRequested() throws Exception {
    Interruption stop = new Interruption(Duration.ofSeconds(30));
    stop.begin();
    CompletableFuture<Throwable> sleeper = CompletableFuture.supplyAsync(() -> {
      try {
        stop.sleepUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
        return null;
      } catch (Throwable e) {
        return e;
      }
    });
    CompletableFuture.runAsync(stop::onShutdown);
    assertThat(sleeper.get(5, TimeUnit.SECONDS)).as("woke well before its 60 s")
        .isInstanceOf(Interruption.Stopped.class);
    stop.finished();
  }

  @Test
  void aCheckpointPassesUntilAStopIsRequested() throws Exception {
    Interruption stop = new Interruption(Duration.ofSeconds(30));
    stop.begin();
    stop.throwIfRequested();
    stop.sleepUntil(System.nanoTime() + 1_000_000);
    CompletableFuture.runAsync(stop::onShutdown);
    await(stop::requested, 10);
    assertThatThrownBy(stop::throwIfRequested).isInstanceOf(Interruption.Stopped.class);
    stop.finished();
  }
}
