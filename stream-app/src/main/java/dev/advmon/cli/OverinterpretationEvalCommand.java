package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import dev.advmon.evaluation.OverinterpretationEvaluation;
import dev.advmon.model.ModelBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code monitor evaluate-overinterpretation}: the table of {@link OverinterpretationEvaluation}. */
@Command(name = "evaluate-overinterpretation", mixinStandardHelpOptions = true,
    exitCodeListHeading = ExitStatus.HEADING,
    exitCodeList = {
        "0:done, whether the targets are met or missed (the table says which)",
        ExitStatus.ERROR},
    description = "Measure the overinterpretation detector's targets: clean false alarms, "
    + "frames with 95%% of their pixels masked (mean, black, white, noise and blur fills), a shortcut bundle on border-stamped frames, forward passes per frame.")
final class OverinterpretationEvalCommand implements Callable<Integer> {

  @Option(names = "--model", paramLabel = "DIR", description = "The calibrated model bundle folder (default: "
      + "setting model.dir, from ADVMON_MODEL_DIR; else the bundled fashion-mnist-cnn).")
  Path model;

  @Option(names = "--shortcut", paramLabel = "DIR", description = "Calibrated shortcut bundle with shortcut_patterns.json (default: "
      + "models/fashion-mnist-shortcut in " + Main.HOME_IN_HELP + ").")
  Path shortcut;

  @Option(names = "--clean", paramLabel = "DIR", description = "Clean TEST frames with labels.csv (default: "
      + "models/eval/fashion-mnist-test in " + Main.HOME_IN_HELP + ").")
  Path clean;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "2000",
      description = "Use at most this many clean frames (default 2000).")
  int limit;

  @Override
  public Integer call() throws Exception {
    Map<String, String> overrides = new HashMap<>();
    if (model != null) {
      overrides.put("model.dir", model.toAbsolutePath().toString());
    }
    MonitorConfig config = MonitorConfig.fromEnvironment(overrides, Main.home()).validated();
    ModelBundle bundle = BundleSetting.load(config);
    DefaultSets.requireNamedFor(bundle, clean == null ? List.of(DefaultSets.CLEAN) : List.of());
    Path shortcutDir = shortcut != null ? shortcut : Main.home().resolve("models/fashion-mnist-shortcut");
    if (!Files.isDirectory(shortcutDir)) { // named here: ModelBundle's own message points at --model
      throw new IllegalArgumentException("--shortcut " + shortcutDir + ": no such folder; give the shortcut bundle's "
          + "folder (" + dev.advmon.model.ModelDocs.project("models/fashion-mnist-shortcut") + " is one)");
    }
    ModelBundle sc = ModelBundle.load(shortcutDir);
    Path cleanDir = clean != null ? clean : Main.home().resolve("models/eval/fashion-mnist-test");
    long t0 = System.nanoTime();
    List<OverinterpretationEvaluation.Group> groups = OverinterpretationEvaluation.evaluate(bundle, sc,
        Wiring.offlineModelLoader(config), config.intValue("model.max-batch"), Wiring.imageLimits(config), cleanDir, limit);
    OverinterpretationEvaluation.print(System.out, groups);
    if (!sameFolder(bundle.directory(), Main.home().resolve("models/fashion-mnist-cnn"))) {
      // the shortcut rows score the frames through the shortcut bundle by design (see OverinterpretationEvaluation):
      // beside the rows of a model of one's own they read as its numbers, which they are not
      var in = sc.manifest().input();
      System.out.printf(Locale.ROOT, "%nThe two 'shortcut bundle' rows score these frames through %s (%s), converted"
          + " to its %dx%dx%d input: they measure how its detectors catch its border-pattern shortcut, and they"
          + " measure nothing about model %s.%n", sc.manifest().name(), sc.directory(), in.channels(), in.height(),
          in.width(), bundle.manifest().name());
    }
    System.out.printf(Locale.ROOT, "%nmodels %s and %s, clean frames %s, %.0f s%n", bundle.id(), sc.id(), cleanDir, (System.nanoTime() - t0) / 1e9);
    return 0;
  }

  /** Whether the two name the same folder; a folder that is not there is no bundled one. */
  private static boolean sameFolder(Path a, Path b) {
    try {
      return Files.isSameFile(a, b);
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
