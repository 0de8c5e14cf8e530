package dev.advmon.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.advmon.detect.Detectors;
import dev.advmon.detect.Roc;
import dev.advmon.image.ImageLimits;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Issue 10's targets on the committed data, one test per target so that a report names exactly which hold:
 * the calibrated bundled model ({@code -Dadvmon.test.bundle=DIR} for another, with {@code -Dadvmon.test.fixtures=DIR})
 * on every committed attack fixture, the 2,000 clean test frames and the committed corruption set, as
 * {@code ./monitor evaluate} measures them. The floors ARE the targets (BENCHMARKS.md):
 * <ul>
 *   <li>clean test frames the model gets right: <= 5% raise any alert;
 *   <li>each corruption, frames the model still gets right: <= 10%;
 *   <li>each attack kind: >= 95% detected and ROC-AUC >= 0.98;
 *   <li>each family held out of everything that learned from attacks: >= 80% of its frames still flagged;
 *   <li>forward passes per clean frame, all detectors: mean < 20.
 * </ul>
 * Fixtures and rates belong to one model.onnx (models/fixtures/model.sha256): after retraining the classifier or
 * its head, rerun the recipe, calibrate and evaluate.
 */
class DetectionRatesTest {

  static final double CLEAN = 0.05;
  static final double PER_CORRUPTION = 0.10;
  static final double DETECTION = 0.95;
  static final double AUC = 0.98;
  static final double HELD_OUT = 0.80;
  static final double MEAN_PASSES = 20;

  @TestFactory
  Stream<DynamicTest> everyTargetOfIssue10() throws Exception {
    Path bundleDir = Path.of(System.getProperty("advmon.test.bundle", TestData.defaultBundle().toString()));
    Path fixtures = Path.of(System.getProperty("advmon.test.fixtures", TestData.repoRoot().resolve("models/fixtures").toString()));
    Path clean = TestData.repoRoot().resolve("models/eval/fashion-mnist-test");
    Path corruptions = TestData.repoRoot().resolve("models/corruptions");
    // The bundled model ships calibrated with its frames: their absence is a failure, not a skip.
    assertThat(bundleDir.resolve(ModelBundle.CALIBRATION)).as("calibrated bundle (./monitor calibrate)").isRegularFile();
    ModelBundle bundle = ModelBundle.load(bundleDir);
    assertThat(Files.readString(fixtures.resolve("model.sha256")).trim())
        .as("%s was made against another model.onnx: rerun models/recipe/attacks.py", fixtures)
        .isEqualTo(Detectors.sha256(bundle.modelFile()));

    DetectionEvaluation.Report r = DetectionEvaluation.evaluate(bundle, EngineChoice.parse("OnnxRuntime"),
        FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()),
        new DetectionEvaluation.Options(fixtures, clean, corruptions, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, 128));
    DetectionEvaluation.print(System.out, r);

    List<DynamicTest> tests = new ArrayList<>();
    DetectionEvaluation.Group c = r.clean();
    tests.add(dynamicTest("clean test frames raise an alert on <= 5%", () -> {
      assertThat(c.countedFrames()).isGreaterThan(1800);
      assertThat(c.anyRate()).as("clean any-alert rate").isLessThanOrEqualTo(CLEAN);
    }));
    tests.add(dynamicTest("forward passes per clean frame: mean < 20", () ->
        assertThat(c.meanPasses()).as("mean forward passes (p99 %d)", c.p99Passes()).isLessThan(MEAN_PASSES)));
    tests.add(dynamicTest("the corruption set covers the recipe's 16 corruptions", () ->
        assertThat(r.corruptions()).hasSize(Corruption.values().length)));
    for (Map.Entry<String, DetectionEvaluation.Group> e : r.corruptions().entrySet()) {
      tests.add(dynamicTest("corruption " + e.getKey() + " raises an alert on <= 10%", () -> {
        assertThat(e.getValue().countedFrames()).as("frames the model still gets right").isGreaterThan(100);
        assertThat(e.getValue().anyRate()).as("%s any-alert rate", e.getKey()).isLessThanOrEqualTo(PER_CORRUPTION);
      }));
    }
    double[] cleanAny = c.countedValues(c.any());
    for (Map.Entry<String, DetectionEvaluation.Group> e : r.kinds().entrySet()) {
      DetectionEvaluation.Group g = e.getValue();
      tests.add(dynamicTest("attack kind " + e.getKey() + ": >= 95% detected, ROC-AUC >= 0.98", () -> {
        assertThat(g.count()).as("fixtures of %s", e.getKey()).isGreaterThanOrEqualTo(20);
        assertThat(g.anyRate()).as("%s detection rate", e.getKey()).isGreaterThanOrEqualTo(DETECTION);
        assertThat(Roc.auc(cleanAny, g.any())).as("%s ROC-AUC", e.getKey()).isGreaterThanOrEqualTo(AUC);
      }));
    }
    for (DetectionEvaluation.LeaveOut l : r.leaveOut()) {
      tests.add(dynamicTest("family " + l.family() + " held out: >= 80% still flagged", () ->
          assertThat(l.pooled()).as("%s held out (%s)", l.family(), l.detected()).isGreaterThanOrEqualTo(HELD_OUT)));
    }
    return tests.stream();
  }
}
