package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.Calibrator;
import dev.advmon.detect.OverinterpretationDetector;
import dev.advmon.evaluation.CalibrationRun;
import dev.advmon.evaluation.IdxLabels;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelDocs;
import dev.advmon.model.ModelLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code monitor calibrate}: fits the detectors on clean TRAINING images and their corrupted copies and writes
 * calibration.json into the bundle ({@link CalibrationRun} does the work). Never the test split.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
    exitCodeListHeading = ExitStatus.HEADING,
    exitCodeList = {
        "0:calibration.json was written into the bundle",
        ExitStatus.ERROR},
    description = "Fit the detectors on clean training images "
    + "and the same images under ordinary camera conditions (noise, blur, light, JPEG, small shifts, ...), and write "
    + "calibration.json into the model bundle.")
final class CalibrateCommand implements Callable<Integer> {

  /** Cells per side of the overinterpretation grid by default, where the input's sides allow it. */
  static final int DEFAULT_GRID = 7;

  static final Path DEFAULT_TRAIN = Path.of("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");

  /**
   * Under this many clean threshold frames the model gets right, the summary says the clean rate may not hold: the
   * thresholds sit at about 1-2% of these frames, a few frames each, and 450 training PNGs (140 such frames) held
   * 3.6% here but alerted on 18.8% of clean test frames. 1000 is a third of the "few thousand" models/README.md asks.
   */
  static final int FEW_CLEAN = 1000;

  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--images", paramLabel = "TRAIN", description = "Clean training images: an IDX .gz file (labels from the "
      + "-labels-idx1- file next to it) or a folder of PNG/JPEG (labels from labels.csv where there is one). "
      + "Default: the file train-images-idx3-ubyte.gz in /usr/share/datasets/fashion-mnist, from Debian's "
      + "dataset-fashion-mnist package.")
  Path images;

  @Option(names = "--clean-cap", paramLabel = "SHARE", defaultValue = "0.04", description = "Most clean threshold frames that may raise any alert "
      + "(default 0.04: the target is 5%%, 1 point is held back for sampling noise and unseen frames).")
  double cleanCap;

  @Option(names = "--corruption-cap", paramLabel = "SHARE", defaultValue = "0.06", description = "Most frames of each corruption (model still "
      + "right) that may raise any alert (default 0.06: the target is 10%%, 4 points held back: each corruption has a few "
      + "hundred threshold frames, so its rate carries about +-1.5 points of sampling noise, and the measured ones "
      + "(under 200 per corruption) about +-2). A corruption with fewer than 30 threshold frames is printed but not held to it.")
  double corruptionCap;

  @Option(names = "--copies", paramLabel = "N", defaultValue = "2",
      description = "Corrupted copies of each threshold frame (default 2).")
  int copies;

  @Option(names = "--weights", split = ",", paramLabel = "DETECTOR=W",
      description = "Relative share of the alerts per detector (stability, perturbation, fooling, overinterpretation, learned, consistency, "
      + "consensus), e.g. learned=2,fooling=0.5; unnamed detectors weigh 1 (equal shares), except consensus, which "
      + "weighs " + CalibrationRun.CONSENSUS_WEIGHT + " unless named here.")
  Map<String, Double> weights = new java.util.LinkedHashMap<>();

