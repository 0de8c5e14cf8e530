package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Exact sufficient input subsets by backward selection (Carter et al., AISTATS 2019; google-research
 * sufficient_input_subsets/sis.py {@code _backselect}, {@code _find_sis_from_backselect}) over the cells of a
 * grid x grid grid (grid = the image side gives pixel level). Each step masks, in one batch, every remaining cell
 * in turn and removes the one whose removal keeps the predicted class's probability highest; the SIS is then
 * the shortest tail of the removal order that keeps it at {@code tau} or more. Cost: n(n+1)/2 forward passes
 * for n cells (1,225 for 7x7): for audits, not for the stream.
 */
public final class BackwardSelection {

  /**
   * @param removalOrder cells in the order they were removed
   * @param remainingProbability the predicted class's probability after each removal ({@code [i]}: with
   *     {@code removalOrder[0..i]} masked; the last entry is the fully masked frame)
   * @param subset the SIS cells, or null where the frame itself is below tau
   */
  public record Result(int predicted, double confidence, int[] removalOrder, double[] remainingProbability, boolean[] subset) {

    /** The cells removed last, {@code k} of them: the k most important by backward selection. */
    public boolean[] lastRemoved(int k) {
      boolean[] keep = new boolean[removalOrder.length];
      for (int i = removalOrder.length - k; i < removalOrder.length; i++) {
        keep[removalOrder[i]] = true;
      }
      return keep;
    }

    public int subsetSize() {
      int k = 0;
      if (subset != null) {
        for (boolean b : subset) {
          k += b ? 1 : 0;
        }
      }
      return k;
    }
  }

  private BackwardSelection() {}

  public static Result run(BatchClassifier classifier, FloatImage frame, int grid, float[] mask, double tau) {
    BatchOutput first = classifier.classify(List.of(frame));
    int c = first.argmax(0);
    double p0 = first.probability(0, c);
    int n = grid * grid;
    boolean[] remaining = new boolean[n];
    Arrays.fill(remaining, true);
    int[] order = new int[n];
    double[] after = new double[n];
    for (int step = 0; step < n; step++) {
      List<Integer> candidates = new ArrayList<>();
      List<FloatImage> probes = new ArrayList<>();
      for (int cell = 0; cell < n; cell++) {
        if (remaining[cell]) {
          remaining[cell] = false;
          probes.add(OverinterpretationDetector.keepCells(frame, grid, remaining, mask));
          remaining[cell] = true;
          candidates.add(cell);
        }
      }
      BatchOutput out = classifier.classify(probes);
      int best = 0;
      for (int i = 1; i < candidates.size(); i++) {
        if (out.probability(i, c) > out.probability(best, c)) {
          best = i;
        }
      }
      order[step] = candidates.get(best);
      after[step] = out.probability(best, c);
      remaining[order[step]] = false;
    }
    return new Result(c, p0, order, after, p0 >= tau ? sis(order, after, tau) : null);
  }

  /**
   * The shortest tail {@code order[i..]} whose probability (that of the frame with {@code order[0..i-1]}
   * masked: {@code after[i-1]}, or the whole frame for i = 0) is at least tau; the whole frame is assumed to be.
   */
  static boolean[] sis(int[] order, double[] after, double tau) {
    int n = order.length;
    int start = 0;
    for (int i = n; i >= 1; i--) {
      if (after[i - 1] >= tau) {
        start = i;
        break;
      }
    }
    boolean[] subset = new boolean[n];
    for (int i = start; i < n; i++) {
      subset[order[i]] = true;
    }
    return subset;
  }
}
