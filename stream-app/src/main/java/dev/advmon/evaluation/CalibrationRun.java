package dev.advmon.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.detect.Calibration;
import dev.advmon.detect.Calibrator;
import dev.advmon.detect.ConsensusDetector;
import dev.advmon.detect.Detectors;
import dev.advmon.detect.FeatureSqueezingDetector;
import dev.advmon.detect.LayerConsistencyDetector;
import dev.advmon.detect.LearnedDetector;
import dev.advmon.detect.OverinterpretationDetector;
import dev.advmon.detect.StabilityDetector;
import dev.advmon.image.FloatImage;
import dev.advmon.image.IdxImages;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelLoader;
import dev.advmon.model.ModelManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The data work of {@code ./monitor calibrate}: which training frames fit the feature-space models, which set
 * the thresholds (the bundle's {@code calibration_holdout} where it names one: frames neither the classifier nor
 * its detector head trained on), the clean + corrupted mix built from them ({@link CalibrationMix}), and the
 * record of all that in calibration.json. Never the test split: that is what {@code evaluate} measures on.
 */
public final class CalibrationRun {

  /** Detector names calibrate knows, in the order verdicts list them. */
  public static final List<String> DETECTORS = dev.advmon.detect.Detectors.NAMES;

  /** The consensus detector's members unless told otherwise: the detectors whose moderate evidence adds up. */
  public static final List<String> CONSENSUS_MEMBERS = List.of(StabilityDetector.NAME, FeatureSqueezingDetector.NAME,
      LearnedDetector.NAME, LayerConsistencyDetector.NAME);

  /**
   * The consensus detector's weight unless told otherwise: it spends again evidence its members already spend their
   * shares on, so it gets less than a detector of its own.
   */
  public static final double CONSENSUS_WEIGHT = 0.3;

  /** Fewest clean threshold frames (model right) a calibration is written from: a detector's 1% share needs 100. */
  public static final int MIN_CLEAN_THRESHOLD_FRAMES = 100;

  /**
   * Everything calibrate can be told. {@code budget}: the caps on the threshold frames (clean any-alert share,
   * and each corruption's); {@code copies}: corrupted copies per threshold frame; {@code fitCopies}: corrupted copies
   * per fit frame (the feature-space models learn that ordinary camera conditions are clean too).
   */
  public record Options(Path images, int fitCount, int holdCount, int copies, int fitCopies, long seed, Calibrator.Budget budget,
      Map<String, Double> weights, boolean stability, List<String> squeezers, List<String> squeezeSignals,
      List<String> fooling, int knnBank, boolean overinterpretation, OverinterpretationDetector.Settings oiSettings,
      double oiSearchShare, boolean learned, int batch, boolean consistency, List<String> consensus) {

    /** Each detector's weight: as given, else 1 ({@link #CONSENSUS_WEIGHT} for the consensus). */
    public double weight(String detector) {
      return weights.getOrDefault(detector, detector.equals(ConsensusDetector.NAME) ? CONSENSUS_WEIGHT : 1.0);
    }
  }

  /** The written calibration and what it was made of. */
  public record Outcome(Calibration calibration, Calibrator.Result result, int fitFrames, int holdFrames, boolean fromHoldout) {}

  private CalibrationRun() {}

