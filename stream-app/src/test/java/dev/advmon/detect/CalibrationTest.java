package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.image.FloatImage;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.InvalidBundleException;
import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelManifest;
import dev.advmon.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationTest {

  @TempDir
  Path dir;

  @BeforeEach
  void copyTinyBundle() throws Exception {
    Path src = TestData.repoRoot().resolve("stream-app/src/test/resources/models/tiny-rgb");
    for (String f : List.of("model.onnx", "manifest.json")) {
      Files.copy(src.resolve(f), dir.resolve(f));
    }
  }

  private static List<FloatImage> noise(ModelManifest m, int n, long seed) {
    Random r = new Random(seed);
    List<FloatImage> out = new ArrayList<>();
    int c = m.input().channels();
    int h = m.input().height();
    int w = m.input().width();
    for (int i = 0; i < n; i++) {
      float[] v = new float[c * h * w];
      for (int j = 0; j < v.length; j++) {
        v[j] = Math.round(r.nextFloat() * 255) / 255f;
      }
      out.add(new FloatImage(c, h, w, v));
    }
    return out;
  }

  @Test
  void aWrittenCalibrationReadsBackIntoDetectorsWithTheSameThresholdsAndFalseAlarmRate() throws Exception {
    ModelBundle bundle = ModelBundle.load(dir);
    assertThat(Detectors.forBundle(bundle)).as("no calibration.json: detectors off").isEmpty();
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.parse("OnnxRuntime"))) {
      List<FloatImage> hold = noise(bundle.manifest(), 200, 2);
      Calibrator.Result r = Calibrator.calibrate(classifier, noise(bundle.manifest(), 100, 1), hold,
          new Calibrator.Settings(List.of("bit-depth-3", "median-2x2"), List.of("softmax-l1", "feature-shift"),
              true, true, 1, 50, 1e-3, 0.05, 64));
      assertThat(r.perturbation().calibrationFpr()).isLessThanOrEqualTo(0.05);
      assertThat(r.fooling().calibrationFpr()).isLessThanOrEqualTo(0.05);
      new Calibration(bundle.id(), Detectors.sha256(bundle.modelFile()), "2026-11-26T00:00:00Z", 0.1,
          new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("source", "noise"),
          r.perturbation(), r.fooling()).write(bundle.calibrationFile());

      List<Detector> detectors = Detectors.forBundle(bundle);
      assertThat(detectors).extracting(Detector::name).containsExactly("perturbation", "fooling");
      FrameScorer scorer = new FrameScorer(classifier, detectors, 64);
      List<Verdict> verdicts = scorer.score(hold);
      assertThat(verdicts.get(0).detections().get(0).threshold()).isEqualTo(r.perturbation().scale().threshold());
      assertThat(verdicts.get(0).forwardPasses()).isEqualTo(3); // frame + 2 squeezed probes, in one call
      // the same frames through the read-back detectors alert exactly as often as during calibration
      for (int d = 0; d < 2; d++) {
        int k = d;
        long flagged = verdicts.stream().filter(v -> v.detections().get(k).flagged()).count();
        double expected = d == 0 ? r.perturbation().calibrationFpr() : r.fooling().calibrationFpr();
        assertThat(flagged / 200.0).isEqualTo(expected);
      }
    }
  }

  @Test
  void aCalibrationForOtherWeightsIsRefusedWithWhatToDo() throws Exception {
    ModelBundle bundle = ModelBundle.load(dir);
    SignalScale s = new SignalScale(new double[] {1}, 1);
    new Calibration(bundle.id(), "0".repeat(64), "now", 0.05, new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode(),
        new Calibration.Perturbation(List.of("bit-depth-3"), List.of("softmax-l1"), s, 0.025, 0.025), null)
        .write(bundle.calibrationFile());
    assertThatThrownBy(() -> Detectors.forBundle(bundle)).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("model_sha256").hasMessageContaining("./monitor calibrate --model");
  }

  @Test
  void aLearnedThresholdReadsBackButNeedsABundleWithADetectorHead() throws Exception {
    ModelBundle bundle = ModelBundle.load(dir);
    new Calibration(bundle.id(), Detectors.sha256(bundle.modelFile()), "now", 0.05,
        new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode(), null, null, null,
        new Calibration.Learned(0.375, 0.02, 0.019)).write(bundle.calibrationFile());
    Calibration back = Calibration.read(bundle.calibrationFile());
    assertThat(back.learned()).isEqualTo(new Calibration.Learned(0.375, 0.02, 0.019));
    assertThat(back.detectors()).extracting(Detector::name).containsExactly("learned");
    assertThatThrownBy(() -> Detectors.forBundle(bundle)).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("detector-head output").hasMessageContaining("outputs.adversarial");
  }

  @Test
  void aBrokenFieldIsNamedWithTheFile() throws Exception {
    Path f = dir.resolve("calibration.json");
    Files.writeString(f, """
        {"format": 1, "model": "m", "model_sha256": "x", "created": "now", "target_fpr": 0.05,
         "detectors": {"perturbation": {"squeezers": ["bit-depth-3"], "signals": ["softmax-l1"],
           "signal_scales": [1.0, 2.0], "threshold": 1.0, "target_fpr": 0.025, "calibration_fpr": 0.025}}}
        """);
    assertThatThrownBy(() -> Calibration.read(f)).hasMessageContaining(f.toString())
        .hasMessageContaining("detectors.perturbation.signal_scales").hasMessageContaining("1 signals");
    Files.writeString(f, """
        {"format": 1, "model": "m", "model_sha256": "x", "created": "now", "target_fpr": 0.05,
         "detectors": {"perturbation": {"squeezers": ["jpeg"], "signals": ["softmax-l1"],
           "signal_scales": [1.0], "threshold": 1.0, "target_fpr": 0.025, "calibration_fpr": 0.025}}}
        """);
    assertThatThrownBy(() -> Calibration.read(f)).hasMessageContaining("detectors.perturbation.squeezers")
        .hasMessageContaining("unknown squeezer 'jpeg'");
  }
}
