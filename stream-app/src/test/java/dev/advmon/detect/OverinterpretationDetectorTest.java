package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.ModelManifest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverinterpretationDetectorTest {

  private static final float[] MASK = {0.25f};

  private static FloatImage ramp(int h, int w) {
    float[] d = new float[h * w];
    for (int i = 0; i < d.length; i++) {
      d[i] = (i % 97) / 97f + 0.001f;
    }
    return new FloatImage(1, h, w, d);
  }

  @Test
  void borderProbeKeepsTheBorderAndMasksTheRest() {
    FloatImage f = ramp(8, 8);
    FloatImage b = OverinterpretationDetector.borderOnly(f, 2, MASK);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        boolean border = y < 2 || x < 2 || y >= 6 || x >= 6;
        assertThat(b.get(0, y, x)).as("(%d,%d)", y, x).isEqualTo(border ? f.get(0, y, x) : 0.25f);
      }
    }
    assertThat(f.get(0, 3, 3)).as("the frame itself is untouched").isNotEqualTo(0.25f);
    FloatImage m = OverinterpretationDetector.borderMasked(f, 2, MASK);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        boolean border = y < 2 || x < 2 || y >= 6 || x >= 6;
        assertThat(m.get(0, y, x)).as("(%d,%d)", y, x).isEqualTo(border ? 0.25f : f.get(0, y, x));
      }
    }
  }

  @Test
  void sparseProbeKeepsFivePercentChosenByTheFramesContent() {
    FloatImage f = ramp(28, 28);
    FloatImage a = OverinterpretationDetector.keepRandom(f, 0.05, MASK);
    FloatImage again = OverinterpretationDetector.keepRandom(f.copy(), 0.05, MASK);
    int kept = 0;
    for (int i = 0; i < f.data().length; i++) {
      kept += a.data()[i] == f.data()[i] ? 1 : 0;
    }
    assertThat(kept).isEqualTo(39); // round(0.05 * 784)
    assertThat(again.data()).as("a replay of the same frame probes the same pixels").isEqualTo(a.data());
    FloatImage other = f.copy();
    other.data()[0] += 0.5f;
    assertThat(OverinterpretationDetector.keepRandom(other, 0.05, MASK).data()).isNotEqualTo(a.data());
  }

  @Test
  void occlusionProbesMaskOneFourByFourCellEachOnASevenBySevenGrid() {
    FloatImage f = ramp(28, 28);
    List<FloatImage> probes = OverinterpretationDetector.occlusions(f, 7, MASK);
    assertThat(probes).hasSize(49);
    FloatImage cell9 = probes.get(9); // row 1, column 2: pixels y 4..7, x 8..11
    int masked = 0;
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        boolean inCell = y >= 4 && y < 8 && x >= 8 && x < 12;
        assertThat(cell9.get(0, y, x)).isEqualTo(inCell ? 0.25f : f.get(0, y, x));
        masked += inCell ? 1 : 0;
      }
    }
    assertThat(masked).isEqualTo(16);
  }

  @Test
  void rankingSubsetBitsAndBorderShare() {
    Integer[] r = OverinterpretationDetector.rank(new double[] {0.1, 0.5, 0.5, -0.2});
    assertThat(r).containsExactly(1, 2, 0, 3);
    boolean[] subset = new boolean[49];
    subset[0] = true; // corner: on the ring
    subset[24] = true; // centre
    subset[48] = true; // last cell
    assertThat(OverinterpretationDetector.subsetHex(subset, 49)).isEqualTo("80000080000080");
    assertThat(OverinterpretationDetector.borderShare(subset, 7)).isEqualTo(2.0 / 3);
    assertThat(OverinterpretationDetector.borderShare(new boolean[49], 7)).isZero();
  }

  @Test
  void binarySearchFindsTheSmallestSufficientCountInLogRounds() {
    for (int answer = 0; answer <= 49; answer++) {
      OverinterpretationDetector.Search s = new OverinterpretationDetector.Search(49);
      int rounds = 0;
      while (!s.done()) {
        s.record(s.next() >= answer);
        rounds++;
      }
      assertThat(s.smallest()).isEqualTo(answer);
      assertThat(rounds).isLessThanOrEqualTo(6);
    }
  }

  /**
   * A 4x4 frame on a 2x2 grid; the fake model's class-1 probability is the mean of the top-left cell's
   * pixels (1.0 there, 0.2 elsewhere), so keeping the top-left cell alone is sufficient: the whole cascade
   * must find the subset {cell 0}, in rounds that each make one call.
   */
  @Test
  void cascadeFindsTheOneSufficientCellThroughTheScorersRounds() {
    float[] d = new float[16];
    Arrays.fill(d, 0.2f);
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 2; x++) {
        d[y * 4 + x] = 1f;
      }
    }
    FloatImage frame = new FloatImage(1, 4, 4, d);
    TopLeftModel model = new TopLeftModel();
    OverinterpretationDetector det = new OverinterpretationDetector(
        new OverinterpretationDetector.Settings(2, 1, 0.25, 0.9, 0.0), new float[] {0f}, new SignalScale(new double[] {1, 1, 1, 1, 1, 1, 1}, 0.8));
    Verdict v = new FrameScorer(model, List.of(det), 128).score(frame);
    Detector.Detection r = v.detections().get(0);
    assertThat(r.evidenceMap()).containsEntry("subset.grid", "2x2").containsEntry("subset", "80")
        .containsEntry("sufficient-fraction", "0.2500");
    assertThat(r.signals()[2]).isEqualTo(0.75); // insufficiency = 1 - 1/4
    assertThat(r.signals()[3]).isEqualTo(1.0); // on a 2x2 grid every cell is on the ring
    assertThat(r.flagged()).isTrue();
    // calls: frame + 2 cheap probes; 4 occlusions; binary search over 0..4: k=2 (yes), k=1 (yes), k=0 (no)
    assertThat(model.calls).containsExactly(4, 4, 1, 1, 1);
    assertThat(v.forwardPasses()).isEqualTo(4 + 4 + 3);
  }

  @Test
  void framesThatClearTheCheapProbesCostFourPassesAndOneCall() {
    float[] d = new float[16];
    Arrays.fill(d, 1f);
    FloatImage frame = new FloatImage(1, 4, 4, d); // class 1 at 1.0; the border probe keeps it at 0.75
    TopLeftModel model = new TopLeftModel();
    OverinterpretationDetector det = new OverinterpretationDetector(
        new OverinterpretationDetector.Settings(2, 1, 0.25, 0.9, 0.99, -1), new float[] {0f}, new SignalScale(new double[] {1, 1, 1, 1, 1, 1, 1}, 5));
    Verdict v = new FrameScorer(model, List.of(det), 128).score(List.of(frame, frame)).get(1);
    assertThat(model.calls).containsExactly(8);
    assertThat(v.forwardPasses()).isEqualTo(4);
    assertThat(v.detections().get(0).signals()[0]).as("border reliance = min(0.75, 1 - 0.25)").isEqualTo(0.75);
    assertThat(v.detections().get(0).evidenceMap()).doesNotContainKey("subset");
  }

  @Test
  void laterRoundsOfSeveralFramesShareOneCall() {
    float[] d = new float[16];
    Arrays.fill(d, 1f);
    FloatImage frame = new FloatImage(1, 4, 4, d);
    TopLeftModel model = new TopLeftModel();
    OverinterpretationDetector det = new OverinterpretationDetector(
        new OverinterpretationDetector.Settings(2, 1, 0.25, 0.9, 0.0), new float[] {0f}, new SignalScale(new double[] {1, 1, 1, 1, 1, 1, 1}, 0.8));
    new FrameScorer(model, List.of(det), 128).score(List.of(frame, frame, frame));
    assertThat(model.calls.get(0)).isEqualTo(12);
    assertThat(model.calls.get(1)).as("the occlusion round of all three frames in one call").isEqualTo(12);
    assertThat(model.calls.subList(2, model.calls.size())).allMatch(n -> n == 3);
  }

  /** A garment-like frame (a textured block) whose pixels are 95% removed, the removed ones set to {@code fill}. */
  private static FloatImage removed(float fill) {
    FloatImage f = ramp(28, 28);
    java.util.Random r = new java.util.Random(4);
    for (int i = 0; i < f.data().length; i++) {
      if (r.nextDouble() < 0.95) {
        f.data()[i] = fill;
      }
    }
    return f;
  }

  @Test
  void removedPixelsCountAsRemovedWhateverTheyWereSetTo() {
    FloatImage clean = ramp(28, 28);
    // a textured frame carries evidence nearly everywhere (the few ramp pixels at the mask value 0.25 do not)
    assertThat(OverinterpretationDetector.informativeShare(clean, MASK)).isGreaterThan(0.98);
    for (float fill : new float[] {0.25f, 0f, 1f, 0.6f}) {
      double share = OverinterpretationDetector.informativeShare(removed(fill), MASK);
      assertThat(share).as("fill %s", fill).isBetween(0.02, 0.08);
    }
    // a fill is only a fill when it covers much of the frame: a few black pixels in a texture are evidence
    FloatImage dots = ramp(28, 28);
    for (int i = 0; i < 100; i++) {
      dots.data()[i * 7] = 0f;
    }
    assertThat(OverinterpretationDetector.informativeShare(dots, MASK)).isGreaterThan(0.85);
    // the sufficient fraction counts only evidence pixels in the kept cells
    boolean[] all = new boolean[49];
    Arrays.fill(all, true);
    assertThat(OverinterpretationDetector.sufficientFraction(removed(1f), 7, all, MASK)).isBetween(0.02, 0.08);
  }

  @Test
  void aConfidentDecisionOnAMostlyEmptyFrameIsSearchedAndScoresItsScarcity() {
    // 4x4 frame, 2x2 grid: the top-left cell bright, the rest at a flat fill of 0.6 (not the mask value 0)
    float[] d = new float[16];
    Arrays.fill(d, 0.6f);
    d[0] = 1f;
    d[1] = 1f;
    d[4] = 1f;
    d[5] = 0.95f;
    FloatImage frame = new FloatImage(1, 4, 4, d);
    TopLeftModel model = new TopLeftModel();
    OverinterpretationDetector det = new OverinterpretationDetector(
        new OverinterpretationDetector.Settings(2, 1, 0.25, 0.9, 2.0, 0.3), new float[] {0f}, new SignalScale(new double[] {1, 1, 1, 1, 1, 1, 1}, 0.8));
    Verdict v = new FrameScorer(model, List.of(det), 128).score(frame);
    Detector.Detection r = v.detections().get(0);
    assertThat(r.signals()[OverinterpretationDetector.SCARCITY]).as("scarcity = log2(16 / 4 evidence pixels)").isEqualTo(2.0);
    assertThat(r.evidence()).contains("evidence-share=0.2500");
    assertThat(r.evidenceMap()).as("the sparse trigger sent it to the search").containsKey("subset");
    assertThat(r.flagged()).isTrue();
  }

  /** Two classes; p(class 1) = mean of the top-left quarter of the image. */
  /** A 28x28 garment-like frame: a bright rectangle with sharp edges on black. */
  private static FloatImage garment() {
    float[] d = new float[28 * 28];
    for (int y = 6; y < 22; y++) {
      for (int x = 9; x < 19; x++) {
        d[y * 28 + x] = 0.8f;
      }
    }
    return new FloatImage(1, 28, 28, d);
  }

  @Test
  void aFrameOfRandomNoiseIsRoughWhileSensorNoiseAndIsolatedImpulsesAreNot() {
    java.util.Random rng = new java.util.Random(3);
    float[] noise = new float[28 * 28];
    float[] sensor = garment().data().clone();
    float[] impulses = garment().data().clone();
    for (int i = 0; i < noise.length; i++) {
      noise[i] = rng.nextFloat();
      sensor[i] = (float) Math.max(0, Math.min(1, sensor[i] + 0.08 * rng.nextGaussian()));
      if (rng.nextDouble() < 0.05) {
        impulses[i] = rng.nextBoolean() ? 1f : 0f;
      }
    }
    double uniform = OverinterpretationDetector.roughness(new FloatImage(1, 28, 28, noise));
    assertThat(uniform).as("95%% noise fill").isGreaterThan(0.15);
    assertThat(OverinterpretationDetector.roughness(new FloatImage(1, 28, 28, sensor))).as("sensor noise").isLessThan(uniform / 2);
    assertThat(OverinterpretationDetector.roughness(new FloatImage(1, 28, 28, impulses))).as("5%% impulses").isLessThan(0.01);
    assertThat(OverinterpretationDetector.roughness(garment())).isZero();
  }

  @Test
  void aBlurFillIsFlatterThanTheSharpFrameAndOnlyItsKeptPixelsStandOutOfTheBlur() {
    FloatImage sharp = garment();
    float[] blurred = sharp.data().clone();
    for (int pass = 0; pass < 6; pass++) { // a box blur, six times: about sigma 3
      float[] next = new float[blurred.length];
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          float sum = 0;
          for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++) {
              sum += blurred[Math.min(27, Math.max(0, y + dy)) * 28 + Math.min(27, Math.max(0, x + dx))];
            }
          }
          next[y * 28 + x] = sum / 9;
        }
      }
      blurred = next;
    }
    float[] cameraBlur = blurred.clone(); // the same blur, no pixel kept: what a lens out of focus gives
    for (int i = 0; i < blurred.length; i += 20) { // 5% of the original pixels kept
      blurred[i] = sharp.data()[i];
    }
    double flatSharp = OverinterpretationDetector.flatness(sharp);
    double flatBlurred = OverinterpretationDetector.flatness(new FloatImage(1, 28, 28, blurred));
    assertThat(flatBlurred).as("blur fill vs sharp frame").isGreaterThan(4 * flatSharp);
    assertThat(OverinterpretationDetector.standingOutShare(new FloatImage(1, 28, 28, blurred)))
        .as("the kept pixels stand out of the blur fill").isGreaterThanOrEqualTo(OverinterpretationDetector.KEPT_SHARE);
    assertThat(OverinterpretationDetector.standingOutShare(new FloatImage(1, 28, 28, cameraBlur)))
        .as("a camera's blur leaves none standing out").isLessThan(OverinterpretationDetector.KEPT_SHARE);
    assertThat(OverinterpretationDetector.blurFill(new FloatImage(1, 28, 28, blurred))).as("the blur fill's signal").isEqualTo(flatBlurred);
    assertThat(OverinterpretationDetector.blurFill(new FloatImage(1, 28, 28, cameraBlur))).as("a camera's blur: no signal").isZero();
    assertThat(OverinterpretationDetector.flatness(new FloatImage(1, 28, 28, new float[28 * 28]))).as("blank frame").isZero();
  }

  static final class TopLeftModel implements BatchClassifier {
    final List<Integer> calls = new ArrayList<>();

    @Override
    public ModelManifest manifest() {
      return new ModelManifest("fake", "1", "", "model.onnx",
          new ModelManifest.InputSpec("input", ModelManifest.Layout.NCHW, 1, 4, 4, 1f / 255, new float[] {0},
              new float[] {1}, new float[] {0}),
          new ModelManifest.OutputSpec("logits", null, true), List.of("zero", "one"));
    }

    @Override
    public String engineName() {
      return "fake";
    }

    @Override
    public BatchOutput classify(List<FloatImage> images) {
      calls.add(images.size());
      float[] p = new float[images.size() * 2];
      for (int i = 0; i < images.size(); i++) {
        FloatImage im = images.get(i);
        float m = (im.get(0, 0, 0) + im.get(0, 0, 1) + im.get(0, 1, 0) + im.get(0, 1, 1)) / 4;
        p[i * 2 + 1] = m;
        p[i * 2] = 1 - m;
      }
      return BatchOutput.fromModel(images.size(), p, true, null);
    }

    @Override
    public void close() {}
  }
}
