package dev.advmon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.Calibration;
import dev.advmon.detect.Calibrator;
import dev.advmon.detect.Detectors;
import dev.advmon.detect.FeatureSpaceDetector;
import dev.advmon.detect.FeatureSqueezingDetector;
import dev.advmon.detect.LearnedDetector;
import dev.advmon.detect.OverinterpretationDetector;
import dev.advmon.image.FloatImage;
import dev.advmon.image.IdxImages;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code monitor calibrate}: fits the detectors on clean TRAINING images and writes calibration.json into
 * the bundle. Never the test split: the test split is what {@code evaluate} measures false alarms on.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true, description = "Fit the detectors on clean training images and write calibration.json into the model bundle.")
final class CalibrateCommand implements Callable<Integer> {

  static final Path DEFAULT_TRAIN = Path.of("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");

  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--images", paramLabel = "TRAIN", description = "Clean training images: an IDX .gz file or a folder of PNG/JPEG (default: "
      + "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz).")
  Path images;

  @Option(names = "--target-fpr", defaultValue = "0.05", description = "Total false-alarm budget on clean frames, split among the detectors by --weights (default 0.05).")
  double targetFpr;

  @Option(names = "--test-margin", defaultValue = "0.005", description = "Part of the budget held back for the gap between the threshold "
      + "frames and unseen frames: thresholds set on frames the model trained on let +0.2 to +1 point more through (measured here); "
      + "a bundle's calibration_holdout narrows the gap, sampling noise remains (default 0.005).")
  double testMargin;

  @Option(names = "--detector-shares", defaultValue = "0", description = "How many shares the budget is split into (default 0 = the sum of the enabled detectors' --weights).")
  double shares;

  @Option(names = "--weights", split = ",", paramLabel = "DETECTOR=W", defaultValue = "overinterpretation=1.5",
      description = "Shares of the budget per detector (perturbation, fooling, overinterpretation, learned), e.g. learned=2,fooling=0.5; "
      + "unnamed detectors weigh 1 (default overinterpretation=1.5: on the bundled model the overinterpretation detector needs "
      + "1.5%% to flag 95%% of the 95%%-masked frames, its target; the others weigh 1).")
  Map<String, Double> weights;

