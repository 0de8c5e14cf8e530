package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.detect.FrameScorer;
import dev.advmon.detect.Verdict;
import dev.advmon.image.FloatImage;
import dev.advmon.image.ImageLimits;
import dev.advmon.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bundled model, through the monitor's own decode and scoring path, on the committed 2,000 test images. */
class BundledModelAccuracyTest {

  @Test
  void bundledModelKeepsAtLeast92PercentAccuracyOnTheEvaluationSubset() throws Exception {
    List<TestData.Labelled> eval = TestData.evalSet();
    assertThat(eval).hasSize(2000);
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    FramePreparer preparer = FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest());
    List<FloatImage> images = new ArrayList<>();
    for (TestData.Labelled l : eval) {
      images.add(preparer.prepare(l.file()));
    }
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME)) {
      List<Verdict> verdicts = new FrameScorer(classifier, List.of(), 128).score(images);
      int correct = 0;
      for (int i = 0; i < eval.size(); i++) {
        correct += verdicts.get(i).predictedClass() == eval.get(i).label() ? 1 : 0;
      }
      double accuracy = correct / (double) eval.size();
      System.out.printf("bundled model accuracy on %d evaluation images: %.4f%n", eval.size(), accuracy);
      assertThat(accuracy).isGreaterThanOrEqualTo(0.92);
    }
  }

  @Test
  void rgbBundleOfAnotherSizeGetsFramesConvertedToItsInput() throws Exception {
    // tiny-rgb: 3x16x16; class = the dominant colour channel. Frames arrive gray 28x28 or RGB 40x30.
    ModelBundle bundle = ModelBundle.load(TestData.repoRoot().resolve("stream-app/src/test/resources/models/tiny-rgb"));
    FramePreparer preparer = FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest());
    byte[] red = new byte[40 * 30 * 3];
    byte[] blue = new byte[40 * 30 * 3];
    for (int i = 0; i < 40 * 30; i++) {
      red[i * 3] = (byte) 230;
      blue[i * 3 + 2] = (byte) 200;
      blue[i * 3] = (byte) 20;
    }
    FloatImage r = preparer.prepare(red, dev.advmon.image.ImageFormat.RGB8, 40, 30);
    assertThat(r.channels()).isEqualTo(3);
    assertThat(r.height()).isEqualTo(16);
    assertThat(r.width()).isEqualTo(16);
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME)) {
      List<Verdict> v = new FrameScorer(classifier, List.of(), 8)
          .score(List.of(r, preparer.prepare(blue, dev.advmon.image.ImageFormat.RGB8, 40, 30)));
      assertThat(v).extracting(Verdict::predictedLabel).containsExactly("red", "blue");
      assertThat(v.get(0).confidence()).isGreaterThan(0.9);
    }
  }
}
