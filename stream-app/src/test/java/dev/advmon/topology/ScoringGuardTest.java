package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.detect.DynamicBatcher;
import dev.advmon.detect.FrameScorer;
import dev.advmon.detect.ScoringUnavailableException;
import dev.advmon.image.FloatImage;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.ModelBundle;
import dev.advmon.testing.BreakableClassifier;
import dev.advmon.testing.TestData;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The guard around the real (tiny) model, made to fail on demand by a wrapper: a mock of the failure only. */
class ScoringGuardTest {

  private static DjlClassifier model;

  /** The real model, failing for the images {@code fails} picks (any image in the call), or with an Error. */
  private static final class Failing {
    volatile Predicate<FloatImage> fails = image -> false;
    volatile Error error;
    final BreakableClassifier classifier = new BreakableClassifier(model);

    Failing() {
      classifier.fault = images -> error != null ? error
          : images.stream().anyMatch(fails) ? new IllegalStateException("ORT: input rejected") : null;
    }
  }

  @BeforeAll
  static void load() throws Exception {
    model = DjlClassifier.load(ModelBundle.load(TestData.repoRoot().resolve("stream-app/src/test/resources/models/tiny-rgb")),
        EngineChoice.ONNX_RUNTIME);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private static FloatImage image(float value) {
    float[] data = new float[3 * 16 * 16];
    Arrays.fill(data, value);
    return new FloatImage(3, 16, 16, data);
  }

  private static boolean marked(FloatImage image) {
    return image.data()[0] == 0.25f;
  }

  @Test
  void aFrameThatAloneFailsToScoreIsThatFramesFailure() throws Exception {
    Failing failing = new Failing();
    failing.fails = ScoringGuardTest::marked;
    ScoringGuard guard = new ScoringGuard(new FrameScorer(failing.classifier, List.of(), 8));
    guard.score(image(0.9f));

    assertThatThrownBy(() -> guard.score(image(0.25f))).isInstanceOf(FrameScoringException.class)
        .hasMessageContaining("input rejected");
    assertThat(guard.problem()).as("scoring still works").isNull();
    assertThat(guard.score(image(0.1f)).predictedLabel()).isNotBlank();
  }

  @Test
  void whenScoringFailsForEveryFrameNoFrameIsTheCulpritAndItIsReportedUntilAFrameScoresAgain() throws Exception {
    Failing failing = new Failing();
    ScoringGuard guard = new ScoringGuard(new FrameScorer(failing.classifier, List.of(), 8));
    guard.score(image(0.9f)); // becomes the canary
    failing.fails = image -> true; // the model broke: the canary fails too

    assertThatThrownBy(() -> guard.score(image(0.3f))).isInstanceOf(ScoringUnavailableException.class)
        .hasMessageContaining("scoring fails for every frame").hasMessageContaining("canary")
        .hasMessageContaining("no frame is dead-lettered");
    assertThat(guard.problem()).startsWith("scoring fails for every frame");

    failing.fails = image -> false;
    guard.score(image(0.3f));
    assertThat(guard.problem()).isNull();
  }

  @Test
  void throughTheSharedBatcherABadFrameFailsAloneAndAClosedBatcherDeadLettersNothing() throws Exception {
    Failing failing = new Failing();
    failing.fails = ScoringGuardTest::marked;
    FrameScorer scorer = new FrameScorer(failing.classifier, List.of(), 8);
    ScoringGuard guard = new ScoringGuard(scorer);
    DynamicBatcher batcher = new DynamicBatcher(scorer, 2, java.time.Duration.ofMillis(500), 1,
        DynamicBatcher.Listener.NONE);
    try {
      // Two stream threads at once: their model calls share one batch, which fails for the bad frame.
      var good = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return guard.score(image(0.9f), batcher::score);
        } catch (FrameScoringException e) {
          throw new AssertionError("the good frame was blamed", e);
        }
      });
      assertThatThrownBy(() -> guard.score(image(0.25f), batcher::score)).isInstanceOf(FrameScoringException.class)
          .hasMessageContaining("input rejected");
      assertThat(good.get().verdict().predictedLabel()).isNotBlank();
      assertThat(guard.problem()).as("scoring still works").isNull();
    } finally {
      batcher.close();
    }

    // The monitor is stopping: no verdict can come, through no fault of the frame.
    Throwable closed = org.assertj.core.api.Assertions.catchThrowable(() -> guard.score(image(0.9f), batcher::score));
    assertThat(closed).isInstanceOf(ScoringUnavailableException.class);
    assertThat(Failures.classify(closed)).as("fails the task; the frame is read again, not dead-lettered")
        .isEqualTo(Failures.Kind.SYSTEMIC);
  }

  @Test
  void beforeAnyFrameScoredAMidGreyFrameIsTheCanary() {
    Failing failing = new Failing();
    ScoringGuard guard = new ScoringGuard(new FrameScorer(failing.classifier, List.of(), 8));
    failing.fails = image -> image.data()[0] == 0.7f || image.data()[0] == 0.5f;
    assertThatThrownBy(() -> guard.score(image(0.7f))).as("the mid-grey canary fails as well")
        .isInstanceOf(ScoringUnavailableException.class);
  }

  @Test
  void framesFailingInARowWhileTheCanaryScoresCountAsBrokenScoringAfterAFew() throws Exception {
    Failing failing = new Failing();
    ScoringGuard guard = new ScoringGuard(new FrameScorer(failing.classifier, List.of(), 8));
    guard.score(image(0.9f));
    failing.fails = image -> image.data()[0] != 0.9f; // every real frame fails, the canary does not
    for (int i = 1; i < ScoringGuard.MAX_FRAME_FAILURES_IN_A_ROW; i++) {
      assertThatThrownBy(() -> guard.score(image(0.2f))).isInstanceOf(FrameScoringException.class);
    }
    assertThatThrownBy(() -> guard.score(image(0.2f))).isInstanceOf(ScoringUnavailableException.class)
        .hasMessageContaining(ScoringGuard.MAX_FRAME_FAILURES_IN_A_ROW + " frames in a row");
  }

  /**
   * Exactly-once: the systemic failure aborts the transaction holding the burst's first dead letters, and Kafka
   * Streams reads the burst again after its restart. The replay must get past it, not trip the guard for ever.
   */
  @Test
  void aBurstOfBadFramesIsReplayedPastAfterItsRestartNotForEver() throws Exception {
    Failing failing = new Failing();
    failing.fails = image -> image.data()[0] < 0.5f;
    ScoringGuard guard = new ScoringGuard(new FrameScorer(failing.classifier, List.of(), 8));
    guard.score(image(0.9f)); // the canary
    List<FloatImage> backlog = new java.util.ArrayList<>();
    for (int i = 0; i < 12; i++) {
      backlog.add(image(0.01f * (i + 1))); // twelve distinct frames the model cannot score
    }
    backlog.add(image(0.6f)); // a good frame behind them
    int restarts = 0;
    int deadLetters = 0;
    int position = 0;
    while (position < backlog.size() && restarts < 20) {
      try {
        guard.score(backlog.get(position));
        position++;
      } catch (FrameScoringException deadLetter) {
        deadLetters++;
        position++;
      } catch (ScoringUnavailableException systemic) {
        restarts++;
        deadLetters = 0; // the transaction is aborted
        position = 0; // and the backlog read again from the last commit
      }
    }
    assertThat(position).as("the good frame behind the burst was scored").isEqualTo(backlog.size());
    assertThat(restarts).as("one restart per five bad frames").isEqualTo(12 / ScoringGuard.MAX_FRAME_FAILURES_IN_A_ROW);
    assertThat(deadLetters).as("every bad frame a dead letter in the end").isEqualTo(12);
  }

  @Test
  void anErrorTheSharedBatcherHandsOnWrappedIsSystemicAsWhenScoredDirectly() throws Exception {
    Failing failing = new Failing();
    FrameScorer scorer = new FrameScorer(failing.classifier, List.of(), 8);
    ScoringGuard guard = new ScoringGuard(scorer);
    guard.score(image(0.9f)); // a canary that scores: only the Error itself may make this systemic
    failing.error = new OutOfMemoryError("Java heap space");
    try (DynamicBatcher batcher = new DynamicBatcher(scorer, 2, java.time.Duration.ZERO, 1,
        DynamicBatcher.Listener.NONE)) {
      Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> {
        try {
          guard.score(image(0.3f), f -> {
            failing.error = new OutOfMemoryError("Java heap space"); // this call fails; the canary call after it not
            try {
              return batcher.score(f);
            } finally {
              failing.error = null;
            }
          });
        } catch (FrameScoringException e) {
          throw new AssertionError("an Error was blamed on the frame", e);
        }
      });
      assertThat(t).isInstanceOf(ScoringUnavailableException.class);
    }
  }

  @Test
  void anErrorIsSystemicAtOnce() {
    Failing failing = new Failing();
    failing.error = new OutOfMemoryError("Java heap space");
    ScoringGuard guard = new ScoringGuard(new FrameScorer(failing.classifier, List.of(), 8));
    assertThatThrownBy(() -> guard.score(image(0.2f))).isInstanceOf(ScoringUnavailableException.class)
        .hasCauseInstanceOf(OutOfMemoryError.class);
  }

  @Test
  void itKnowsHowLongAFrameHasBeenInTheModel() throws Exception {
    Failing failing = new Failing();
    failing.classifier.hold = new CountDownLatch(1);
    AtomicLong clock = new AtomicLong(1_000);
    ScoringGuard guard = new ScoringGuard(new FrameScorer(failing.classifier, List.of(), 8), clock::get);
    Thread scoring = new Thread(() -> {
      try {
        guard.score(image(0.4f));
      } catch (FrameScoringException e) {
        throw new AssertionError(e);
      }
    });
    scoring.start();
    // Until the scoring thread is in the model (a spin budget here failed on a loaded CI machine).
    assertThat(failing.classifier.entered.tryAcquire(2, TimeUnit.MINUTES)).as("the frame reached the model").isTrue();
    assertThat(guard.longestInFlightMs()).as("the clock has not moved yet").isZero();
    clock.addAndGet(60_000);
    assertThat(guard.longestInFlightMs()).isGreaterThanOrEqualTo(60_000);
    failing.classifier.hold.countDown();
    scoring.join();
    assertThat(guard.longestInFlightMs()).isZero();
  }
}
