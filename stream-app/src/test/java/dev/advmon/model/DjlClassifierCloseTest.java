package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.image.FloatImage;
import dev.advmon.testing.TestData;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Closing the real model (ONNX Runtime) while other threads are in calls: close waits for them, also when the
 * closing thread is interrupted (as on SIGTERM). Freeing the session under a running call crashed the JVM
 * (SIGSEGV in libonnxruntime), so a regression here kills the test JVM, which fails the build.
 */
class DjlClassifierCloseTest {

  @Test
  void closingWhileThreadsAreInCallsWaitsForThemAndRefusesLaterCalls() throws Exception {
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME, InferenceThreads.of(1, 1));
    int side = bundle.manifest().input().height();
    List<FloatImage> batch = Collections.nCopies(256, new FloatImage(1, side, side, new float[side * side]));
    AtomicInteger answered = new AtomicInteger();
    List<CompletableFuture<Throwable>> callers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      callers.add(CompletableFuture.supplyAsync(() -> {
        while (true) { // calls until the classifier says it is closed
          try {
            assertThat(classifier.classify(batch).size()).isEqualTo(batch.size());
            answered.incrementAndGet();
          } catch (Throwable e) {
            return e;
          }
        }
      }, runnable -> new Thread(runnable, "caller").start()));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (answered.get() < 6 && callers.stream().noneMatch(CompletableFuture::isDone) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(callers).as("no caller failed before the close").noneMatch(CompletableFuture::isDone);
    assertThat(answered.get()).as("calls answered before the close").isGreaterThanOrEqualTo(6);

    Thread.currentThread().interrupt(); // what the shutdown hook does to the thread that closes
    try {
      classifier.close();
    } finally {
      assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
    }

    for (CompletableFuture<Throwable> caller : callers) {
      assertThat(caller.get(60, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is closed");
    }
    assertThatThrownBy(() -> classifier.classify(batch)).hasMessageContaining("is closed");
  }
}
