package dev.advmon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.ModelManifest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Stand-in model for unit tests of how calls reach the model: class = round(first pixel * 2) of three, a NaN pixel
 * fails the whole call. Records each call's size and thread. Gated, its first call blocks until {@link #release()},
 * so that a test can line other calls up behind it without depending on how fast threads start.
 */
public final class PixelModel implements BatchClassifier {

  public final List<Integer> calls = new CopyOnWriteArrayList<>();
  public final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final CountDownLatch gate = new CountDownLatch(1);
  private final CountDownLatch entered = new CountDownLatch(1);
  private final boolean gated;

  private PixelModel(boolean gated) {
    this.gated = gated;
  }

  public static PixelModel open() {
    return new PixelModel(false);
  }

  public static PixelModel gated() {
    return new PixelModel(true);
  }

  public void release() {
    gate.countDown();
  }

  public void awaitFirstCall() throws InterruptedException {
    assertThat(entered.await(60, TimeUnit.SECONDS)).as("the first call reached the model").isTrue();
  }

  public static FloatImage pixel(float v) {
    return new FloatImage(1, 1, 1, new float[] {v});
  }

  @Override
  public ModelManifest manifest() {
    return new ModelManifest("fake", "1", "", "model.onnx",
        new ModelManifest.InputSpec("input", ModelManifest.Layout.NCHW, 1, 1, 1, 1f / 255, new float[] {0},
            new float[] {1}, new float[] {0}),
        new ModelManifest.OutputSpec("logits", null, true), List.of("zero", "one", "two"));
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
        throw new IllegalArgumentException("the model cannot run a NaN pixel");
      }
      p[i * 3 + Math.round(v * 2)] = 1f;
    }
    return BatchOutput.fromModel(images.size(), p, true, null);
  }

  @Override
  public void close() {}
}
