package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import java.util.List;
import org.junit.jupiter.api.Test;

class StabilityDetectorTest {

  private static FloatImage frame(int side) {
    float[] d = new float[side * side];
    for (int i = 0; i < d.length; i++) {
      d[i] = i / (float) d.length;
    }
    return new FloatImage(1, side, side, d);
  }

  @Test
  void probesAreTheFrameMovedOneStepEachWayWithTheEdgeRepeated() {
    FloatImage f = frame(28);
    List<FloatImage> p = new StabilityDetector(SignalScale.identity(3)).probes(f);
    assertThat(p).hasSize(4);
    FloatImage right = p.get(0);
    assertThat(right.get(0, 5, 6)).isEqualTo(f.get(0, 5, 5));
    assertThat(right.get(0, 5, 0)).as("edge repeated").isEqualTo(f.get(0, 5, 0));
    FloatImage up = p.get(3);
    assertThat(up.get(0, 5, 5)).isEqualTo(f.get(0, 6, 5));
    assertThat(up.get(0, 27, 5)).isEqualTo(f.get(0, 27, 5));
    assertThat(StabilityDetector.step(frame(56))).as("a frame twice as large moves twice as far").isEqualTo(2);
    assertThat(StabilityDetector.step(frame(10))).isEqualTo(1);
  }

  @Test
  void aDecisionAtTheBoundaryThatAShiftUndoesScoresHighAndAStableOneLow() {
    // rows: frame, then its 4 shifted probes; two classes
    float[] boundary = {0.45f, 0.55f, 0.6f, 0.4f, 0.7f, 0.3f, 0.45f, 0.55f, 0.45f, 0.55f};
    BatchOutput b = BatchOutput.fromModel(5, boundary, true, null);
    double[] s = StabilityDetector.signals(b, 0, 1, 4);
    assertThat(s[0]).as("boundary: 1 / log-odds").isCloseTo(1 / Math.log(0.55 / 0.45), within(1e-4));
    assertThat(s[2]).as("two of four shifts flip the class").isEqualTo(0.5);
    assertThat(s[1]).isCloseTo((0.3 + 0.5 + 0.0 + 0.0) / 4, within(1e-6));
    float[] stable = {0.01f, 0.99f, 0.02f, 0.98f, 0.01f, 0.99f, 0.01f, 0.99f, 0.03f, 0.97f};
    double[] t = StabilityDetector.signals(BatchOutput.fromModel(5, stable, true, null), 0, 1, 4);
    assertThat(t[0]).as("far from the boundary").isLessThan(0.3);
    assertThat(t[2]).isZero();
    StabilityDetector d = new StabilityDetector(new SignalScale(new double[] {2, 0.2, 0.25}, 1));
    assertThat(d.evaluate(frame(28), b, 0, 1, 4).flagged()).isTrue();
    assertThat(d.evaluate(frame(28), BatchOutput.fromModel(5, stable, true, null), 0, 1, 4).flagged()).isFalse();
  }
}
