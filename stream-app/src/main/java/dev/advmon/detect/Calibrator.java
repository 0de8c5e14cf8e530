package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fits the detectors on clean frames and sets their thresholds: the feature-space models on {@code fit}
 * frames, then signal scales and thresholds on the disjoint {@code hold} frames (a KNN bank scores its own
 * members at distance 0, so thresholds from the fit frames would be far too low). No attack example is used.
 */
public final class Calibrator {

  /**
   * What to fit. {@code detectorFpr} is each detector's share of the false-alarm budget; the share of clean
   * frames raising any alert is at most the sum of the shares.
   */
  public record Settings(List<String> squeezers, List<String> squeezeSignals, boolean mahalanobis, boolean knn,
      int knnK, int knnBank, double ridge, double detectorFpr, int batch, Overinterpretation overinterpretation,
      boolean learned, java.util.Map<String, Double> fprByDetector) {

    public Settings(List<String> squeezers, List<String> squeezeSignals, boolean mahalanobis, boolean knn,
        int knnK, int knnBank, double ridge, double detectorFpr, int batch) {
      this(squeezers, squeezeSignals, mahalanobis, knn, knnK, knnBank, ridge, detectorFpr, batch, null);
    }

    public Settings(List<String> squeezers, List<String> squeezeSignals, boolean mahalanobis, boolean knn,
        int knnK, int knnBank, double ridge, double detectorFpr, int batch, Overinterpretation overinterpretation) {
      this(squeezers, squeezeSignals, mahalanobis, knn, knnK, knnBank, ridge, detectorFpr, batch, overinterpretation,
          false, java.util.Map.of());
    }

    /** Detector {@code name}'s share of the false-alarm budget ({@code detectorFpr} unless set per detector). */
    public double fpr(String name) {
      return fprByDetector.getOrDefault(name, detectorFpr);
    }
  }

  /**
   * Overinterpretation detector to calibrate ({@code settings.trigger} is ignored: it is set here), with the
   * mask it probes with and the share of clean frames that should reach the patch search.
   */
  public record Overinterpretation(OverinterpretationDetector.Settings settings, float[] mask, double searchShare) {}

  /** Raw signals of the hold frames and the resulting calibration. */
  public record Result(Calibration.Perturbation perturbation, Calibration.Fooling fooling,
      Calibration.Overinterpretation overinterpretation, Calibration.Learned learned, double unionFpr) {}

  private Calibrator() {}

  /** Index of the value that sits at the top {@code share} of the scores: 99th percentile for 0.01. */
  static double upperQuantile(double[] values, double share) {
    double[] s = values.clone();
    Arrays.sort(s);
    int flaggedAtMost = (int) Math.floor(share * s.length);
    return s[Math.max(0, s.length - flaggedAtMost - 1)];
  }

