package dev.advmon.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class DetectionEvaluationTest {

  @Test
  void theUpperBoundOfAFalseAlarmRateIsWilsonsAt95Percent() {
    // reference values of the Wilson score interval, z = 1.96
    assertThat(DetectionEvaluation.wilsonUpper(15, 174)).as("scratches: 8.6%% measured").isCloseTo(0.13735, offset(1e-5));
    assertThat(DetectionEvaluation.wilsonUpper(0, 100)).isCloseTo(0.03699, offset(1e-5));
    assertThat(DetectionEvaluation.wilsonUpper(100, 100)).isEqualTo(1.0);
    assertThat(DetectionEvaluation.wilsonUpper(0, 0)).isNaN();
  }

  @Test
  void aFalseAlarmRateIsJudgedOnlyFromEnoughFramesForNoAlarmToShowTheTarget() {
    assertThat(DetectionEvaluation.framesToShowAtMost(0.05)).isEqualTo(73);
    assertThat(DetectionEvaluation.framesToShowAtMost(0.10)).isEqualTo(35);
    assertThat(DetectionEvaluation.falseAlarmTarget(0.0, 72, 0.05)).startsWith("too few frames to judge (73 or more");
    assertThat(DetectionEvaluation.falseAlarmTarget(0.0, 73, 0.05)).isEqualTo("met");
    // the committed set's worst corruption (15 of 174) is judged as before, its bound printed beside it
    assertThat(DetectionEvaluation.falseAlarmTarget(15 / 174.0, 174, 0.10)).isEqualTo("met");
    assertThat(DetectionEvaluation.falseAlarmTarget(Double.NaN, 0, 0.10)).isEqualTo("n/a");
  }

  /**
   * Few frames cannot show a false-alarm rate within its target, but they can show it above: 25 alarms on 50 clean
   * frames read "too few frames to judge" beside a rate of 50%, where the same rate on more frames reads "missed".
   */
  @Test
  void aFalseAlarmRateAboveItsTargetIsMissedHoweverFewTheFrames() {
    assertThat(DetectionEvaluation.falseAlarmTarget(0.5, 50, 0.05)).isEqualTo("missed by 45.0 pts");
    assertThat(DetectionEvaluation.falseAlarmTarget(1.0, 2, 0.10)).isEqualTo("missed by 90.0 pts");
    assertThat(DetectionEvaluation.falseAlarmTarget(0.04, 50, 0.05)).startsWith("too few frames to judge (73 or more");
  }

  @Test
  void anAucWithAnEmptySideReadsNotApplicableNotNaNOrAnEmptyMiss() {
    // no clean frame the model gets right: Roc.auc is NaN; the table printed "NaN" and "missed: " with no reason
    assertThat(DetectionEvaluation.num(Double.NaN, 4)).isEqualTo("n/a");
    assertThat(DetectionEvaluation.num(0.98765, 4)).isEqualTo("0.9877");
    assertThat(DetectionEvaluation.kindTarget(1.0, Double.NaN)).isEqualTo("n/a");
    assertThat(DetectionEvaluation.kindTarget(Double.NaN, 0.99)).isEqualTo("n/a");
    assertThat(DetectionEvaluation.kindTarget(0.96, 0.99)).isEqualTo("met");
    assertThat(DetectionEvaluation.kindTarget(0.90, 0.99)).isEqualTo("missed: detection -5.0 pts");
  }

  @Test
  void theWorstCorruptionIsOneWithARate() {
    // fog: no frame the model gets right, so no rate (NaN), which Double.compare ranks above every number
    DetectionEvaluation.Group none = group(new double[] {2.0}, new boolean[] {false});
    DetectionEvaluation.Group some = group(new double[] {2.0, 0.5}, new boolean[] {true, true});
    java.util.Map<String, DetectionEvaluation.Group> m = new java.util.LinkedHashMap<>();
    m.put("glare", some);
    m.put("fog", none);
    assertThat(DetectionEvaluation.worst(m)).isEqualTo("glare 50.0%");
  }

  private static DetectionEvaluation.Group group(double[] any, boolean[] counted) {
    return new DetectionEvaluation.Group(any.length, any, java.util.List.of(any), counted, new int[any.length],
        java.util.List.of(any));
  }

  @Test
  void aSetIsReadFrameByFrameWhenScoredNotLoadedWhole(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    // evaluate loaded every set whole and kept the attack frames for the whole run: 6,000 28x28 fixtures ran out of a
    // 32 MB heap (a 3x224x224 model's 3,566 fixtures are 2.1 GB); now a frame is read when a chunk of it is scored
    java.nio.file.Path png = java.nio.file.Files.copy(
        dev.advmon.testing.TestData.repoRoot().resolve("models/eval/fashion-mnist-test/test-00000.png"), tmp.resolve("a.png"));
    java.nio.file.Path missing = tmp.resolve("missing.png");
    java.util.List<dev.advmon.image.FloatImage> frames = DetectionEvaluation.frames(
        new dev.advmon.model.FramePreparer(dev.advmon.image.ImageLimits.defaults(), 1, 28, 28), java.util.List.of(png, missing));
    assertThat(frames).as("listing reads nothing: the missing file is not noticed yet").hasSize(2);
    assertThat(frames.get(0)).as("read again when asked again, not kept").isNotSameAs(frames.get(0));
    assertThat(frames.get(0).width()).isEqualTo(28);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> frames.get(1)).isInstanceOf(java.io.UncheckedIOException.class)
        .hasCauseInstanceOf(java.nio.file.NoSuchFileException.class);
  }

  @Test
  void anEmptyOverinterpretationGroupReadsNotApplicableNotNaNPercent() {
    // no 95%-removed frame the model still labels at >= 0.9 (three clean frames, noise fill): the table said "NaN%"
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    OverinterpretationEvaluation.print(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8), java.util.List.of(
        OverinterpretationEvaluation.group("masked, noise", java.util.List.of())));
    assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("| masked, noise | 0 | n/a | n/a | n/a | 0 |")
        .doesNotContain("NaN");
  }

  @Test
  void anAuditWithoutASufficientSubsetReadsNotApplicableNotNaNPercent() {
    // no image the model labels at >= tau: no subset, so no median fraction and no rim share ("NaN%" before)
    String text = OverinterpretationAudit.asText(OverinterpretationAudit.summaryRows(
        new OverinterpretationAudit.Summary(3, 0, Double.NaN, Double.NaN, 0, 2, 2.0 / 49, 0.4, 0, 0, 0, 1.0), 7, 0.9));
    assertThat(text).contains("median sufficient fraction (cells of the 7x7 grid): n/a").doesNotContain("NaN");
  }
}
