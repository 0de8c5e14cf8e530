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
    await(stop::requested, 120);
    assertThat(hook).as("still waiting for the run").isNotDone();
    stop.finished(); // the main thread has written the partial report and closed
    assertThat(hook.get(2, TimeUnit.MINUTES)).isTrue();
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
    // well short of the 30 s a run is waited for, with room for a loaded machine (5 s was a margin to beat)
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(20));
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
    // a sleeper that did not wake returns null after its 60 s, so a longer wait here still fails it
    assertThat(sleeper.get(2, TimeUnit.MINUTES)).as("woke, not slept out its 60 s")
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
    await(stop::requested, 120);
    assertThatThrownBy(stop::throwIfRequested).isInstanceOf(Interruption.Stopped.class);
    stop.finished();
  }

  /**
   * Ctrl-C while the command (--config) looks its topics up, through the command as a user runs it: the reader's topic
   * lookup ends at once and the run writes its report marked interrupted while connecting (exit 130). The command's
   * stop must reach the reader: heeding only the process's, the lookup waited out its minute for a broker that never
   * answers and the run failed with the lookup's error. The "broker" here takes connections and never answers.
   */
  @Test
  void ctrlCWhileTheCommandLooksUpItsTopicsEndsTheRunInterrupted(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path tmp) throws Exception {
    java.util.List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
    try (java.net.ServerSocket broker = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(broker.accept()); // held open, never answered
            accepted.incrementAndGet();
          }
        } catch (java.io.IOException e) {
          // the server socket closed: the test is over
        }
      }, "interruption-test-silent-broker");
      acceptor.setDaemon(true);
      acceptor.start();
      java.nio.file.Path config = java.nio.file.Files.writeString(tmp.resolve("monitor.properties"),
          "kafka.bootstrap.servers=127.0.0.1:" + broker.getLocalPort()
              + "\nregistry.url=http://127.0.0.1:1/apis/ccompat/v7\n");
      java.nio.file.Path report = tmp.resolve("report");
      Interruption stop = new Interruption(Duration.ofSeconds(60));
      CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> LoadTestCommand.commandLine(
          new LoadTestCommand(stop)).execute("--config", config.toString(), "--report", report.toString()));
      // the broker check's connection, then the reader's: the lookup is under way
      await(() -> accepted.get() >= 2 || run.isDone(), 60);
      assertThat(run).as("the command ended before its reader connected").isNotDone();
      CompletableFuture<Boolean> hook = CompletableFuture.supplyAsync(stop::onShutdown);
      // the lookup waits a minute for an answer: a run that did not hear the stop meets this guard's limit
      assertThat(run.get(30, TimeUnit.SECONDS)).as("exit status").isEqualTo(LoadTestCommand.INTERRUPTED);
      assertThat(hook.get(30, TimeUnit.SECONDS)).as("the run finished within the hook's wait").isTrue();
      com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
          report.resolve(Report.JSON_FILE).toFile());
      assertThat(json.path("interrupted_during").asText()).startsWith("connecting to the monitor");
    } finally {
      for (java.net.Socket s : held) {
        s.close();
      }
    }
  }

  /**
   * Before: the report folder was made before the run began, so a Ctrl-C in between found no run under way, and the
   * JVM exited at once with the new, empty --report folder left behind. Through the command as a user runs it: when
   * the run begins (from then on a Ctrl-C is waited for) the folder must not be there yet, and a Ctrl-C at that moment
   * leaves no empty one behind once the hook returns (when the JVM would exit): the run either heard the stop and
   * wrote its INTERRUPTED report there, or failed first (the broker refuses at once) and removed the folder.
   */
  @Test
  void theCommandMakesItsReportFolderOnlyOnceACtrlCWouldWaitForTheRun(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path tmp) throws Exception {
    java.nio.file.Path dir = tmp.resolve("new-report");
    java.nio.file.Path config = java.nio.file.Files.writeString(tmp.resolve("monitor.properties"),
        "kafka.bootstrap.servers=127.0.0.1:1\nregistry.url=http://127.0.0.1:1/apis/ccompat/v7\n");
    java.util.concurrent.atomic.AtomicReference<Boolean> thereAtBegin = new java.util.concurrent.atomic.AtomicReference<>();
    CompletableFuture<Boolean>[] leftBehind = new CompletableFuture[1];
    Interruption[] stop = new Interruption[1];
    stop[0] = new Interruption(Duration.ofSeconds(30), () -> {
      thereAtBegin.set(java.nio.file.Files.exists(dir));
      leftBehind[0] = CompletableFuture.supplyAsync(() -> {
        stop[0].onShutdown();
        try (java.util.stream.Stream<java.nio.file.Path> in = java.nio.file.Files.list(dir)) {
          return in.findAny().isEmpty();
        } catch (java.nio.file.NoSuchFileException e) {
          return false;
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
    });
    LoadTestCommand.commandLine(new LoadTestCommand(stop[0])).execute("--config", config.toString(), "--report",
        dir.toString());
    assertThat(thereAtBegin.get()).as("the report folder when the run began").isFalse();
    assertThat(leftBehind[0].get(2, TimeUnit.MINUTES)).as("the empty report folder left when the JVM exits")
        .isFalse();
  }
}
