package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.detect.FrameScorer;
import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.InvalidBundleException;
import dev.advmon.model.ModelManifest;
import dev.advmon.testing.PixelModel;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code run} loads the model, then its detectors, then warms both up: a failure after the model loaded closed
 * nothing, so the model's native session and threads stayed for as long as the JVM (an embedding or a test that
 * starts again piles them up).
 */
class RunCommandModelLoadTest {

  /** The stand-in model, counting how often it is closed. */
  private static final class ClosingCounted implements BatchClassifier {
    private final PixelModel model = PixelModel.open();
    final AtomicInteger closed = new AtomicInteger();

    @Override
    public ModelManifest manifest() {
      return model.manifest();
    }

    @Override
    public String engineName() {
      return model.engineName();
    }

    @Override
    public BatchOutput classify(List<FloatImage> images) {
      return model.classify(images);
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  }

  @Test
  void detectorsThatCannotBeLoadedCloseTheModelLoadedBeforeThem() {
    ClosingCounted model = new ClosingCounted();
    assertThatThrownBy(() -> RunCommand.loadScorer(() -> model, () -> {
      throw new InvalidBundleException("calibration.json: field 'model_sha256' does not match model.onnx");
    }, 8)).isInstanceOf(InvalidBundleException.class).hasMessageContaining("model_sha256");
    assertThat(model.closed).as("the model was closed once").hasValue(1);
  }

  @Test
  void aBatchLimitTheScorerRefusesClosesTheLoadedModel() {
    ClosingCounted model = new ClosingCounted();
    assertThatThrownBy(() -> RunCommand.loadScorer(() -> model, List::of, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(model.closed).as("the model was closed once").hasValue(1);
  }

  @Test
  void aScorerThatLoadsKeepsItsModelOpenForTheMonitor() throws Exception {
    ClosingCounted model = new ClosingCounted();
    FrameScorer scorer = RunCommand.loadScorer(() -> model, List::of, 8);
    assertThat(scorer.classifier()).isSameAs(model);
    assertThat(model.closed).as("still open: run closes it when it stops").hasValue(0);
  }
}