  /**
   * What can be refused from the options and the manifest alone, before any model loads (seconds on a CPU, far longer
   * where an engine builds its plan first): run() calls it too. A --knn-bank of 0 was refused only once the model had
   * loaded.
   */
  public static void checkOptions(ModelBundle bundle, Options o) throws IOException {
    for (Map.Entry<String, Double> w : o.weights().entrySet()) {
      if (!DETECTORS.contains(w.getKey())) {
        throw new IllegalArgumentException("--weights: unknown detector '" + w.getKey() + "' (use " + String.join(", ", DETECTORS) + ")");
      }
      if (!(w.getValue() > 0) || w.getValue().isInfinite()) {
        throw new IllegalArgumentException("--weights: " + w.getKey() + " must weigh a positive number, was " + w.getValue());
      }
    }
    if (o.consensus().size() == 1) {
      throw new IllegalArgumentException("--consensus: a consensus needs at least two members, got " + o.consensus().get(0)
          + " (or none to turn it off)");
    }
    if (new HashSet<>(o.consensus()).size() != o.consensus().size()) {
      // a member named twice would count its evidence twice
      throw new IllegalArgumentException("--consensus: a member is named more than once in " + String.join(",", o.consensus())
          + " (name each detector once)");
    }
    for (String m : o.consensus()) {
      if (!DETECTORS.contains(m) || m.equals(ConsensusDetector.NAME)) {
        throw new IllegalArgumentException("--consensus: unknown member '" + m + "' (use some of "
            + String.join(", ", DETECTORS.subList(0, DETECTORS.size() - 1)) + ", or none)");
      }
    }
    for (String f : o.fooling()) {
      // an unknown name was ignored: a misspelt signal (--fooling mahalonobis) calibrated the fooling detector without
      // it, or turned the detector off altogether, and the run still reported success
      if (!f.equals("mahalanobis") && !f.equals("knn")) {
        throw new IllegalArgumentException("--fooling: unknown signal '" + f + "' (use mahalanobis, knn, "
            // not "both": that word is refused here too; the pair is the default
            + "mahalanobis,knn for both, or none alone)");
      }
    }
    boolean maha = o.fooling().contains("mahalanobis");
    boolean knn = o.fooling().contains("knn");
    if (knn && o.knnBank() < 1) {
      // a bank of 0 or fewer vectors failed deep in the fit with a bare "error: -128" after the model had run
      throw new IllegalArgumentException("--knn-bank must be at least 1 (training feature vectors kept for KNN), got "
          + o.knnBank() + " (or --fooling mahalanobis to leave KNN out)");
    }
    if ((maha || knn) && bundle.manifest().outputs().features() == null) {
      throw new IllegalArgumentException(bundle.directory().resolve(ModelBundle.MANIFEST)
          + " names no features output (outputs.features): export the penultimate features or pass --fooling none");
    }
    boolean fitsLayers = o.consistency() && !bundle.manifest().outputs().layers().isEmpty();
    if (o.fitCount() == 0 && (maha || knn || fitsLayers)) {
      // the help allows --fit 0 (the stability, perturbation and overinterpretation detectors need no fit frames);
      // the fit's own refusal came after the model had loaded and named neither the option nor the way out
      String which = (maha || knn) && fitsLayers ? "the fooling and consistency detectors"
          : maha || knn ? "the fooling detector" : "the consistency detector";
      String off = (maha || knn ? "--fooling none" : "") + ((maha || knn) && fitsLayers ? " and " : "")
          + (fitsLayers ? "--no-consistency" : "");
      throw new IllegalArgumentException("--fit 0 leaves " + which + " no frames to fit " + (which.contains(" and ")
          ? "their models" : "its model") + " on: give --fit 1 or more (default 10000; of a folder, two thirds at "
          + "most), or turn " + (which.contains(" and ") ? "them" : "it") + " off with " + off);
    }
    Path source = o.images();
    if (!Files.exists(source)) {
      throw new IllegalArgumentException(source + " not found: pass --images with clean TRAINING images (an IDX .gz file or a folder of PNGs)");
    }
    // the head variants are read after the whole calibration has run: a file the manifest names but the bundle lacks
    // (heads/ left behind in a copy) was refused only then, minutes in, with nothing written
    HeadVariants.of(bundle);
    boolean head = o.learned() && bundle.manifest().outputs().adversarial() != null;
    boolean layers = o.consistency() && !bundle.manifest().outputs().layers().isEmpty();
    boolean any = o.stability() || !o.squeezers().isEmpty() || maha || knn || o.overinterpretation() || head || layers;
    if (!any) {
      throw new IllegalArgumentException("no detector to calibrate: --no-stability, --squeezers none, --fooling none, "
          + "--no-overinterpretation, no detector head (or --no-learned) and no layer outputs (or --no-consistency) leave nothing");
    }
  }

