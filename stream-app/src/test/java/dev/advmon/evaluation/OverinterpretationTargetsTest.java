package dev.advmon.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.image.ImageLimits;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.InferenceThreads;
import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelLoader;
import dev.advmon.testing.TestData;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The overinterpretation targets (`./monitor evaluate-overinterpretation`) on the committed data: the calibrated
 * default and shortcut bundles and frames made from the 2,000 committed clean test frames. The bounds are the
 * targets: clean frames <= 5% any alert; frames with 95% of their pixels removed that the model still labels at
 * >= 0.9 flagged >= 95% whatever the removed pixels were set to; the shortcut bundle on border-stamped frames
 * >= 95%; mean forward passes on clean frames < 20.
 */
class OverinterpretationTargetsTest {

  @Test
  void defaultBundleStaysQuietOnCleanFramesAndCatchesRemovedPixelsAndShortcutFrames() throws Exception {
    Path root = TestData.repoRoot();
    ModelBundle bundle = ModelBundle.load(root.resolve("models/fashion-mnist-cnn"));
    ModelBundle shortcut = ModelBundle.load(root.resolve("models/fashion-mnist-shortcut"));
    assertThat(bundle.calibrationFile()).isRegularFile();
    assertThat(shortcut.calibrationFile()).isRegularFile();
    List<OverinterpretationEvaluation.Group> g = OverinterpretationEvaluation.evaluate(bundle, shortcut,
        new ModelLoader(EngineChoice.parse("OnnxRuntime"), InferenceThreads.defaults()), 128, ImageLimits.defaults(), root.resolve("models/eval/fashion-mnist-test"), 2000);
    OverinterpretationEvaluation.print(System.out, g);

    OverinterpretationEvaluation.Group clean = g.get(0);
    assertThat(clean.count()).isEqualTo(2000);
    assertThat(clean.anyRate()).as("clean test frames raising any alert").isLessThanOrEqualTo(0.05);
    assertThat(clean.meanPasses()).as("forward passes per clean frame, mean").isLessThan(20);

    for (int f = 1; f <= OverinterpretationEvaluation.Fill.values().length; f++) {
      OverinterpretationEvaluation.Group masked = g.get(f);
      assertThat(masked.count()).as("%s: frames the model still labels at >= 0.9", masked.name()).isGreaterThanOrEqualTo(30);
      assertThat(masked.anyRate()).as("%s flagged", masked.name()).isGreaterThanOrEqualTo(0.95);
    }

    OverinterpretationEvaluation.Group stamped = g.get(g.size() - 2);
    assertThat(stamped.count()).isEqualTo(2000);
    assertThat(stamped.oiRate()).as("shortcut bundle on border-stamped frames flagged").isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void measuresAnRgbBundleOfAnotherSizeBesideTheGrayscaleShortcutBundle() throws Exception {
    // a bundle of one's own (tiny-rgb: 3x16x16) beside the 1x28x28 shortcut bundle: each gets the frames in its geometry
    Path root = TestData.repoRoot();
    ModelBundle rgb = ModelBundle.load(root.resolve("stream-app/src/test/resources/models/tiny-rgb"));
    ModelBundle shortcut = ModelBundle.load(root.resolve("models/fashion-mnist-shortcut"));
    List<OverinterpretationEvaluation.Group> g = OverinterpretationEvaluation.evaluate(rgb, shortcut,
        new ModelLoader(EngineChoice.parse("OnnxRuntime"), InferenceThreads.defaults()), 128, ImageLimits.defaults(),
        root.resolve("models/eval/fashion-mnist-test"), 20);
    assertThat(g.get(0).count()).isEqualTo(20);
    OverinterpretationEvaluation.Group stamped = g.get(g.size() - 2);
    assertThat(stamped.count()).isEqualTo(20);
    assertThat(stamped.oiRate()).as("shortcut bundle on border-stamped frames flagged").isGreaterThanOrEqualTo(0.95);
  }
}