  @Option(names = "--stability", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Calibrate the decision-stability detector (default on).")
  boolean stability;

  @Option(names = "--learned", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Calibrate the learned detector (the model's detector head, manifest outputs.adversarial) where the bundle has one (default on).")
  boolean learned;

  @Option(names = "--consistency", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Calibrate the layer-consistency detector (do the model's earlier layers agree with its decision? see the "
      + "manifest's outputs.layers and models/recipe/layer_stats.py in " + Main.HOME_IN_HELP + ") where the bundle has "
      + "layer outputs (default on).")
  boolean consistency;

  @Option(names = "--overinterpretation", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Calibrate the overinterpretation detector too (default on; --no-overinterpretation = off).")
  boolean overinterpretation;

  @Option(names = "--oi-grid", paramLabel = "N",
      description = "Overinterpretation: occlusion grid, cells per side (default 7: 4x4-pixel cells on 28x28; the "
      + "input's shorter side, one pixel a cell, on an input under 7 pixels a side).")
  Integer oiGrid;

  @Option(names = "--oi-border", paramLabel = "PIXELS", defaultValue = "2",
      description = "Overinterpretation: width in pixels of the border the border probe keeps (default 2).")
  int oiBorder;

  @Option(names = "--oi-keep", paramLabel = "SHARE", defaultValue = "0.05",
      description = "Overinterpretation: share of pixels the sparse probe keeps (default 0.05).")
  double oiKeep;

  @Option(names = "--oi-tau", paramLabel = "P", defaultValue = "0.9",
      description = "Overinterpretation: confidence a sufficient subset must keep (default 0.9).")
  double oiTau;

  @Option(names = "--oi-search-share", paramLabel = "SHARE", defaultValue = "0.08",
      description = "Overinterpretation: share of clean frames whose cheap probes send them on to the patch search "
      + "(default 0.08).")
  double oiSearchShare;

  @Option(names = "--oi-sparse-trigger", paramLabel = "SHARE", defaultValue = "0.25",
      description = "Overinterpretation: confident frames with at most this share of informative pixels (not at the "
      + "mask value or the frame's fill) go to the search too (default 0.25; -1 = never).")
  double oiSparseTrigger;

  @Option(names = "--fit", paramLabel = "N", defaultValue = "10000",
      description = "Frames to fit the feature-space models on (default 10000).")
  int fitCount;

  @Option(names = "--fit-copies", paramLabel = "N", defaultValue = "1", description = "Corrupted copies of each fit frame, where the model stays "
      + "right, that the feature-space models (fooling; consistency too while fooling is on) also learn from (default 1). "
      + "0 = clean fit frames only: the caps are still checked on the threshold frames, and a detector that then finds "
      + "ordinary camera conditions unusual may be given a higher threshold to stay within them.")
  int fitCopies;

  @Option(names = "--hold", paramLabel = "N", defaultValue = "5000",
      description = "Other frames to set scales and thresholds on, each also under --copies corruptions (default "
      + "5000).")
  int holdCount;

  @Option(names = "--consensus", paramLabel = "DETECTOR", split = ",", defaultValue = "stability,perturbation,learned,consistency",
      description = "Detectors whose moderate evidence adds up in the consensus detector (the sum of -ln p of their scores, "
          + "p = the share of threshold frames scoring at least as high), those of them the bundle has; none = off "
          + "(default: ${DEFAULT-VALUE}; its weight: --weights consensus=W, default " + CalibrationRun.CONSENSUS_WEIGHT + ").")
  List<String> consensus;

  @Option(names = "--squeezers", paramLabel = "SQUEEZER", split = ",", defaultValue = "bit-depth-2,median-2x2,median-3x3,switching-median-3x3-0.6,local-median-6x6-5x5",
      description = "Squeezers of the perturbation detector (bit-depth-N, median-KxK, switching-median-KxK-T, local-median-WxW-KxK, tv-W, noise-S; "
          + "default bit-depth-2, median-2x2, median-3x3, switching-median-3x3-0.6, local-median-6x6-5x5; none = off).")
  List<String> squeezers;

  @Option(names = "--squeeze-signals", paramLabel = "SIGNAL", split = ",", defaultValue = "softmax-l1,margin-drop",
      description = "Signals per squeezer: softmax-l1 (the paper's), margin-drop, feature-shift (default softmax-l1,margin-drop).")
  List<String> squeezeSignals;

  @Option(names = "--fooling", paramLabel = "SIGNAL", split = ",", description = "Fooling-detector signals: mahalanobis, knn (default both where the "
      + "bundle has a features output, manifest outputs.features, else off; none = off).")
  List<String> fooling; // null: not given

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CalibrateCommand.class);
    private static final List<String> DEFAULT_FOOLING = List.of("mahalanobis", "knn");

  @Option(names = "--knn-bank", paramLabel = "N", defaultValue = "2000",
      description = "Normalised training feature vectors kept for KNN (default 2000).")
  int knnBank;

  @Option(names = "--seed", paramLabel = "SEED", defaultValue = "1",
      description = "Seed of the shuffle that picks fit and threshold frames and of the corruptions (default 1).")
  long seed;

  /**
   * Each option refused by its own name, value and range, before the model loads. The detectors' own checks (one
   * message for all the caps, or all the overinterpretation settings) named no option; and a border wider than half
   * the frame, a grid finer than it and a search share above 1 passed them, a calibration written.
   */
  private void checkRanges(ModelBundle bundle) {
    var input = bundle.manifest().input();
    int side = Math.min(input.height(), input.width());
    String frame = "the model's " + input.height() + "x" + input.width() + " input";
    check(copies >= 0, "--copies", "at least 0", copies);
    check(fitCopies >= 0, "--fit-copies", "at least 0", fitCopies);
    check(fitCount >= 0, "--fit", "at least 0", fitCount);
    check(holdCount >= 1, "--hold", "at least 1", holdCount);
    check(cleanCap > 0 && cleanCap < 1, "--clean-cap", "between 0 and 1 (both excluded)", cleanCap);
    check(corruptionCap > 0 && corruptionCap < 1, "--corruption-cap", "between 0 and 1 (both excluded)", corruptionCap);
    if (oiGrid == null) {
      // 7 cells cannot fit a side under 7 pixels: the finest grid there is one cell a pixel, not a refusal of a
      // default the user never gave
      oiGrid = Math.min(DEFAULT_GRID, side);
    }
    check(oiGrid >= 1 && oiGrid <= side, "--oi-grid", "1.." + side + " (cells per side of " + frame + ")", oiGrid);
    check(oiBorder >= 1 && 2 * oiBorder < side, "--oi-border", "1.." + (side - 1) / 2 + " (pixels, less than half "
        + frame + ")", oiBorder);
    check(oiKeep > 0 && oiKeep < 1, "--oi-keep", "between 0 and 1 (both excluded)", oiKeep);
    check(oiTau > 0 && oiTau <= 1, "--oi-tau", "above 0 and at most 1", oiTau);
    check(oiSearchShare >= 0 && oiSearchShare <= 1, "--oi-search-share", "0..1", oiSearchShare);
    // a share of pixels, or negative for never: "-1..1" alone hid how to switch this trigger off
    check(oiSparseTrigger >= -1 && oiSparseTrigger <= 1, "--oi-sparse-trigger", "-1..1 (a share of the frame's "
        + "pixels, 0..1; a negative value, e.g. -1, sends no frame to the search on this trigger)", oiSparseTrigger);
  }

  private static String copiesOf(int n) {
    return n + (n == 1 ? " corrupted copy" : " corrupted copies");
  }

  private static void check(boolean inRange, String option, String range, Object value) {
    if (!inRange) {
      throw new IllegalArgumentException(option + " must be " + range + ", got " + value);
    }
  }

  @Override
  public Integer call() throws Exception {
    MonitorConfig config = modelOptions.config();
    ModelBundle bundle = BundleSetting.load(config);
    checkRanges(bundle);
    if (copies == 0) {
      // allowed (a quick look, or a camera whose frames are known clean), but it changes what the caps mean
      log.warn("--copies 0: thresholds are set and checked on clean frames only; --corruption-cap is not checked, so "
          + "frames under ordinary camera conditions (noise, blur, JPEG, fog, ...) may raise alerts above it; "
          + "give --copies 1 or more (default 2) for a calibration the running monitor should use");
    }
    Calibrator.Budget budget = new Calibrator.Budget(cleanCap, corruptionCap);
    List<String> sq = squeezers.equals(List.of("none")) ? List.of() : squeezers;
    // the fooling detector reads the features output, which a bundle may leave out (models/README.md): off then, as
    // learned and consistency are for a bundle without their outputs; signals named with --fooling are still refused
    boolean noFeatures = bundle.manifest().outputs().features() == null;
    List<String> fo = fooling == null ? (noFeatures ? List.of() : DEFAULT_FOOLING)
        : fooling.equals(List.of("none")) ? List.of() : fooling;
    long t0 = System.nanoTime();
    CalibrationRun.Options o = new CalibrationRun.Options(images != null ? images : DEFAULT_TRAIN, fitCount, holdCount, copies, fitCopies, seed,
        budget, weights, stability, sq, squeezeSignals, fo, knnBank, overinterpretation,
        new OverinterpretationDetector.Settings(oiGrid, oiBorder, oiKeep, oiTau, Double.POSITIVE_INFINITY, oiSparseTrigger),
        oiSearchShare, learned, 256, consistency, consensus.equals(List.of("none")) ? List.of() : consensus);
    var in = bundle.manifest().input();
    if (images == null && (in.channels() != 1 || in.height() != 28 || in.width() != 28)) {
      // before the file is looked for: where it is not installed, "not found" sent the user to install a data set
      // that would then be refused for its geometry
      throw new IllegalArgumentException(bundle.directory().resolve(ModelBundle.MANIFEST) + " takes " + in.channels()
          + "x" + in.height() + "x" + in.width() + " frames, but the default --images, " + DEFAULT_TRAIN
          + ", is Fashion-MNIST's 1x28x28 grayscale training split: pass --images with a folder of the model's own "
          + "clean TRAINING images (PNG or JPEG, with labels.csv, columns file,label)");
    }
    CalibrationRun.checkOptions(bundle, o); // before the model loads, as checkRanges: a typo costs no load
    ModelLoader loader = Wiring.offlineModelLoader(config);
    try (DjlClassifier classifier = loader.load(bundle)) {
      CalibrationRun.Outcome out = CalibrationRun.run(bundle, classifier, loader,
          FramePreparer.forModel(Wiring.imageLimits(config), bundle.manifest()), o);
      var r = out.result();
      // each kind of frame with its own copies: the line said the fit frames were under --copies corruptions, and
      // --fit-copies 0 (or no fooling detector, the only one they serve) left them clean without a word
      String fitCopiesSaid = fo.isEmpty() ? "" : fitCopies == 0 ? ", clean only (--fit-copies 0)" : ", each also under " + copiesOf(fitCopies);
      // without labels "wrong" can only mean a corrupted copy that left the clean frame's class: say so, not that
      // the model was found wrong on frames, which no label could tell
      boolean unlabelled = out.calibration().data().path("labels").asText().startsWith("none");
      // "wrong on 82 of the threshold frames" after "150 threshold training frames" read as 82 of those 150 (a model
      // wrong on half its frames, or labels misread), while it counts the corrupted copies too: say of how many
      int all = r.groupCounts().values().stream().mapToInt(Integer::intValue).sum() + r.skippedWrong();
      int cleanWrong = out.holdFrames() - r.groupCounts().getOrDefault("clean", 0);
      String wrong = unlabelled
          ? String.format(Locale.ROOT, "no labels: the model's own class on each clean frame counts as right (%d "
              + "corrupted copies that changed it not counted)", r.skippedWrong())
          : copies == 0 ? String.format(Locale.ROOT, "model wrong on %d of the %d threshold frames (not counted)",
              r.skippedWrong(), all)
          : String.format(Locale.ROOT, "model wrong on %d of the %d threshold frames and copies (%d clean, %d "
              + "corrupted; not counted)", r.skippedWrong(), all, cleanWrong, r.skippedWrong() - cleanWrong);
      System.out.printf(Locale.ROOT, "wrote %s: %d fit frames%s; %d threshold training frames%s, %s; "
          + "%s; level %.5f (%d s)%n", bundle.calibrationFile(),
          out.fitFrames(), fitCopiesSaid, out.holdFrames(), out.fromHoldout() ? " (the bundle's holdout)" : "",
          copies == 0 ? "clean only (--copies 0)" : "each also under " + copiesOf(copies), wrong, r.level(),
          Math.round((System.nanoTime() - t0) / 1e9));
      if (unlabelled) {
        // allowed (unlabelled camera frames), but the thresholds then also sit on frames the model gets wrong
        // what to add depends on the source: labels.csv is read beside a folder's images only, never for an IDX file
        Path source = o.images();
        Path idxLabels = IdxLabels.lookedFor(source);
        String add = java.nio.file.Files.isDirectory(source)
            ? "add labels.csv (columns file,label; label the class's name in manifest.json's labels, or its 0-based "
                + "index there) beside the images"
            : idxLabels != null ? "write the labels to " + idxLabels + " (an IDX label file; each label the 0-based "
                + "index into manifest.json's labels)"
            : "name the file ...images-idx3... and put its IDX label file, named ...labels-idx1... likewise, beside it";
        log.warn("{}: no labels ({}), so calibrate took the model's own class on each clean frame as right: frames "
            + "it gets wrong set the thresholds as clean ones; for thresholds on the frames it gets right, {}",
            source, java.nio.file.Files.isDirectory(source) ? "no labels.csv"
                : idxLabels != null ? "no " + idxLabels : "its name has no 'images-idx3' to pair it with a label file",
            add);
      }
      System.out.printf(Locale.ROOT, "  any-alert rate on the threshold frames (cap: clean %.3f, each corruption %.3f):%n", cleanCap, corruptionCap);
      r.groupRates().forEach((g, v) -> System.out.printf(Locale.ROOT, "    %-16s %6.3f  (%d frames)%s%n", g, v,
          r.groupCounts().get(g), r.groupCounts().get(g) < Calibrator.MIN_GROUP
              ? "  not held to the cap: fewer than " + Calibrator.MIN_GROUP + " frames, too noisy to bind"
              : g.equals("clean") && r.groupCounts().get(g) < FEW_CLEAN ? "  few to set thresholds on: rates held on "
                  + "so few frames may not hold on new ones; measure with ./monitor evaluate, or give --images a few "
                  + "thousand images" : ""));
      for (var d : out.calibration().detectors()) {
        System.out.printf(Locale.ROOT, "  %s: on%n", d.name());
      }
      if (fooling == null && noFeatures) {
        System.out.println("  fooling: off (" + bundle.directory().resolve(ModelBundle.MANIFEST)
            + " names no features output, outputs.features: export the penultimate layer as one)");
      }
      if (learned && bundle.manifest().outputs().adversarial() == null) {
        System.out.println("  learned: off (" + bundle.directory().resolve(ModelBundle.MANIFEST) + " names no detector head, outputs.adversarial)");
      }
      if (!consensus.equals(List.of("none")) && out.calibration().consensus() == null) {
        System.out.println("  consensus: off (fewer than two of its members, " + String.join(", ", consensus) + ", are calibrated)");
      }
      if (consistency && bundle.manifest().outputs().layers().isEmpty()) {
        System.out.println("  consistency: off (" + bundle.directory().resolve(ModelBundle.MANIFEST)
            + " names no layer outputs, outputs.layers: " + ModelDocs.recipe("layer_stats.py") + " adds them)");
      }
    }
    return 0;
  }
}
