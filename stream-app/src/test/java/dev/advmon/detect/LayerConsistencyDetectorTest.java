package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerConsistencyDetectorTest {

  @TempDir
  Path dir;

  /** Two classes whose layer statistics cluster around (0, 0) and (4, 4), fitted as calibrate fits them. */
  private static Mahalanobis twoClasses(long seed) {
    Random r = new Random(seed);
    List<float[]> stats = new ArrayList<>();
    int[] labels = new int[400];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 2;
      float c = labels[i] * 4f;
      stats.add(new float[] {c + (float) r.nextGaussian() * 0.5f, c + (float) r.nextGaussian() * 0.5f});
    }
    return Mahalanobis.fit(stats, labels, 2, 1e-3);
  }

  /** One frame row: the model's probabilities and one layer's statistics. */
  private static BatchOutput row(float[] probabilities, float[] layer) {
    return BatchOutput.fromModel(1, probabilities, true, null).withLayers(List.of(layer));
  }

  private static final FloatImage FRAME = new FloatImage(1, 2, 2, new float[4]);

  @Test
  void flagsADecisionThatTheEarlierLayersDoNotShare() {
    LayerConsistencyDetector d = new LayerConsistencyDetector(List.of(twoClasses(1)), new SignalScale(new double[] {2.0}, 1.0));
    // the layer looks like class 0, the model says class 1: what an attack that moved only the logits leaves
    Detector.Detection disagree = d.evaluate(FRAME, row(new float[] {0.1f, 0.9f}, new float[] {0.1f, -0.2f}), 0, 1, 0);
    assertThat(disagree.flagged()).isTrue();
    assertThat(disagree.signals()[0]).as("distance to class 1 minus distance to class 0").isGreaterThan(20);
    assertThat(disagree.evidence()).contains("layer-0=").contains("layer-class=0");
    // the same layer, the model says class 0: the layers agree, the signal is exactly 0
    Detector.Detection agree = d.evaluate(FRAME, row(new float[] {0.9f, 0.1f}, new float[] {0.1f, -0.2f}), 0, 1, 0);
    assertThat(agree.flagged()).isFalse();
    assertThat(agree.signals()[0]).isZero();
    assertThat(d.probes(FRAME)).as("no extra forward pass").isEmpty();
  }

  @Test
  void aFrameBetweenTheClassesIsScoredByHowMuchCloserTheOtherClassIs() {
    LayerConsistencyDetector d = new LayerConsistencyDetector(List.of(twoClasses(2)), SignalScale.identity(1));
    double nearlyTied = d.signals(row(new float[] {0.4f, 0.6f}, new float[] {1.9f, 1.9f}), 0)[0];
    double farOff = d.signals(row(new float[] {0.4f, 0.6f}, new float[] {0.5f, 0.5f}), 0)[0];
    assertThat(nearlyTied).isGreaterThan(0).isLessThan(farOff);
  }

  @Test
  void refusesOutputsWithAnotherNumberOfLayersThanItWasCalibratedOn() {
    LayerConsistencyDetector d = new LayerConsistencyDetector(List.of(twoClasses(3), twoClasses(4)), SignalScale.identity(2));
    assertThatThrownBy(() -> d.signals(row(new float[] {0.9f, 0.1f}, new float[] {0f, 0f}), 0))
        .hasMessageContaining("1 layer outputs").hasMessageContaining("calibration has 2").hasMessageContaining("./monitor calibrate");
    assertThatThrownBy(() -> new LayerConsistencyDetector(List.of(twoClasses(3)), SignalScale.identity(2)))
        .hasMessageContaining("1 layers").hasMessageContaining("2 scales");
  }

  @Test
  void aWrittenCalibrationReadsBackIntoTheSameScores() throws Exception {
    Calibration.Consistency c = new Calibration.Consistency(List.of(twoClasses(5), twoClasses(6)),
        new SignalScale(new double[] {3.0, 4.0}, 1.5), 0.005, 0.004);
    Path f = dir.resolve("calibration.json");
    new Calibration("m:1", "0".repeat(64), "now", 0.04, new ObjectMapper().createObjectNode(), null, null, null, null, null, c)
        .write(f);
    Calibration back = Calibration.read(f);
    assertThat(back.detectors()).extracting(Detector::name).containsExactly(LayerConsistencyDetector.NAME);
    assertThat(back.consistency().scale().scales()).containsExactly(3.0, 4.0);
    assertThat(back.consistency().scale().threshold()).isEqualTo(1.5);
    BatchOutput out = BatchOutput.fromModel(1, new float[] {0.2f, 0.8f}, true, null)
        .withLayers(List.of(new float[] {0.3f, 0.1f}, new float[] {3.5f, 4.2f}));
    LayerConsistencyDetector written = new LayerConsistencyDetector(c.layers(), c.scale());
    Detector.Detection expected = written.evaluate(FRAME, out, 0, 1, 0);
    Detector.Detection read = back.detectors().get(0).evaluate(FRAME, out, 0, 1, 0);
    assertThat(read.score()).isEqualTo(expected.score());
    assertThat(read.flagged()).isEqualTo(expected.flagged()).isTrue();
  }

  @Test
  void theExpandedDistancesEqualTheDirectOnesUpToRounding() {
    Random r = new Random(7);
    int dim = 37;
    List<float[]> stats = new ArrayList<>();
    int[] labels = new int[300];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 3;
      float[] v = new float[dim];
      for (int j = 0; j < dim; j++) {
        v[j] = labels[i] + (float) r.nextGaussian() * (1 + j % 4);
      }
      stats.add(v);
    }
    Mahalanobis m = Mahalanobis.fit(stats, labels, 3, 1e-3);
    for (int k = 0; k < 50; k++) {
      float[] f = new float[dim];
      for (int j = 0; j < dim; j++) {
        f[j] = (float) (r.nextGaussian() * 3);
      }
      double[] direct = m.distances(f);
      double[] expanded = m.expandedDistances(f);
      for (int c = 0; c < 3; c++) {
        assertThat(expanded[c]).isCloseTo(direct[c], org.assertj.core.data.Offset.offset(1e-6 * Math.max(1, direct[c])));
      }
    }
  }
}
