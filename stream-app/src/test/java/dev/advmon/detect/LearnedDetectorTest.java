package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import org.junit.jupiter.api.Test;

class LearnedDetectorTest {

  private static final FloatImage FRAME = new FloatImage(1, 2, 2, new float[4]);

  /** One row whose head logits are {@code head} (clean, perturbation, fooling). */
  private static BatchOutput row(float... head) {
    return BatchOutput.fromModel(1, new float[] {0.9f, 0.1f}, true, null).withAdversarial(head);
  }

  @Test
  void scoresOneMinusTheHeadsCleanProbabilityAndFlagsAboveTheThreshold() {
    LearnedDetector d = new LearnedDetector(0.5);
    Detector.Detection clean = d.evaluate(FRAME, row(4f, 0f, 0f), 0, 1, 0);
    assertThat(clean.score()).isCloseTo(2.0 / (Math.exp(4) + 2), within(1e-6));
    assertThat(clean.flagged()).isFalse();
    Detector.Detection attacked = d.evaluate(FRAME, row(0f, 4f, 0f), 0, 1, 0);
    assertThat(attacked.flagged()).isTrue();
    assertThat(attacked.reason()).isEqualTo("PERTURBATION");
    assertThat(attacked.evidenceMap()).containsKeys("p_perturbation", "p_fooling");
    assertThat(d.probes(FRAME)).as("the head runs in the frame's own forward pass").isEmpty();
  }

  @Test
  void saysFoolingWhenTheHeadFindsFoolingLikelierThanPerturbation() {
    Detector.Detection d = new LearnedDetector(0.5).evaluate(FRAME, row(0f, 1f, 3f), 0, 1, 0);
    assertThat(d.flagged()).isTrue();
    assertThat(d.reason()).isEqualTo("FOOLING");
  }

  @Test
  void aReasonGivenByTwoDetectorsIsListedOnce() {
    Detector.Detection squeeze = new Detector.Detection("perturbation", "PERTURBATION", 2, 1, "");
    Detector.Detection learned = new LearnedDetector(0.5).evaluate(FRAME, row(0f, 4f, 0f), 0, 1, 0);
    Detector.Detection quiet = new Detector.Detection("fooling", "FOOLING", 0.5, 1, "");
    Verdict v = new Verdict(0, "a", 0.9, java.util.List.of(squeeze, quiet, learned), 1);
    assertThat(v.reasons()).containsExactly("PERTURBATION");
    assertThat(v.alert()).isTrue();
  }
}
