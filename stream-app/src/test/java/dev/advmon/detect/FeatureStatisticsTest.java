package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FeatureStatisticsTest {

  @Test
  void mahalanobisWithIdentityPrecisionIsTheSquaredDistanceToTheNearestMean() {
    Mahalanobis m = new Mahalanobis(new float[][] {{0, 0}, {10, 0}}, new float[] {1, 0, 0, 1});
    assertThat(m.score(new float[] {1, 2})).isCloseTo(5.0, within(1e-9));
    assertThat(m.score(new float[] {9, 0})).isCloseTo(1.0, within(1e-9));
  }

  @Test
  void mahalanobisWeighsDirectionsByTheInverseCovariance() {
    // variance 4 along x, 1 along y: a step of 2 in x costs as much as a step of 1 in y
    Mahalanobis m = new Mahalanobis(new float[][] {{0, 0}}, new float[] {0.25f, 0, 0, 1});
    assertThat(m.score(new float[] {2, 0})).isCloseTo(m.score(new float[] {0, 1}), within(1e-9));
  }

  @Test
  void fitRecoversClassMeansAndThePooledCovariance() {
    Random r = new Random(3);
    List<float[]> f = new ArrayList<>();
    int n = 20000;
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 2;
      float cx = labels[i] == 0 ? -5 : 5;
      f.add(new float[] {(float) (cx + 2 * r.nextGaussian()), (float) r.nextGaussian()});
    }
    Mahalanobis m = Mahalanobis.fit(f, labels, 2, 0);
    assertThat(m.means()[0][0]).isCloseTo(-5f, within(0.1f));
    assertThat(m.means()[1][0]).isCloseTo(5f, within(0.1f));
    // precision = inverse of diag(4, 1)
    assertThat(m.precision()[0]).isCloseTo(0.25f, within(0.01f));
    assertThat(m.precision()[3]).isCloseTo(1f, within(0.03f));
    assertThat(Math.abs(m.precision()[1])).isLessThan(0.02f);
  }

  @Test
  void inverseTimesMatrixIsIdentity() {
    double[][] a = {{4, 1, 0.5}, {1, 3, 0.2}, {0.5, 0.2, 2}};
    double[][] inv = Mahalanobis.invert(a);
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        double s = 0;
        for (int k = 0; k < 3; k++) {
          s += a[i][k] * inv[k][j];
        }
        assertThat(s).isCloseTo(i == j ? 1 : 0, within(1e-12));
      }
    }
  }

  @Test
  void knnDistanceIsMeasuredBetweenDirectionsNotLengths() {
    float[] bank = new float[] {1, 0, 0, 1}; // two unit vectors
    KnnBank k1 = new KnnBank(bank, 2, 1);
    assertThat(k1.score(new float[] {5, 0})).isCloseTo(0, within(1e-6));
    assertThat(k1.score(new float[] {1, 1})).isCloseTo(Math.sqrt(2 - Math.sqrt(2)), within(1e-6));
    KnnBank k2 = new KnnBank(bank, 2, 2);
    assertThat(k2.score(new float[] {5, 0})).isCloseTo(Math.sqrt(2), within(1e-6));
  }

  @Test
  void aucIsOneForSeparatedScoresAndHalfForTies() {
    assertThat(Roc.auc(new double[] {0, 1, 2}, new double[] {3, 4})).isEqualTo(1.0);
    assertThat(Roc.auc(new double[] {1, 1}, new double[] {1})).isEqualTo(0.5);
    assertThat(Roc.auc(new double[] {0, 2}, new double[] {1})).isEqualTo(0.5);
  }

  @Test
  void signalScaleTakesTheLargestScaledSignal() {
    SignalScale s = new SignalScale(new double[] {2, 100}, 1);
    assertThat(s.score(new double[] {1, 150})).isEqualTo(1.5);
    assertThat(s.strongest(new double[] {1, 150})).isEqualTo(1);
  }

  @Test
  void upperQuantileLeavesAtMostTheShareAbove() {
    double[] v = new double[200];
    for (int i = 0; i < v.length; i++) {
      v[i] = i;
    }
    double t = Calibrator.upperQuantile(v, 0.025);
    long above = java.util.Arrays.stream(v).filter(x -> x > t).count();
    assertThat(above).isEqualTo(5);
  }
}
