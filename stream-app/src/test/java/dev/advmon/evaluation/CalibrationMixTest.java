package dev.advmon.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.detect.Calibrator;
import dev.advmon.image.FloatImage;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CalibrationMixTest {

  private static Calibrator.Frames frames(int n) {
    return new Calibrator.Frames() {
      public int size() {
        return n;
      }

      public FloatImage get(int i) {
        float[] d = new float[12 * 12];
        for (int j = 0; j < d.length; j++) {
          d[j] = ((i * 7 + j) % 50) / 50f;
        }
        return new FloatImage(1, 12, 12, d);
      }
    };
  }

  @Test
  void everyFrameOnceCleanAndItsCopiesSpreadEvenlyOverCorruptionsAndSeverities() {
    int n = 6 * Corruption.values().length; // two copies each: 12 per corruption, a third of them per severity
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 3;
    }
    CalibrationMix mix = CalibrationMix.of(frames(n), labels, 2, 5, null, 16);
    assertThat(mix.size()).isEqualTo(n * 3);
    Map<String, Integer> perGroup = new HashMap<>();
    Map<Integer, Integer> perSeverity = new HashMap<>();
    for (int i = 0; i < mix.size(); i++) {
      perGroup.merge(mix.group(i), 1, Integer::sum);
      if (mix.corruption(i) != null) {
        perSeverity.merge(mix.severity(i), 1, Integer::sum);
      }
      assertThat(mix.expected(i)).as("a copy keeps its clean frame's label").isEqualTo(labels[i / 3]);
    }
    assertThat(perGroup.get(Calibrator.CLEAN)).isEqualTo(n);
    for (Corruption c : Corruption.values()) {
      assertThat(perGroup.get(c.id())).as(c.id()).isEqualTo(2 * n / Corruption.values().length);
    }
    assertThat(perSeverity).containsEntry(1, 2 * n / 3).containsEntry(2, 2 * n / 3).containsEntry(3, 2 * n / 3);
    assertThat(mix.get(0).data()).as("entry 0 is the clean frame").containsExactly(frames(n).get(0).data());
    assertThat(mix.get(1).data()).as("a corrupted copy is made again the same way").containsExactly(mix.get(1).data());
    assertThat(mix.get(1).data()).isNotEqualTo(mix.get(0).data());
    assertThat(mix.describe()).contains("severity", "Random(seed");
  }
}
