package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.image.EvidenceOverlay;
import dev.advmon.detect.Detector;
import dev.advmon.schema.Alert;
import dev.advmon.schema.FrameVerdict;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerdictMapperEvidenceTest {

  /** A flagged verdict of a Bag at 99% with these reasons and detections. */
  private static FrameVerdict verdict(String frameId, List<String> reasons, List<Detector.Detection> detections) {
    return FrameVerdict.newBuilder().setFrameId(frameId).setCameraId("cam").setCaptureTime(Instant.EPOCH)
        .setScoredTime(Instant.EPOCH).setModelName("m").setModelVersion("1").setPredictedClass(8).setPredictedLabel("Bag")
        .setConfidence(0.99).setAlert(true).setReasons(reasons).setScores(VerdictMapper.scores(detections)).build();
  }

  @Test
  void flaggedDetectionsEvidenceReachesTheAlertSoTheDashboardCanDrawTheSubset() {
    Detector.Detection oi = new Detector.Detection("overinterpretation", "OVERINTERPRETATION", 2.0, 1.0,
        "sufficient-fraction=0.0204;subset.grid=7x7;subset=80000000000000");
    Detector.Detection quiet = new Detector.Detection("perturbation", "PERTURBATION", 0.1, 1.0, "softmax-l1:bit-depth-3=0.0100");
    FrameVerdict v = verdict("f1", List.of("OVERINTERPRETATION"), List.of(quiet, oi));
    Alert a = VerdictMapper.toAlert(v, List.of(quiet, oi));
    Map<String, String> evidence = new java.util.HashMap<>();
    a.getEvidence().forEach((k, val) -> evidence.put(k.toString(), val.toString()));
    assertThat(evidence).containsEntry("subset", "80000000000000").containsEntry("subset.grid", "7x7")
        .containsEntry("model", "m:1").doesNotContainKey("softmax-l1:bit-depth-3");
    assertThat(EvidenceOverlay.from(evidence)).isNotNull();
  }

  @Test
  void twoCamerasThatNumberTheirFramesAlikeGetAlertsOfDifferentIds() {
    Detector.Detection learned = new Detector.Detection("learned", "FOOLING", 1.0, 0.823, "head=1.0000");
    FrameVerdict first = verdict("frame-000123", List.of("FOOLING"), List.of(learned));
    FrameVerdict second = FrameVerdict.newBuilder(first).setCameraId("cam-2").build();
    Alert a = VerdictMapper.toAlert(first, List.of(learned));
    Alert b = VerdictMapper.toAlert(second, List.of(learned));
    assertThat(a.getAlertId()).isEqualTo("cam/frame-000123/FOOLING");
    assertThat(b.getAlertId()).isNotEqualTo(a.getAlertId());
    assertThat(VerdictMapper.toAlert(first, List.of(learned)).getAlertId()).as("a replay writes the same id")
        .isEqualTo(a.getAlertId());
  }

  /**
   * Camera ids may hold a slash (site-1/cam-3): camera "a/b" frame "c" and camera "a" frame "b/c" both read
   * "a/b/c/KIND" when the parts are joined as they are, and a consumer that removes repeats by alertId drops one.
   */
  @Test
  void camerasWithASlashInTheirIdGetAlertsOfDifferentIdsFromTheirNeighbours() {
    Detector.Detection learned = new Detector.Detection("learned", "FOOLING", 1.0, 0.823, "head=1.0000");
    FrameVerdict slashedCamera = FrameVerdict.newBuilder(verdict("c", List.of("FOOLING"), List.of(learned)))
        .setCameraId("a/b").build();
    FrameVerdict slashedFrame = FrameVerdict.newBuilder(verdict("b/c", List.of("FOOLING"), List.of(learned)))
        .setCameraId("a").build();
    FrameVerdict percent = FrameVerdict.newBuilder(verdict("c", List.of("FOOLING"), List.of(learned)))
        .setCameraId("a%2Fb").build();
    String one = VerdictMapper.toAlert(slashedCamera, List.of(learned)).getAlertId();
    String two = VerdictMapper.toAlert(slashedFrame, List.of(learned)).getAlertId();
    String three = VerdictMapper.toAlert(percent, List.of(learned)).getAlertId();
    assertThat(List.of(one, two, three)).doesNotHaveDuplicates();
    assertThat(two).as("ids without a slash or a percent sign are as before").isEqualTo("a/b/c/FOOLING");
  }

  /** README, "What a consumer of the outputs can rely on": severity by the number of reasons, not of detectors. */
  @Test
  void aFrameAlertIsCriticalOnlyWhenFlaggedForTwoOrMoreReasons() {
    Detector.Detection stability = new Detector.Detection("stability", "PERTURBATION", 2.0, 1.3, "boundary=0.9");
    Detector.Detection perturbation = new Detector.Detection("perturbation", "PERTURBATION", 2.0, 1.0, "");
    Detector.Detection fooling = new Detector.Detection("fooling", "FOOLING", 2.0, 1.0, "mahalanobis=9.0");
    assertThat(VerdictMapper.toAlert(verdict("one", List.of("PERTURBATION"), List.of(stability, perturbation)),
        List.of(stability, perturbation)).getSeverity()).as("two detectors, one reason")
        .isEqualTo(dev.advmon.schema.Severity.WARNING);
    Alert two = VerdictMapper.toAlert(verdict("two", List.of("PERTURBATION", "FOOLING"), List.of(stability, fooling)),
        List.of(stability, fooling));
    assertThat(two.getSeverity()).isEqualTo(dev.advmon.schema.Severity.CRITICAL);
    assertThat(two.getKind()).as("named after the first reason").isEqualTo("PERTURBATION");
  }

  @Test
  void aConsensusAlertSaysWhichDetectorsAddedUpAndHowUnusualEachWas() {
    Detector.Detection quiet = new Detector.Detection("stability", "PERTURBATION", 1.1, 1.3, "boundary=0.1");
    Detector.Detection consensus = new Detector.Detection("consensus", "PERTURBATION", 15.2, 14.45,
        "stability_p=0.0300;perturbation_p=0.0120;learned_p=0.0040;consistency_p=1.0000");
    FrameVerdict v = verdict("f2", List.of("PERTURBATION"), List.of(quiet, consensus));
    Alert a = VerdictMapper.toAlert(v, List.of(quiet, consensus));
    assertThat(a.getExplanation()).contains("the consensus score 15.200 (several detectors unusual at once, none enough alone: "
        + "learned p=0.0040, perturbation p=0.0120, stability p=0.0300, consistency p=1.0000) is above its threshold 14.450")
        .doesNotContain("stability score");
    assertThat(a.getEvidence().get("learned_p").toString()).isEqualTo("0.0040");
  }

  @Test
  void aConsensusAlertDoesNotSayNoneWasEnoughAloneWhenAMemberFlaggedToo() {
    Detector.Detection learned = new Detector.Detection("learned", "FOOLING", 1.0, 0.823, "head=1.0000");
    Detector.Detection consensus = new Detector.Detection("consensus", "PERTURBATION", 21.9, 14.45,
        "stability_p=0.0300;perturbation_p=0.0120;learned_p=0.0001;consistency_p=0.0001");
    FrameVerdict v = verdict("f3", List.of("FOOLING", "PERTURBATION"), List.of(learned, consensus));
    Alert a = VerdictMapper.toAlert(v, List.of(learned, consensus));
    assertThat(a.getExplanation()).contains("the learned score 1.000 is above its threshold 0.823")
        .contains("the consensus score 21.900 (the surprise of several detectors added up: ")
        .doesNotContain("none enough alone");
  }
}
