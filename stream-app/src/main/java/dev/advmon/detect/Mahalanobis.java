package dev.advmon.detect;

import java.util.List;

/**
 * Class-conditional Gaussians with one shared covariance over the model's penultimate features (Lee et al.
 * 2018): the score of a feature vector is its smallest squared Mahalanobis distance to a class mean.
 */
public final class Mahalanobis {

  private final float[][] means;
  private final float[] precision; // dim x dim, row-major
  private final int dim;
  // for expandedDistances: per class, P mu + P^T mu and mu^T P mu (exact for any P, symmetric or not)
  private final double[][] cross;
  private final double[] constant;

  public Mahalanobis(float[][] means, float[] precision) {
    if (means.length == 0) {
      throw new IllegalArgumentException("Mahalanobis needs at least one class mean");
    }
    this.dim = means[0].length;
    for (float[] m : means) {
      if (m.length != dim) {
        throw new IllegalArgumentException("class means differ in length: " + m.length + " vs " + dim);
      }
    }
    if (precision.length != dim * dim) {
      throw new IllegalArgumentException("precision has " + precision.length + " values, expected " + dim + "x" + dim);
    }
    this.means = means;
    this.precision = precision;
    this.cross = new double[means.length][dim];
    this.constant = new double[means.length];
    for (int c = 0; c < means.length; c++) {
      float[] mu = means[c];
      for (int i = 0; i < dim; i++) {
        for (int j = 0; j < dim; j++) {
          double pij = precision[i * dim + j];
          cross[c][i] += pij * mu[j]; // (P mu)_i
          cross[c][j] += pij * mu[i]; // (P^T mu)_j
          constant[c] += mu[i] * pij * mu[j];
        }
      }
    }
  }

  public float[][] means() {
    return means;
  }

  public float[] precision() {
    return precision;
  }

  public int dim() {
    return dim;
  }

  /** min over classes of (f - mu_c)^T P (f - mu_c). */
  public double score(float[] f) {
    double best = Double.POSITIVE_INFINITY;
    for (double q : distances(f)) {
      best = Math.min(best, q);
    }
    return best;
  }

  /** (f - mu_c)^T P (f - mu_c) for every class c, in class order. */
  public double[] distances(float[] f) {
    if (f.length != dim) {
      throw new IllegalArgumentException("feature vector has " + f.length + " values, the calibration has " + dim);
    }
    double[] out = new double[means.length];
    double[] d = new double[dim];
    for (int c = 0; c < means.length; c++) {
      float[] mu = means[c];
      for (int i = 0; i < dim; i++) {
        d[i] = f[i] - mu[i];
      }
      // four rows of the product at a time, each summed in the same order as one at a time (so the same value
      // to the last bit): four independent additions per step instead of one long chain of them
      double q = 0;
      int i = 0;
      for (; i + 3 < dim; i += 4) {
        int o0 = i * dim;
        int o1 = o0 + dim;
        int o2 = o1 + dim;
        int o3 = o2 + dim;
        double r0 = 0;
        double r1 = 0;
        double r2 = 0;
        double r3 = 0;
        for (int j = 0; j < dim; j++) {
          double dj = d[j];
          r0 += precision[o0 + j] * dj;
          r1 += precision[o1 + j] * dj;
          r2 += precision[o2 + j] * dj;
          r3 += precision[o3 + j] * dj;
        }
        q += d[i] * r0;
        q += d[i + 1] * r1;
        q += d[i + 2] * r2;
        q += d[i + 3] * r3;
      }
      for (; i < dim; i++) {
        double row = 0;
        int o = i * dim;
        for (int j = 0; j < dim; j++) {
          row += precision[o + j] * d[j];
        }
        q += d[i] * row;
      }
      out[c] = q;
    }
    return out;
  }

