package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fits the detectors on clean frames and sets their thresholds, with no attack example anywhere:
 * <ol>
 *   <li>the feature-space models (Mahalanobis, KNN bank) on {@code fit} frames;
 *   <li>every detector's raw signals on the {@code hold} frames: clean frames and the same kind of frames under
 *       ordinary camera conditions (noise, blur, light, compression, small shifts, ...), each counted only where the
 *       model still gives its expected class, because such a frame is CLEAN: it must not raise an alert;
 *   <li>each signal's scale = its 99th percentile over all those frames; a detector's score = its largest scaled
 *       signal;
 *   <li>optionally a consensus of some detectors: the sum of their scores' surprises ({@link ConsensusDetector}),
 *       each member's tail taken from these same frames, then treated as one more detector below;
 *   <li>one level {@code λ} sets every threshold: detector {@code d} alerts on the share {@code λ w_d} of the hold
 *       frames ({@code w_d} its weight); {@code λ} is the largest level at which the share of clean frames raising
 *       any alert stays within {@link Budget#clean} and the share of every condition's frames within
 *       {@link Budget#perCondition}.
 * </ol>
 * A KNN bank scores its own members at distance 0, so thresholds never come from the fit frames.
 */
public final class Calibrator {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Calibrator.class);

  /** The least scale a signal gets: a signal 0 on (nearly) every clean frame is then scaled by this. */
  static final double SCALE_FLOOR = 1e-9;

  /** "'scarcity'", as the detector names its signal {@code j}, or "number j+1" where it names none. */
  static String signalName(Detector detector, int j) {
    List<String> known = detector instanceof OverinterpretationDetector ? OverinterpretationDetector.SIGNALS
        : detector instanceof StabilityDetector ? StabilityDetector.SIGNALS
        : detector instanceof FeatureSqueezingDetector f ? f.signalNames()
        : detector instanceof FeatureSpaceDetector f ? f.signalNames() : List.of();
    return j < known.size() ? "'" + known.get(j) + "'" : "number " + (j + 1);
  }

  /**
   * What to tell the user of a signal that is 0 on (nearly) every clean threshold frame, or null: scaled by
   * {@link #SCALE_FLOOR}, any frame where it is not 0 scores about a billion times its threshold and alerts on it.
   * That never happens on the measured 28x28 bundles, but on a user's own frames it can (walked: a 16x16 colour
   * model's overinterpretation "scarcity" was 0 on every frame, and one pixel at the mask value then alerted), and
   * the calibration said nothing of it.
   */
  static String flatSignal(String detector, String signal, double scale, boolean bounded) {
    if (scale > SCALE_FLOOR) {
      return null;
    }
    return "the " + detector + " detector's signal " + signal + " is 0 on " + (bounded ? "all" : "99% or more")
        + " of the clean threshold frames the model gets right, so any frame where it is not 0 alerts on it: "
        + "calibrate on frames that show this camera's ordinary variation (the --images folder), or leave the "
        + detector + " detector out (see ./monitor calibrate --help)";
  }

  /** Group name of the unaltered frames in {@link Hold#group}. */
  public static final String CLEAN = "clean";

  /** Groups with fewer frames than this are reported but do not bind the level: their rate is too noisy. */
  public static final int MIN_GROUP = 30;

  /** Frames to fit the feature-space models on (only what the model ran on matters: its features). */
  public interface Frames {
    int size();

    FloatImage get(int i);
  }

  /**
   * Threshold frames: clean ones (group {@link #CLEAN}) and ones under a named condition; {@code expected} is
   * the class the model must give for the frame to count (its true label, or the model's class on the clean
   * twin where no label is known).
   */
  public interface Hold extends Frames {
    String group(int i);

    int expected(int i);
  }

  /** Caps on the hold frames: any-alert share of the clean frames, and of each condition's frames. */
  public record Budget(double clean, double perCondition) {
    public Budget {
      if (!(clean > 0 && clean < 1) || !(perCondition > 0 && perCondition < 1)) {
        throw new IllegalArgumentException("false-alarm caps must be in (0,1): clean " + clean + ", per condition " + perCondition);
      }
    }
  }

  /**
   * What to fit. {@code weights}: each enabled detector's relative share of the alerts (by name; 1 where absent).
   */
  public record Settings(boolean stability, List<String> squeezers, List<String> squeezeSignals, boolean mahalanobis,
      boolean knn, int knnK, int knnBank, double ridge, int batch, Overinterpretation overinterpretation, boolean learned,
      Map<String, Double> weights, Budget budget, boolean consistency, List<String> consensus) {

    public Settings {
      consensus = List.copyOf(consensus);
    }

    /** Without a consensus detector. */
    public Settings(boolean stability, List<String> squeezers, List<String> squeezeSignals, boolean mahalanobis,
        boolean knn, int knnK, int knnBank, double ridge, int batch, Overinterpretation overinterpretation, boolean learned,
        Map<String, Double> weights, Budget budget, boolean consistency) {
      this(stability, squeezers, squeezeSignals, mahalanobis, knn, knnK, knnBank, ridge, batch, overinterpretation, learned,
          weights, budget, consistency, List.of());
    }

    public double weight(String name) {
      return weights.getOrDefault(name, 1.0);
    }
  }

  /**
   * Overinterpretation detector to calibrate ({@code settings.trigger} is set here), with the mask it probes with
   * and the share of clean frames that should reach the patch search.
   */
  public record Overinterpretation(OverinterpretationDetector.Settings settings, float[] mask, double searchShare) {}

  /**
   * The calibrated detectors and how the hold frames fared at their thresholds: any-alert rate per group (clean
   * and each condition), frames counted per group (the model still right), the level, and each detector's own
   * alert rate on the clean frames.
   */
  public record Result(Calibration.Stability stability, Calibration.Perturbation perturbation, Calibration.Fooling fooling,
      Calibration.Overinterpretation overinterpretation, Calibration.Learned learned, Calibration.Consistency consistency,
      Calibration.Consensus consensus, double level, Map<String, Double> groupRates, Map<String, Integer> groupCounts,
      int skippedWrong) {

    /** Any-alert share of the clean hold frames. */
    public double cleanRate() {
      return groupRates.getOrDefault(CLEAN, Double.NaN);
    }
  }

  private Calibrator() {}

  /** The value that at most {@code share} of {@code values} exceed: the 99th percentile for 0.01. */
  static double upperQuantile(double[] values, double share) {
    double[] s = values.clone();
    Arrays.sort(s);
    int flaggedAtMost = (int) Math.floor(share * s.length);
    return s[Math.max(0, s.length - flaggedAtMost - 1)];
  }

  public static Result calibrate(BatchClassifier classifier, Frames fit, Hold hold, Settings s) {
    if (hold.size() == 0) {
      throw new IllegalArgumentException("calibration needs threshold frames (got none)");
    }
    boolean feature = s.mahalanobis() || s.knn();
    if ((feature || s.consistency()) && fit.size() == 0) {
      throw new IllegalArgumentException("the fooling and consistency detectors need frames to fit their models on (got none)");
    }
    Mahalanobis maha = null;
    KnnBank knn = null;
    List<Mahalanobis> layerModels = new ArrayList<>();
    if (feature || s.consistency()) {
      int classes = classifier.manifest().numClasses();
      List<float[]> features = new ArrayList<>(fit.size());
      List<List<float[]>> layerStats = new ArrayList<>();
      List<Integer> labels = new ArrayList<>(fit.size());
      for (int start = 0; start < fit.size(); start += s.batch()) {
        List<FloatImage> chunk = new ArrayList<>();
        for (int i = start; i < Math.min(fit.size(), start + s.batch()); i++) {
          chunk.add(fit.get(i));
        }
        BatchOutput out = classifier.classify(chunk);
        for (int r = 0; r < chunk.size(); r++) {
          // a fit frame with an expected class (a corrupted copy) counts only where the model gives that class
          if (fit instanceof Hold h && !Calibrator.CLEAN.equals(h.group(start + r)) && out.argmax(r) != h.expected(start + r)) {
            continue;
          }
          if (feature) {
            features.add(out.features(r));
          }
          if (s.consistency()) {
            if (out.layerCount() == 0) {
              throw new IllegalArgumentException("the consistency detector needs the model's layer statistics (manifest outputs.layers, "
                  + dev.advmon.model.ModelDocs.recipe("layer_stats.py") + "), but " + classifier.manifest().name()
                  + " returns none; use --no-consistency");
            }
            while (layerStats.size() < out.layerCount()) {
              layerStats.add(new ArrayList<>(fit.size()));
            }
            for (int l = 0; l < out.layerCount(); l++) {
              layerStats.get(l).add(out.layer(r, l));
            }
          }
          // predicted, not true, labels: a PNG folder has none, and the model's own classes are what it is judged on
          labels.add(out.argmax(r));
        }
      }
      int[] labelArray = labels.stream().mapToInt(Integer::intValue).toArray();
      for (List<float[]> stats : layerStats) {
        layerModels.add(Mahalanobis.fit(stats, labelArray, classes, s.ridge()));
      }
      if (s.mahalanobis()) {
        maha = Mahalanobis.fit(features, labelArray, classes, s.ridge());
      }
      if (s.knn()) {
        int n = Math.min(s.knnBank(), features.size());
        int dim = features.get(0).length;
        float[] bank = new float[n * dim];
        for (int i = 0; i < n; i++) {
          System.arraycopy(KnnBank.normalise(features.get(i)), 0, bank, i * dim, dim);
        }
        knn = new KnnBank(bank, dim, s.knnK());
      }
    }

    // the raw detectors, identity scales: their Detection.signals are what the scales and thresholds are fitted on
    List<String> names = new ArrayList<>();
    List<Detector> raw = new ArrayList<>();
    if (s.stability()) {
      names.add(StabilityDetector.NAME);
      raw.add(new StabilityDetector(SignalScale.identity(StabilityDetector.SIGNALS.size())));
    }
    FeatureSqueezingDetector squeeze = null;
    if (!s.squeezers().isEmpty()) {
      squeeze = new FeatureSqueezingDetector(s.squeezers().stream().map(Squeezer::parse).toList(), s.squeezeSignals(),
          SignalScale.identity(s.squeezers().size() * s.squeezeSignals().size()));
      names.add(FeatureSqueezingDetector.NAME);
      raw.add(squeeze);
    }
    if (feature) {
      names.add(FeatureSpaceDetector.NAME);
      raw.add(new FeatureSpaceDetector(maha, knn, SignalScale.identity((maha != null ? 1 : 0) + (knn != null ? 1 : 0))));
    }
    OverinterpretationDetector.Settings oiSettings = null;
    if (s.overinterpretation() != null) {
      oiSettings = s.overinterpretation().settings().withTrigger(
          searchTrigger(classifier, hold, s.overinterpretation(), s.batch()));
      names.add(OverinterpretationDetector.NAME);
      raw.add(new OverinterpretationDetector(oiSettings, s.overinterpretation().mask(),
          SignalScale.identity(OverinterpretationDetector.SIGNALS.size())));
    }
    if (s.learned()) {
      names.add(LearnedDetector.NAME);
      raw.add(new LearnedDetector(Double.POSITIVE_INFINITY));
    }
    if (s.consistency()) {
      names.add(LayerConsistencyDetector.NAME);
      raw.add(new LayerConsistencyDetector(layerModels, SignalScale.identity(layerModels.size())));
    }
    if (raw.isEmpty()) {
      throw new IllegalArgumentException("no detector to calibrate");
    }

    // every detector's raw signals on the hold frames the model still gets right
    FrameScorer scorer = new FrameScorer(classifier, raw, s.batch());
    List<double[][]> signals = new ArrayList<>(); // per kept frame: per detector, its raw signals
    List<String> groups = new ArrayList<>();
    int wrong = 0;
    int chunkSize = Math.max(1, s.batch());
    for (int start = 0; start < hold.size(); start += chunkSize) {
      int end = Math.min(hold.size(), start + chunkSize);
      List<FloatImage> chunk = new ArrayList<>(end - start);
      for (int i = start; i < end; i++) {
        chunk.add(hold.get(i));
      }
      List<Verdict> verdicts = scorer.score(chunk);
      for (int i = start; i < end; i++) {
        Verdict v = verdicts.get(i - start);
        if (v.predictedClass() != hold.expected(i)) {
          wrong++;
          continue;
        }
        double[][] row = new double[raw.size()][];
        for (int d = 0; d < raw.size(); d++) {
          row[d] = v.detections().get(d).signals();
        }
        signals.add(row);
        groups.add(hold.group(i));
      }
    }
    if (signals.isEmpty()) {
      throw new IllegalArgumentException("the model gets none of the " + hold.size() + " threshold frames right: wrong labels, or the wrong model?");
    }

    int n = signals.size();
    // the consensus reads the calibrated scores of the members this calibration has (at least two)
    List<Integer> memberIdx = new ArrayList<>();
    for (String m : s.consensus()) {
      if (names.contains(m)) {
        memberIdx.add(names.indexOf(m));
      }
    }
    boolean consensus = memberIdx.size() >= 2;
    int own = raw.size();
    int dn = own + (consensus ? 1 : 0);
    if (consensus) {
      names.add(ConsensusDetector.NAME);
    }
    SignalScale[] units = new SignalScale[own];
    double[][] scores = new double[dn][n];
    for (int d = 0; d < own; d++) {
      int k = signals.get(0)[d].length;
      double[] scales = new double[k];
      for (int j = 0; j < k; j++) {
        double[] col = new double[n];
        for (int i = 0; i < n; i++) {
          col[i] = signals.get(i)[d][j];
        }
        // a signal that is 0 on 99% of clean frames still counts; a bounded one is scaled by its largest value
        boolean bounded = names.get(d).equals(OverinterpretationDetector.NAME) && OverinterpretationDetector.BOUNDED_SIGNALS.contains(j);
        scales[j] = Math.max(upperQuantile(col, bounded ? 0 : 0.01), SCALE_FLOOR);
        String flat = flatSignal(names.get(d), signalName(raw.get(d), j), scales[j], bounded);
        if (flat != null && !names.get(d).equals(LearnedDetector.NAME)) {
          log.warn(flat);
        }
      }
      units[d] = names.get(d).equals(LearnedDetector.NAME) ? SignalScale.identity(1) : new SignalScale(scales, Double.POSITIVE_INFINITY);
      for (int i = 0; i < n; i++) {
        scores[d][i] = units[d].score(signals.get(i)[d]);
      }
    }
    List<TailTable> tails = new ArrayList<>();
    List<String> members = new ArrayList<>();
    if (consensus) {
      for (int d : memberIdx) {
        tails.add(TailTable.of(scores[d]));
        members.add(names.get(d));
      }
      ConsensusDetector c = new ConsensusDetector(members, tails, Double.POSITIVE_INFINITY);
      double[] memberScores = new double[memberIdx.size()];
      for (int i = 0; i < n; i++) {
        for (int m = 0; m < memberScores.length; m++) {
          memberScores[m] = scores[memberIdx.get(m)][i];
        }
        scores[own][i] = ConsensusDetector.score(c.surprises(memberScores));
      }
    }
    double[] weights = names.stream().mapToDouble(s::weight).toArray();
    for (int d = 0; d < dn; d++) {
      if (!(weights[d] > 0) || Double.isInfinite(weights[d])) {
        throw new IllegalArgumentException("detector " + names.get(d) + " must weigh a positive number, was " + weights[d]);
      }
    }
    double[][] sorted = new double[dn][];
    for (int d = 0; d < dn; d++) {
      sorted[d] = scores[d].clone();
      Arrays.sort(sorted[d]);
    }
    Map<String, List<Integer>> byGroup = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      byGroup.computeIfAbsent(groups.get(i), g -> new ArrayList<>()).add(i);
    }
    double[] shares = shares(sorted, scores, weights, byGroup, s.budget());
    double level = Arrays.stream(shares).max().orElse(0) / Arrays.stream(weights).max().orElse(1);
    double[] t = thresholds(sorted, shares);
    Map<String, Double> rates = new LinkedHashMap<>();
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (Map.Entry<String, List<Integer>> g : byGroup.entrySet()) {
      rates.put(g.getKey(), unionRate(t, scores, g.getValue()));
      counts.put(g.getKey(), g.getValue().size());
    }
    List<Integer> clean = byGroup.getOrDefault(CLEAN, List.of());

    Calibration.Stability st = null;
    Calibration.Perturbation p = null;
    Calibration.Fooling f = null;
    Calibration.Overinterpretation o = null;
    Calibration.Learned l = null;
    Calibration.Consistency cs = null;
    Calibration.Consensus cn = null;
    for (int d = 0; d < dn; d++) {
      double share = shares[d];
      double cleanRate = clean.isEmpty() ? Double.NaN : unionRate(only(t, d), scores, clean);
      if (d == own) {
        cn = new Calibration.Consensus(members, tails, t[d], share, cleanRate);
        continue;
      }
      SignalScale scale = new SignalScale(units[d].scales(), t[d]);
      switch (names.get(d)) {
        case StabilityDetector.NAME -> st = new Calibration.Stability(scale, share, cleanRate);
        case FeatureSqueezingDetector.NAME -> p = new Calibration.Perturbation(s.squeezers(), s.squeezeSignals(), scale, share, cleanRate);
        case FeatureSpaceDetector.NAME -> f = new Calibration.Fooling(maha, knn, scale, share, cleanRate);
        case OverinterpretationDetector.NAME -> o = new Calibration.Overinterpretation(oiSettings, s.overinterpretation().mask(),
            s.overinterpretation().searchShare(), scale, share, cleanRate);
        case LearnedDetector.NAME -> l = new Calibration.Learned(t[d], share, cleanRate);
        case LayerConsistencyDetector.NAME -> cs = new Calibration.Consistency(layerModels, scale, share, cleanRate);
        default -> throw new IllegalStateException(names.get(d));
      }
    }
    return new Result(st, p, f, o, l, cs, cn, level, rates, counts, wrong);
  }

  /**
   * Each detector's share of the hold frames to alert on, in three steps, none of which looks at an attack:
   * <ol>
   *   <li>shares in proportion to the weights, at the largest level that keeps the clean frames within their cap;
   *   <li>while a condition's frames exceed their cap, the detector that flags most of them gives up a tenth of
   *       its share (one detector that dislikes, say, thin lines across the frame should not cost every other
   *       detector its share);
   *   <li>then each detector in turn takes a twentieth more while every cap still holds, until none can: the
   *       budget left by step 2 goes to the detectors that can use it.
   * </ol>
   */
  static double[] shares(double[][] sorted, double[][] scores, double[] weights, Map<String, List<Integer>> byGroup, Budget budget) {
    int dn = weights.length;
    double maxWeight = Arrays.stream(weights).max().orElse(1);
    Map<String, List<Integer>> cleanOnly = new LinkedHashMap<>();
    if (byGroup.containsKey(CLEAN)) {
      cleanOnly.put(CLEAN, byGroup.get(CLEAN));
    }
    double lo = 0;
    double hi = 1 / maxWeight;
    for (int iter = 0; iter < 50; iter++) {
      double mid = (lo + hi) / 2;
      if (violated(thresholds(sorted, scale(weights, mid)), scores, cleanOnly, budget) == null) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    double[] shares = scale(weights, lo);
    for (int iter = 0; iter < 2000; iter++) {
      double[] t = thresholds(sorted, shares);
      String g = violated(t, scores, byGroup, budget);
      if (g == null) {
        break;
      }
      int blamed = 0;
      int most = -1;
      for (int d = 0; d < dn; d++) {
        int flagged = 0;
        for (int i : byGroup.get(g)) {
          flagged += scores[d][i] > t[d] ? 1 : 0;
        }
        if (flagged > most) {
          most = flagged;
          blamed = d;
        }
      }
      shares[blamed] *= 0.9;
    }
    boolean[] frozen = new boolean[dn];
    for (int iter = 0; iter < 2000; iter++) {
      boolean grew = false;
      for (int d = 0; d < dn; d++) {
        if (frozen[d]) {
          continue;
        }
        double before = shares[d];
        shares[d] = Math.min(1, before * 1.05 + 1e-6);
        if (violated(thresholds(sorted, shares), scores, byGroup, budget) != null || shares[d] == before) {
          shares[d] = before;
          frozen[d] = true;
        } else {
          grew = true;
        }
      }
      if (!grew) {
        break;
      }
    }
    return shares;
  }

  private static double[] scale(double[] weights, double level) {
    double[] s = new double[weights.length];
    for (int d = 0; d < s.length; d++) {
      s[d] = Math.min(1, weights[d] * level);
    }
    return s;
  }

  /** Each detector's threshold: the value its top {@code shares[d]} of the scores exceed. */
  private static double[] thresholds(double[][] sorted, double[] shares) {
    double[] t = new double[sorted.length];
    for (int d = 0; d < sorted.length; d++) {
      double[] s = sorted[d];
      int flaggedAtMost = (int) Math.floor(Math.min(1, shares[d]) * s.length);
      t[d] = s[Math.max(0, s.length - flaggedAtMost - 1)];
    }
    return t;
  }

  private static double[] only(double[] t, int d) {
    double[] o = new double[t.length];
    Arrays.fill(o, Double.POSITIVE_INFINITY);
    o[d] = t[d];
    return o;
  }

  /** The group furthest over its cap at thresholds {@code t} (by how much), or null when every group is within. */
  private static String violated(double[] t, double[][] scores, Map<String, List<Integer>> byGroup, Budget b) {
    String worst = null;
    double excess = 0;
    for (Map.Entry<String, List<Integer>> g : byGroup.entrySet()) {
      boolean isClean = g.getKey().equals(CLEAN);
      if (!isClean && g.getValue().size() < MIN_GROUP) {
        continue;
      }
      double over = unionRate(t, scores, g.getValue()) - (isClean ? b.clean() : b.perCondition());
      if (over > excess) {
        excess = over;
        worst = g.getKey();
      }
    }
    return worst;
  }

  /** Share of the frames {@code rows} that any detector flags at thresholds {@code t}. */
  private static double unionRate(double[] t, double[][] scores, List<Integer> rows) {
    if (rows.isEmpty()) {
      return Double.NaN;
    }
    int flagged = 0;
    for (int i : rows) {
      for (int d = 0; d < t.length; d++) {
        if (scores[d][i] > t[d]) {
          flagged++;
          break;
        }
      }
    }
    return (double) flagged / rows.size();
  }

  /**
   * The overinterpretation search trigger: the cheap probes alone (no search) on the clean hold frames, trigger =
   * the value the top {@code searchShare} of the larger cheap signal (border reliance, sparse probe) exceed. It
   * sets the cascade's cost, not its alerts.
   */
  static double searchTrigger(BatchClassifier classifier, Hold hold, Overinterpretation o, int batch) {
    int k = OverinterpretationDetector.SIGNALS.size();
    OverinterpretationDetector cheap = new OverinterpretationDetector(
        o.settings().withTrigger(Double.POSITIVE_INFINITY).withSparseTrigger(-1), o.mask(), SignalScale.identity(k));
    FrameScorer scorer = new FrameScorer(classifier, List.of(cheap), batch);
    List<Double> cheapMax = new ArrayList<>();
    for (int start = 0; start < hold.size(); start += batch) {
      List<FloatImage> chunk = new ArrayList<>();
      for (int i = start; i < Math.min(hold.size(), start + batch); i++) {
        if (hold.group(i).equals(CLEAN)) {
          chunk.add(hold.get(i));
        }
      }
      for (Verdict v : scorer.score(chunk)) {
        double[] sig = OverinterpretationDetector.signalsOf(v.detections().get(0));
        cheapMax.add(Math.max(sig[0], sig[1]));
      }
    }
    if (cheapMax.isEmpty()) {
      return Double.POSITIVE_INFINITY;
    }
    return upperQuantile(cheapMax.stream().mapToDouble(Double::doubleValue).toArray(), o.searchShare());
  }
}
