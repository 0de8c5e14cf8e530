package dev.advmon.evaluation;

import static dev.advmon.evaluation.DetectionEvaluation.NO_TARGET_FAMILIES;
import static dev.advmon.evaluation.DetectionEvaluation.TARGET_AUC;
import static dev.advmon.evaluation.DetectionEvaluation.TARGET_CLEAN;
import static dev.advmon.evaluation.DetectionEvaluation.TARGET_DETECTION;
import static dev.advmon.evaluation.DetectionEvaluation.TARGET_HELD_OUT;
import static dev.advmon.evaluation.DetectionEvaluation.TARGET_MEAN_PASSES;
import static dev.advmon.evaluation.DetectionEvaluation.TARGET_PER_CORRUPTION;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.advmon.detect.Detectors;
import dev.advmon.detect.Roc;
import dev.advmon.image.ImageLimits;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.InferenceThreads;
import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelLoader;
import dev.advmon.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Issue 10's targets on the committed data, one test per target so that a report names exactly which hold:
 * the calibrated bundled model on every committed attack fixture, the 2,000 clean test frames and the committed
 * corruption set, as {@code ./monitor evaluate} measures them. The floors ARE the targets:
 * <ul>
 *   <li>clean test frames the model gets right: <= 5% raise any alert;
 *   <li>each corruption, frames the model still gets right: <= 10%;
 *   <li>each attack kind: >= 95% detected and ROC-AUC >= 0.98 (family {@code adaptive}: reported, no target);
 *   <li>each family held out of everything that learned from attacks: >= 80% of its frames still flagged;
 *   <li>forward passes per clean frame, all detectors: mean < 20.
 * </ul>
 * Where a target is missed after honest effort, the miss is listed below as a KNOWN SHORTFALL with the value
 * measured (BENCHMARKS.md, "Issue 10", has the table, the reasons and what was tried). A listed entry is held to
 * its measured value (rounded down to the whole percent for a rate that must reach its target, up for a false-alarm
 * rate), so it cannot get worse unseen, and the test FAILS when a listed entry meets its target: remove it then, so
 * the list only shrinks. Fixtures and rates belong to one model.onnx (models/fixtures/model.sha256): after
 * retraining the classifier or its head, rerun the recipe, calibrate and evaluate.
 */
class DetectionRatesTest {

  /** Known shortfalls, detection rate per attack kind: kind -> measured floor (BENCHMARKS.md, Issue 10). */
  static final Map<String, Double> DETECTION_SHORTFALLS = Map.ofEntries(
      entry("fgsm", 0.89),
      entry("jsma", 0.85),
      entry("patch", 0.94),
      entry("spatial", 0.45),
      entry("square", 0.87));

  /** Known shortfalls, ROC-AUC per attack kind: kind -> measured floor, rounded down to 0.01 (BENCHMARKS.md). */
  static final Map<String, Double> AUC_SHORTFALLS = Map.ofEntries(
      entry("fgsm", 0.97),
      entry("spatial", 0.91));

  /** Known shortfalls, any-alert rate per corruption: corruption -> measured ceiling (BENCHMARKS.md). */
  static final Map<String, Double> CORRUPTION_SHORTFALLS = Map.ofEntries();

  /** Known shortfalls, share of a held-out family still flagged: family -> measured floor (BENCHMARKS.md). */
  static final Map<String, Double> HELD_OUT_SHORTFALLS = Map.ofEntries(
      entry("linf", 0.53),
      entry("spatial", 0.39),
      entry("query-score", 0.77));

  /**
   * The attack kinds with a target (models/fixtures/manifest.csv; the adaptive ones are measured without one): a kind
   * that went missing from the fixtures would otherwise take its target with it, unseen.
   */
  static final Set<String> KINDS = Set.of("cw-l2", "deepfool", "fgsm", "fool-evo", "fool-grad", "hsj", "jsma",
      "masked-black", "masked-blur", "masked-mean", "masked-noise", "masked-white", "mifgsm", "patch", "pgd-0.05",
      "pgd-0.1", "pgd-0.2", "pgd-l0", "spatial", "square", "uap", "universal-patch");

  /** The families each held out once (every family of the recipe but the adaptive one). */
  static final Set<String> HELD_OUT_FAMILIES = Set.of("fooling", "linf", "minimal-l2", "overinterpretation", "patch",
      "query-decision", "query-score", "sparse", "spatial", "universal");

  @TestFactory
  Stream<DynamicTest> everyTargetOfIssue10() throws Exception {
    Path bundleDir = TestData.defaultBundle();
    Path fixtures = TestData.repoRoot().resolve("models/fixtures");
    Path clean = TestData.repoRoot().resolve("models/eval/fashion-mnist-test");
    Path corruptions = TestData.repoRoot().resolve("models/corruptions");
    // The bundled model ships calibrated with its frames: their absence is a failure, not a skip.
    assertThat(bundleDir.resolve(ModelBundle.CALIBRATION)).as("calibrated bundle (./monitor calibrate)").isRegularFile();
    ModelBundle bundle = ModelBundle.load(bundleDir);
    assertThat(Files.readString(fixtures.resolve("model.sha256")).trim())
        .as("%s was made against another model.onnx: rerun models/recipe/attacks.py", fixtures)
        .isEqualTo(Detectors.sha256(bundle.modelFile()));

    DetectionEvaluation.Report r = DetectionEvaluation.evaluate(bundle, new ModelLoader(EngineChoice.parse("OnnxRuntime"), InferenceThreads.defaults()),
        FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()),
        new DetectionEvaluation.Options(fixtures, clean, corruptions, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, 128));
    DetectionEvaluation.print(System.out, r);

