package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static dev.advmon.testing.PixelModel.pixel;

import dev.advmon.image.FloatImage;
import dev.advmon.testing.Await;
import dev.advmon.testing.PixelModel;
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
 * The shared classifier with a stand-in model ({@link PixelModel}), driven by real threads. "At the same time" is made deterministic with a gate: the first call blocks in the model
 * until the test has seen the other requests wait behind it, so no test depends on how fast threads start.
 */
class SharedClassifierTest {

  private static final Duration LONG = Duration.ofDays(1); // "never" for a test: only the other rules dispatch

  private final List<SharedClassifier> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(SharedClassifier::close);
  }

  private SharedClassifier shared(BatchClassifier m, int maxRequests, int maxImages, Duration maxWait,
      List<int[]> seen) {
    SharedClassifier s = new SharedClassifier(m, maxRequests, maxImages, maxWait,
        (requests, images, nanos) -> seen.add(new int[] {requests, images}));
    opened.add(s);
    return s;
  }

  /** A request of one image per value, from a thread of its own that scores a frame meanwhile. */
  private static CompletableFuture<int[]> request(SharedClassifier s, float... values) {
    CompletableFuture<int[]> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      s.startFrame();
      try {
        List<FloatImage> images = new ArrayList<>();
        for (float v : values) {
          images.add(pixel(v));
        }
        BatchOutput out = s.classify(images);
        int[] classes = new int[out.size() + 1];
        for (int i = 0; i < out.size(); i++) {
          classes[i] = out.argmax(i);
        }
        classes[out.size()] = s.requestsInFirstCall();
        f.complete(classes);
      } catch (Throwable e) {
        f.completeExceptionally(e);
      } finally {
        s.endFrame();
      }
    });
    t.start();
    return f;
  }

  /** One request that blocks in the model, then {@code behind} requests queued in this order; returns once all wait. */
  private static List<CompletableFuture<int[]>> queueBehindAGatedCall(SharedClassifier s, PixelModel m,
      float[]... behind) throws Exception {
    List<CompletableFuture<int[]>> out = new ArrayList<>();
    out.add(request(s, 0f));
    m.awaitFirstCall();
    for (int i = 0; i < behind.length; i++) {
      out.add(request(s, behind[i]));
      int expected = i + 1;
      Await.until(() -> s.waiting() >= expected, Duration.ofSeconds(60));
      assertThat(s.waiting()).as("requests waiting behind the first").isEqualTo(i + 1);
    }
    return out;
  }

  /** Another stream thread in the middle of a frame (computing, no request yet) until {@link #end()}. */
  private static final class FrameInProgress {
    private final CountDownLatch finish = new CountDownLatch(1);
    private final Thread thread;

    private FrameInProgress(SharedClassifier s, CountDownLatch busy) {
      thread = new Thread(() -> {
        s.startFrame();
        busy.countDown();
        try {
          finish.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          s.endFrame();
        }
      });
    }

    /** Returns once the thread is inside its frame. */
    static FrameInProgress start(SharedClassifier s) throws InterruptedException {
      CountDownLatch busy = new CountDownLatch(1);
      FrameInProgress f = new FrameInProgress(s, busy);
      f.thread.start();
      busy.await();
      return f;
    }

    /** Ends the frame without a request, and waits for the thread. */
    void end() throws InterruptedException {
      finish.countDown();
      thread.join();
    }
  }

  private static int[] join(CompletableFuture<int[]> f) {
    return f.orTimeout(60, TimeUnit.SECONDS).join();
  }

  @Test
  void requestsOfThreadsThatWaitAtTheSameTimeShareOneModelCallAndGetTheirOwnRows() throws Exception {
    PixelModel m = PixelModel.gated();
    List<int[]> seen = new CopyOnWriteArrayList<>();
    SharedClassifier s = shared(m, 3, 128, LONG, seen);
    var results = queueBehindAGatedCall(s, m, new float[] {0.5f, 1f}, new float[] {1f}, new float[] {0f, 0.5f, 1f});
    m.release();
    assertThat(join(results.get(1))).containsExactly(1, 2, 3);
    assertThat(join(results.get(2))).containsExactly(2, 3);
    assertThat(join(results.get(3))).containsExactly(0, 1, 2, 3);
    assertThat(join(results.get(0))).containsExactly(0, 1);
    assertThat(m.calls).containsExactly(1, 6);
    assertThat(seen).extracting(x -> x[0]).containsExactly(1, 3);
  }

  @Test
  void aCallNeverHoldsMoreThanMaxRequestsOrMaxImages() throws Exception {
    PixelModel m = PixelModel.gated();
    SharedClassifier s = shared(m, 3, 4, Duration.ofMillis(20), new CopyOnWriteArrayList<>());
    var results = queueBehindAGatedCall(s, m, new float[] {1f, 1f}, new float[] {1f, 1f}, new float[] {1f},
        new float[] {1f}, new float[] {1f}, new float[] {1f, 1f, 1f, 1f, 1f, 1f});
    m.release();
    results.forEach(SharedClassifierTest::join);
    // after the gated call: 2+2 images (a third request would pass 4), then 1+1+1 (3 requests), then the big one alone
    assertThat(m.calls).containsExactly(1, 4, 3, 6);
  }

  @Test
  void aLoneThreadIsNotMadeToWaitForRequestsNobodyWillSend() {
    PixelModel m = PixelModel.open();
    SharedClassifier s = shared(m, 32, 128, LONG, new CopyOnWriteArrayList<>());
    // One thread, call after call within one frame: each goes at once (every thread in a frame is waiting).
    CompletableFuture<List<Integer>> calls = CompletableFuture.supplyAsync(() -> {
      s.startFrame();
      try {
        return List.of(s.classify(List.of(pixel(0f))).argmax(0), s.classify(List.of(pixel(1f))).argmax(0));
      } finally {
        s.endFrame();
      }
    });
    assertThat(calls.orTimeout(60, TimeUnit.SECONDS).join()).containsExactly(0, 2);
    assertThat(m.calls).containsExactly(1, 1);
  }

  @Test
  void aRequestWaitsForAThreadStillScoringItsFrameButAtMostMaxWait() throws Exception {
    PixelModel m = PixelModel.open();
    SharedClassifier s = shared(m, 8, 128, Duration.ofMillis(300), new CopyOnWriteArrayList<>());
    FrameInProgress other = FrameInProgress.start(s); // a thread computing a frame, with no request yet
    int[] r = join(request(s, 1f));
    assertThat(r).containsExactly(2, 1); // went alone, after max-wait: nobody joined
    other.end();
  }

  @Test
  void aRequestGoesAtOnceWhenTheOtherThreadFinishesItsFrameWithoutCalling() throws Exception {
    PixelModel m = PixelModel.open();
    SharedClassifier s = shared(m, 8, 128, LONG, new CopyOnWriteArrayList<>());
    FrameInProgress other = FrameInProgress.start(s);
    CompletableFuture<int[]> mine = request(s, 1f);
    Await.until(() -> s.waiting() >= 1, Duration.ofSeconds(60));
    assertThat(mine).as("held while the other thread may still send").isNotDone();
    other.end(); // ... which ends its frame without a request: nobody else is coming
    assertThat(join(mine)).containsExactly(2, 1);
  }

  @Test
  void withTwoWorkersAFreeWorkerNeverWaits() throws Exception {
    PixelModel m = PixelModel.open();
    SharedClassifier s = new SharedClassifier(m, 8, 128, LONG, 2, SharedClassifier.Listener.NONE);
    opened.add(s);
    FrameInProgress other = FrameInProgress.start(s); // computing a frame: with one worker, a request would wait
    assertThat(join(request(s, 1f))).containsExactly(2, 1);
    other.end();
  }

  @Test
  void withTwoWorkersBusyRequestsMergeIntoTheNextFreeWorkersCall() throws Exception {
    PixelModel m = PixelModel.gated();
    SharedClassifier s = new SharedClassifier(m, 8, 128, LONG, 2, SharedClassifier.Listener.NONE);
    opened.add(s);
    var first = request(s, 0f);
    m.awaitFirstCall();
    var second = request(s, 0f); // the other worker is free: goes at once, and blocks at the gate too
    Await.until(() -> s.pending() >= 2 && s.waiting() == 0, Duration.ofSeconds(60));
    assertThat(s.waiting()).as("both requests taken, one per worker").isZero();
    List<CompletableFuture<int[]>> behind = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      behind.add(request(s, 1f));
      int expected = i + 1;
      Await.until(() -> s.waiting() >= expected, Duration.ofSeconds(60));
    }
    assertThat(s.waiting()).isEqualTo(3);
    m.release();
    join(first);
    join(second);
    assertThat(behind).allSatisfy(f -> assertThat(join(f)).containsExactly(2, 3));
    assertThat(m.calls).containsExactlyInAnyOrder(1, 1, 3); // the two gated calls finish in either order
  }

  @Test
  void aRequestTheModelCannotRunFailsAloneAndTheOthersOfItsCallGetTheirRows() throws Exception {
    PixelModel m = PixelModel.gated();
    SharedClassifier s = shared(m, 3, 128, LONG, new CopyOnWriteArrayList<>());
    var results = queueBehindAGatedCall(s, m, new float[] {1f}, new float[] {Float.NaN}, new float[] {0.5f});
    m.release();
    assertThat(join(results.get(1))).containsExactly(2, 1); // run again alone after the shared call failed
    assertThat(join(results.get(3))).containsExactly(1, 1);
    assertThatThrownBy(() -> join(results.get(2))).hasCauseInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NaN");
  }

  @Test
  void aSharedCallThatRunsOutOfMemoryIsRunAgainRequestByRequest() throws Exception {
    // a call too large for the heap (a large input times merged frames and their probes) is the merge's fault, not
    // scoring's: answered with the Error it became systemic for every frame in it, and the restart merged them again
    PixelModel m = PixelModel.gated();
    BatchClassifier upToTwoImages = new BatchClassifier() {
      @Override
      public ModelManifest manifest() {
        return m.manifest();
      }

      @Override
      public String engineName() {
        return m.engineName();
      }

      @Override
      public BatchOutput classify(List<FloatImage> images) {
        if (images.size() > 2) {
          throw new OutOfMemoryError("Java heap space (a call of " + images.size() + " images)");
        }
        return m.classify(images);
      }

      @Override
      public void close() {}
    };
    SharedClassifier s = shared(upToTwoImages, 3, 128, LONG, new CopyOnWriteArrayList<>());
    var results = queueBehindAGatedCall(s, m, new float[] {1f, 0.5f}, new float[] {0.5f, 1f});
    m.release();
    assertThat(join(results.get(1))).containsExactly(2, 1, 1);
    assertThat(join(results.get(2))).containsExactly(1, 2, 1);
  }

  @Test
  void closingRunsWhatIsWaitingAndRefusesLaterRequests() throws Exception {
    PixelModel m = PixelModel.gated();
    SharedClassifier s = shared(m, 4, 128, LONG, new CopyOnWriteArrayList<>());
    var results = queueBehindAGatedCall(s, m, new float[] {1f}, new float[] {1f});
    CompletableFuture<Void> closed = CompletableFuture.runAsync(s::close);
    m.release();
    closed.orTimeout(60, TimeUnit.SECONDS).join();
    // each answer reaches its future on the requesting thread, just after close() may have returned: wait for it
    assertThat(results).allSatisfy(f -> assertThat(join(f)).isNotEmpty());
    assertThat(s.pending()).as("every request counted out once answered").isZero();
    assertThatThrownBy(() -> s.classify(List.of(pixel(0f)))).isInstanceOf(SharedClassifier.UnavailableException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void closingFromAnInterruptedThreadStillWaitsForTheCallInFlight() throws Exception {
    // a SIGTERM interrupts the thread that closes; the model is freed right after close() returns, so returning
    // before the worker left its call would free native memory under it
    PixelModel m = PixelModel.gated();
    SharedClassifier s = shared(m, 4, 128, LONG, new CopyOnWriteArrayList<>());
    CompletableFuture<int[]> inFlight = request(s, 1f);
    m.awaitFirstCall();
    CompletableFuture<Boolean> callDoneWhenCloseReturned = new CompletableFuture<>();
    Thread closer = new Thread(() -> {
      Thread.currentThread().interrupt();
      s.close();
      callDoneWhenCloseReturned.complete(m.calls.size() == 1);
    });
    closer.start();
    // released once close() waits (or, broken, has returned): either way the assertion below decides
    Await.until(() -> closer.getState() == Thread.State.TIMED_WAITING || !closer.isAlive(), Duration.ofSeconds(60));
    m.release();
    assertThat(callDoneWhenCloseReturned.orTimeout(60, TimeUnit.SECONDS).join())
        .as("the call in flight had finished when close() returned").isTrue();
    assertThat(join(inFlight)).containsExactly(2, 1);
  }

  @Test
  void aSharedCallsRowsAreTheRowsOfItsRequests() {
    float[] probs = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    float[] features = {1, 2, 3, 4, 5, 6};
    BatchOutput all = BatchOutput.fromModel(3, probs, true, features);
    BatchOutput mid = all.rows(1, 2);
    assertThat(mid.size()).isEqualTo(2);
    assertThat(mid.argmax(0)).isEqualTo(1);
    assertThat(mid.argmax(1)).isEqualTo(2);
    assertThat(mid.features(1)).containsExactly(5, 6);
    assertThatThrownBy(() -> all.rows(2, 2)).isInstanceOf(IndexOutOfBoundsException.class);
  }
}
