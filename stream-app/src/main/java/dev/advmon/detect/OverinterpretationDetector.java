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
 * sufficient fraction of the frame ({@link #sufficientFraction}: pixels in the subset's cells not already at the
 * mask value), and the share of the subset's cells on the grid's outer ring (0 where no search ran).
 * Score: the largest signal in units of its clean scale ({@link SignalScale}).
 */
public final class OverinterpretationDetector implements StagedDetector {

  public static final String NAME = "overinterpretation";
  public static final String REASON = "OVERINTERPRETATION";
  public static final List<String> SIGNALS = List.of("border-reliance", "sparse-probe", "insufficiency", "subset-border-share");

  /** Probe geometry and the cascade's settings. */
  public record Settings(int grid, int border, double keepFraction, double tau, double trigger) {
    public Settings {
      if (grid < 1 || border < 1 || !(keepFraction > 0 && keepFraction < 1) || !(tau > 0 && tau <= 1)) {
        throw new IllegalArgumentException("overinterpretation settings out of range: grid " + grid + ", border " + border
            + ", keep fraction " + keepFraction + ", tau " + tau);
      }
    }

    public Settings withTrigger(double t) {
      return new Settings(grid, border, keepFraction, tau, t);
    }
  }

  /** Half an 8-bit step: a pixel this close to the mask value is taken to be masked already. */
  static final double AT_MASK = 0.5 / 255 + 1e-6;

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
          borderP = out.probability(firstRow, predicted);
          interiorP = out.probability(firstRow + 1, predicted);
          sparseP = out.probability(firstRow + 2, predicted);
          boolean confident = frameOut.confidence(frameRow) >= settings.tau();
          boolean cheapFlag = scale.score(signals()) > scale.threshold();
          if (confident && (Math.max(borderReliance(), sparseP) >= settings.trigger() || cheapFlag)) {
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
      return new double[] {borderReliance(), sparseP, insufficiency, borderShare};
    }

    @Override
    public Detection result() {
      if (predicted < 0) {
        throw new IllegalStateException("the first round has not been scored");
      }
      double[] s = signals();
      StringBuilder ev = new StringBuilder(String.format(Locale.ROOT,
          "border-probe=%.4f;interior-probe=%.4f;sparse-probe=%.4f", borderP, interiorP, sparseP));
      if (search != null && search.done()) {
        int k = search.smallest();
        int cells = settings.grid() * settings.grid();
        ev.append(String.format(Locale.ROOT, ";sufficient-cells=%d;sufficient-fraction=%.4f;border-share=%.4f;subset.grid=%dx%d;subset=%s",
            k, 1 - s[2], s[3], settings.grid(), settings.grid(), subsetHex(top(ranking, k), cells)));
      }
      return new Detection(NAME, REASON, scale.score(s), scale.threshold(), ev.toString(), s);
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
   * The sufficient fraction of the frame: the share of its pixels that lie in the kept cells and are not
   * already at the mask value. Masking a pixel that is at the mask value changes nothing, so such pixels are
   * not part of what the prediction needs (a frame that is 95% mask value cannot need more than 5%). "At the
   * mask value" means within half an 8-bit step, so a masked frame that arrives as an 8-bit image counts too.
   */
  static double sufficientFraction(FloatImage f, int grid, boolean[] keep, float[] mask) {
    int needed = 0;
    for (int y = 0; y < f.height(); y++) {
      for (int x = 0; x < f.width(); x++) {
        if (keep[cell(y, x, f.height(), f.width(), grid)]) {
          boolean informative = false;
          for (int c = 0; c < f.channels(); c++) {
            informative |= Math.abs(f.get(c, y, x) - mask[Math.min(c, mask.length - 1)]) > AT_MASK;
          }
          needed += informative ? 1 : 0;
        }
      }
    }
    return (double) needed / f.pixels();
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
