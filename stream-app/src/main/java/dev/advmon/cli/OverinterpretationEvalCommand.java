package dev.advmon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.Detector;
import dev.advmon.detect.Detectors;
import dev.advmon.detect.FrameScorer;
import dev.advmon.detect.OverinterpretationDetector;
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
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code monitor evaluate-overinterpretation}: the overinterpretation targets, on frames made from the committed
 * clean test frames (models/eval/fashion-mnist-test) with fixed seeds: the default bundle's false alarms on
 * clean frames; 95%-masked frames (masked pixels at the mask value rounded to 8 bits, as a PNG would carry
 * them) that the default model still labels at >= 0.9 confidence; the shortcut
 * bundle on frames stamped with their class's border pattern (its shortcut_patterns.json); forward passes
 * per frame.
 */
@Command(name = "evaluate-overinterpretation", mixinStandardHelpOptions = true, description = "Measure the overinterpretation detector's targets: clean false alarms, "
    + "95%%-masked frames, a shortcut bundle on border-stamped frames, forward passes per frame.")
final class OverinterpretationEvalCommand implements Callable<Integer> {

  @Option(names = "--model", paramLabel = "DIR", description = "Calibrated default bundle (default: setting model.dir).")
  Path model;

  @Option(names = "--shortcut", paramLabel = "DIR", description = "Calibrated shortcut bundle with shortcut_patterns.json (default: models/fashion-mnist-shortcut).")
  Path shortcut;

  @Option(names = "--clean", paramLabel = "DIR", description = "Clean TEST frames with labels.csv (default: models/eval/fashion-mnist-test).")
  Path clean;

  @Option(names = "--limit", defaultValue = "2000", description = "Use at most this many clean frames (default 2000).")
  int limit;

  /** One group's outcome. */
  record Group(String name, int count, int anyAlert, int overinterpretation, double meanPasses, int p99Passes) {
    double anyRate() {
      return count == 0 ? Double.NaN : (double) anyAlert / count;
    }

    double oiRate() {
      return count == 0 ? Double.NaN : (double) overinterpretation / count;
    }
  }

  static final double MASKED_SHARE = 0.95;
  static final double MASKED_MIN_CONFIDENCE = 0.9;

  @Override
  public Integer call() throws Exception {
    Map<String, String> overrides = new HashMap<>();
    if (model != null) {
      overrides.put("model.dir", model.toAbsolutePath().toString());
    }
    MonitorConfig config = MonitorConfig.fromEnvironment(overrides, Main.home()).validated();
    ModelBundle bundle = ModelBundle.load(config.path("model.dir"));
    ModelBundle sc = ModelBundle.load(shortcut != null ? shortcut : Main.home().resolve("models/fashion-mnist-shortcut"));
    Path cleanDir = clean != null ? clean : Main.home().resolve("models/eval/fashion-mnist-test");
    long t0 = System.nanoTime();
    List<Group> groups = evaluate(bundle, sc, config, cleanDir, limit);
    print(System.out, groups);
    System.out.printf(Locale.ROOT, "%nmodels %s and %s, clean frames %s, %.0f s%n", bundle.id(), sc.id(), cleanDir, (System.nanoTime() - t0) / 1e9);
    return 0;
  }

  static List<Group> evaluate(ModelBundle bundle, ModelBundle shortcutBundle, MonitorConfig config, Path cleanDir, int limit) throws Exception {
    List<String> lines = Files.readAllLines(cleanDir.resolve("labels.csv"));
    List<String> header = List.of(lines.get(0).split(","));
    int fileCol = header.indexOf("file");
    int labelCol = header.indexOf("label");
    FramePreparer preparer = FramePreparer.forModel(Wiring.imageLimits(config), bundle.manifest());
    List<FloatImage> frames = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (String line : lines.subList(1, Math.min(lines.size(), limit + 1))) {
      String[] c = line.split(",");
      frames.add(preparer.prepare(cleanDir.resolve(c[fileCol])));
      labels.add(Integer.parseInt(c[labelCol]));
    }
    List<Group> out = new ArrayList<>();
    EngineChoice engine = EngineChoice.parse(config.string("model.engine"));
    int maxBatch = config.intValue("model.max-batch");
    try (DjlClassifier classifier = DjlClassifier.load(bundle, engine)) {
      FrameScorer scorer = new FrameScorer(classifier, Detectors.forBundle(bundle), maxBatch);
      out.add(group("default bundle, clean test frames", scorer.score(frames)));
      float[] mask = bundle.manifest().input().maskValue();
      List<FloatImage> masked = new ArrayList<>();
      float[] mask8 = new float[mask.length];
      for (int c = 0; c < mask.length; c++) {
        mask8[c] = Math.round(mask[c] * 255) / 255f; // as the masked frame would arrive from a camera: 8-bit
      }
      for (int i = 0; i < frames.size(); i++) {
        masked.add(masked(frames.get(i), MASKED_SHARE, mask8, i));
      }
      List<FloatImage> confident = new ArrayList<>();
      var plain = classifier.classify(masked);
      for (int i = 0; i < masked.size(); i++) {
        if (plain.confidence(i) >= MASKED_MIN_CONFIDENCE) {
          confident.add(masked.get(i));
        }
      }
      out.add(group("default bundle, 95%-masked test frames labelled at >= 0.9", scorer.score(confident)));
    }
    float[][] patterns = patterns(shortcutBundle.directory().resolve("shortcut_patterns.json"));
    try (DjlClassifier classifier = DjlClassifier.load(shortcutBundle, engine)) {
      FrameScorer scorer = new FrameScorer(classifier, Detectors.forBundle(shortcutBundle), maxBatch);
      List<FloatImage> stamped = new ArrayList<>();
      for (int i = 0; i < frames.size(); i++) {
        stamped.add(stamp(frames.get(i), patterns[labels.get(i)], 2));
      }
      out.add(group("shortcut bundle, test frames with their class's border pattern", scorer.score(stamped)));
      out.add(group("shortcut bundle, clean test frames", scorer.score(frames)));
    }
    return out;
  }

