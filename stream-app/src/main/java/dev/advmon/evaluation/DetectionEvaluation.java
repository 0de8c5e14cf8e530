package dev.advmon.evaluation;

import dev.advmon.detect.Calibration;
import dev.advmon.detect.ConsensusDetector;
import dev.advmon.detect.Detector;
import dev.advmon.detect.Detectors;
import dev.advmon.detect.FrameScorer;
import dev.advmon.detect.LearnedDetector;
import dev.advmon.detect.Roc;
import dev.advmon.detect.Verdict;
import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./monitor evaluate} in one run, from committed frames only: the calibrated detectors on
 * <ul>
 *   <li>attack fixtures (FIXTURES/manifest.csv: {@code file,kind[,family,...]}): detection and ROC-AUC per kind;
 *   <li>clean test frames (labels.csv): the false-alarm rate, counting frames the model gets right (all frames too);
 *   <li>the corruption set (CORRUPTIONS/manifest.csv: {@code file,corruption,severity,...,true_label}): the
 *       false-alarm rate per corruption, frames counted where the model (re-predicted here) is still right;
 *   <li>leave one family out: each family's kinds flagged when nothing that learned from attacks saw that family:
 *       the training-free detectors as they are (their calibration never sees an attack) plus, where the bundle has
 *       a detector head, the head variant trained without that family (or no head at all where there is none),
 *       inside the consensus detector too (the variant's score against its own tail);
 *   <li>forward passes per clean frame, all detectors together: mean and 99th percentile.
 * </ul>
 */
public final class DetectionEvaluation {

  private DetectionEvaluation() {}

  /**
   * Families measured and reported but held to no target: {@code adaptive} attacks know the detectors (issue 10
   * item 7). They are also left out of the leave-one-family-out table: nothing learns from them.
   */
  public static final java.util.Set<String> NO_TARGET_FAMILIES = java.util.Set.of("adaptive");

  /** Issue 10's targets, as the tables mark them. */
  public static final double TARGET_CLEAN = 0.05;
  public static final double TARGET_PER_CORRUPTION = 0.10;
  public static final double TARGET_DETECTION = 0.95;
  public static final double TARGET_AUC = 0.98;
  public static final double TARGET_HELD_OUT = 0.80;
  public static final double TARGET_MEAN_PASSES = 20;

  /** Where the frames are and how many of each to use (Integer.MAX_VALUE = all). */
  public record Options(Path fixtures, Path clean, Path corruptions, int perKind, int cleanLimit, int perCorruption, int maxBatch) {}

  /**
   * Per-frame outcomes of one group of frames: each detector's score / threshold ({@code > 1} = flagged), the
   * largest of them ({@code any}), whether the frame counts (model right where that matters), forward passes, and
   * each detector's score itself.
   */
  public record Group(int count, double[] any, List<double[]> ratios, boolean[] counted, int[] passes, List<double[]> scores) {
    /** Share of the counted frames whose {@code r} exceeds 1. */
    public double rate(double[] r) {
      int n = 0;
      int c = 0;
      for (int i = 0; i < r.length; i++) {
        if (counted[i]) {
          c++;
          n += r[i] > 1 ? 1 : 0;
        }
      }
      return c == 0 ? Double.NaN : (double) n / c;
    }

    public double anyRate() {
      return rate(any);
    }

    public int countedFrames() {
      int c = 0;
      for (boolean b : counted) {
        c += b ? 1 : 0;
      }
      return c;
    }

    /** The counted frames' values of {@code r}. */
    public double[] countedValues(double[] r) {
      double[] out = new double[countedFrames()];
      int j = 0;
      for (int i = 0; i < r.length; i++) {
        if (counted[i]) {
          out[j++] = r[i];
        }
      }
      return out;
    }

    public double meanPasses() {
      return Arrays.stream(passes).average().orElse(Double.NaN);
    }

    public int p99Passes() {
      if (passes.length == 0) {
        return 0;
      }
      int[] s = passes.clone();
      Arrays.sort(s);
      return s[Math.min(s.length - 1, (int) Math.ceil(0.99 * s.length) - 1)];
    }
  }

  /**
   * One family held out. {@code head}: what stood in for the detector head ("variant" = retrained without the
   * family, "none" = the bundle has no head, "dropped" = the bundle has a head but no variant for the family, so
   * only the training-free detectors count). {@code detected}: per kind of the family, the share flagged.
   */
  public record LeaveOut(String family, String head, Map<String, Double> detected, double pooled, int frames, double cleanRate) {}

  /** Everything one run measured. */
  public record Report(List<String> detectors, Group clean, Map<String, Group> kinds, Map<String, String> familyOfKind,
      Map<String, Group> corruptions, List<LeaveOut> leaveOut, String model, String budget) {}

  public static Report evaluate(ModelBundle bundle, ModelLoader loader, FramePreparer preparer, Options o) throws Exception {
    List<Detector> detectors = Detectors.forBundle(bundle);
    if (detectors.isEmpty()) {
      throw new IllegalArgumentException(bundle.directory() + " has no calibration.json: run ./monitor calibrate --model " + bundle.directory() + " first");
    }
    // attack fixtures, grouped by kind in manifest order
    Map<String, List<Path>> byKind = new LinkedHashMap<>();
    Map<String, String> familyOf = new LinkedHashMap<>();
    // no fixtures (null): false alarms and forward passes only, e.g. for a model nobody has attacked yet
    CsvTable fx = o.fixtures() == null ? null : CsvTable.read(o.fixtures().resolve("manifest.csv"));
    int fileCol = fx == null ? -1 : fx.column("file");
    int kindCol = fx == null ? -1 : fx.column("kind");
    int familyCol = fx != null && fx.has("family") ? fx.column("family") : -1;
    for (int r = 0; fx != null && r < fx.size(); r++) {
      String kind = fx.get(r, kindCol);
      String family = familyCol >= 0 && !fx.get(r, familyCol).isEmpty() ? fx.get(r, familyCol) : kind;
      familyOf.putIfAbsent(kind, family);
      List<Path> files = byKind.computeIfAbsent(kind, k -> new ArrayList<>());
      if (files.size() < o.perKind()) {
        files.add(o.fixtures().resolve(fx.get(r, fileCol)));
      }
    }
    // clean test frames with their labels
    Map<String, Integer> cleanLabels = LabelledFolder.labels(o.clean(), bundle);
    if (cleanLabels.isEmpty()) {
      throw new IllegalArgumentException(o.clean() + " has no labels.csv (file,label): clean frames are counted where the model is right");
    }
    for (Map.Entry<String, Integer> e : cleanLabels.entrySet()) {
      // a label the model cannot give (1-based labels, another label order) would count the frame as "model wrong":
      // with none counted every rate below reads n/a and the run still exits 0
      CalibrationRun.requireClass(bundle, e.getValue(), o.clean().resolve("labels.csv") + ": " + e.getKey());
    }
    List<Path> cleanFiles = new ArrayList<>();
    List<Integer> cleanTruth = new ArrayList<>();
    for (Map.Entry<String, Integer> e : cleanLabels.entrySet()) {
      if (cleanFiles.size() < o.cleanLimit()) {
        cleanFiles.add(o.clean().resolve(e.getKey()));
        cleanTruth.add(e.getValue());
      }
    }
    // the corruption set, per corruption, with true labels
    Map<String, List<Path>> corrFiles = new LinkedHashMap<>();
    Map<String, List<Integer>> corrTruth = new LinkedHashMap<>();
    if (o.corruptions() != null) {
      CsvTable ct = CsvTable.read(o.corruptions().resolve("manifest.csv"));
      int cf = ct.column("file");
      int cc = ct.column("corruption");
      int cl = ct.column("true_label");
      for (int r = 0; r < ct.size(); r++) {
        String c = ct.get(r, cc);
        List<Path> files = corrFiles.computeIfAbsent(c, k -> new ArrayList<>());
        if (files.size() < o.perCorruption()) {
          files.add(o.corruptions().resolve(ct.get(r, cf)));
          String at = ct.file() + ":" + (r + 2) + ": " + ct.get(r, cf); // + 2: the header, and lines count from 1
          int label;
          try {
            label = Integer.parseInt(ct.get(r, cl));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException(at + ": true_label '" + ct.get(r, cl) + "' is not a class index");
          }
          CalibrationRun.requireClass(bundle, label, at);
          corrTruth.computeIfAbsent(c, k -> new ArrayList<>()).add(label);
        }
      }
    }

    Calibration calibration = Calibration.read(bundle.calibrationFile());
    try (DjlClassifier classifier = loader.load(bundle)) {
      FrameScorer scorer = new FrameScorer(classifier, detectors, o.maxBatch());
      Group clean = score(scorer, frames(preparer, cleanFiles), cleanTruth);
      Map<String, Group> kinds = new LinkedHashMap<>();
      Map<String, List<FloatImage>> kindFrames = new LinkedHashMap<>();
      for (Map.Entry<String, List<Path>> e : byKind.entrySet()) {
        List<FloatImage> frames = frames(preparer, e.getValue());
        kindFrames.put(e.getKey(), frames);
        kinds.put(e.getKey(), score(scorer, frames, null));
      }
      Map<String, Group> corruptions = new LinkedHashMap<>();
      for (Map.Entry<String, List<Path>> e : corrFiles.entrySet()) {
        corruptions.put(e.getKey(), score(scorer, frames(preparer, e.getValue()), corrTruth.get(e.getKey())));
      }
      List<String> names = detectors.stream().map(Detector::name).toList();
      List<LeaveOut> leaveOut = leaveOneFamilyOut(bundle, loader, calibration, names, clean, kinds, kindFrames, familyOf,
          frames(preparer, cleanFiles), o.maxBatch());
      return new Report(names, clean, kinds, familyOf, corruptions, leaveOut, bundle.id(), budget(calibration));
    } catch (UncheckedIOException e) {
      throw e.getCause(); // a frame read while scoring (frames()): the file's own error, e.g. no such file
    }
  }

  /**
   * The frames of {@code files}, each read from its file when asked for and not kept: the scoring loops take a chunk at
   * a time, so a set is held a chunk at a time. Loaded whole, the attack frames stayed in memory for the whole run
   * (the leave-one-family-out table reads them again): 3,566 fixtures of a 3x224x224 model are 2.1 GB of floats, the
   * clean set as much again per 2,000 frames, against a default heap of a quarter of the machine's memory.
   */
  static List<FloatImage> frames(FramePreparer preparer, List<Path> files) {
    List<Path> paths = List.copyOf(files);
    return new AbstractList<>() {
      @Override
      public FloatImage get(int i) {
        try {
          return read(preparer, paths.get(i));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public int size() {
        return paths.size();
      }
    };
  }

  /** {@code frames[start, end)}, each read once, held while they are scored. */
  private static List<FloatImage> chunk(List<FloatImage> frames, int start, int end) {
    return new ArrayList<>(frames.subList(start, end));
  }

  /** One frame; a file that is no image is named (the decoder's own message is about bytes, not files). */
  static FloatImage read(FramePreparer preparer, Path f) throws IOException {
    try {
      return preparer.prepare(f);
    } catch (dev.advmon.image.ImageDecodeException e) {
      String why = e.getMessage() == null ? e.reason().toString() : e.getMessage();
      throw new IllegalArgumentException(why.contains(f.toString()) ? why : f + " cannot be read as an image (" + why
          + "): replace it with a PNG or JPEG, or remove its row from the set's labels.csv or manifest.csv", e);
    }
  }


  /** Scores {@code frames}; {@code truth} (null = every frame counts) marks the frames the model gets right. */
  static Group score(FrameScorer scorer, List<FloatImage> frames, List<Integer> truth) {
    List<Verdict> verdicts = new ArrayList<>(frames.size());
    int chunk = 512; // bounded memory for the probes of one call
    for (int start = 0; start < frames.size(); start += chunk) {
      verdicts.addAll(scorer.score(chunk(frames, start, Math.min(frames.size(), start + chunk))));
    }
    int d = scorer.detectors().size();
    double[] any = new double[verdicts.size()];
    boolean[] counted = new boolean[verdicts.size()];
    int[] passes = new int[verdicts.size()];
    List<double[]> ratios = new ArrayList<>();
    List<double[]> scores = new ArrayList<>();
    for (int j = 0; j < d; j++) {
      ratios.add(new double[verdicts.size()]);
      scores.add(new double[verdicts.size()]);
    }
    for (int i = 0; i < verdicts.size(); i++) {
      Verdict v = verdicts.get(i);
      any[i] = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < d; j++) {
        Detector.Detection det = v.detections().get(j);
        double ratio = ratio(det.score(), det.threshold());
        ratios.get(j)[i] = ratio;
        scores.get(j)[i] = det.score();
        any[i] = Math.max(any[i], ratio); // flagged by any detector <=> its largest score/threshold exceeds 1
      }
      counted[i] = truth == null || v.predictedClass() == truth.get(i);
      passes[i] = v.forwardPasses();
    }
    return new Group(verdicts.size(), any, ratios, counted, passes, scores);
  }

  /** score / threshold, > 1 exactly when score > threshold (a threshold of 0 or below is shifted to keep that). */
  static double ratio(double score, double threshold) {
    if (threshold > 0) {
      return score / threshold;
    }
    return score > threshold ? 1 + (score - threshold) : 1 - (threshold - score);
  }

  private static List<LeaveOut> leaveOneFamilyOut(ModelBundle bundle, ModelLoader loader, Calibration calibration,
      List<String> names, Group clean, Map<String, Group> kinds, Map<String, List<FloatImage>> kindFrames,
      Map<String, String> familyOf, List<FloatImage> cleanFrames, int maxBatch) {
    int learned = names.indexOf(LearnedDetector.NAME);
    int consensusAt = names.indexOf(ConsensusDetector.NAME);
    Calibration.Consensus consensus = consensusAt < 0 ? null : calibration.consensus();
    Map<String, List<String>> kindsOf = new LinkedHashMap<>();
    familyOf.forEach((k, f) -> kindsOf.computeIfAbsent(f, x -> new ArrayList<>()).add(k));
    List<LeaveOut> out = new ArrayList<>();
    for (Map.Entry<String, List<String>> fam : kindsOf.entrySet()) {
      if (NO_TARGET_FAMILIES.contains(fam.getKey())) {
        continue;
      }
      Calibration.Variant variant = learned < 0 || calibration.learned() == null ? null
          : calibration.learned().leaveOut().get(fam.getKey());
      String head = learned < 0 ? "none" : variant != null ? "variant" : "dropped";
      Map<String, double[]> variantScores = new LinkedHashMap<>();
      double[] cleanVariant = null;
      if (variant != null) {
        try (DjlClassifier v = loader.load(HeadVariants.variant(bundle, variant.modelFile()))) {
          for (String k : fam.getValue()) {
            variantScores.put(k, headScores(v, kindFrames.get(k), maxBatch));
          }
          cleanVariant = headScores(v, cleanFrames, maxBatch);
        }
      }
      Map<String, Double> detected = new LinkedHashMap<>();
      int flaggedAll = 0;
      int framesAll = 0;
      for (String k : fam.getValue()) {
        Group g = kinds.get(k);
        int flagged = 0;
        for (int i = 0; i < g.count(); i++) {
          if (flaggedWithout(g, learned, consensusAt, i) || (variant != null && variantScores.get(k)[i] > variant.threshold())
              || consensusWith(consensus, names, g, i, variant, variant == null ? Double.NaN : variantScores.get(k)[i])) {
            flagged++;
          }
        }
        detected.put(k, g.count() == 0 ? Double.NaN : (double) flagged / g.count());
        flaggedAll += flagged;
        framesAll += g.count();
      }
      int cleanFlagged = 0;
      int cleanCounted = 0;
      for (int i = 0; i < clean.count(); i++) {
        if (clean.counted()[i]) {
          cleanCounted++;
          if (flaggedWithout(clean, learned, consensusAt, i) || (cleanVariant != null && cleanVariant[i] > variant.threshold())
              || consensusWith(consensus, names, clean, i, variant, cleanVariant == null ? Double.NaN : cleanVariant[i])) {
            cleanFlagged++;
          }
        }
      }
      out.add(new LeaveOut(fam.getKey(), head, detected, framesAll == 0 ? Double.NaN : (double) flaggedAll / framesAll,
          framesAll, cleanCounted == 0 ? Double.NaN : (double) cleanFlagged / cleanCounted));
    }
    return out;
  }

  /**
   * The false-alarm budget as calibrate split it: the caps on the threshold frames and each detector's share of
   * the clean threshold frames (calibration.json).
   */
  static String budget(Calibration cal) {
    StringBuilder b = new StringBuilder();
    var d = cal.data();
    if (d != null && d.has("cap_clean")) {
      b.append(String.format(Locale.ROOT, "caps on the threshold frames: clean %s, each corruption %s; ",
          pct(d.get("cap_clean").asDouble()), pct(d.get("cap_per_corruption").asDouble())));
    }
    b.append("each detector's share of the clean threshold frames (target_fpr): ");
    List<String> parts = new ArrayList<>();
    if (cal.stability() != null) {
      parts.add("stability " + pct(cal.stability().targetFpr()));
    }
    if (cal.perturbation() != null) {
      parts.add("perturbation " + pct(cal.perturbation().targetFpr()));
    }
    if (cal.fooling() != null) {
      parts.add("fooling " + pct(cal.fooling().targetFpr()));
    }
    if (cal.overinterpretation() != null) {
      parts.add("overinterpretation " + pct(cal.overinterpretation().targetFpr()));
    }
    if (cal.learned() != null) {
      parts.add("learned " + pct(cal.learned().targetFpr()));
    }
    if (cal.consistency() != null) {
      parts.add("consistency " + pct(cal.consistency().targetFpr()));
    }
    if (cal.consensus() != null) {
      parts.add("consensus " + pct(cal.consensus().targetFpr()) + " (of " + String.join(", ", cal.consensus().members()) + ")");
    }
    return b.append(String.join(", ", parts)).toString();
  }

  /** Frame {@code i} flagged by a detector other than numbers {@code skip} and {@code skipToo}. */
  private static boolean flaggedWithout(Group g, int skip, int skipToo, int i) {
    for (int d = 0; d < g.ratios().size(); d++) {
      if (d != skip && d != skipToo && g.ratios().get(d)[i] > 1) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the consensus flags frame {@code i} of {@code g} with the head's evidence replaced by {@code variant}'s
   * (its score {@code variantScore} against its own tail), or, where no variant stands in for the head, without the
   * head's evidence at all; at the consensus threshold either way. False when there is no consensus.
   */
  private static boolean consensusWith(Calibration.Consensus c, List<String> names, Group g, int i, Calibration.Variant variant,
      double variantScore) {
    if (c == null) {
      return false;
    }
    double sum = 0;
    for (int m = 0; m < c.members().size(); m++) {
      String member = c.members().get(m);
      if (member.equals(LearnedDetector.NAME)) {
        if (variant != null && variant.tail() != null) {
          sum += variant.tail().surprise(variantScore);
        }
      } else {
        sum += c.tails().get(m).surprise(g.scores().get(names.indexOf(member))[i]);
      }
    }
    return sum > c.threshold();
  }

  private static double[] headScores(DjlClassifier model, List<FloatImage> frames, int maxBatch) {
    double[] s = new double[frames.size()];
    for (int start = 0; start < frames.size(); start += maxBatch) {
      List<FloatImage> chunk = chunk(frames, start, Math.min(frames.size(), start + maxBatch));
      BatchOutput out = model.classify(chunk);
      for (int r = 0; r < chunk.size(); r++) {
        s[start + r] = LearnedDetector.signal(out, r);
      }
    }
    return s;
  }

  // ---- the Markdown tables ----

  public static void print(PrintStream out, Report r) {
    Group c = r.clean();
    out.println("### Attack kinds: detection and ROC-AUC (against the clean test frames the model gets right)");
    out.println();
    if (r.kinds().isEmpty()) {
      out.println("No attack fixtures given (FIXTURES = none).");
      out.println();
    }
    StringBuilder h = new StringBuilder("| kind | family | n | detected (any) |");
    StringBuilder sep = new StringBuilder("|---|---|---:|---:|");
    for (String d : r.detectors()) {
      h.append(' ').append(d).append(" |");
      sep.append("---:|");
    }
    h.append(" ROC-AUC (any) | target (>= 95%, >= 0.98) |");
    sep.append("---:|---|");
    for (String d : r.detectors()) {
      h.append(" AUC ").append(d).append(" |");
      sep.append("---:|");
    }
    out.println(h);
    out.println(sep);
    double[] cleanAny = c.countedValues(c.any());
    for (Map.Entry<String, Group> e : r.kinds().entrySet()) {
      Group g = e.getValue();
      StringBuilder row = new StringBuilder("| " + e.getKey() + " | " + r.familyOfKind().get(e.getKey()) + " | " + g.count()
          + " | " + pct(g.anyRate()) + " |");
      for (double[] ratio : g.ratios()) {
        row.append(' ').append(pct(g.rate(ratio))).append(" |");
      }
      double auc = Roc.auc(cleanAny, g.any());
      row.append(' ').append(num(auc, 4)).append(" | ").append(NO_TARGET_FAMILIES.contains(r.familyOfKind().get(e.getKey()))
          ? "none (adaptive)" : kindTarget(g.anyRate(), auc)).append(" |");
      for (int j = 0; j < g.ratios().size(); j++) {
        row.append(' ').append(num(Roc.auc(c.countedValues(c.ratios().get(j)), g.ratios().get(j)), 3)).append(" |");
      }
      out.println(row);
    }
    out.println();
    out.println("### False alarms: clean test frames and ordinary camera conditions (frames the model gets right)");
    out.println();
    StringBuilder h2 = new StringBuilder("| frames | n (model right) | any alert | 95% upper bound |");
    StringBuilder sep2 = new StringBuilder("|---|---:|---:|---:|");
    for (String d : r.detectors()) {
      h2.append(' ').append(d).append(" |");
      sep2.append("---:|");
    }
    h2.append(" forward passes, mean | p99 | target |");
    sep2.append("---:|---:|---|");
    out.println(h2);
    out.println(sep2);
    out.println(falseAlarmRow("**clean test frames**", c, TARGET_CLEAN));
    Group all = new Group(c.count(), c.any(), c.ratios(), filled(c.count()), c.passes(), c.scores());
    out.println(falseAlarmRow("clean test frames, right or wrong", all, Double.NaN));
    for (Map.Entry<String, Group> e : r.corruptions().entrySet()) {
      out.println(falseAlarmRow(e.getKey(), e.getValue(), TARGET_PER_CORRUPTION));
    }
    if (!r.corruptions().isEmpty()) {
      out.printf(Locale.ROOT, "%nWorst corruption: %s.%n", worst(r.corruptions()));
    }
    out.printf(Locale.ROOT, "%nBudget split (calibrate): %s.%n", r.budget());
    out.println();
    out.println("### Leave one family out (each family's kinds, flagged when nothing that learned from attacks saw that family)");
    out.println();
    if (r.leaveOut().isEmpty()) {
      // a header alone read as a table that failed to fill
      out.println(r.kinds().isEmpty() ? "No attack fixtures given (FIXTURES = none): no family to hold out."
          : "No family to hold out: every fixture's family is one without a target (" + String.join(", ", NO_TARGET_FAMILIES)
              + "), which nothing learns from.");
      out.println();
    }
    out.println("| held-out family | kinds: detected | all its frames | n | detector head | clean false alarms in that setting | target (>= 80%) |");
    out.println("|---|---|---:|---:|---|---:|---|");
    for (LeaveOut l : r.leaveOut()) {
      StringBuilder k = new StringBuilder();
      l.detected().forEach((kind, v) -> k.append(k.length() == 0 ? "" : ", ").append(kind).append(' ').append(pct(v)));
      String head = switch (l.head()) {
        case "variant" -> "retrained without it";
        case "dropped" -> "left out (no variant without it)";
        default -> "none in the bundle";
      };
      out.printf(Locale.ROOT, "| %s | %s | %s | %d | %s | %s | %s |%n", l.family(), k, pct(l.pooled()), l.frames(), head,
          pct(l.cleanRate()), atLeast(l.pooled(), TARGET_HELD_OUT));
    }
    out.println();
    out.printf(Locale.ROOT, "Forward passes per clean frame, all detectors: mean %.1f (target < %.0f: %s), p99 %d, max %d.%n", c.meanPasses(),
        TARGET_MEAN_PASSES, c.meanPasses() < TARGET_MEAN_PASSES ? "met" : "missed", c.p99Passes(), Arrays.stream(c.passes()).max().orElse(0));
  }

  private static boolean[] filled(int n) {
    boolean[] b = new boolean[n];
    Arrays.fill(b, true);
    return b;
  }

  private static String falseAlarmRow(String name, Group g, double cap) {
    StringBuilder row = new StringBuilder("| " + name + " | " + g.countedFrames() + " | " + pct(g.anyRate()) + " | "
        + pct(wilsonUpper(Math.round(g.anyRate() * g.countedFrames()), g.countedFrames())) + " |");
    for (double[] ratio : g.ratios()) {
      row.append(' ').append(pct(g.rate(ratio))).append(" |");
    }
    row.append(String.format(Locale.ROOT, " %.1f | %d | %s |", g.meanPasses(), g.p99Passes(),
        Double.isNaN(cap) ? "" : falseAlarmTarget(g.anyRate(), g.countedFrames(), cap)));
    return row.toString();
  }

  /**
   * {@link #atMost}, unless the frames are too few for any count of alarms to show the rate within {@code cap}: two
   * clean frames without an alarm read "met" beside an upper bound of 65.8% against a 5% target. A rate above the
   * cap is missed however few the frames (it read "too few frames to judge" beside a rate of 50%).
   */
  static String falseAlarmTarget(double rate, int frames, double cap) {
    int needed = framesToShowAtMost(cap);
    if (frames > 0 && frames < needed && rate <= cap) {
      return String.format(Locale.ROOT, "too few frames to judge (%d or more are needed for no alarm to show <= %.0f%%)",
          needed, 100 * cap);
    }
    return atMost(rate, cap);
  }

  /** The fewest frames whose 95% upper bound, with no alarm among them, is within {@code cap}: 73 for 5%, 35 for 10%. */
  static int framesToShowAtMost(double cap) {
    int n = 1;
    while (wilsonUpper(0, n) > cap) {
      n++;
    }
    return n;
  }

  /**
   * Upper end of the 95% Wilson score interval of {@code k} in {@code n}: how high the rate could be for what these
   * frames show. A corruption measured on 130-180 frames can read 8.6% and still be 13.7% at this bound, so the
   * table shows it beside each false-alarm rate (the targets are judged on the rate itself).
   */
  static double wilsonUpper(long k, long n) {
    if (n <= 0) {
      return Double.NaN;
    }
    double z = 1.959963984540054;
    double p = (double) k / n;
    double z2n = z * z / n;
    double centre = p + z2n / 2;
    double spread = z * Math.sqrt(p * (1 - p) / n + z2n / (4 * n));
    return Math.min(1, (centre + spread) / (1 + z2n));
  }

  /** "met" or "missed by N pts" for a rate that must reach {@code target}. */
  static String atLeast(double v, double target) {
    return Double.isNaN(v) ? "n/a" : v >= target ? "met" : String.format(Locale.ROOT, "missed by %.1f pts", 100 * (target - v));
  }

  /** "met" or "missed by N pts" for a rate that must stay at or below {@code cap}. */
  static String atMost(double v, double cap) {
    return Double.isNaN(v) ? "n/a" : v <= cap ? "met" : String.format(Locale.ROOT, "missed by %.1f pts", 100 * (v - cap));
  }

  static String kindTarget(double rate, double auc) {
    if (Double.isNaN(rate) || Double.isNaN(auc)) {
      // no frame of the kind, or no clean frame the model gets right to rank it against: nothing to judge
      return "n/a";
    }
    if (rate >= TARGET_DETECTION && auc >= TARGET_AUC) {
      return "met";
    }
    List<String> miss = new ArrayList<>();
    if (rate < TARGET_DETECTION) {
      miss.add(String.format(Locale.ROOT, "detection -%.1f pts", 100 * (TARGET_DETECTION - rate)));
    }
    if (auc < TARGET_AUC) {
      miss.add(String.format(Locale.ROOT, "AUC -%.3f", TARGET_AUC - auc));
    }
    return "missed: " + String.join(", ", miss);
  }

  /** The corruption with the highest any-alert rate, with the rate. */
  public static String worst(Map<String, Group> corruptions) {
    // a corruption without a frame the model gets right has no rate (NaN, which Double.compare ranks above all)
    return corruptions.entrySet().stream().filter(e -> !Double.isNaN(e.getValue().anyRate()))
        .max((a, b) -> Double.compare(a.getValue().anyRate(), b.getValue().anyRate()))
        .map(e -> e.getKey() + " " + pct(e.getValue().anyRate())).orElse("none");
  }

  /** {@code v} with {@code decimals} decimals; n/a for NaN (an AUC with an empty side). */
  static String num(double v, int decimals) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  static String pct(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
  }
}
