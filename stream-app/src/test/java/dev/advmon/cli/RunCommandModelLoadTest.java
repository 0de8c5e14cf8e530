package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.detect.FrameScorer;
import dev.advmon.model.InvalidBundleException;
import dev.advmon.testing.BreakableClassifier;
import dev.advmon.testing.PixelModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code run} loads the model, then its detectors, then warms both up: a failure after the model loaded closed
 * nothing, so the model's native session and threads stayed for as long as the JVM (an embedding or a test that
 * starts again piles them up).
 */
class RunCommandModelLoadTest {

  /** The stand-in model (a real one), counting how often it is closed. */
  private static BreakableClassifier model() {
    return new BreakableClassifier(PixelModel.open());
  }

  @Test
  void detectorsThatCannotBeLoadedCloseTheModelLoadedBeforeThem() {
    BreakableClassifier model = model();
    assertThatThrownBy(() -> RunCommand.loadScorer(() -> model, () -> {
      throw new InvalidBundleException("calibration.json: field 'model_sha256' does not match model.onnx");
    }, 8)).isInstanceOf(InvalidBundleException.class).hasMessageContaining("model_sha256");
    assertThat(model.closed).as("the model was closed once").hasValue(1);
  }

  @Test
  void aBatchLimitTheScorerRefusesClosesTheLoadedModel() {
    BreakableClassifier model = model();
    assertThatThrownBy(() -> RunCommand.loadScorer(() -> model, List::of, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(model.closed).as("the model was closed once").hasValue(1);
  }

  @Test
  void aScorerThatLoadsKeepsItsModelOpenForTheMonitor() throws Exception {
    BreakableClassifier model = model();
    FrameScorer scorer = RunCommand.loadScorer(() -> model, List::of, 8);
    assertThat(scorer.classifier()).isSameAs(model);
    assertThat(model.closed).as("still open: run closes it when it stops").hasValue(0);
  }
}