  /**
   * The same distances as {@link #distances}, as f^T P f - f . (P mu_c + P^T mu_c) + mu_c^T P mu_c: one
   * matrix-vector product per frame instead of one per class (10 times less work for 10 classes), equal up to
   * rounding. For detectors fitted with it (the consistency detector); the fooling detector keeps
   * {@link #score}, whose values its calibrations were made with to the last bit.
   */
  public double[] expandedDistances(float[] f) {
    if (f.length != dim) {
      throw new IllegalArgumentException("feature vector has " + f.length + " values, the calibration has " + dim);
    }
    double quadratic = 0;
    for (int i = 0; i < dim; i++) {
      int o = i * dim;
      double row = 0;
      for (int j = 0; j < dim; j++) {
        row += precision[o + j] * f[j];
      }
      quadratic += f[i] * row;
    }
    double[] out = new double[means.length];
    for (int c = 0; c < out.length; c++) {
      double[] w = cross[c];
      double linear = 0;
      for (int i = 0; i < dim; i++) {
        linear += w[i] * f[i];
      }
      out[c] = quadratic - linear + constant[c];
    }
    return out;
  }

  /**
   * Fits class means and the shared (pooled, maximum-likelihood) covariance from {@code features} labelled
   * {@code labels} (classes 0..classes-1; a class with no example gets the overall mean, so that it never
   * attracts frames). A ridge of {@code ridge} times the mean variance keeps the inverse stable when features
   * are collinear (ReLU features often have dead units).
   */
  public static Mahalanobis fit(List<float[]> features, int[] labels, int classes, double ridge) {
    int n = features.size();
    if (n == 0 || labels.length != n) {
      throw new IllegalArgumentException("need as many labels as feature vectors (" + n + " vs " + labels.length + ")");
    }
    int d = features.get(0).length;
    double[][] sum = new double[classes][d];
    int[] count = new int[classes];
    double[] all = new double[d];
    for (int i = 0; i < n; i++) {
      float[] f = features.get(i);
      for (int j = 0; j < d; j++) {
        sum[labels[i]][j] += f[j];
        all[j] += f[j];
      }
      count[labels[i]]++;
    }
    float[][] means = new float[classes][d];
    for (int c = 0; c < classes; c++) {
      for (int j = 0; j < d; j++) {
        means[c][j] = (float) (count[c] > 0 ? sum[c][j] / count[c] : all[j] / n);
      }
    }
    double[][] cov = new double[d][d];
    double[] x = new double[d];
    for (int i = 0; i < n; i++) {
      float[] f = features.get(i);
      float[] mu = means[labels[i]];
      for (int j = 0; j < d; j++) {
        x[j] = f[j] - mu[j];
      }
      for (int a = 0; a < d; a++) {
        for (int b = a; b < d; b++) {
          cov[a][b] += x[a] * x[b];
        }
      }
    }
    double trace = 0;
    for (int a = 0; a < d; a++) {
      for (int b = a; b < d; b++) {
        cov[a][b] /= n;
        cov[b][a] = cov[a][b];
      }
      trace += cov[a][a];
    }
    double lambda = ridge * Math.max(trace / d, 1e-12);
    for (int a = 0; a < d; a++) {
      cov[a][a] += lambda;
    }
    double[][] inv = invert(cov);
    float[] precision = new float[d * d];
    for (int a = 0; a < d; a++) {
      for (int b = 0; b < d; b++) {
        precision[a * d + b] = (float) inv[a][b];
      }
    }
    return new Mahalanobis(means, precision);
  }

  /** Gauss-Jordan with partial pivoting; the matrix is symmetric positive definite after the ridge. */
  static double[][] invert(double[][] m) {
    int n = m.length;
    double[][] a = new double[n][2 * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(m[i], 0, a[i], 0, n);
      a[i][n + i] = 1;
    }
    for (int col = 0; col < n; col++) {
      int pivot = col;
      for (int r = col + 1; r < n; r++) {
        if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
          pivot = r;
        }
      }
      if (Math.abs(a[pivot][col]) < 1e-300) {
        throw new IllegalArgumentException("covariance matrix is singular; use a larger ridge");
      }
      double[] t = a[col];
      a[col] = a[pivot];
      a[pivot] = t;
      double p = a[col][col];
      for (int j = 0; j < 2 * n; j++) {
        a[col][j] /= p;
      }
      for (int r = 0; r < n; r++) {
        if (r != col && a[r][col] != 0) {
          double factor = a[r][col];
          for (int j = 0; j < 2 * n; j++) {
            a[r][j] -= factor * a[col][j];
          }
        }
      }
    }
    double[][] inv = new double[n][n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(a[i], n, inv[i], 0, n);
    }
    return inv;
  }
}
