package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WindowMedianTest {

  /** What the median filters returned before: the window sorted, the value at rank n / 2. */
  private static float sorted(float[] w) {
    float[] c = w.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }

  @Test
  void picksTheSameValueAsSortingForEveryWindowSize() {
    Random r = new Random(7);
    for (int n = 1; n <= 49; n++) {
      for (int trial = 0; trial < 2000; trial++) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
          // 8-bit levels (ties, as in real frames), zeros of both signs, and arbitrary floats
          w[i] = switch (r.nextInt(4)) {
            case 0 -> r.nextInt(256) / 255f;
            case 1 -> r.nextBoolean() ? 0f : -0f;
            case 2 -> r.nextInt(3) / 2f;
            default -> r.nextFloat();
          };
        }
        float expected = sorted(w);
        float got = WindowMedian.of(w.clone(), n);
        assertThat(Float.floatToRawIntBits(got)).as("window %s", Arrays.toString(w)).isEqualTo(Float.floatToRawIntBits(expected));
      }
    }
  }

  @Test
  void everyOrderOfNineDistinctValuesGivesTheMiddleOne() {
    float[] base = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f};
    int[] perm = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    int checked = 0;
    do {
      float[] w = new float[9];
      for (int i = 0; i < 9; i++) {
        w[i] = base[perm[i]];
      }
      assertThat(WindowMedian.of(w, 9)).isEqualTo(0.5f);
      checked++;
    } while (nextPermutation(perm));
    assertThat(checked).isEqualTo(362_880);
  }

  private static boolean nextPermutation(int[] a) {
    int i = a.length - 2;
    while (i >= 0 && a[i] >= a[i + 1]) {
      i--;
    }
    if (i < 0) {
      return false;
    }
    int j = a.length - 1;
    while (a[j] <= a[i]) {
      j--;
    }
    int t = a[i];
    a[i] = a[j];
    a[j] = t;
    for (int lo = i + 1, hi = a.length - 1; lo < hi; lo++, hi--) {
      t = a[lo];
      a[lo] = a[hi];
      a[hi] = t;
    }
    return true;
  }
}
