package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.Detector;
import dev.advmon.detect.Detectors;
import dev.advmon.detect.FrameScorer;
import dev.advmon.detect.Roc;
import dev.advmon.detect.Verdict;
import dev.advmon.image.FloatImage;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code monitor evaluate}: detection rate and ROC-AUC per attack kind at the calibrated thresholds, and the
 * false-alarm rate on clean test frames, as a Markdown table (BENCHMARKS.md quotes it).
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, description = "Measure the calibrated detectors on attack fixtures (FIXTURES/manifest.csv) and clean test frames.")
final class EvaluateCommand implements Callable<Integer> {

  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--clean", paramLabel = "DIR", description = "Clean TEST frames for the false-alarm rate (default: models/eval/fashion-mnist-test).")
  Path clean;

  @Parameters(paramLabel = "FIXTURES", description = "Fixture folder with manifest.csv (file,kind,...) and the images it names.")
  Path fixtures;

  /** Results of one evaluation, also used by the test that guards the detection rates. */
  record Report(List<String> detectors, Group clean, Map<String, Group> kinds) {}

  /** Per-frame outcomes of one group: detector scores divided by thresholds (> 1 = flagged). */
  record Group(int count, double[] anyRatio, List<double[]> ratios) {
    double rate(double[] r) {
      int n = 0;
      for (double v : r) {
        n += v > 1 ? 1 : 0;
      }
      return count == 0 ? Double.NaN : (double) n / count;
    }
  }

  @Override
  public Integer call() throws Exception {
    MonitorConfig config = modelOptions.config();
    ModelBundle bundle = ModelBundle.load(config.path("model.dir"));
    Path cleanDir = clean != null ? clean : Main.home().resolve("models/eval/fashion-mnist-test");
    long t0 = System.nanoTime();
    Report r = evaluate(bundle, config, fixtures, cleanDir);
    print(System.out, r);
    System.out.printf(Locale.ROOT, "%nmodel %s, clean frames %s, fixtures %s, %.0f s%n", bundle.id(), cleanDir, fixtures, (System.nanoTime() - t0) / 1e9);
    return 0;
  }

  static Report evaluate(ModelBundle bundle, MonitorConfig config, Path fixtures, Path cleanDir) throws Exception {
    return evaluate(bundle, config, fixtures, cleanDir, Integer.MAX_VALUE);
  }

  /** As above, with at most {@code perKind} fixtures of each kind (the first in manifest order). */
  static Report evaluate(ModelBundle bundle, MonitorConfig config, Path fixtures, Path cleanDir, int perKind) throws Exception {
    List<Detector> detectors = Detectors.forBundle(bundle);
    if (detectors.isEmpty()) {
      throw new IllegalArgumentException(bundle.directory() + " has no calibration.json: run ./monitor calibrate --model " + bundle.directory() + " first");
    }
    Path manifest = fixtures.resolve("manifest.csv");
    if (!Files.isRegularFile(manifest)) {
      throw new IllegalArgumentException(manifest + " not found: FIXTURES must be a folder made by models/recipe/attacks.py");
    }
    Map<String, List<Path>> byKind = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(manifest);
    List<String> header = List.of(lines.get(0).split(","));
    int fileCol = header.indexOf("file");
    int kindCol = header.indexOf("kind");
    if (fileCol < 0 || kindCol < 0) {
      throw new IllegalArgumentException(manifest + ": the header needs columns 'file' and 'kind'");
    }
    for (String line : lines.subList(1, lines.size())) {
      if (!line.isBlank()) {
        String[] c = line.split(",");
        List<Path> kind = byKind.computeIfAbsent(c[kindCol], k -> new ArrayList<>());
        if (kind.size() < perKind) {
          kind.add(fixtures.resolve(c[fileCol]));
        }
      }
    }
    FramePreparer preparer = FramePreparer.forModel(Wiring.imageLimits(config), bundle.manifest());
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.parse(config.string("model.engine")))) {
      FrameScorer scorer = new FrameScorer(classifier, detectors, config.intValue("model.max-batch"));
      Group cleanGroup = score(scorer, preparer, ScoreCommand.expand(List.of(cleanDir)));
      Map<String, Group> kinds = new LinkedHashMap<>();
      for (Map.Entry<String, List<Path>> e : byKind.entrySet()) {
        kinds.put(e.getKey(), score(scorer, preparer, e.getValue()));
      }
      return new Report(detectors.stream().map(Detector::name).toList(), cleanGroup, kinds);
    }
  }

  private static Group score(FrameScorer scorer, FramePreparer preparer, List<Path> files) throws Exception {
    List<FloatImage> images = new ArrayList<>();
    for (Path f : files) {
      images.add(preparer.prepare(f));
    }
    List<Verdict> verdicts = scorer.score(images);
    int d = scorer.detectors().size();
    double[] any = new double[verdicts.size()];
    List<double[]> ratios = new ArrayList<>();
    for (int j = 0; j < d; j++) {
      ratios.add(new double[verdicts.size()]);
    }
    for (int i = 0; i < verdicts.size(); i++) {
      any[i] = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < d; j++) {
        Detector.Detection det = verdicts.get(i).detections().get(j);
        double ratio = det.score() / det.threshold();
        ratios.get(j)[i] = ratio;
        any[i] = Math.max(any[i], ratio); // flagged by any detector <=> its largest score/threshold exceeds 1
      }
    }
    return new Group(verdicts.size(), any, ratios);
  }

  static void print(PrintStream out, Report r) {
    StringBuilder h = new StringBuilder("| kind | n | detected (any) |");
    StringBuilder sep = new StringBuilder("|---|---:|---:|");
    for (String d : r.detectors()) {
      h.append(" ").append(d).append(" |");
      sep.append("---:|");
    }
    h.append(" ROC-AUC (any) |");
    sep.append("---:|");
    for (String d : r.detectors()) {
      h.append(" AUC ").append(d).append(" |");
      sep.append("---:|");
    }
    out.println(h);
    out.println(sep);
    for (Map.Entry<String, Group> e : r.kinds().entrySet()) {
      Group g = e.getValue();
      StringBuilder row = new StringBuilder("| " + e.getKey() + " | " + g.count() + " | " + pct(g.rate(g.anyRatio())) + " |");
      for (double[] ratio : g.ratios()) {
        row.append(" ").append(pct(g.rate(ratio))).append(" |");
      }
      row.append(String.format(Locale.ROOT, " %.3f |", Roc.auc(r.clean().anyRatio(), g.anyRatio())));
      for (int j = 0; j < g.ratios().size(); j++) {
        row.append(String.format(Locale.ROOT, " %.3f |", Roc.auc(r.clean().ratios().get(j), g.ratios().get(j))));
      }
      out.println(row);
    }
    Group c = r.clean();
    StringBuilder row = new StringBuilder("| **clean test frames: false-alarm rate** | " + c.count() + " | " + pct(c.rate(c.anyRatio())) + " |");
    for (double[] ratio : c.ratios()) {
      row.append(" ").append(pct(c.rate(ratio))).append(" |");
    }
    row.append(" |".repeat(1 + c.ratios().size()));
    out.println(row);
  }

  private static String pct(double v) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * v);
  }
}