  static Group group(String name, List<Verdict> verdicts) {
    int any = 0;
    int oi = 0;
    int[] passes = new int[verdicts.size()];
    long sum = 0;
    for (int i = 0; i < verdicts.size(); i++) {
      Verdict v = verdicts.get(i);
      any += v.alert() ? 1 : 0;
      oi += v.detections().stream().anyMatch(d -> d.detector().equals(OverinterpretationDetector.NAME) && d.flagged()) ? 1 : 0;
      passes[i] = v.forwardPasses();
      sum += passes[i];
    }
    Arrays.sort(passes);
    int p99 = passes.length == 0 ? 0 : passes[Math.min(passes.length - 1, (int) Math.ceil(0.99 * passes.length) - 1)];
    return new Group(name, verdicts.size(), any, oi, verdicts.isEmpty() ? Double.NaN : (double) sum / verdicts.size(), p99);
  }

  /** The frame with {@code share} of its pixels set to the mask; which pixels is seeded by {@code seed}. */
  static FloatImage masked(FloatImage f, double share, float[] mask, long seed) {
    List<Integer> order = new ArrayList<>(IntStream.range(0, f.pixels()).boxed().toList());
    Collections.shuffle(order, new Random(seed));
    int n = (int) Math.round(share * f.pixels());
    FloatImage out = f.copy();
    for (int p : order.subList(0, n)) {
      for (int c = 0; c < f.channels(); c++) {
        out.data()[out.index(c, p / f.width(), p % f.width())] = mask[Math.min(c, mask.length - 1)];
      }
    }
    return out;
  }

  /** The frame with {@code pattern} (row-major over the border pixels, as train.py writes it) in its border. */
  static FloatImage stamp(FloatImage f, float[] pattern, int border) {
    FloatImage out = f.copy();
    int i = 0;
    for (int y = 0; y < f.height(); y++) {
      for (int x = 0; x < f.width(); x++) {
        if (y < border || x < border || y >= f.height() - border || x >= f.width() - border) {
          for (int c = 0; c < f.channels(); c++) {
            out.data()[out.index(c, y, x)] = pattern[i];
          }
          i++;
        }
      }
    }
    if (i != pattern.length) {
      throw new IllegalArgumentException("the pattern has " + pattern.length + " values, the border " + i + " pixels");
    }
    return out;
  }

  static float[][] patterns(Path file) throws Exception {
    JsonNode p = new ObjectMapper().readTree(file.toFile()).get("patterns");
    float[][] out = new float[p.size()][];
    for (int k = 0; k < p.size(); k++) {
      out[k] = new float[p.get(k).size()];
      for (int j = 0; j < out[k].length; j++) {
        out[k][j] = (float) p.get(k).get(j).asDouble();
      }
    }
    return out;
  }

  static void print(PrintStream out, List<Group> groups) {
    out.println("| frames | n | flagged (any detector) | flagged (overinterpretation) | forward passes per frame, mean | p99 |");
    out.println("|---|---:|---:|---:|---:|---:|");
    for (Group g : groups) {
      out.printf(Locale.ROOT, "| %s | %d | %.1f%% | %.1f%% | %.1f | %d |%n", g.name(), g.count(), 100 * g.anyRate(),
          100 * g.oiRate(), g.meanPasses(), g.p99Passes());
    }
  }
}