    List<DynamicTest> tests = new ArrayList<>();
    DetectionEvaluation.Group c = r.clean();
    tests.add(dynamicTest("clean test frames raise an alert on <= 5%", () -> {
      assertThat(c.countedFrames()).isGreaterThan(1800);
      assertThat(c.anyRate()).as("clean any-alert rate").isLessThanOrEqualTo(TARGET_CLEAN);
    }));
    tests.add(dynamicTest("forward passes per clean frame: mean < 20", () ->
        assertThat(c.meanPasses()).as("mean forward passes (p99 %d)", c.p99Passes()).isLessThan(TARGET_MEAN_PASSES)));
    tests.add(dynamicTest("the corruption set covers every corruption of the recipe", () ->
        assertThat(r.corruptions()).hasSize(Corruption.values().length)));
    tests.add(dynamicTest("every attack kind and family of the recipe is measured", () -> {
      assertThat(r.kinds().keySet().stream().filter(k -> !NO_TARGET_FAMILIES.contains(r.familyOfKind().get(k))).toList())
          .containsExactlyInAnyOrderElementsOf(KINDS);
      assertThat(r.leaveOut().stream().map(DetectionEvaluation.LeaveOut::family).toList())
          .containsExactlyInAnyOrderElementsOf(HELD_OUT_FAMILIES);
    }));
    tests.add(dynamicTest("every known shortfall names something this run measured", () -> {
      assertThat(r.kinds().keySet()).containsAll(DETECTION_SHORTFALLS.keySet()).containsAll(AUC_SHORTFALLS.keySet());
      assertThat(r.corruptions().keySet()).containsAll(CORRUPTION_SHORTFALLS.keySet());
      assertThat(r.leaveOut().stream().map(DetectionEvaluation.LeaveOut::family).toList()).containsAll(HELD_OUT_SHORTFALLS.keySet());
    }));
    for (Map.Entry<String, DetectionEvaluation.Group> e : r.corruptions().entrySet()) {
      String name = e.getKey();
      DetectionEvaluation.Group g = e.getValue();
      tests.add(dynamicTest("corruption " + name + " raises an alert on <= 10%", () -> {
        assertThat(g.countedFrames()).as("frames the model still gets right").isGreaterThanOrEqualTo(50);
        atMost(name + " any-alert rate", g.anyRate(), TARGET_PER_CORRUPTION, CORRUPTION_SHORTFALLS.get(name));
      }));
    }
    double[] cleanAny = c.countedValues(c.any());
    for (Map.Entry<String, DetectionEvaluation.Group> e : r.kinds().entrySet()) {
      String kind = e.getKey();
      DetectionEvaluation.Group g = e.getValue();
      if (NO_TARGET_FAMILIES.contains(r.familyOfKind().get(kind))) {
        tests.add(dynamicTest("adaptive attack " + kind + " is measured (no target)", () ->
            assertThat(g.count()).as("fixtures of %s", kind).isGreaterThan(0)));
        continue;
      }
      tests.add(dynamicTest("attack kind " + kind + ": >= 95% detected", () -> {
        assertThat(g.count()).as("fixtures of %s", kind).isGreaterThanOrEqualTo(20);
        atLeast(kind + " detection rate", g.anyRate(), TARGET_DETECTION, DETECTION_SHORTFALLS.get(kind));
      }));
      tests.add(dynamicTest("attack kind " + kind + ": ROC-AUC >= 0.98", () ->
          atLeast(kind + " ROC-AUC", Roc.auc(cleanAny, g.any()), TARGET_AUC, AUC_SHORTFALLS.get(kind))));
    }
    for (DetectionEvaluation.LeaveOut l : r.leaveOut()) {
      tests.add(dynamicTest("family " + l.family() + " held out: >= 80% still flagged", () ->
          atLeast(l.family() + " held out (" + l.detected() + ")", l.pooled(), TARGET_HELD_OUT, HELD_OUT_SHORTFALLS.get(l.family()))));
    }
    return tests.stream();
  }

  /** {@code value} reaches {@code target}; or, for a known shortfall, stays at its floor and still misses the target. */
  private static void atLeast(String what, double value, double target, Double shortfallFloor) {
    if (shortfallFloor == null) {
      assertThat(value).as(what).isGreaterThanOrEqualTo(target);
      return;
    }
    assertThat(value).as("%s: known shortfall, measured floor %s (BENCHMARKS.md)", what, shortfallFloor).isGreaterThanOrEqualTo(shortfallFloor);
    assertThat(value).as("%s now meets its target %s: remove it from the known shortfalls", what, target).isLessThan(target);
  }

  /** {@code value} stays at or below {@code cap}; or, for a known shortfall, at its ceiling and still above the cap. */
  private static void atMost(String what, double value, double cap, Double shortfallCeiling) {
    if (shortfallCeiling == null) {
      assertThat(value).as(what).isLessThanOrEqualTo(cap);
      return;
    }
    assertThat(value).as("%s: known shortfall, measured ceiling %s (BENCHMARKS.md)", what, shortfallCeiling).isLessThanOrEqualTo(shortfallCeiling);
    assertThat(value).as("%s now meets its target %s: remove it from the known shortfalls", what, cap).isGreaterThan(cap);
  }
}
