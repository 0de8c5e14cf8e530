package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.image.FloatImage;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BackwardSelectionTest {

  @Test
  void removesTheUselessCellsFirstAndKeepsTheOneThatCarriesTheClass() {
    float[] d = new float[16];
    Arrays.fill(d, 0.2f);
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 2; x++) {
        d[y * 4 + x] = 1f;
      }
    }
    OverinterpretationDetectorTest.TopLeftModel model = new OverinterpretationDetectorTest.TopLeftModel();
    BackwardSelection.Result r = BackwardSelection.run(model, new FloatImage(1, 4, 4, d), 2, new float[] {0f}, 0.9);
    assertThat(r.predicted()).isEqualTo(1);
    assertThat(r.removalOrder()[3]).as("the top-left cell is removed last").isEqualTo(0);
    assertThat(r.subset()).containsExactly(true, false, false, false);
    assertThat(r.remainingProbability()[3]).as("everything masked").isEqualTo(0.0);
    // 1 call for the frame, then 4 + 3 + 2 + 1 candidates in one call per step
    assertThat(model.calls).containsExactly(1, 4, 3, 2, 1);
    assertThat(r.lastRemoved(1)).containsExactly(true, false, false, false);
  }

  @Test
  void sisIsTheShortestTailOfTheRemovalOrderAboveTau() {
    int[] order = {3, 1, 2, 0};
    assertThat(BackwardSelection.sis(order, new double[] {0.95, 0.92, 0.5, 0.1}, 0.9)).containsExactly(true, false, true, false);
    assertThat(BackwardSelection.sis(order, new double[] {0.95, 0.92, 0.91, 0.9}, 0.9)).containsExactly(false, false, false, false);
    assertThat(BackwardSelection.sis(order, new double[] {0.5, 0.92, 0.5, 0.1}, 0.9))
        .as("the last tail above tau counts, as in sis.py").containsExactly(true, false, true, false);
  }
}
