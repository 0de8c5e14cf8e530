package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConsensusDetectorTest {

  /** 1,000 threshold-frame scores 0.000, 0.001, ..., 0.999: a score's share of frames at least as high is 1 - score. */
  private static TailTable uniform() {
    double[] s = new double[1000];
    for (int i = 0; i < s.length; i++) {
      s[i] = i / 1000.0;
    }
    return TailTable.of(s);
  }

  @Test
  void surpriseIsMinusTheLogOfTheShareOfThresholdFramesScoringAtLeastAsHigh() {
    TailTable t = uniform();
    assertThat(t.surprise(0.0)).isZero();
    assertThat(t.surprise(-5)).isZero();
    assertThat(t.surprise(Double.NaN)).isZero();
    assertThat(t.surprise(0.9)).isCloseTo(-Math.log(0.1), org.assertj.core.data.Offset.offset(0.02));
    assertThat(t.surprise(0.99)).isCloseTo(-Math.log(0.01), org.assertj.core.data.Offset.offset(0.05));
    assertThat(t.surprise(0.5)).isCloseTo(-Math.log(0.5), org.assertj.core.data.Offset.offset(0.02));
    assertThat(t.surprise(7)).as("above every threshold frame: capped at ln n").isCloseTo(Math.log(1000), org.assertj.core.data.Offset.offset(0.02));
    assertThat(t.surprise(0.8)).isLessThan(t.surprise(0.81));
  }

  @Test
  void tiedScoresKeepTheLargestShareSoAScoreEveryFrameReachesIsNoEvidence() {
    double[] s = new double[100];
    s[99] = 1.0; // 99 frames score 0, one scores 1
    TailTable t = TailTable.of(s);
    assertThat(t.surprise(0)).isZero();
    assertThat(t.surprise(1.0)).isCloseTo(Math.log(100), org.assertj.core.data.Offset.offset(0.02));
  }

  @Test
  void aTailMustNotDecrease() {
    assertThatThrownBy(() -> new TailTable(new double[] {1, 0.5})).hasMessageContaining("entry 1");
    assertThatThrownBy(() -> TailTable.of(new double[0])).hasMessageContaining("at least one");
  }

  @Test
  void severalModeratelySuspiciousMembersAlertWhereNoneAloneWould() {
    ConsensusDetector c = new ConsensusDetector(List.of("a", "b", "c"), List.of(uniform(), uniform(), uniform()), -3 * Math.log(0.05));
    List<Detector.Detection> moderate = List.of(
        new Detector.Detection("a", "PERTURBATION", 0.97, 0.995, null),
        new Detector.Detection("b", "FOOLING", 0.98, 0.995, null),
        new Detector.Detection("c", "PERTURBATION", 0.96, 0.995, null));
    assertThat(moderate).noneMatch(Detector.Detection::flagged);
    Detector.Detection d = c.combine(moderate);
    assertThat(d.flagged()).isTrue();
    assertThat(d.reason()).as("the strongest member's reason").isEqualTo("FOOLING");
    assertThat(Double.parseDouble(d.evidenceMap().get("a_p"))).isCloseTo(0.03, org.assertj.core.data.Offset.offset(0.001));
    assertThat(Double.parseDouble(d.evidenceMap().get("b_p"))).isCloseTo(0.02, org.assertj.core.data.Offset.offset(0.001));
    assertThat(Double.parseDouble(d.evidenceMap().get("c_p"))).isCloseTo(0.04, org.assertj.core.data.Offset.offset(0.001));
    assertThat(d.signals()).hasSize(3);

    Detector.Detection one = c.combine(List.of(
        new Detector.Detection("a", "PERTURBATION", 0.999, 0.995, null),
        new Detector.Detection("b", "FOOLING", 0.3, 0.995, null),
        new Detector.Detection("c", "PERTURBATION", 0.5, 0.995, null)));
    assertThat(one.flagged()).as("one member alone, the others ordinary").isFalse();
  }

  @Test
  void aMissingMemberIsNamed() {
    ConsensusDetector c = new ConsensusDetector(List.of("a", "learned"), List.of(uniform(), uniform()), 5);
    assertThatThrownBy(() -> c.combine(List.of(new Detector.Detection("a", "PERTURBATION", 0.5, 1, null))))
        .hasMessageContaining("learned");
    assertThatThrownBy(() -> new ConsensusDetector(List.of("a"), List.of(uniform()), 5)).hasMessageContaining("at least two");
    assertThatThrownBy(() -> new ConsensusDetector(List.of("a", "a"), List.of(uniform(), uniform()), 5))
        .as("a member counted twice").hasMessageContaining("more than once");
  }
}
