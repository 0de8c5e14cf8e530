package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import dev.advmon.evaluation.DetectionEvaluation;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code monitor evaluate}: the tables of {@link DetectionEvaluation}, as Markdown (BENCHMARKS.md quotes them). */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    exitCodeListHeading = ExitStatus.HEADING,
    exitCodeList = {
        "0:done, whether the targets are met or missed (the tables say which)",
        ExitStatus.ERROR},
    description = "Measure the calibrated detectors in one run: detection "
    + "and ROC-AUC per attack kind, false alarms on clean test frames and per corruption (model still right), leave one "
    + "family out, forward passes per frame.")
final class EvaluateCommand implements Callable<Integer> {

  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--clean", paramLabel = "DIR", description = "Clean TEST frames with labels.csv (default: "
      + "models/eval/fashion-mnist-test in " + Main.HOME_IN_HELP + ").")
  Path clean;

  @Option(names = "--corruptions", paramLabel = "DIR", description = "Corruption set with manifest.csv (file,corruption,...,true_label; "
      + "default: models/corruptions in " + Main.HOME_IN_HELP + "; none = skip).")
  String corruptions;

  @Option(names = "--per-kind", paramLabel = "N", defaultValue = "2147483647",
      description = "At most this many fixtures per attack kind (default all).")
  int perKind;

  @Option(names = "--per-corruption", paramLabel = "N", defaultValue = "2147483647",
      description = "At most this many frames per corruption (default all).")
  int perCorruption;

  @Option(names = "--clean-limit", paramLabel = "N", defaultValue = "2147483647",
      description = "At most this many clean frames (default all).")
  int cleanLimit;

  @Parameters(paramLabel = "FIXTURES", description = "Fixture folder with manifest.csv (file,kind[,family,...]) and the images it names "
      + "(none = false alarms and forward passes only).")
  String fixtures;

  @Override
  public Integer call() throws Exception {
    for (Object[] o : new Object[][] {{"--per-kind", perKind}, {"--clean-limit", cleanLimit}, {"--per-corruption", perCorruption}}) {
      if ((int) o[1] < 1) {
        // 0 frames measure nothing: every rate and AUC would read n/a (FIXTURES none and --corruptions none skip a set)
        throw new IllegalArgumentException(o[0] + " must be at least 1, got " + o[1]);
      }
    }
    MonitorConfig config = modelOptions.config();
    ModelBundle bundle = BundleSetting.load(config);
    List<String> unnamed = new java.util.ArrayList<>();
    if (clean == null) {
      unnamed.add(DefaultSets.CLEAN);
    }
    if (corruptions == null) {
      unnamed.add("--corruptions DIR (its own test images under the camera conditions: ./monitor corrupt --images "
          + "TEST --out DIR makes it) or --corruptions none");
    }
    DefaultSets.requireNamedFor(bundle, unnamed);
    if (!fixtures.equals("none")) {
      FixtureFrames.requireModelSize(bundle, Path.of(fixtures));
    }
    Path cleanDir = clean != null ? clean : Main.home().resolve("models/eval/fashion-mnist-test");
    Path corrDir = corruptions == null ? Main.home().resolve("models/corruptions") : corruptions.equals("none") ? null : Path.of(corruptions);
    if (corrDir != null && !Files.isRegularFile(corrDir.resolve("manifest.csv"))) {
      throw new IllegalArgumentException(corrDir.resolve("manifest.csv") + " not found: pass a corruption set as --corruptions "
          + "DIR (./monitor corrupt --images <clean test frames> --out DIR makes one from any labelled frames) or --corruptions none");
    }
    if (!Files.isRegularFile(bundle.directory().resolve(ModelBundle.CALIBRATION))) {
      // before anything is printed or loaded: else the sample banner and a "detectors are off" warning came first
      throw new IllegalArgumentException(bundle.directory() + " has no " + ModelBundle.CALIBRATION
          + ": run ./monitor calibrate --model " + bundle.directory() + " first");
    }
    long t0 = System.nanoTime();
    List<String> limits = new java.util.ArrayList<>();
    for (Object[] o : new Object[][] {{"--per-kind", perKind}, {"--clean-limit", cleanLimit},
        {"--per-corruption", perCorruption}}) {
      if ((int) o[1] != Integer.MAX_VALUE) {
        limits.add(o[0] + " " + o[1]);
      }
    }
    DetectionEvaluation.Report r = DetectionEvaluation.evaluate(bundle, Wiring.offlineModelLoader(config),
        FramePreparer.forModel(Wiring.imageLimits(config), bundle.manifest()),
        new DetectionEvaluation.Options(fixtures.equals("none") ? null : Path.of(fixtures), cleanDir, corrDir, perKind, cleanLimit, perCorruption, config.intValue("model.max-batch")));
    if (!limits.isEmpty()) {
      // a "met" on five frames per kind says nothing about the target: said before the tables, where it is read, and
      // only once the evaluation has read the folders (one it could not read left this banner alone on stdout)
      System.out.printf(Locale.ROOT, "**A sample (%s)**: rates over fewer frames than the sets hold; \"met\" and "
          + "\"missed\" below judge only this sample, not the targets (which need the full sets).%n%n",
          String.join(", ", limits));
    }
    DetectionEvaluation.print(System.out, r);
    System.out.printf(Locale.ROOT, "%nmodel %s, clean frames %s, corruptions %s, fixtures %s, %.0f s%n", bundle.id(), cleanDir,
        corrDir == null ? "none" : corrDir, fixtures, (System.nanoTime() - t0) / 1e9);
    return 0;
  }
}
