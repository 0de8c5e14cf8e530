package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.advmon.detect.FrameScorer;
import dev.advmon.testing.BreakableClassifier;
import dev.advmon.testing.LogLines;
import dev.advmon.testing.PixelModel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * {@code run}'s close of the model: it waited up to 60 s for a model still loading, past the shutdown hook's 45 s
 * bound, so a SIGTERM during a slow load was cut off by the hook in the middle of that wait.
 */
class RunCommandModelCloseTest {

  @Test
  void theWaitForAModelStillLoadingEndsInsideTheStopBound() {
    assertThat(RunCommand.MODEL_WAIT).isLessThan(RunCommand.STOP_BOUND);
  }

  @Test
  void aModelStillLoadingWhenTheWaitEndsIsNamedAndLeftToTheExit() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<FrameScorer> scorer = new CompletableFuture<>();
    Thread loader = loaderUntil(release);
    try (LogLines lines = LogLines.of(RunCommand.class)) {
      RunCommand.closeModel(loader, scorer, Duration.ofMillis(50), "models/slow");
      assertThat(lines.messages()).anySatisfy(m -> assertThat(m)
          .contains("models/slow, model.dir").contains("still loading").contains("exiting without closing it"));
    } finally {
      release.countDown();
      loader.join();
    }
  }

  /**
   * A SIGTERM while {@code run} already waits for the model (a start-up that failed by itself, its error not yet
   * printed): the hook's interrupt ended the wait at once, then it was swallowed and the signal waited up to 35 s.
   */
  @Test
  void aSignalDuringTheWaitEndsItAndNamesTheModel() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<FrameScorer> scorer = new CompletableFuture<>();
    Thread loader = loaderUntil(release);
    try (LogLines lines = LogLines.of(RunCommand.class)) {
      // a guard against the hour-long wait, not a measure: with the interrupt heeded this returns at once
      boolean stillInterrupted = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
        Thread.currentThread().interrupt();
        RunCommand.closeModel(loader, scorer, Duration.ofHours(1), "models/slow");
        return Thread.interrupted();
      });
      assertThat(stillInterrupted).isTrue();
      assertThat(lines.messages()).anySatisfy(m -> assertThat(m)
          .contains("models/slow, model.dir").contains("still loading when the signal came")
          .contains("exiting without closing it"));
    } finally {
      release.countDown();
      loader.join();
    }
  }

  @Test
  void aModelThatLoadedIsClosedWithoutAWarning() throws Exception {
    BreakableClassifier model = new BreakableClassifier(PixelModel.open());
    CompletableFuture<FrameScorer> scorer = CompletableFuture.completedFuture(new FrameScorer(model, List.of(), 8));
    Thread loader = new Thread(() -> { });
    loader.start();
    try (LogLines lines = LogLines.of(RunCommand.class)) {
      RunCommand.closeModel(loader, scorer, Duration.ofSeconds(30), "models/fast");
      assertThat(lines.messages()).isEmpty();
    }
    assertThat(model.closed).hasValue(1);
  }

  /** A model loader that is still loading until {@code release} counts down. */
  private static Thread loaderUntil(CountDownLatch release) {
    Thread loader = new Thread(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    loader.start();
    return loader;
  }
}
