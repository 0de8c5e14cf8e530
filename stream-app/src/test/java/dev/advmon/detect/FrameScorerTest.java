package dev.advmon.detect;

import static dev.advmon.testing.PixelModel.pixel;
import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import dev.advmon.testing.PixelModel;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameScorerTest {

  /** Probes: two copies with pixel 1.0; flags when a probe's class differs from the frame's. */
  static class FlipDetector implements Detector {
    @Override
    public String name() {
      return "flip";
    }

    @Override
    public String reason() {
      return "PERTURBATION";
    }

    @Override
    public List<FloatImage> probes(FloatImage frame) {
      return List.of(new FloatImage(1, 1, 1, new float[] {1f}), new FloatImage(1, 1, 1, new float[] {1f}));
    }

    @Override
    public Detection evaluate(FloatImage frame, BatchOutput out, int frameRow, int firstProbeRow, int probeCount) {
      int changed = 0;
      for (int r = firstProbeRow; r < firstProbeRow + probeCount; r++) {
        changed += out.argmax(r) != out.argmax(frameRow) ? 1 : 0;
      }
      return new Detection(name(), reason(), changed, 0.5, null);
    }
  }

  @Test
  void scoresFramesAndTheirProbesInOneCallWhenTheyFit() {
    PixelModel c = PixelModel.open();
    FrameScorer s = new FrameScorer(c, List.of(new FlipDetector()), 128);
    List<Verdict> v = s.score(List.of(pixel(0f), pixel(1f), pixel(0.5f)));
    assertThat(c.calls).containsExactly(9);
    assertThat(v).extracting(Verdict::predictedLabel).containsExactly("zero", "two", "one");
    assertThat(v).extracting(Verdict::alert).containsExactly(true, false, true);
    assertThat(v.get(0).reasons()).containsExactly("PERTURBATION");
    assertThat(v.get(1).reasons()).isEmpty();
    assertThat(v.get(0).forwardPasses()).isEqualTo(3);
  }

  @Test
  void splitsBatchesAtMaxBatchWithoutSeparatingAFrameFromItsProbes() {
    PixelModel c = PixelModel.open();
    FrameScorer s = new FrameScorer(c, List.of(new FlipDetector()), 7);
    List<Verdict> v = s.score(List.of(pixel(0f), pixel(1f), pixel(0.5f), pixel(1f)));
    assertThat(c.calls).containsExactly(6, 6);
    assertThat(v).hasSize(4).extracting(Verdict::predictedClass).containsExactly(0, 2, 1, 2);
  }

  @Test
  void withoutDetectorsNothingIsFlagged() {
    PixelModel c = PixelModel.open();
    Verdict v = new FrameScorer(c, List.of(), 8).score(pixel(1f));
    assertThat(v.alert()).isFalse();
    assertThat(v.detections()).isEmpty();
    assertThat(v.confidence()).isEqualTo(1.0);
  }

  /**
   * The model's own words counted the rows of one call, the detectors' probes among them: one frame's NaN read "for
   * image 0 of a batch of 3", a batch the user never gave. The failure names the frame, and the detector whose probe
   * it was.
   */
  @Test
  void aNonFiniteScoreNamesTheFrameAndTheDetectorWhoseProbeItWasNotABatchCountingProbes() {
    FrameScorer s = new FrameScorer(new dev.advmon.testing.ScoreOverridingClassifier(PixelModel.open(),
        image -> image.data()[0] == 1f ? Float.valueOf(Float.NaN) : null), List.of(new FlipDetector()), 128);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.score(pixel(1f)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("model returned a class score of NaN for this frame: ")
        .hasMessageNotContaining("batch");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.score(pixel(0f)))
        .hasMessageStartingWith("model returned a class score of NaN for a probe that detector flip made from this "
            + "frame: ")
        .hasMessageNotContaining("batch");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.score(List.of(pixel(0f), pixel(0.5f))))
        .hasMessageStartingWith("model returned a class score of NaN for a probe that detector flip made from frame 1 "
            + "of the 2 scored together: ")
        .hasMessageNotContaining("batch");
  }

  @Test
  void aScoreThatIsNotANumberFailsTheFrameInsteadOfPassingItAsClean() {
    Detector nan = new FlipDetector() {
      @Override
      public Detection evaluate(FloatImage frame, BatchOutput out, int frameRow, int firstProbeRow, int probeCount) {
        return new Detection("nan", reason(), Double.NaN, 0.5, null);
      }
    };
    FrameScorer s = new FrameScorer(PixelModel.open(), List.of(nan), 8);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.score(pixel(1f)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("detector nan gave a score of NaN");
  }
}
