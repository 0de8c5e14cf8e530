package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.ModelManifest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The batcher with a stand-in classifier (class = round(first pixel * 2); a NaN pixel makes the whole call
 * fail), driven by real threads. "Together" is made deterministic with a gate: the first call blocks until the
 * test has seen the other frames wait, so no test depends on how fast threads start.
 */
class DynamicBatcherTest {

  private static final Duration LONG = Duration.ofDays(1); // "never" for a test: only the other rules dispatch

  /** Records each call's size and thread; the first call waits for {@link #release()}. */
  static final class GatedClassifier implements BatchClassifier {
    final List<Integer> calls = new CopyOnWriteArrayList<>();
    final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final CountDownLatch gate = new CountDownLatch(1);
    private final CountDownLatch entered = new CountDownLatch(1);
    private final boolean gated;

    GatedClassifier(boolean gated) {
      this.gated = gated;
    }

    void release() {
      gate.countDown();
    }

    void awaitFirstCall() throws InterruptedException {
      assertThat(entered.await(60, TimeUnit.SECONDS)).as("the first frame reached the model").isTrue();
    }

    @Override
    public ModelManifest manifest() {
      return new FrameScorerTest.RecordingClassifier().manifest();
    }

    @Override
    public String engineName() {
      return "fake";
    }

    @Override
    public BatchOutput classify(List<FloatImage> images) {
      entered.countDown();
      if (gated) {
        try {
          gate.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      calls.add(images.size());
      threads.add(Thread.currentThread());
      float[] p = new float[images.size() * 3];
      for (int i = 0; i < images.size(); i++) {
        float v = images.get(i).data()[0];
        if (Float.isNaN(v)) {
          throw new IllegalArgumentException("the model cannot score a NaN pixel");
        }
        p[i * 3 + Math.round(v * 2)] = 1f;
      }
      return BatchOutput.fromModel(images.size(), p, true, null);
    }

    @Override
    public void close() {}
  }

  private final List<DynamicBatcher> batchers = new ArrayList<>();

  @AfterEach
  void close() {
    batchers.forEach(DynamicBatcher::close);
  }

  private DynamicBatcher batcher(BatchClassifier c, int maxFrames, Duration maxWait, List<int[]> seen) {
    DynamicBatcher b = new DynamicBatcher(new FrameScorer(c, List.of(), 128), maxFrames, maxWait,
        (frames, nanos) -> seen.add(new int[] {frames}));
    batchers.add(b);
    return b;
  }

  private static FloatImage pixel(float v) {
    return new FloatImage(1, 1, 1, new float[] {v});
  }

  private static CompletableFuture<DynamicBatcher.Result> submit(DynamicBatcher b, float v) {
    CompletableFuture<DynamicBatcher.Result> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        f.complete(b.score(pixel(v)));
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    });
    t.start();
    return f;
  }

