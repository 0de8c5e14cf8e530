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

  /**
   * Before: the report folder was made before the run began, so a Ctrl-C in between found no run under way, and the
   * JVM exited at once with the new, empty --report folder left behind. Here the stop comes right after the folder is
   * made; {@code leftBehind}: whether the folder was there when the hook returned (when the JVM would exit).
   */
  @Test
  void aStopRightAfterTheReportFolderIsMadeLeavesNoFolderBehind(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    Interruption stop = new Interruption(Duration.ofSeconds(30));
    java.nio.file.Path dir = tmp.resolve("new-report");
    CompletableFuture<Boolean>[] leftBehind = new CompletableFuture[1];
    try {
      LoadTestCommand.inReportFolder(stop, dir, () -> {
        java.nio.file.Path made = LoadTestCommand.prepareReportFolder(new picocli.CommandLine(new LoadTestCommand()),
            dir);
        leftBehind[0] = CompletableFuture.supplyAsync(() -> {
          stop.onShutdown();
          return java.nio.file.Files.exists(dir);
        });
        try {
          await(() -> leftBehind[0].isDone() || stop.requested(), 10);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        return made;
      }, () -> {
        stop.throwIfRequested(); // the run's first checkpoint
        return 0;
      });
    } catch (Interruption.Stopped e) {
      // the run heard the stop: what a command does then is measure()'s (the INTERRUPTED report)
    }
    assertThat(leftBehind[0].get(10, TimeUnit.SECONDS)).as("the empty report folder left when the JVM exits")
        .isFalse();
  }
}