  @Option(names = "--learned", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Calibrate the learned detector (the model's detector head, manifest outputs.adversarial) where the bundle has one (default on).")
  boolean learned;

  @Option(names = "--overinterpretation", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Calibrate the overinterpretation detector too (default on; --no-overinterpretation = off).")
  boolean overinterpretation;

  @Option(names = "--oi-grid", defaultValue = "7", description = "Overinterpretation: occlusion grid, cells per side (default 7: 4x4-pixel cells on 28x28).")
  int oiGrid;

  @Option(names = "--oi-border", defaultValue = "2", description = "Overinterpretation: width in pixels of the border the border probe keeps (default 2).")
  int oiBorder;

  @Option(names = "--oi-keep", defaultValue = "0.05", description = "Overinterpretation: share of pixels the sparse probe keeps (default 0.05).")
  double oiKeep;

  @Option(names = "--oi-tau", defaultValue = "0.9", description = "Overinterpretation: confidence a sufficient subset must keep (default 0.9).")
  double oiTau;

  @Option(names = "--oi-search-share", defaultValue = "0.2", description = "Overinterpretation: share of clean frames whose cheap probes send them on to the patch search (default 0.2).")
  double oiSearchShare;

  @Option(names = "--fit", defaultValue = "10000", description = "Frames to fit the feature-space models on (default 10000).")
  int fitCount;

  @Option(names = "--hold", defaultValue = "5000", description = "Other frames to set scales and thresholds on (default 5000).")
  int holdCount;

  @Option(names = "--squeezers", split = ",", defaultValue = "bit-depth-3,median-2x2,median-3x3",
      description = "Squeezers of the perturbation detector (bit-depth-N, median-KxK; default bit-depth-3,median-2x2,median-3x3; none = off).")
  List<String> squeezers;

  @Option(names = "--squeeze-signals", split = ",", defaultValue = "softmax-l1,feature-shift",
      description = "Signals per squeezer: softmax-l1 (the paper's), feature-shift (default both).")
  List<String> squeezeSignals;

  @Option(names = "--fooling", split = ",", defaultValue = "mahalanobis,knn", description = "Fooling-detector signals: mahalanobis, knn (default both; none = off).")
  List<String> fooling;

  @Option(names = "--knn-bank", defaultValue = "2000", description = "Normalised training feature vectors kept for KNN (default 2000).")
  int knnBank;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the shuffle that picks fit and threshold frames (default 1).")
  long seed;

  @Override
  public Integer call() throws Exception {
    MonitorConfig config = modelOptions.config();
    ModelBundle bundle = ModelBundle.load(config.path("model.dir"));
    if (!(targetFpr > 0 && targetFpr < 1) || shares < 0 || !(testMargin >= 0 && testMargin < targetFpr)) {
      throw new IllegalArgumentException("--target-fpr must be in (0,1), --test-margin in [0, target-fpr) and --detector-shares at least 0 (0 = the sum of the weights)");
    }
    for (Map.Entry<String, Double> w : weights.entrySet()) {
      if (!List.of(FeatureSqueezingDetector.NAME, FeatureSpaceDetector.NAME, OverinterpretationDetector.NAME, LearnedDetector.NAME).contains(w.getKey())) {
        throw new IllegalArgumentException("--weights: unknown detector '" + w.getKey() + "' (use perturbation, fooling, overinterpretation or learned)");
      }
      if (!(w.getValue() > 0) || w.getValue().isInfinite()) {
        throw new IllegalArgumentException("--weights: " + w.getKey() + " must weigh a positive number, was " + w.getValue());
      }
    }
    List<String> sq = squeezers.equals(List.of("none")) ? List.of() : squeezers;
    boolean maha = fooling.contains("mahalanobis");
    boolean knn = fooling.contains("knn");
    if ((maha || knn) && bundle.manifest().outputs().features() == null) {
      throw new IllegalArgumentException(bundle.directory().resolve(ModelBundle.MANIFEST)
          + " names no features output (outputs.features): export the penultimate features or pass --fooling none");
    }
    Path source = images != null ? images : DEFAULT_TRAIN;
    if (!Files.exists(source)) {
      throw new IllegalArgumentException(source + " not found: pass --images with clean TRAINING images (an IDX .gz file or a folder of PNGs)");
    }
    long t0 = System.nanoTime();
    ObjectNode data = new ObjectMapper().createObjectNode();
    List<FloatImage> all;
    List<Integer> order;
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.parse(config.string("model.engine")))) {
      List<FloatImage> fit;
      List<FloatImage> hold;
      boolean idxSource = Files.isRegularFile(source) && source.toString().endsWith(".gz");
      // holdout indices are positions in the training split's IDX file, so they apply to IDX sources only
      List<Integer> holdout = idxSource ? bundle.calibrationHoldout() : List.of();
      if (idxSource) {
        IdxImages idx = IdxImages.read(source);
        order = shuffled(idx.count());
        if (!holdout.isEmpty()) {
          // thresholds on the images neither the classifier nor its detector head trained on (the bundle's
          // calibration_holdout): they let as many false alarms through as unseen frames do
          Set<Integer> held = new HashSet<>(holdout);
          for (int i : holdout) {
            if (i < 0 || i >= idx.count()) {
              throw new IllegalArgumentException(bundle.directory().resolve(bundle.manifest().calibrationHoldout()) + ": index " + i
                  + " is outside " + source + " (" + idx.count() + " images)");
            }
          }
          List<Integer> rest = new ArrayList<>(order.stream().filter(i -> !held.contains(i)).toList());
          List<Integer> heldOrder = new ArrayList<>(order.stream().filter(held::contains).toList());
          int nf = Math.min(fitCount, rest.size());
          int nh = Math.min(holdCount, heldOrder.size());
          fit = idx.images(rest.subList(0, nf));
          hold = idx.images(heldOrder.subList(0, nh));
          data.put("threshold_source", bundle.manifest().calibrationHoldout() + " (training images the classifier and its detector head did not train on)");
        } else {
          int nf = Math.min(fitCount, idx.count() / 2);
          int nh = Math.min(holdCount, idx.count() - nf);
          fit = idx.images(order.subList(0, nf));
          hold = idx.images(order.subList(nf, nf + nh));
        }
        data.put("source", source.toString());
        data.put("source_sha256", Detectors.sha256(source));
        data.put("format", "IDX (gzip)");
        data.put("images_in_source", idx.count());
      } else {
        FramePreparer preparer = FramePreparer.forModel(Wiring.imageLimits(config), bundle.manifest());
        List<Path> files = ScoreCommand.expand(List.of(source));
        order = shuffled(files.size());
        int nf = Math.min(fitCount, files.size() * 2 / 3);
        int nh = Math.min(holdCount, files.size() - nf);
        all = new ArrayList<>();
        for (int i : order.subList(0, nf + nh)) {
          all.add(preparer.prepare(files.get(i)));
        }
        fit = all.subList(0, nf);
        hold = all.subList(nf, nf + nh);
        data.put("source", source.toAbsolutePath().toString());
        data.put("format", "image folder");
        data.put("images_in_source", files.size());
      }
      data.put("split", "train (clean; never the test split)");
      data.put("selection", holdout.isEmpty()
          ? "java.util.Collections.shuffle(indices, new java.util.Random(seed)): the first 'fit_images' fit the feature-space models, the next 'threshold_images' set scales and thresholds"
          : "java.util.Collections.shuffle(indices, new java.util.Random(seed)); in that order, the first 'fit_images' indices outside 'threshold_source' fit the "
            + "feature-space models and the first 'threshold_images' inside it set scales and thresholds");
      data.put("seed", seed);
      data.put("fit_images", fit.size());
      data.put("threshold_images", hold.size());
      data.put("knn_bank_images", knn ? Math.min(knnBank, fit.size()) : 0);
      data.put("date", Instant.now().toString());
      boolean head = learned && bundle.manifest().outputs().adversarial() != null;
      List<String> enabledNames = new ArrayList<>();
      if (!sq.isEmpty()) {
        enabledNames.add(FeatureSqueezingDetector.NAME);
      }
      if (maha || knn) {
        enabledNames.add(FeatureSpaceDetector.NAME);
      }
      if (overinterpretation) {
        enabledNames.add(OverinterpretationDetector.NAME);
      }
      if (head) {
        enabledNames.add(LearnedDetector.NAME);
      }
      if (enabledNames.isEmpty()) {
        throw new IllegalArgumentException("no detector to calibrate: --squeezers none, --fooling none, --no-overinterpretation "
            + "and no detector head (or --no-learned) leave nothing");
      }
      double enabled = enabledNames.stream().mapToDouble(d -> weights.getOrDefault(d, 1.0)).sum();
      double split = shares > 0 ? shares : enabled;
      if (split < enabled - 1e-9) {
        throw new IllegalArgumentException("--detector-shares " + shares + " is fewer than the " + enabled
            + " shares the enabled detectors weigh: the total false-alarm budget would be exceeded");
      }
      double share = (targetFpr - testMargin) / split;
      Map<String, Double> fprs = new LinkedHashMap<>();
      ObjectNode shareNode = data.putObject("detector_fpr");
      for (String d : enabledNames) {
        fprs.put(d, share * weights.getOrDefault(d, 1.0));
        shareNode.put(d, fprs.get(d));
      }
      data.put("test_margin", testMargin);
      data.put("detector_shares", split);
      Calibrator.Overinterpretation oi = overinterpretation ? new Calibrator.Overinterpretation(
          new OverinterpretationDetector.Settings(oiGrid, oiBorder, oiKeep, oiTau, Double.POSITIVE_INFINITY),
          bundle.manifest().input().maskValue(), oiSearchShare) : null;
      Calibrator.Settings settings = new Calibrator.Settings(sq, squeezeSignals, maha, knn, 1, knnBank, 1e-3, share, 256, oi,
          head, fprs);
      Calibrator.Result r = Calibrator.calibrate(classifier, fit, hold, settings);
      data.put("union_fpr_on_threshold_images", r.unionFpr());
      data.put("seconds", Math.round((System.nanoTime() - t0) / 1e9));
      Calibration c = new Calibration(bundle.id(), Detectors.sha256(bundle.modelFile()), Instant.now().toString(),
          targetFpr, data, r.perturbation(), r.fooling(), r.overinterpretation(), r.learned());
      c.write(bundle.calibrationFile());
      System.out.printf(Locale.ROOT, "wrote %s: %d fit + %d threshold training frames%s, per-detector target FPR %s, "
          + "any-alert rate on the threshold frames %.4f (%d s)%n", bundle.calibrationFile(), fit.size(), hold.size(),
          holdout.isEmpty() ? "" : " (thresholds on the bundle's holdout)",
          fprs.entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.4f", e.getKey(), e.getValue())).toList(),
          r.unionFpr(), Math.round((System.nanoTime() - t0) / 1e9));
      if (r.learned() != null) {
        System.out.printf(Locale.ROOT, "  %s: threshold %.4f, FPR %.4f%n", LearnedDetector.NAME, r.learned().threshold(), r.learned().calibrationFpr());
      } else if (learned) {
        System.out.println("  learned: off (" + bundle.directory().resolve(ModelBundle.MANIFEST) + " names no detector head, outputs.adversarial)");
      }
      if (r.perturbation() != null) {
        System.out.printf(Locale.ROOT, "  %s: threshold %.4f, FPR %.4f%n", FeatureSqueezingDetector.NAME,
            r.perturbation().scale().threshold(), r.perturbation().calibrationFpr());
      }
      if (r.fooling() != null) {
        System.out.printf(Locale.ROOT, "  fooling: threshold %.4f, FPR %.4f%n", r.fooling().scale().threshold(), r.fooling().calibrationFpr());
      }
      if (r.overinterpretation() != null) {
        System.out.printf(Locale.ROOT, "  overinterpretation: threshold %.4f, FPR %.4f, search trigger %.4f, scales %s%n",
            r.overinterpretation().scale().threshold(), r.overinterpretation().calibrationFpr(),
            r.overinterpretation().settings().trigger(), java.util.Arrays.toString(r.overinterpretation().scale().scales()));
      }
    }
    return 0;
  }

  private List<Integer> shuffled(int n) {
    List<Integer> order = new ArrayList<>(IntStream.range(0, n).boxed().toList());
    Collections.shuffle(order, new Random(seed));
    return order;
  }
}
