package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Overinterpretation detector (Carter et al., "Overinterpretation reveals image classification model
 * pathologies", NeurIPS 2021): flags a confident prediction that survives on a nonsensical part of the frame,
 * a few patches or the image border. Forward passes only, as a cascade of probe rounds
 * ({@link StagedDetector}):
 * <ol>
 *   <li>cheap, every frame: keep only the border ({@code border} pixels wide, the rest set to the manifest's
 *       mask value), mask only the border, and keep a random {@code keepFraction} of the pixels (seeded by the
 *       frame's content, so a replay agrees);
 *   <li>where a cheap probe keeps the predicted class at {@code trigger} or more (or already flags) and the
 *       frame is at least {@code tau} confident: one occlusion probe per cell of a {@code grid}x{@code grid}
 *       grid, ranking cells by the drop in the predicted class's probability;
 *   <li>a binary search, one probe per round, for the smallest k such that keeping only the top-k cells keeps
 *       the predicted class at {@code tau} or more: an approximation of the sufficient input subset (SIS),
 *       which assumes the kept probability grows with k (backward selection in {@code audit} does not).
 * </ol>
 * Signals: border reliance (the smaller of the predicted class's probability on the border-only probe and 1 -
 * its probability on the border-masked probe: a border that suffices alone is normal for a garment on a black
 * background, one whose removal also loses the class is a shortcut), the probability on the sparse probe, 1 - the
 * sufficient fraction of the frame ({@link #sufficientFraction}: informative pixels in the subset's cells), the
 * share of the subset's cells on the grid's outer ring (0 where no search ran), and the evidence scarcity of a
 * confident frame ({@link #scarcity}: log2 of 1 / the share of its pixels that carry any evidence, {@link
 * #informative}: not at the mask value, not at the frame's fill), so a decision at {@code tau} or more on a frame
 * whose pixels were 95% removed is flagged whatever the removed pixels were set to (mean value, black, white or
 * any flat colour; 0 below {@code tau}); and
 * the noise fill of a confident frame ({@link #roughness}: the median over pixels of each pixel's distance from
 * the median of its 3x3 neighbourhood; 0 below {@code tau}): removed pixels set to random noise share no level, so
 * scarcity misses them, but the frame is then mostly unstructured noise, far rougher than sensor noise on which a
 * model stays right (the calibration's noisy frames set its scale); and the blur fill of a confident frame
 * ({@link #flatness}): removed pixels set to a heavy blur of the frame leave a frame far flatter than defocus or
 * motion blur a camera makes (its steepest edges, relative to its range, are gentler than any of the calibration's
 * blurred frames), with the kept pixels standing out from their blurred neighbourhood ({@link #KEPT_SHARE}: a
 * camera's blur leaves none). Score: the largest signal in units of its calibrated scale ({@link SignalScale}).
 */
public final class OverinterpretationDetector implements StagedDetector {

  public static final String NAME = "overinterpretation";
  public static final String REASON = "OVERINTERPRETATION";
  public static final List<String> SIGNALS = List.of("border-reliance", "sparse-probe", "insufficiency", "subset-border-share", "scarcity",
      "noise-fill", "blur-fill");
  /** Index of the scarcity signal in {@link #SIGNALS}; calibrations before it stored "emptiness" there. */
  static final int SCARCITY = 4;
  /** The name a calibration made before the scarcity signal gave that index: 1 - the informative share. */
  static final String LEGACY_EMPTINESS = "emptiness";
  /**
   * Signals (indices into {@link #SIGNALS}) scaled by their LARGEST value on the calibration's threshold frames
   * rather than their 99th percentile: a property that ordinary camera life (noise at every severity included)
   * never goes beyond, so a frame past it is past anything a camera made.
   */
  /** Signals of a calibration made before noise-fill and blur-fill existed. */
  static final int SIGNALS_BEFORE_FILLS = 5;
  public static final java.util.Set<Integer> BOUNDED_SIGNALS = java.util.Set.of(5);

  /**
   * Probe geometry and the cascade's settings. {@code sparseTrigger}: a confident frame with at most this share of
   * informative pixels ({@link #informativeShare}: not at the mask value, not at the frame's dominant fill level)
   * goes on to the search whatever its cheap probes say: a frame that is mostly fill and still decided with
   * confidence is what the search is for (negative = never).
   */
  public record Settings(int grid, int border, double keepFraction, double tau, double trigger, double sparseTrigger) {
    public Settings {
      if (grid < 1 || border < 1 || !(keepFraction > 0 && keepFraction < 1) || !(tau > 0 && tau <= 1)
          || !(sparseTrigger >= -1 && sparseTrigger <= 1)) {
        throw new IllegalArgumentException("overinterpretation settings out of range: grid " + grid + ", border " + border
            + ", keep fraction " + keepFraction + ", tau " + tau + ", sparse trigger " + sparseTrigger);
      }
    }

    public Settings(int grid, int border, double keepFraction, double tau, double trigger) {
      this(grid, border, keepFraction, tau, trigger, DEFAULT_SPARSE_TRIGGER);
    }

    public Settings withTrigger(double t) {
      return new Settings(grid, border, keepFraction, tau, t, sparseTrigger);
    }

    public Settings withSparseTrigger(double share) {
      return new Settings(grid, border, keepFraction, tau, trigger, share);
    }
  }

  /** Default {@link Settings#sparseTrigger}. */
  public static final double DEFAULT_SPARSE_TRIGGER = 0.25;

  /**
   * A level (per channel, 8-bit) that at least this share of a frame's pixels sit at is the frame's fill: what
   * removed pixels were set to (black, white, grey, any colour), or a plain background. Such pixels carry no
   * evidence, like those at the mask value.
   */
  public static final double FILL_SHARE = 0.3;

  /** Half an 8-bit step: a pixel this close to the mask value is taken to be masked already. */
  static final double AT_MASK = 0.5 / 255 + 1e-6;

  /**
   * A frame on which no pixel carries evidence (every one at the mask value or at the frame's fill: a blank frame, a
   * covered lens) is flagged when the model still commits to a class at this confidence, below tau too: the signals
   * need a decision at tau, and a blank frame the bundled model labels at 75-89% (black: Sneaker at 86%) passed.
   */
  public static final double NO_EVIDENCE_CONFIDENCE = 0.5;

  private final Settings settings;
  private final float[] mask;
  private final SignalScale scale;

  /** {@code mask}: the occlusion value per channel in [0,1] (the manifest's {@code mask_value}). */
  public OverinterpretationDetector(Settings settings, float[] mask, SignalScale scale) {
    if (scale.scales().length != SIGNALS.size()) {
      throw new IllegalArgumentException("the overinterpretation detector has " + SIGNALS.size() + " signals, got "
          + scale.scales().length + " scales");
    }
    this.settings = settings;
    this.mask = mask.clone();
    this.scale = scale;
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String reason() {
    return REASON;
  }

  /** The cheap probes as the model sees them: border only, border masked, the sparse probe (for pictures). */
  public List<FloatImage> cheapProbes(FloatImage frame) {
    return List.of(borderOnly(frame, settings.border(), mask), borderMasked(frame, settings.border(), mask),
        keepRandom(frame, settings.keepFraction(), mask));
  }

  /** The frame with only {@code cells} (of the grid, row-major) kept, as the search probes it. */
  public FloatImage keepOnly(FloatImage frame, boolean[] cells) {
    return keepCells(frame, settings.grid(), cells, mask);
  }

  @Override
  public Probing begin(FloatImage frame) {
    return new FrameProbing(frame);
  }

  private enum Stage { CHEAP, OCCLUDE, SEARCH, DONE }

  private final class FrameProbing implements Probing {
    private final FloatImage frame;
    private Stage stage = Stage.CHEAP;
    private List<FloatImage> current;
    private int predicted = -1;
    private double borderP;
    private double interiorP;
    private double sparseP;
    private double informativeShare = 1;
    private double confidence;
    private double scarcity;
    private double noiseFill;
    private double blurFill;

    /** The border alone keeps the class and the frame without its border loses it: min of the two. */
    private double borderReliance() {
      return Math.min(borderP, 1 - interiorP);
    }
    private Integer[] ranking;
    private Search search;

    FrameProbing(FloatImage frame) {
      this.frame = frame;
      this.current = List.of(borderOnly(frame, settings.border(), mask), borderMasked(frame, settings.border(), mask),
          keepRandom(frame, settings.keepFraction(), mask));
    }

    @Override
    public List<FloatImage> probes() {
      return current;
    }

    @Override
    public void accept(BatchOutput frameOut, int frameRow, BatchOutput out, int firstRow, int count) {
      if (count != current.size()) {
        throw new IllegalStateException("expected " + current.size() + " overinterpretation probes, got " + count);
      }
      switch (stage) {
        case CHEAP -> {
          predicted = frameOut.argmax(frameRow);
          confidence = frameOut.confidence(frameRow);
          borderP = out.probability(firstRow, predicted);
          interiorP = out.probability(firstRow + 1, predicted);
          sparseP = out.probability(firstRow + 2, predicted);
          boolean confident = frameOut.confidence(frameRow) >= settings.tau();
          double informative = informativeShare(frame, mask);
          informativeShare = informative;
          scarcity = confident ? scarcity(informative, frame.pixels()) : 0;
          noiseFill = confident ? roughness(frame) : 0;
          blurFill = confident ? blurFill(frame) : 0;
          boolean cheapFlag = scale.score(signals()) > scale.threshold();
          boolean sparse = informative <= settings.sparseTrigger();
          if (confident && (Math.max(borderReliance(), sparseP) >= settings.trigger() || cheapFlag || sparse)) {
            stage = Stage.OCCLUDE;
            current = occlusions(frame, settings.grid(), mask);
          } else {
            stage = Stage.DONE;
            current = List.of();
          }
        }
        case OCCLUDE -> {
          double p = frameOut.probability(frameRow, predicted);
          double[] drops = new double[count];
          for (int i = 0; i < count; i++) {
            drops[i] = p - out.probability(firstRow + i, predicted);
          }
          ranking = rank(drops);
          search = new Search(count);
          stage = Stage.SEARCH;
          current = List.of(keepCells(frame, settings.grid(), top(ranking, search.next()), mask));
        }
        case SEARCH -> {
          search.record(out.probability(firstRow, predicted) >= settings.tau());
          if (search.done()) {
            stage = Stage.DONE;
            current = List.of();
          } else {
            current = List.of(keepCells(frame, settings.grid(), top(ranking, search.next()), mask));
          }
        }
        case DONE -> throw new IllegalStateException("no probes were pending");
      }
    }

    private double[] signals() {
      double insufficiency = 0;
      double borderShare = 0;
      if (search != null && search.done()) {
        insufficiency = 1 - sufficientFraction(frame, settings.grid(), top(ranking, search.smallest()), mask);
        borderShare = borderShare(top(ranking, search.smallest()), settings.grid());
      }
      return new double[] {borderReliance(), sparseP, insufficiency, borderShare, scarcity, noiseFill, blurFill};
    }

    @Override
    public Detection result() {
      if (predicted < 0) {
        throw new IllegalStateException("the first round has not been scored");
      }
      double[] s = signals();
      StringBuilder ev = new StringBuilder(String.format(Locale.ROOT,
          "border-probe=%.4f;interior-probe=%.4f;sparse-probe=%.4f;evidence-share=%.4f;noise-fill=%.4f;blur-fill=%.4f", borderP,
          interiorP, sparseP, informativeShare, noiseFill, blurFill));
      if (search != null && search.done()) {
        int k = search.smallest();
        int cells = settings.grid() * settings.grid();
        ev.append(String.format(Locale.ROOT, ";sufficient-cells=%d;sufficient-fraction=%.4f;border-share=%.4f;subset.grid=%dx%d;subset=%s",
            k, 1 - s[2], s[3], settings.grid(), settings.grid(), subsetHex(top(ranking, k), cells)));
      }
      double score = scale.score(s);
      if (informativeShare == 0 && confidence >= NO_EVIDENCE_CONFIDENCE) {
        // a decision on a frame with no evidence at all rests on nothing, whatever the signals (which need tau) say
        ev.append(";no-evidence=1");
        score = Math.max(score, Math.nextUp(scale.threshold()));
      }
      return new Detection(NAME, REASON, score, scale.threshold(), ev.toString(), s);
    }
  }

  /** The raw signals of a detection this detector made, as {@link #SIGNALS}. */
  public static double[] signalsOf(Detection d) {
    if (!NAME.equals(d.detector()) || d.signals().length != SIGNALS.size()) {
      throw new IllegalArgumentException("not an overinterpretation detection: " + d.detector());
    }
    return d.signals().clone();
  }

  /**
   * Binary search for the smallest k in [0, n] with a sufficient top-k probe, given that k = n (the whole
   * frame) is known to be sufficient. One probe per round.
   */
  static final class Search {
    private int lo;
    private int hi;
    private int mid = -1;

    Search(int n) {
      this.lo = 0;
      this.hi = n;
    }

    boolean done() {
      return lo >= hi;
    }

    /** The k to probe next. */
    int next() {
      mid = (lo + hi) >>> 1;
      return mid;
    }

    void record(boolean sufficient) {
      if (sufficient) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }

    int smallest() {
      return hi;
    }
  }

  /** Cell of pixel (y, x) on a grid x grid grid laid evenly over the frame, row-major. */
  static int cell(int y, int x, int height, int width, int grid) {
    return (y * grid / height) * grid + x * grid / width;
  }

  /** The frame with everything but its {@code border}-pixel border set to the mask. */
  static FloatImage borderOnly(FloatImage f, int border, float[] mask) {
    FloatImage out = f.copy();
    for (int y = border; y < f.height() - border; y++) {
      for (int x = border; x < f.width() - border; x++) {
        set(out, y, x, mask);
      }
    }
    return out;
  }

  /**
   * The sufficient fraction of the frame: the share of its pixels that lie in the kept cells and carry evidence
   * ({@link #informative}). Masking a pixel that is already removed changes nothing, so such pixels are not part
   * of what the prediction needs: a frame whose pixels are 95% removed cannot need more than 5%, whatever the
   * removed pixels were set to (the mask value, black, white, any flat fill).
   */
  static double sufficientFraction(FloatImage f, int grid, boolean[] keep, float[] mask) {
    boolean[] informative = informative(f, mask);
    int needed = 0;
    for (int y = 0; y < f.height(); y++) {
      for (int x = 0; x < f.width(); x++) {
        if (keep[cell(y, x, f.height(), f.width(), grid)] && informative[y * f.width() + x]) {
          needed++;
        }
      }
    }
    return (double) needed / f.pixels();
  }

  /**
   * How much of the frame is unstructured noise: the median, over pixels and channels, of the distance between a
   * pixel and the median of its 3x3 neighbourhood (edges repeated). Smooth regions, edges and a flat fill give
   * about 0; isolated impulses leave most pixels at 0 (a median over pixels ignores them); uniform noise gives
   * about a quarter of the range.
   */
  static double roughness(FloatImage f) {
    int h = f.height();
    int w = f.width();
    float[] dist = new float[f.channels() * h * w];
    float[] window = new float[9];
    int k = 0;
    for (int c = 0; c < f.channels(); c++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int n = 0;
          for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++) {
              window[n++] = f.get(c, Math.min(h - 1, Math.max(0, y + dy)), Math.min(w - 1, Math.max(0, x + dx)));
            }
          }
          dist[k++] = Math.abs(f.get(c, y, x) - WindowMedian.of(window, 9));
        }
      }
    }
    Arrays.sort(dist);
    return dist[dist.length / 2];
  }

  /** A pixel "stands out" where it is this far (of the [0,1] range) from the median of its 3x3 neighbourhood. */
  static final double STANDING_OUT = 0.1;
  /**
   * The blur fill counts only on a frame with at least this share of pixels standing out. A blur FILL keeps the
   * sufficient subset as it was, and those kept pixels stand out from their blurred neighbourhood (the committed
   * masked-blur frames: 0.8% of their pixels or more, median 2.2%); a camera's blur (defocus, motion, a lens out of
   * focus) blurs every pixel, and a heavily blurred garment the model still gets right has none standing out (none
   * of 400 frames under a Gaussian blur of sigma 2 or a disk defocus of radius 3). Without this gate such a frame,
   * flatter than the calibration's milder blurs, was flagged as a blur fill: 35% of the sigma-2 frames the model got
   * right on the second classifier, 7% on the bundled one.
   */
  static final double KEPT_SHARE = 0.005;

  /**
   * The blur-fill signal of a confident frame: its {@link #flatness} where at least {@link #KEPT_SHARE} of its pixels
   * stand out of their neighbourhood, else 0 (one luminance and one 3x3 median pass serve both).
   */
  static double blurFill(FloatImage f) {
    float[] lum = luminance(f);
    float[] med = median3x3(lum, f.height(), f.width());
    return standingOutShare(lum, med) >= KEPT_SHARE ? flatness(lum, med, f.height(), f.width()) : 0;
  }

  /** The share of pixels (luminance, channels averaged) more than {@link #STANDING_OUT} from their 3x3 median. */
  static double standingOutShare(FloatImage f) {
    float[] lum = luminance(f);
    return standingOutShare(lum, median3x3(lum, f.height(), f.width()));
  }

  private static double standingOutShare(float[] lum, float[] med) {
    int out = 0;
    for (int i = 0; i < lum.length; i++) {
      out += Math.abs(lum[i] - med[i]) > STANDING_OUT ? 1 : 0;
    }
    return (double) out / lum.length;
  }

  private static float[] luminance(FloatImage f) {
    int plane = f.height() * f.width();
    float[] lum = new float[plane];
    for (int c = 0; c < f.channels(); c++) {
      for (int i = 0; i < plane; i++) {
        lum[i] += f.data()[c * plane + i] / f.channels();
      }
    }
    return lum;
  }

  /** The median of each pixel's 3x3 neighbourhood, edges repeated. */
  private static float[] median3x3(float[] lum, int h, int w) {
    float[] med = new float[h * w];
    float[] window = new float[9];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int n = 0;
        for (int dy = -1; dy <= 1; dy++) {
          for (int dx = -1; dx <= 1; dx++) {
            window[n++] = lum[Math.min(h - 1, Math.max(0, y + dy)) * w + Math.min(w - 1, Math.max(0, x + dx))];
          }
        }
        med[y * w + x] = WindowMedian.of(window, 9);
      }
    }
    return med;
  }

  /**
   * How flat the frame is: with {@code e} the 95th percentile of the gradient magnitude (central differences) of
   * the frame's 3x3 median (so a few sharp pixels left in a blurred frame do not count as edges), over the frame's
   * range (99th minus 1st percentile of its pixels), channels averaged: {@code (1 / e)^4}. A sharp garment has
   * {@code e} around 0.4, defocus and motion blur down to about 0.17, a heavy blur 0.13 and less; the 4th power
   * spreads that tail so that a scale set at the 99th percentile of ordinary frames sits close to it.
   */
  static double flatness(FloatImage f) {
    float[] lum = luminance(f);
    return flatness(lum, median3x3(lum, f.height(), f.width()), f.height(), f.width());
  }

  private static double flatness(float[] lum, float[] med, int h, int w) {
    double[] grad = new double[h * w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double gx = (med[y * w + Math.min(w - 1, x + 1)] - med[y * w + Math.max(0, x - 1)]) / (x == 0 || x == w - 1 ? 1.0 : 2.0);
        double gy = (med[Math.min(h - 1, y + 1) * w + x] - med[Math.max(0, y - 1) * w + x]) / (y == 0 || y == h - 1 ? 1.0 : 2.0);
        grad[y * w + x] = Math.hypot(gx, gy);
      }
    }
    Arrays.sort(grad);
    float[] sorted = lum.clone();
    Arrays.sort(sorted);
    double range = sorted[Math.min(sorted.length - 1, (int) (0.99 * (sorted.length - 1)))] - sorted[(int) (0.01 * (sorted.length - 1))];
    if (range <= 1e-6) {
      return 0; // a blank frame: scarcity speaks for it
    }
    double e = Math.max(grad[(int) (0.95 * (grad.length - 1))] / range, 0.01);
    return Math.pow(1 / e, 4);
  }

  /**
   * Evidence scarcity: log2 of 1 / {@code share} (the share of a frame's pixels that carry evidence), a frame with
   * no such pixel counted as having half of one. Why a logarithm rather than the emptiness 1 - share: ordinary
   * garments on a black background leave as little as 13.5% of the pixels informative (18% at the 1st percentile of
   * clean test frames), a frame with 95% of its pixels removed 5% or less; on 1 - share those are 0.82-0.87 against
   * 0.95, too close for a threshold in units of the calibrated scale to split (the emptiness of a 95%-removed frame
   * never reached it), while log2 puts them at 2.4-2.9 against 4.3 and more: each halving of the evidence counts the
   * same.
   */
  static double scarcity(double share, int pixels) {
    return -Math.log(Math.max(share, 0.5 / pixels)) / Math.log(2);
  }

  /** Share of the frame's pixels that carry evidence ({@link #informative}). */
  static double informativeShare(FloatImage f, float[] mask) {
    int n = 0;
    for (boolean b : informative(f, mask)) {
      n += b ? 1 : 0;
    }
    return (double) n / f.pixels();
  }

  /**
   * Per pixel (row-major): does it carry evidence? Not if it sits at the mask value, nor at the frame's fill (the
   * 8-bit level, a colour for RGB, that at least {@link #FILL_SHARE} of the pixels sit at), each to within half
   * an 8-bit step, so that a removed pixel that arrives in an 8-bit image counts as removed.
   */
  static boolean[] informative(FloatImage f, float[] mask) {
    int n = f.pixels();
    int[] level = new int[n];
    java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
    for (int i = 0; i < n; i++) {
      int key = 0;
      for (int c = 0; c < Math.min(3, f.channels()); c++) {
        key = key << 8 | Math.round(Math.max(0, Math.min(1, f.data()[c * n + i])) * 255);
      }
      level[i] = key;
      counts.merge(key, 1, Integer::sum);
    }
    int fill = -1;
    for (java.util.Map.Entry<Integer, Integer> e : counts.entrySet()) {
      if (e.getValue() >= FILL_SHARE * n && (fill < 0 || e.getValue() > counts.get(fill))) {
        fill = e.getKey();
      }
    }
    boolean[] out = new boolean[n];
    for (int i = 0; i < n; i++) {
      boolean atMask = true;
      for (int c = 0; c < f.channels(); c++) {
        atMask &= Math.abs(f.data()[c * n + i] - mask[Math.min(c, mask.length - 1)]) <= AT_MASK;
      }
      out[i] = !atMask && level[i] != fill;
    }
    return out;
  }

  /** The frame with its {@code border}-pixel border set to the mask. */
  static FloatImage borderMasked(FloatImage f, int border, float[] mask) {
    FloatImage out = f.copy();
    for (int y = 0; y < f.height(); y++) {
      for (int x = 0; x < f.width(); x++) {
        if (y < border || x < border || y >= f.height() - border || x >= f.width() - border) {
          set(out, y, x, mask);
        }
      }
    }
    return out;
  }

  /** The frame with all but round(fraction * pixels) pixels masked, chosen by a seed taken from the pixels. */
  static FloatImage keepRandom(FloatImage f, double fraction, float[] mask) {
    int n = f.pixels();
    List<Integer> order = new ArrayList<>(IntStream.range(0, n).boxed().toList());
    java.util.Collections.shuffle(order, new Random(Arrays.hashCode(f.data())));
    int keep = (int) Math.round(fraction * n);
    FloatImage out = f.copy();
    for (int i = keep; i < n; i++) {
      int p = order.get(i);
      set(out, p / f.width(), p % f.width(), mask);
    }
    return out;
  }

  /** One probe per cell: the frame with that cell masked. */
  static List<FloatImage> occlusions(FloatImage f, int grid, float[] mask) {
    List<FloatImage> out = new ArrayList<>(grid * grid);
    for (int c = 0; c < grid * grid; c++) {
      boolean[] keep = new boolean[grid * grid];
      Arrays.fill(keep, true);
      keep[c] = false;
      out.add(keepCells(f, grid, keep, mask));
    }
    return out;
  }

  /** The frame with the cells not in {@code keep} masked. */
  static FloatImage keepCells(FloatImage f, int grid, boolean[] keep, float[] mask) {
    FloatImage out = f.copy();
    for (int y = 0; y < f.height(); y++) {
      for (int x = 0; x < f.width(); x++) {
        if (!keep[cell(y, x, f.height(), f.width(), grid)]) {
          set(out, y, x, mask);
        }
      }
    }
    return out;
  }

  private static void set(FloatImage img, int y, int x, float[] mask) {
    for (int c = 0; c < img.channels(); c++) {
      img.data()[img.index(c, y, x)] = mask[Math.min(c, mask.length - 1)];
    }
  }

  /** Cell indices by drop, largest first; ties by index. */
  static Integer[] rank(double[] drops) {
    Integer[] idx = IntStream.range(0, drops.length).boxed().toArray(Integer[]::new);
    Arrays.sort(idx, Comparator.comparingDouble((Integer i) -> -drops[i]).thenComparingInt(i -> i));
    return idx;
  }

  /** The top {@code k} cells of {@code ranking} as a membership mask. */
  static boolean[] top(Integer[] ranking, int k) {
    boolean[] keep = new boolean[ranking.length];
    for (int i = 0; i < k; i++) {
      keep[ranking[i]] = true;
    }
    return keep;
  }

  /** Share of the subset's cells on the grid's outer ring; 0 for an empty subset. */
  static double borderShare(boolean[] subset, int grid) {
    int in = 0;
    int ring = 0;
    for (int c = 0; c < subset.length; c++) {
      if (subset[c]) {
        in++;
        int r = c / grid;
        int col = c % grid;
        if (r == 0 || col == 0 || r == grid - 1 || col == grid - 1) {
          ring++;
        }
      }
    }
    return in == 0 ? 0 : (double) ring / in;
  }

  /** Cells as hex, row-major, most significant bit first (the dashboard's {@code subset} evidence format). */
  static String subsetHex(boolean[] subset, int cells) {
    byte[] bytes = new byte[(cells + 7) / 8];
    for (int i = 0; i < cells; i++) {
      if (subset[i]) {
        bytes[i / 8] |= (byte) (1 << (7 - i % 8));
      }
    }
    return java.util.HexFormat.of().formatHex(bytes);
  }
}
