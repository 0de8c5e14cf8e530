package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The 1-NN bank and the Mahalanobis distance sum four rows at a time for speed; calibrations were fitted with the
 * one-row-at-a-time sums, so the scores must stay the same to the last bit (a frame at a threshold must not flip).
 */
class FeatureDistanceExactnessTest {

  private static float[] randomVector(Random r, int n, double zeroShare) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextDouble() < zeroShare ? 0f : (float) (r.nextGaussian() * 2);
    }
    return v;
  }

  /** The bank's score as it was computed before (one row at a time). */
  private static double knnReference(float[] bank, int dim, int k, float[] f) {
    float[] q = KnnBank.normalise(f);
    double qq = 0;
    for (float v : q) {
      qq += (double) v * v;
    }
    double[] top = new double[k];
    java.util.Arrays.fill(top, Double.NEGATIVE_INFINITY);
    for (int r = 0; r < bank.length / dim; r++) {
      double dot = 0;
      for (int j = 0; j < dim; j++) {
        dot += q[j] * bank[r * dim + j];
      }
      if (dot > top[k - 1]) {
        int i = k - 1;
        while (i > 0 && top[i - 1] < dot) {
          top[i] = top[i - 1];
          i--;
        }
        top[i] = dot;
      }
    }
    return Math.sqrt(Math.max(0, qq + 1 - 2 * top[k - 1]));
  }

  /** The Mahalanobis score as it was computed before (one row at a time). */
  private static double mahalanobisReference(float[][] means, float[] precision, float[] f) {
    int dim = f.length;
    double best = Double.POSITIVE_INFINITY;
    double[] d = new double[dim];
    for (float[] mu : means) {
      for (int i = 0; i < dim; i++) {
        d[i] = f[i] - mu[i];
      }
      double q = 0;
      for (int i = 0; i < dim; i++) {
        double row = 0;
        for (int j = 0; j < dim; j++) {
          row += precision[i * dim + j] * d[j];
        }
        q += d[i] * row;
      }
      best = Math.min(best, q);
    }
    return best;
  }

  @Test
  void theNearestNeighbourScoreIsTheOneRowAtATimeScoreToTheLastBit() {
    Random r = new Random(11);
    for (int dim : new int[] {1, 3, 16, 127, 128}) {
      for (int count : new int[] {1, 3, 4, 5, 63, 2000}) {
        float[] bank = new float[count * dim];
        for (int row = 0; row < count; row++) {
          System.arraycopy(KnnBank.normalise(randomVector(r, dim, 0.3)), 0, bank, row * dim, dim);
        }
        for (int k : new int[] {1, Math.min(3, count)}) {
          KnnBank knn = new KnnBank(bank, dim, k);
          for (int t = 0; t < 20; t++) {
            float[] f = randomVector(r, dim, 0.3);
            assertThat(Double.doubleToRawLongBits(knn.score(f))).as("dim %d, count %d, k %d", dim, count, k)
                .isEqualTo(Double.doubleToRawLongBits(knnReference(bank, dim, k, f)));
          }
        }
      }
    }
  }

  @Test
  void theMahalanobisScoreIsTheOneRowAtATimeScoreToTheLastBit() {
    Random r = new Random(12);
    for (int dim : new int[] {1, 2, 5, 8, 127, 128}) {
      float[][] means = new float[10][];
      for (int c = 0; c < means.length; c++) {
        means[c] = randomVector(r, dim, 0.2);
      }
      float[] precision = randomVector(r, dim * dim, 0.1);
      Mahalanobis m = new Mahalanobis(means, precision);
      for (int t = 0; t < 50; t++) {
        float[] f = randomVector(r, dim, 0.2);
        assertThat(Double.doubleToRawLongBits(m.score(f))).as("dim %d", dim)
            .isEqualTo(Double.doubleToRawLongBits(mahalanobisReference(means, precision, f)));
      }
    }
  }
}
