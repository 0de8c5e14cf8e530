package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static dev.advmon.testing.PixelModel.pixel;

import dev.advmon.image.FloatImage;
import dev.advmon.testing.PixelModel;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.ModelManifest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The batcher over {@link FrameScorer} with a stand-in model ({@link PixelModel}) and the probing detector of FrameScorerTest: each thread's frame and probes make one request, and requests
 * of threads scoring at the same time share model calls. (How calls are formed: SharedClassifierTest.)
 */
class DynamicBatcherTest {

  /** FrameScorerTest's probing detector, whose probes are made only once all threads are inside their frames. */
  static final class MeetingDetector implements Detector {
    private final FrameScorerTest.FlipDetector flip = new FrameScorerTest.FlipDetector();
    private final CyclicBarrier meet;

    MeetingDetector(int threads) {
      this.meet = new CyclicBarrier(threads);
    }

    @Override
    public String name() {
      return flip.name();
    }

    @Override
    public String reason() {
      return flip.reason();
    }

    @Override
    public List<FloatImage> probes(FloatImage frame) {
      try {
        meet.await(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return flip.probes(frame);
    }

    @Override
    public Detection evaluate(FloatImage frame, BatchOutput out, int frameRow, int firstProbeRow, int probeCount) {
      return flip.evaluate(frame, out, frameRow, firstProbeRow, probeCount);
    }
  }

  /** {@code values.length} threads start scoring at the same moment and each waits for its verdict. */
  private static List<CompletableFuture<DynamicBatcher.Result>> together(DynamicBatcher b, float... values) {
    CyclicBarrier start = new CyclicBarrier(values.length);
    List<CompletableFuture<DynamicBatcher.Result>> out = new ArrayList<>();
    for (float v : values) {
      CompletableFuture<DynamicBatcher.Result> f = new CompletableFuture<>();
      new Thread(() -> {
        try {
          start.await();
          f.complete(b.score(pixel(v)));
        } catch (Throwable e) {
          f.completeExceptionally(e);
        }
      }).start();
      out.add(f);
    }
    return out;
  }

  @Test
  void framesScoredAtTheSameTimeShareModelCallsAndEachGetsItsOwnVerdict() {
    PixelModel m = PixelModel.open();
    List<Integer> batches = new CopyOnWriteArrayList<>();
    // Both threads are inside their frames before either calls the model, and max-wait is a day: a call goes only
    // when both wait, so the two frames share their one call.
    try (DynamicBatcher b = new DynamicBatcher(new FrameScorer(m, List.of(new MeetingDetector(2)), 128), 2,
        Duration.ofDays(1), (frames, nanos) -> batches.add(frames))) {
      List<DynamicBatcher.Result> r = together(b, 0f, 0.5f).stream()
          .map(f -> f.orTimeout(60, TimeUnit.SECONDS).join()).toList();
      assertThat(r).extracting(x -> x.verdict().predictedClass()).containsExactly(0, 1);
      assertThat(r).extracting(DynamicBatcher.Result::batchFrames).containsOnly(2);
      assertThat(r).extracting(x -> x.verdict().forwardPasses()).containsOnly(3); // frame + 2 probes each
      assertThat(m.calls).containsExactly(6);
      assertThat(batches).containsExactly(2);
      assertThat(m.threads).allMatch(t -> t.getName().equals("advmon-inference"));
      assertThat(b.pending()).isZero();
    }
  }

  @Test
  void aFrameTheModelCannotScoreFailsAloneWhileTheOtherGetsItsVerdict() {
    PixelModel m = PixelModel.open();
    try (DynamicBatcher b = new DynamicBatcher(new FrameScorer(m, List.of(), 128), 2, Duration.ofDays(1),
        DynamicBatcher.Listener.NONE)) {
      var r = together(b, Float.NaN, 1f);
      assertThat(r.get(1).orTimeout(60, TimeUnit.SECONDS).join().verdict().predictedClass()).isEqualTo(2);
      assertThatThrownBy(() -> r.get(0).orTimeout(60, TimeUnit.SECONDS).join())
          .hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
    }
  }

  @Test
  void aClosedBatcherRefusesFramesAsNotTheFramesFault() {
    DynamicBatcher b = new DynamicBatcher(new FrameScorer(PixelModel.open(), List.of(), 128), 4, Duration.ZERO,
        DynamicBatcher.Listener.NONE);
    b.close();
    assertThatThrownBy(() -> b.score(pixel(0f))).isInstanceOf(ScoringUnavailableException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void withOneFramePerBatchEachCallerScoresOnItsOwnThread() {
    PixelModel m = PixelModel.open();
    DynamicBatcher b = DynamicBatcher.direct(new FrameScorer(m, List.of(), 128));
    assertThat(b.score(pixel(1f)).batchFrames()).isEqualTo(1);
    assertThat(m.threads).containsExactly(Thread.currentThread());
    b.close();
  }
}