  public static Outcome run(ModelBundle bundle, BatchClassifier classifier, ModelLoader loader, FramePreparer preparer,
      Options o) throws Exception {
    long t0 = System.nanoTime();
    checkOptions(bundle, o);
    boolean maha = o.fooling().contains("mahalanobis");
    boolean knn = o.fooling().contains("knn");
    Path source = o.images();
    boolean head = o.learned() && bundle.manifest().outputs().adversarial() != null;
    boolean layers = o.consistency() && !bundle.manifest().outputs().layers().isEmpty();
    ObjectNode data = new ObjectMapper().createObjectNode();
    data.set(Detectors.INPUT, Detectors.describeInput(bundle.manifest().input()));
    data.set(Detectors.OUTPUTS, Detectors.describeOutputs(bundle.manifest().outputs()));
    Calibrator.Frames fit;
    Calibrator.Frames hold;
    int[] holdLabels;
    int[] fitLabels;
    boolean fromHoldout = false;
    boolean idxSource = Files.isRegularFile(source) && source.toString().endsWith(".gz");
    if (idxSource) {
      IdxImages idx = IdxImages.read(source);
      requireModelGeometry(bundle, idx, source);
      Path labelFile = IdxLabels.besides(source);
      int[] labels = labelFile == null ? null : IdxLabels.read(labelFile);
      if (labels != null && labels.length != idx.count()) {
        throw new IllegalArgumentException(labelFile + " has " + labels.length + " labels for the " + idx.count() + " images of " + source);
      }
      for (int i = 0; labels != null && i < labels.length; i++) {
        requireClass(bundle, labels[i], labelFile + ": label number " + i);
      }
      List<Integer> order = shuffled(idx.count(), o.seed());
      // holdout indices are positions in the training split's IDX file, so they apply to IDX sources only
      List<Integer> holdout = bundle.calibrationHoldout();
      List<Integer> fitIdx;
      List<Integer> holdIdx;
      if (!holdout.isEmpty()) {
        Set<Integer> held = new HashSet<>(holdout);
        for (int i : holdout) {
          if (i < 0 || i >= idx.count()) {
            throw new IllegalArgumentException(bundle.directory().resolve(bundle.manifest().calibrationHoldout()) + ": index " + i
                + " is outside " + source + " (" + idx.count() + " images)");
          }
        }
        List<Integer> rest = order.stream().filter(i -> !held.contains(i)).toList();
        List<Integer> heldOrder = order.stream().filter(held::contains).toList();
        fitIdx = rest.subList(0, Math.min(o.fitCount(), rest.size()));
        holdIdx = heldOrder.subList(0, Math.min(o.holdCount(), heldOrder.size()));
        fromHoldout = true;
        data.put("threshold_source", bundle.manifest().calibrationHoldout() + " (training images the classifier and its detector head did not train on)");
      } else {
        int nf = Math.min(o.fitCount(), idx.count() / 2);
        fitIdx = order.subList(0, nf);
        holdIdx = order.subList(nf, nf + Math.min(o.holdCount(), idx.count() - nf));
      }
      fit = lazy(fitIdx.size(), i -> idx.image(fitIdx.get(i)));
      hold = lazy(holdIdx.size(), i -> idx.image(holdIdx.get(i)));
      holdLabels = labels == null ? null : holdIdx.stream().mapToInt(i -> labels[i]).toArray();
      fitLabels = labels == null ? null : fitIdx.stream().mapToInt(i -> labels[i]).toArray();
      data.put("source", source.toString());
      data.put("source_sha256", Detectors.sha256(source));
      data.put("format", "IDX (gzip)");
      data.put("labels", labelFile == null ? "none (the model's class on each clean frame is what its corrupted copies must keep)" : labelFile.toString());
      data.put("images_in_source", idx.count());
    } else {
      List<Path> files = imageFiles(source);
      if (files.isEmpty()) { // else "needs threshold frames (got none)", naming neither the folder nor the formats
        throw new IllegalArgumentException(source + " holds no .png, .jpg or .jpeg image (folders are searched "
            + "with their subfolders): pass --images with a folder of clean TRAINING images, or an IDX .gz file");
      }
      Map<String, Integer> labels = LabelledFolder.labelsOf(files, bundle);
      for (Map.Entry<String, Integer> e : labels.entrySet()) {
        requireClass(bundle, e.getValue(), Path.of(e.getKey()).resolveSibling("labels.csv") + ": " + Path.of(e.getKey()).getFileName());
      }
      List<Path> unlabelled = labels.isEmpty() ? List.of()
          : files.stream().filter(f -> !labels.containsKey(f.toAbsolutePath().normalize().toString())).toList();
      if (!unlabelled.isEmpty()) {
        // one image without a row dropped every label without a word: each frame then had to keep the model's own
        // class, so frames the model gets wrong set thresholds as clean ones
        Path first = unlabelled.get(0).toAbsolutePath().normalize();
        throw new IllegalArgumentException(unlabelled.size() + " of the " + files.size() + " images under " + source
            + " have no row in their folder's labels.csv (the first: " + first + ", in " + first.resolveSibling("labels.csv")
            + "): add their rows, or remove the labels.csv files to calibrate with the model's own classes");
      }
      List<Integer> order = shuffled(files.size(), o.seed());
      int nf = Math.min(o.fitCount(), files.size() * 2 / 3);
      int nh = Math.min(o.holdCount(), files.size() - nf);
      List<Path> fitFiles = order.subList(0, nf).stream().map(files::get).toList();
      List<Path> holdFiles = order.subList(nf, nf + nh).stream().map(files::get).toList();
      fit = lazy(fitFiles.size(), i -> prepare(preparer, fitFiles.get(i)));
      hold = lazy(holdFiles.size(), i -> prepare(preparer, holdFiles.get(i)));
      boolean labelled = holdFiles.stream().allMatch(f -> labels.containsKey(f.toAbsolutePath().normalize().toString()));
      holdLabels = labelled ? holdFiles.stream().mapToInt(f -> labels.get(f.toAbsolutePath().normalize().toString())).toArray() : null;
      boolean fitLabelled = fitFiles.stream().allMatch(f -> labels.containsKey(f.toAbsolutePath().normalize().toString()));
      fitLabels = fitLabelled ? fitFiles.stream().mapToInt(f -> labels.get(f.toAbsolutePath().normalize().toString())).toArray() : null;
      data.put("source", source.toAbsolutePath().toString());
      data.put("format", "image folder");
      data.put("labels", labelled ? "labels.csv" : "none (the model's class on each clean frame is what its corrupted copies must keep)");
      data.put("images_in_source", files.size());
    }
    if (hold.size() < MIN_CLEAN_THRESHOLD_FRAMES) {
      // known before any frame is scored: the clean threshold frames are these images, so no run can reach the minimum
      // (the whole run used to come first, and a folder of one image failed on its empty fit set instead)
      throw tooFewThresholdFrames("at most " + hold.size(), hold.size(), source);
    }
    CalibrationMix mix = CalibrationMix.of(hold, holdLabels, o.copies(), o.seed(), classifier, o.batch());
    // the feature-space models fit on the fit frames AND their corrupted copies where the model stays right: a
    // noisy or dark frame the model gets right is in-distribution, not a sign of fooling (issue 10: corrupted
    // frames are clean in anything learned). Other draws than the threshold mix's (seed + 1).
    Calibrator.Frames fitMix = o.fitCopies() > 0 && (maha || knn)
        ? CalibrationMix.of(fit, fitLabels, o.fitCopies(), o.seed() + 1, classifier, o.batch()) : fit;
    data.put("split", "train (clean; never the test split)");
    data.put("selection", fromHoldout
        ? "java.util.Collections.shuffle(indices, new java.util.Random(seed)); in that order, the first 'fit_images' indices outside 'threshold_source' fit the "
          + "feature-space models and the first 'threshold_images' inside it set scales and thresholds"
        : "java.util.Collections.shuffle(indices, new java.util.Random(seed)): the first 'fit_images' fit the feature-space models, the next 'threshold_images' set scales and thresholds");
    data.put("mix", mix.describe());
    data.put("seed", o.seed());
    data.put("fit_images", fit.size());
    data.put("threshold_images", hold.size());
    data.put("corrupted_copies_per_threshold_image", o.copies());
    data.put("corrupted_copies_per_fit_image", fitMix == fit ? 0 : o.fitCopies());
    if (fitMix != fit) {
      data.put("fit_mix", "the fit frames, each once as it is and " + o.fitCopies() + " times corrupted as in 'mix' with seed + 1; "
          + "a corrupted copy counts only where the model gives the true label (else the clean frame's class)");
    }
    data.put("knn_bank_images", knn ? Math.min(o.knnBank(), fit.size()) : 0);
    data.put("cap_clean", o.budget().clean());
    data.put("cap_per_corruption", o.budget().perCondition());
    ObjectNode w = data.putObject("weights");
    Map<String, Double> weights = new java.util.LinkedHashMap<>();
    for (String d : DETECTORS) {
      weights.put(d, o.weight(d));
      w.put(d, o.weight(d));
    }
    data.put("date", Instant.now().toString());

    Calibrator.Overinterpretation oi = o.overinterpretation()
        ? new Calibrator.Overinterpretation(o.oiSettings(), bundle.manifest().input().maskValue(), o.oiSearchShare()) : null;
    Calibrator.Settings settings = new Calibrator.Settings(o.stability(), o.squeezers(), o.squeezeSignals(), maha, knn, 1,
        o.knnBank(), 1e-3, o.batch(), oi, head, weights, o.budget(), layers, o.consensus());
    Calibrator.Result r = Calibrator.calibrate(classifier, fitMix, mix, settings);
    int cleanCounted = r.groupCounts().getOrDefault(Calibrator.CLEAN, 0);
    if (cleanCounted < MIN_CLEAN_THRESHOLD_FRAMES) {
      // each detector's threshold sits at about 1% of the clean frames: from a few dozen it is their maximum, and a
      // calibration from 16 clean frames alerted on half of the clean test frames
      throw tooFewThresholdFrames("only " + cleanCounted, hold.size(), source);
    }
    Calibration.Learned learned = r.learned();
    Map<String, String> variants = HeadVariants.of(bundle);
    if (learned != null && !variants.isEmpty()) {
      learned = learned.withLeaveOut(HeadVariants.calibrate(bundle, variants, mix, learned.targetFpr(), loader, o.batch()));
      if (r.consensus() != null) {
        data.put("leave_out_consensus", "with a head variant standing in for the head, the consensus reads that variant's score "
            + "against its own tail on the same threshold frames, at the consensus threshold");
      }
      data.put("leave_out_heads", "each head variant's threshold: the value its top 'target_fpr' share of the same threshold frames exceed");
    }
    data.put("level", r.level());
    data.put("frames_skipped_model_wrong", r.skippedWrong());
    ObjectNode rates = data.putObject("any_alert_rate_on_threshold_frames");
    r.groupRates().forEach(rates::put);
    ObjectNode counts = data.putObject("threshold_frames_counted");
    r.groupCounts().forEach(counts::put);
    data.put("seconds", Math.round((System.nanoTime() - t0) / 1e9));
    Calibration c = new Calibration(bundle.id(), Detectors.sha256(bundle.modelFile()), Instant.now().toString(),
        o.budget().clean(), data, r.perturbation(), r.fooling(), r.overinterpretation(), learned, r.stability(), r.consistency(),
        r.consensus());
    c.write(bundle.calibrationFile());
    return new Outcome(c, r, fit.size(), hold.size(), fromHoldout);
  }

