package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.image.FloatImage;
import dev.advmon.image.ImageLimits;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.testing.SharedCnn;
import dev.advmon.testing.TestData;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * README: "a replayed frame gets the same verdict". After a crash the frame is scored again, but in a model call
 * shared with other frames than the first time (calls merge across stream threads), so its verdict must not depend on
 * what else was in the call: every detector's score, and so every alert and its id, the same to the last bit.
 */
class ReplayDeterminismTest {

  @Test
  void aFramesVerdictDoesNotDependOnTheFramesThatShareItsModelCall() throws Exception {
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    FrameScorer scorer = new FrameScorer(SharedCnn.get(), Detectors.forBundle(bundle), 256);
    FramePreparer preparer = FramePreparer.forModel(new ImageLimits(100_000, 1_000_000, 4096), bundle.manifest());
    List<FloatImage> frames = new ArrayList<>();
    for (TestData.Labelled l : TestData.evalSet().subList(0, 12)) {
      frames.add(preparer.prepare(l.file()));
    }
    List<Verdict> alone = new ArrayList<>();
    for (FloatImage f : frames) {
      alone.add(scorer.score(f));
    }
    List<Verdict> together = scorer.score(frames);
    List<FloatImage> reversed = new ArrayList<>(frames);
    Collections.reverse(reversed);
    List<Verdict> backwards = scorer.score(reversed);
    Collections.reverse(backwards);
    for (int i = 0; i < frames.size(); i++) {
      for (List<Verdict> other : List.of(together, backwards)) {
        assertThat(other.get(i).predictedClass()).isEqualTo(alone.get(i).predictedClass());
        assertThat(other.get(i).confidence()).as("frame %d confidence", i).isEqualTo(alone.get(i).confidence());
        for (int d = 0; d < alone.get(i).detections().size(); d++) {
          Detector.Detection a = alone.get(i).detections().get(d);
          Detector.Detection b = other.get(i).detections().get(d);
          assertThat(b.score()).as("frame %d, %s", i, a.detector()).isEqualTo(a.score());
          assertThat(b.evidence()).as("frame %d, %s evidence", i, a.detector()).isEqualTo(a.evidence());
        }
      }
    }
  }
}