  public static Result calibrate(BatchClassifier classifier, List<FloatImage> fit, List<FloatImage> hold, Settings s) {
    if (fit.isEmpty() || hold.isEmpty()) {
      throw new IllegalArgumentException("calibration needs fit and threshold frames (got " + fit.size() + " and " + hold.size() + ")");
    }
    int classes = classifier.manifest().numClasses();
    Mahalanobis maha = null;
    KnnBank knn = null;
    boolean feature = s.mahalanobis() || s.knn();
    if (feature) {
      List<float[]> features = new ArrayList<>(fit.size());
      int[] labels = new int[fit.size()];
      for (int start = 0; start < fit.size(); start += s.batch()) {
        List<FloatImage> chunk = fit.subList(start, Math.min(fit.size(), start + s.batch()));
        BatchOutput out = classifier.classify(chunk);
        for (int r = 0; r < chunk.size(); r++) {
          features.add(out.features(r));
          // predicted, not true, labels: a PNG folder has none, and the model's own classes are what it is judged on
          labels[start + r] = out.argmax(r);
        }
      }
      if (s.mahalanobis()) {
        maha = Mahalanobis.fit(features, labels, classes, s.ridge());
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
    FeatureSqueezingDetector squeeze = s.squeezers().isEmpty() ? null : new FeatureSqueezingDetector(
        s.squeezers().stream().map(Squeezer::parse).toList(), s.squeezeSignals(),
        SignalScale.identity(s.squeezers().size() * s.squeezeSignals().size()));
    FeatureSpaceDetector space = feature ? new FeatureSpaceDetector(maha, knn,
        SignalScale.identity((maha != null ? 1 : 0) + (knn != null ? 1 : 0))) : null;

    int n = hold.size();
    double[][] pr = squeeze == null ? null : new double[n][];
    double[][] fr = space == null ? null : new double[n][];
    double[] lr = s.learned() ? new double[n] : null;
    int probes = squeeze == null ? 0 : squeeze.squeezers().size();
    int framesPerCall = Math.max(1, s.batch() / (1 + probes));
    for (int start = 0; start < n; start += framesPerCall) {
      int end = Math.min(n, start + framesPerCall);
      List<FloatImage> batch = new ArrayList<>();
      for (int i = start; i < end; i++) {
        batch.add(hold.get(i));
        if (squeeze != null) {
          batch.addAll(squeeze.probes(hold.get(i)));
        }
      }
      BatchOutput out = classifier.classify(batch);
      for (int i = start; i < end; i++) {
        int row = (i - start) * (1 + probes);
        if (squeeze != null) {
          pr[i] = squeeze.signals(out, row, row + 1, probes);
        }
        if (space != null) {
          fr[i] = space.signals(out, row);
        }
        if (lr != null) {
          lr[i] = LearnedDetector.signal(out, row);
        }
      }
    }
    boolean[] any = new boolean[n];
    Calibration.Perturbation p = null;
    Calibration.Fooling f = null;
    if (squeeze != null) {
      double fpr = s.fpr(FeatureSqueezingDetector.NAME);
      Fitted fitted = fitScale(pr, fpr, any);
      p = new Calibration.Perturbation(s.squeezers(), s.squeezeSignals(), fitted.scale, fpr, fitted.fpr);
    }
    if (space != null) {
      double fpr = s.fpr(FeatureSpaceDetector.NAME);
      Fitted fitted = fitScale(fr, fpr, any);
      f = new Calibration.Fooling(maha, knn, fitted.scale, fpr, fitted.fpr);
    }
    Calibration.Overinterpretation o = null;
    if (s.overinterpretation() != null) {
      o = calibrateOverinterpretation(classifier, hold, s.overinterpretation(), s.fpr(OverinterpretationDetector.NAME), s.batch(), any);
    }
    Calibration.Learned l = null;
    if (lr != null) {
      double fpr = s.fpr(LearnedDetector.NAME);
      double threshold = upperQuantile(lr, fpr);
      l = new Calibration.Learned(threshold, fpr, flag(lr, threshold, any));
    }
    int alerts = 0;
    for (boolean a : any) {
      alerts += a ? 1 : 0;
    }
    return new Result(p, f, o, l, (double) alerts / n);
  }

  /**
   * Two passes over the hold frames through the real {@link FrameScorer} (so the cascade is the one that runs):
   * the cheap probes alone set the search trigger at the top {@code searchShare} of the larger cheap signal
   * (border reliance, sparse probe); then the full cascade gives the four signals, whose scales and threshold are fitted as for
   * the other detectors.
   */
  static Calibration.Overinterpretation calibrateOverinterpretation(BatchClassifier classifier, List<FloatImage> hold,
      Overinterpretation o, double fpr, int batch, boolean[] any) {
    int n = hold.size();
    int k = OverinterpretationDetector.SIGNALS.size();
    OverinterpretationDetector cheap = new OverinterpretationDetector(o.settings().withTrigger(Double.POSITIVE_INFINITY),
        o.mask(), SignalScale.identity(k));
    double[] cheapMax = new double[n];
    List<double[]> raw = signals(classifier, cheap, hold, batch);
    for (int i = 0; i < n; i++) {
      cheapMax[i] = Math.max(raw.get(i)[0], raw.get(i)[1]);
    }
    double trigger = upperQuantile(cheapMax, o.searchShare());
    OverinterpretationDetector.Settings settings = o.settings().withTrigger(trigger);
    OverinterpretationDetector full = new OverinterpretationDetector(settings, o.mask(), SignalScale.identity(k));
    Fitted fitted = fitScale(signals(classifier, full, hold, batch).toArray(double[][]::new), fpr, any);
    return new Calibration.Overinterpretation(settings, o.mask(), o.searchShare(), fitted.scale, fpr, fitted.fpr);
  }

  /** The detector's raw signals per frame, read back from its evidence-free scores through an identity scale. */
  private static List<double[]> signals(BatchClassifier classifier, OverinterpretationDetector d, List<FloatImage> frames, int batch) {
    List<double[]> out = new ArrayList<>(frames.size());
    FrameScorer scorer = new FrameScorer(classifier, List.of(d), batch);
    for (Verdict v : scorer.score(frames)) {
      out.add(OverinterpretationDetector.signalsOf(v.detections().get(0)));
    }
    return out;
  }

  private record Fitted(SignalScale scale, double fpr) {}

  /** Scales = each signal's clean 99th percentile; threshold = the combined score's top-{@code fpr} value. */
  private static Fitted fitScale(double[][] raw, double fpr, boolean[] any) {
    int n = raw.length;
    int k = raw[0].length;
    double[] scales = new double[k];
    for (int j = 0; j < k; j++) {
      double[] col = new double[n];
      for (int i = 0; i < n; i++) {
        col[i] = raw[i][j];
      }
      scales[j] = Math.max(upperQuantile(col, 0.01), 1e-9); // a signal that is 0 on 99% of clean frames still counts
    }
    SignalScale unit = new SignalScale(scales, Double.POSITIVE_INFINITY);
    double[] scores = new double[n];
    for (int i = 0; i < n; i++) {
      scores[i] = unit.score(raw[i]);
    }
    double threshold = upperQuantile(scores, fpr);
    return new Fitted(new SignalScale(scales, threshold), flag(scores, threshold, any));
  }

  /** Marks the frames whose score is above {@code threshold} in {@code any}; returns their share. */
  private static double flag(double[] scores, double threshold, boolean[] any) {
    int flagged = 0;
    for (int i = 0; i < scores.length; i++) {
      if (scores[i] > threshold) {
        flagged++;
        any[i] = true;
      }
    }
    return (double) flagged / scores.length;
  }
}