  /**
   * A label the model cannot give (1-based labels, another class order) makes its frame one the model "gets wrong":
   * left out of the thresholds silently (evaluate: out of every rate), or, with every label so, a refusal that blamed
   * the number of images. Calibrate and evaluate both refuse it here.
   */
  static void requireClass(ModelBundle bundle, int label, String where) {
    int classes = bundle.manifest().numClasses();
    if (label < 0 || label >= classes) {
      throw new IllegalArgumentException(where + ": true label " + label + " is not one of the model's classes 0-"
          + (classes - 1) + " (" + bundle.directory().resolve(ModelBundle.MANIFEST) + ", labels): labels are 0-based "
          + "class indices in the order of the manifest's labels");
    }
  }

  private static IllegalArgumentException tooFewThresholdFrames(String counted, int holdSize, Path source) {
    return new IllegalArgumentException(counted + " clean threshold frames the model gets right (of " + holdSize
        + " threshold images from " + source + "): thresholds at about 1% of the clean frames per detector need at least "
        + MIN_CLEAN_THRESHOLD_FRAMES + "; calibration.json not written. Give --images more clean training images (of a folder, a "
        + "third set the thresholds: " + 3 * MIN_CLEAN_THRESHOLD_FRAMES + " or more, thousands for rates you can trust) or a larger --hold");
  }