  /** Starts one frame (which blocks in the model) and {@code values} behind it; returns once they all wait. */
  private static List<CompletableFuture<DynamicBatcher.Result>> queueBehindAGatedFrame(DynamicBatcher b,
      GatedClassifier c, float... values) throws Exception {
    List<CompletableFuture<DynamicBatcher.Result>> out = new ArrayList<>();
    out.add(submit(b, 0f));
    c.awaitFirstCall();
    for (float v : values) {
      out.add(submit(b, v));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (b.waiting() < values.length && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(b.waiting()).as("frames waiting behind the first").isEqualTo(values.length);
    return out;
  }

  @Test
  void framesThatWaitAtTheSameTimeShareOneInferenceCall() throws Exception {
    GatedClassifier c = new GatedClassifier(true);
    List<int[]> seen = new CopyOnWriteArrayList<>();
    DynamicBatcher b = batcher(c, 3, LONG, seen);
    List<CompletableFuture<DynamicBatcher.Result>> results = queueBehindAGatedFrame(b, c, 0.5f, 1f, 0.5f);
    c.release();
    List<DynamicBatcher.Result> r = results.stream().map(f -> f.orTimeout(60, TimeUnit.SECONDS).join()).toList();
    assertThat(c.calls).containsExactly(1, 3);
    assertThat(r).extracting(DynamicBatcher.Result::batchFrames).containsExactly(1, 3, 3, 3);
    assertThat(r).extracting(x -> x.verdict().predictedClass()).containsExactly(0, 1, 2, 1);
    assertThat(seen).extracting(x -> x[0]).containsExactly(1, 3);
  }

  @Test
  void aBatchNeverHoldsMoreThanMaxFrames() throws Exception {
    GatedClassifier c = new GatedClassifier(true);
    DynamicBatcher b = batcher(c, 2, Duration.ofMillis(50), new CopyOnWriteArrayList<>());
    List<CompletableFuture<DynamicBatcher.Result>> results = queueBehindAGatedFrame(b, c, 1f, 1f, 1f, 1f, 1f);
    c.release();
    results.forEach(f -> f.orTimeout(60, TimeUnit.SECONDS).join());
    assertThat(c.calls).startsWith(1).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(2));
    assertThat(c.calls.stream().mapToInt(Integer::intValue).sum()).isEqualTo(6);
  }

  @Test
  void aLoneCallerIsNotMadeToWaitForFramesNobodyWillSend() throws Exception {
    GatedClassifier c = new GatedClassifier(false);
    DynamicBatcher b = batcher(c, 32, LONG, new CopyOnWriteArrayList<>());
    // One thread, frame after frame: each goes at once (every active caller is waiting), not after a day.
    CompletableFuture<List<DynamicBatcher.Result>> results = CompletableFuture.supplyAsync(
        () -> List.of(b.score(pixel(0f)), b.score(pixel(1f)), b.score(pixel(0.5f))));
    assertThat(results.orTimeout(60, TimeUnit.SECONDS).join()).extracting(r -> r.verdict().predictedClass())
        .containsExactly(0, 2, 1);
    assertThat(c.calls).containsExactly(1, 1, 1);
  }

  @Test
  void aBatchWaitsAtMostMaxWaitForMoreFrames() throws Exception {
    GatedClassifier c = new GatedClassifier(true);
    DynamicBatcher b = batcher(c, 8, Duration.ofMillis(50), new CopyOnWriteArrayList<>());
    // Two threads are known to be active, but only one hands in a frame: it goes after max-wait, alone.
    List<CompletableFuture<DynamicBatcher.Result>> results = queueBehindAGatedFrame(b, c, 1f);
    c.release();
    results.forEach(f -> f.orTimeout(60, TimeUnit.SECONDS).join());
    DynamicBatcher.Result alone = submit(b, 0.5f).orTimeout(60, TimeUnit.SECONDS).join();
    assertThat(alone.batchFrames()).isEqualTo(1);
    assertThat(c.calls).containsExactly(1, 1, 1);
  }

  @Test
  void aFrameTheModelCannotScoreFailsAloneAndTheOthersOfItsBatchGetTheirVerdicts() throws Exception {
    GatedClassifier c = new GatedClassifier(true);
    DynamicBatcher b = batcher(c, 3, LONG, new CopyOnWriteArrayList<>());
    List<CompletableFuture<DynamicBatcher.Result>> results = queueBehindAGatedFrame(b, c, 1f, Float.NaN, 0.5f);
    c.release();
    assertThat(results.get(1).orTimeout(60, TimeUnit.SECONDS).join().verdict().predictedClass()).isEqualTo(2);
    assertThat(results.get(3).orTimeout(60, TimeUnit.SECONDS).join().verdict().predictedClass()).isEqualTo(1);
    assertThatThrownBy(() -> results.get(2).orTimeout(60, TimeUnit.SECONDS).join())
        .hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
    assertThat(results.get(1).join().batchFrames()).isEqualTo(1); // scored again alone after the batch failed
  }

  @Test
  void closingScoresWhatIsWaitingAndRefusesLaterFrames() throws Exception {
    GatedClassifier c = new GatedClassifier(true);
    DynamicBatcher b = batcher(c, 4, LONG, new CopyOnWriteArrayList<>());
    List<CompletableFuture<DynamicBatcher.Result>> results = queueBehindAGatedFrame(b, c, 1f, 1f);
    CompletableFuture<Void> closed = CompletableFuture.runAsync(b::close);
    c.release();
    closed.orTimeout(60, TimeUnit.SECONDS).join();
    assertThat(results).allSatisfy(f -> assertThat(f).isCompleted().isNotCompletedExceptionally());
    assertThatThrownBy(() -> b.score(pixel(0f))).isInstanceOf(DynamicBatcher.ScoringUnavailableException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void withOneFramePerBatchEachCallerScoresOnItsOwnThread() {
    GatedClassifier c = new GatedClassifier(false);
    DynamicBatcher b = DynamicBatcher.direct(new FrameScorer(c, List.of(), 128));
    batchers.add(b);
    assertThat(b.score(pixel(1f)).batchFrames()).isEqualTo(1);
    assertThat(c.threads).containsExactly(Thread.currentThread());
  }
}
