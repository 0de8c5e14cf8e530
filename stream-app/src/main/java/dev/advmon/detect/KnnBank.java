package dev.advmon.detect;

/**
 * Nearest-neighbour distance in normalised feature space (Sun et al. 2022, "deep nearest neighbours"): the
 * bank holds L2-normalised penultimate features of clean training frames; a frame's signal is the Euclidean
 * distance from its normalised features to its k-th nearest bank vector. detection.md §7 measured k = 1 as
 * the best single forward-only score on this kind of model.
 */
public final class KnnBank {

  private final float[] bank; // count x dim, each row unit length
  private final int count;
  private final int dim;
  private final int k;

  public KnnBank(float[] bank, int dim, int k) {
    if (dim <= 0 || bank.length == 0 || bank.length % dim != 0) {
      throw new IllegalArgumentException("KNN bank of " + bank.length + " values is not a whole number of " + dim + "-d vectors");
    }
    this.count = bank.length / dim;
    if (k < 1 || k > count) {
      throw new IllegalArgumentException("k must be 1.." + count + ", got " + k);
    }
    this.bank = bank;
    this.dim = dim;
    this.k = k;
  }

  public float[] bank() {
    return bank;
  }

  public int count() {
    return count;
  }

  public int dim() {
    return dim;
  }

  public int k() {
    return k;
  }

  /** Unit-length copy of {@code f} (all-zero stays zero). */
  public static float[] normalise(float[] f) {
    double n = 0;
    for (float v : f) {
      n += (double) v * v;
    }
    float[] out = new float[f.length];
    if (n == 0) {
      return out;
    }
    double inv = 1 / Math.sqrt(n);
    for (int i = 0; i < f.length; i++) {
      out[i] = (float) (f[i] * inv);
    }
    return out;
  }

  /** Distance from normalised {@code f} to its k-th nearest bank vector. */
  public double score(float[] f) {
    if (f.length != dim) {
      throw new IllegalArgumentException("feature vector has " + f.length + " values, the KNN bank has " + dim);
    }
    float[] q = normalise(f);
    double qq = 0;
    for (float v : q) {
      qq += (double) v * v;
    }
    // the k largest dot products; for unit vectors |q - b|^2 = |q|^2 + 1 - 2 q.b
    double[] top = new double[k];
    java.util.Arrays.fill(top, Double.NEGATIVE_INFINITY);
    // four bank rows at a time, each summed in the same order as one at a time and offered in row order (so the
    // same result to the last bit): four independent additions per step instead of one long chain of them
    int r = 0;
    for (; r + 3 < count; r += 4) {
      int o0 = r * dim;
      int o1 = o0 + dim;
      int o2 = o1 + dim;
      int o3 = o2 + dim;
      double d0 = 0;
      double d1 = 0;
      double d2 = 0;
      double d3 = 0;
      for (int j = 0; j < dim; j++) {
        float qj = q[j];
        d0 += qj * bank[o0 + j];
        d1 += qj * bank[o1 + j];
        d2 += qj * bank[o2 + j];
        d3 += qj * bank[o3 + j];
      }
      offer(top, d0);
      offer(top, d1);
      offer(top, d2);
      offer(top, d3);
    }
    for (; r < count; r++) {
      int o = r * dim;
      double dot = 0;
      for (int j = 0; j < dim; j++) {
        dot += q[j] * bank[o + j];
      }
      offer(top, dot);
    }
    return Math.sqrt(Math.max(0, qq + 1 - 2 * top[top.length - 1]));
  }

  /** Keeps {@code top} the largest values seen, in descending order. */
  private static void offer(double[] top, double dot) {
    int k = top.length;
    if (dot > top[k - 1]) {
      int i = k - 1;
      while (i > 0 && top[i - 1] < dot) {
        top[i] = top[i - 1];
        i--;
      }
      top[i] = dot;
    }
  }
}