  /**
   * IDX frames go to the model as they are (no conversion): a bundle of another geometry (an RGB model, another
   * size) must bring its own training images, and the default Fashion-MNIST file is refused before any frame.
   */
  private static void requireModelGeometry(ModelBundle bundle, IdxImages idx, Path source) {
    ModelManifest.InputSpec in = bundle.manifest().input();
    if (in.channels() != 1 || in.height() != idx.height() || in.width() != idx.width()) {
      throw new IllegalArgumentException(source + " holds 1x" + idx.height() + "x" + idx.width() + " grayscale images but "
          + bundle.directory().resolve(ModelBundle.MANIFEST) + " takes " + in.channels() + "x" + in.height() + "x" + in.width()
          + " (input.channels, height, width): pass --images with a folder of the model's own clean TRAINING images "
          + "(PNG or JPEG, with labels.csv, columns file,label, to count a frame only where the model is right)");
    }
  }

  /** Image files under {@code source}, in name order. */
  static List<Path> imageFiles(Path source) throws IOException {
    List<Path> out = new ArrayList<>();
    try (var s = Files.walk(source)) {
      s.filter(Files::isRegularFile).filter(p -> {
        String n = p.getFileName().toString().toLowerCase();
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
      }).sorted().forEach(out::add);
    }
    return out;
  }

  private static FloatImage prepare(FramePreparer preparer, Path f) {
    try {
      return preparer.prepare(f);
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot read calibration image " + f + ": " + e.getMessage(), e);
    }
  }

  private interface Loader {
    FloatImage load(int i);
  }

  private static Calibrator.Frames lazy(int size, Loader loader) {
    return new Calibrator.Frames() {
      @Override
      public int size() {
        return size;
      }

      @Override
      public FloatImage get(int i) {
        return loader.load(i);
      }
    };
  }

  private static List<Integer> shuffled(int n, long seed) {
    List<Integer> order = new ArrayList<>(IntStream.range(0, n).boxed().toList());
    Collections.shuffle(order, new Random(seed));
    return order;
  }

  /** Calibrate's default weights: every detector 1 (each detector's share of the alerts is then the same). */
  public static Map<String, Double> defaultWeights() {
    return new LinkedHashMap<>();
  }
}
