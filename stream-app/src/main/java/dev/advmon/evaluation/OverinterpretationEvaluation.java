package dev.advmon.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.detect.Detectors;
import dev.advmon.detect.FrameScorer;
import dev.advmon.detect.OverinterpretationDetector;
import dev.advmon.detect.Verdict;
import dev.advmon.image.FloatImage;
import dev.advmon.image.ImageLimits;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelLoader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * The overinterpretation targets ({@code ./monitor evaluate-overinterpretation}), on frames made from the committed
 * clean test frames (models/eval/fashion-mnist-test) with fixed seeds: the default bundle's false alarms on clean
 * frames; frames with 95% of their pixels removed (set to the mask value, black, white, noise or a blur of the
 * frame, 8-bit, as a PNG would carry them) that the default model still labels at >= 0.9 confidence; the shortcut bundle on frames stamped with their class's
 * border pattern (its shortcut_patterns.json); forward passes per frame.
 */
public final class OverinterpretationEvaluation {

  private OverinterpretationEvaluation() {}

  /** One group's outcome. */
  public record Group(String name, int count, int anyAlert, int overinterpretation, double meanPasses, int p99Passes) {
    public double anyRate() {
      return count == 0 ? Double.NaN : (double) anyAlert / count;
    }

    public double oiRate() {
      return count == 0 ? Double.NaN : (double) overinterpretation / count;
    }
  }

  public static final double MASKED_SHARE = 0.95;
  public static final double MASKED_MIN_CONFIDENCE = 0.9;

