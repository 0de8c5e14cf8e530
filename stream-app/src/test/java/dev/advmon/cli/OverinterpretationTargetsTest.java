package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.model.ModelBundle;
import dev.advmon.testing.TestData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The overinterpretation targets of issue 5 on the committed data (`./monitor evaluate-overinterpretation`):
 * the calibrated default and shortcut bundles and frames made from the 2,000 committed clean test frames.
 * Measured 2026-11-26 (BENCHMARKS.md): clean any-alert 3.8% (overinterpretation alone 1.2%), 95%-masked
 * frames labelled at >= 0.9: 96.2% of 184, shortcut bundle on border-stamped frames 99.9%, mean forward passes
 * on clean frames 15.2. The bounds below are the targets, which sit 1.2-4.9 points inside those measurements,
 * except the overinterpretation-alone false-alarm rate, bounded at its measurement plus 1 point.
 */
class OverinterpretationTargetsTest {

  @Test
  void defaultBundleStaysQuietOnCleanFramesAndCatchesMaskedAndShortcutFrames() throws Exception {
    Path root = TestData.repoRoot();
    ModelBundle bundle = ModelBundle.load(root.resolve("models/fashion-mnist-cnn"));
    ModelBundle shortcut = ModelBundle.load(root.resolve("models/fashion-mnist-shortcut"));
    assertThat(bundle.calibrationFile()).isRegularFile();
    assertThat(shortcut.calibrationFile()).isRegularFile();
    MonitorConfig config = MonitorConfig.fromEnvironment(Map.of("model.engine", "OnnxRuntime"), root).validated();
    List<OverinterpretationEvalCommand.Group> g = OverinterpretationEvalCommand.evaluate(bundle, shortcut, config,
        root.resolve("models/eval/fashion-mnist-test"), 2000);
    OverinterpretationEvalCommand.print(System.out, g);

    OverinterpretationEvalCommand.Group clean = g.get(0);
    assertThat(clean.count()).isEqualTo(2000);
    assertThat(clean.anyRate()).as("clean test frames raising any alert").isLessThanOrEqualTo(0.05);
    assertThat(clean.oiRate()).as("clean test frames flagged for overinterpretation").isLessThanOrEqualTo(0.022);
    assertThat(clean.meanPasses()).as("forward passes per clean frame, mean").isLessThan(20);

    OverinterpretationEvalCommand.Group masked = g.get(1);
    assertThat(masked.count()).as("95%-masked frames the model still labels at >= 0.9").isGreaterThanOrEqualTo(150);
    assertThat(masked.oiRate()).as("95%-masked confident frames flagged").isGreaterThanOrEqualTo(0.95);

    OverinterpretationEvalCommand.Group stamped = g.get(2);
    assertThat(stamped.count()).isEqualTo(2000);
    assertThat(stamped.oiRate()).as("shortcut bundle on border-stamped frames flagged").isGreaterThanOrEqualTo(0.95);
  }
}
