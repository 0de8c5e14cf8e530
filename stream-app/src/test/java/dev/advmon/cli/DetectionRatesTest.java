package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.Detectors;
import dev.advmon.model.ModelBundle;
import dev.advmon.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The calibrated bundled model on a fixed subset of the committed attack fixtures (the first 60 of each
 * kind) and on the 2,000 clean test frames. Minimum rates are what `./monitor evaluate` measured on this
 * subset (BENCHMARKS.md gives the full set) less a margin of 8-10 points; they guard against regressions and
 * are not the targets (95%), which these detectors do not reach on every kind. Fixtures and rates belong to
 * one model.onnx (models/fixtures/model.sha256): after retraining, rerun attacks.py, calibrate and evaluate,
 * and re-derive these numbers. Skipped (with the reason) where the calibrated bundle or the clean frames are
 * absent; -Dadvmon.test.bundle=DIR points it at another bundle.
 */
class DetectionRatesTest {

  /** kind -> minimum detection rate by any detector. */
  static final Map<String, Double> MINIMUM = Map.of(
      "fgsm", 0.28, "pgd-0.05", 0.63, "pgd-0.1", 0.50, "pgd-0.2", 0.80, "cw-l2", 0.28,
      "deepfool", 0.42, "uap", 0.28, "fool-evo", 0.90, "fool-grad", 0.75);

  @Test
  void calibratedDetectorsCatchEveryKindAtLeastAsOftenAsMeasuredAndStayWithinTheFalseAlarmBudget() throws Exception {
    Path bundleDir = Path.of(System.getProperty("advmon.test.bundle", TestData.defaultBundle().toString()));
    Path fixtures = TestData.repoRoot().resolve("models/fixtures");
    Path clean = TestData.repoRoot().resolve("models/eval/fashion-mnist-test");
    assumeThat(Files.isRegularFile(bundleDir.resolve(ModelBundle.CALIBRATION)))
        .as("needs the calibrated bundle %s (./monitor calibrate)", bundleDir).isTrue();
    assumeThat(Files.isDirectory(clean)).as("needs the clean test frames %s", clean).isTrue();
    ModelBundle bundle = ModelBundle.load(bundleDir);
    assertThat(Files.readString(fixtures.resolve("model.sha256")).trim())
        .as("models/fixtures were made against another model.onnx: rerun models/recipe/attacks.py")
        .isEqualTo(Detectors.sha256(bundle.modelFile()));

    MonitorConfig config = MonitorConfig.fromEnvironment(Map.of("model.engine", "OnnxRuntime"), TestData.repoRoot()).validated();
    EvaluateCommand.Report r = EvaluateCommand.evaluate(bundle, config, fixtures, clean, 60);

    EvaluateCommand.Group c = r.clean();
    assertThat(c.count()).isEqualTo(2000);
    assertThat(c.rate(c.anyRatio())).as("share of clean test frames raising any alert").isLessThanOrEqualTo(0.05);
    assertThat(r.kinds().keySet()).containsAll(MINIMUM.keySet());
    MINIMUM.forEach((kind, min) -> {
      EvaluateCommand.Group g = r.kinds().get(kind);
      assertThat(g.rate(g.anyRatio())).as("detection rate of %s (%d frames)", kind, g.count()).isGreaterThanOrEqualTo(min);
    });
  }
}