  public static List<Group> evaluate(ModelBundle bundle, ModelBundle shortcutBundle, ModelLoader loader, int maxBatch,
      ImageLimits limits, Path cleanDir, int limit) throws Exception {
    if (limit < 1) {
      throw new IllegalArgumentException("--limit must be at least 1, got " + limit);
    }
    // LabelledFolder names the file and line of a bad row; the split by hand here failed with "For input string" or an
    // index out of bounds (a header without 'label', a blank line)
    Map<String, Integer> rows = LabelledFolder.labels(cleanDir, bundle);
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(cleanDir + " has no labels.csv (file,label): each clean frame is stamped with "
          + "its class's border pattern for the shortcut bundle");
    }
    float[][] patterns = patterns(shortcutBundle.directory().resolve("shortcut_patterns.json"));
    List<Path> files = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (Map.Entry<String, Integer> e : rows.entrySet()) {
      if (files.size() == limit) {
        break;
      }
      if (e.getValue() < 0 || e.getValue() >= patterns.length) { // was an ArrayIndexOutOfBoundsException after the default bundle's run
        throw new IllegalArgumentException(cleanDir.resolve("labels.csv") + ": " + e.getKey() + ": label " + e.getValue()
            + " has no border pattern in " + shortcutBundle.directory().resolve("shortcut_patterns.json") + " (classes 0-"
            + (patterns.length - 1) + ")");
      }
      files.add(cleanDir.resolve(e.getKey()));
      labels.add(e.getValue());
    }
    List<FloatImage> frames = prepared(files, FramePreparer.forModel(limits, bundle.manifest()));
    List<Group> out = new ArrayList<>();
    try (DjlClassifier classifier = loader.load(bundle)) {
      FrameScorer scorer = new FrameScorer(classifier, Detectors.forBundle(bundle), maxBatch);
      // the rows name the model measured: "default bundle" read as the bundled model's numbers on a run of --model's
      String model = "model " + bundle.manifest().name();
      out.add(group(model + ", clean test frames", scorer.score(frames)));
      float[] mask = bundle.manifest().input().maskValue();
      for (Fill fill : Fill.values()) {
        List<FloatImage> masked = new ArrayList<>();
        for (int i = 0; i < frames.size(); i++) {
          masked.add(masked(frames.get(i), MASKED_SHARE, fill, mask, i));
        }
        List<FloatImage> confident = new ArrayList<>();
        var plain = classifier.classify(masked);
        for (int i = 0; i < masked.size(); i++) {
          if (plain.confidence(i) >= MASKED_MIN_CONFIDENCE) {
            confident.add(masked.get(i));
          }
        }
        out.add(group(model + ", 95%-removed test frames (" + fill.description + ") labelled at >= 0.9",
            scorer.score(confident)));
      }
    }
    // the shortcut bundle gets the frames in its own geometry: the default bundle may be an RGB model of another
    // size, and the border patterns are as long as the shortcut bundle's border
    frames = prepared(files, FramePreparer.forModel(limits, shortcutBundle.manifest()));
    try (DjlClassifier classifier = loader.load(shortcutBundle)) {
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

  private static List<FloatImage> prepared(List<Path> files, FramePreparer preparer) throws Exception {
    List<FloatImage> out = new ArrayList<>(files.size());
    for (Path f : files) {
      out.add(preparer.prepare(f));
    }
    return out;
  }

  public static Group group(String name, List<Verdict> verdicts) {
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

  /** What removed pixels are set to (Carter et al. mask with the mean; the others are what a camera could carry). */
  public enum Fill {
    MEAN("the mask value, 8-bit"), BLACK("black"), WHITE("white"), NOISE("uniform noise"), BLUR("the frame blurred");

    final String description;

    Fill(String description) {
      this.description = description;
    }
  }

  /**
   * The frame with {@code share} of its pixels removed, set to {@code fill}; which pixels, and the noise, are
   * seeded by {@code seed}. BLUR = a box blur over a window a third of the frame's side, as heavy as a removed
   * region's surroundings. 8-bit values throughout, as a frame from a camera would carry them.
   */
  public static FloatImage masked(FloatImage f, double share, Fill fill, float[] mask, long seed) {
    Random r = new Random(seed);
    List<Integer> order = new ArrayList<>(IntStream.range(0, f.pixels()).boxed().toList());
    Collections.shuffle(order, r);
    int n = (int) Math.round(share * f.pixels());
    FloatImage blurred = fill == Fill.BLUR ? boxBlur(f, Math.max(1, Math.min(f.height(), f.width()) / 6)) : null;
    FloatImage out = f.copy();
    for (int p : order.subList(0, n)) {
      int y = p / f.width();
      int x = p % f.width();
      for (int c = 0; c < f.channels(); c++) {
        float v = switch (fill) {
          case MEAN -> mask[Math.min(c, mask.length - 1)];
          case BLACK -> 0f;
          case WHITE -> 1f;
          case NOISE -> r.nextFloat();
          case BLUR -> blurred.get(c, y, x);
        };
        out.data()[out.index(c, y, x)] = Math.round(v * 255) / 255f;
      }
    }
    return out;
  }

  /** Mean over a (2 radius + 1)-pixel square window, edges clamped. */
  static FloatImage boxBlur(FloatImage f, int radius) {
    float[] out = new float[f.data().length];
    for (int c = 0; c < f.channels(); c++) {
      for (int y = 0; y < f.height(); y++) {
        for (int x = 0; x < f.width(); x++) {
          double s = 0;
          int k = 0;
          for (int yy = Math.max(0, y - radius); yy <= Math.min(f.height() - 1, y + radius); yy++) {
            for (int xx = Math.max(0, x - radius); xx <= Math.min(f.width() - 1, x + radius); xx++) {
              s += f.get(c, yy, xx);
              k++;
            }
          }
          out[f.index(c, y, x)] = (float) (s / k);
        }
      }
    }
    return new FloatImage(f.channels(), f.height(), f.width(), out);
  }

  /** The frame with {@code pattern} (row-major over the border pixels, as train.py writes it) in its border. */
  public static FloatImage stamp(FloatImage f, float[] pattern, int border) {
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

  public static float[][] patterns(Path file) throws Exception {
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

  public static void print(PrintStream out, List<Group> groups) {
    out.println("| frames | n | flagged (any detector) | flagged (overinterpretation) | forward passes per frame, mean | p99 |");
    out.println("|---|---:|---:|---:|---:|---:|");
    for (Group g : groups) {
      // a group can be empty (no 95%-removed frame the model still labels at >= 0.9): n/a, not "NaN%"
      out.printf(Locale.ROOT, "| %s | %d | %s | %s | %s | %d |%n", g.name(), g.count(), DetectionEvaluation.pct(g.anyRate()),
          DetectionEvaluation.pct(g.oiRate()), DetectionEvaluation.num(g.meanPasses(), 1), g.p99Passes());
    }
  }
}
