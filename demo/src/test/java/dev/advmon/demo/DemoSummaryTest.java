package dev.advmon.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.campaign.CameraStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoSummaryTest {

  private static DemoSummary summary(Double detectionRate, String attacksMadeFor, Double transferredFlagged) {
    return new DemoSummary(100, 4, "cam-04", 98, 2, 0, Map.of(), Map.of(), Map.of(),
        Map.of("clean", new DemoSummary.KindRow(60, 60, 1), "perturbation", new DemoSummary.KindRow(20, 20, 1)),
        Map.of(), List.of("stability"), detectionRate, 0.02, attacksMadeFor, transferredFlagged, List.of(), List.of(),
        10, 5, 20, Map.of(), false);
  }

  /** With a user's model, the replayed attacks (made for the bundled model) must not be read as its detection rate. */
  @Test
  void givesNoDetectionRateForAttacksMadeForAnotherModel() {
    String table = summary(null, "fashion-mnist-cnn", 0.05).table();
    assertThat(table).contains("n/a for this model: the attacks were made for fashion-mnist-cnn")
        .contains("5.0% of those frames flagged").doesNotContain("of attacked frames flagged");
  }

  /**
   * A short demo (--frames 300) ends before the stickered camera has three hot windows in a row: its summary said
   * "campaigns none" beside nearly every stickered frame flagged, with nothing to say that more frames were needed.
   */
  @Test
  void saysHowFarTheStickeredCameraGotWhenNoCampaignWasRaised() {
    CameraStatus stickered = new CameraStatus("cam-04", CameraStatus.NORMAL, 2_000, 18, 18, 0, 50, 49, 1, 0, -1, 68,
        67, Map.of(), List.of(), -1, 0);
    DemoSummary s = new DemoSummary(300, 4, "cam-04", 293, 7, 0, Map.of(), Map.of(), Map.of(), Map.of(), Map.of(),
        List.of("stability"), 0.9, 0.0, null, null, List.of(), List.of(stickered), 70, 24, 13, Map.of(), false);
    assertThat(s.table()).contains("campaigns              none (the stickered cam-04 ended with 1 hot window in a "
        + "row judged; a campaign takes campaign.consecutive-windows of them, 3 unless set: give more --frames)");
    assertThat(summary(0.8, null, null).table()).as("no state of the stickered camera: nothing to say about it")
        .contains("campaigns              none\n");
  }

  private static DemoSummary withStickered(CameraStatus stickered) {
    return new DemoSummary(2000, 4, "cam-04", 1990, 10, 0, Map.of(), Map.of(), Map.of(), Map.of(), Map.of(),
        List.of("stability"), 0.9, 0.0, null, null, List.of(), List.of(stickered), 70, 24, 13, Map.of(), false);
  }

  /**
   * "Give more --frames" holds only while the stickered camera's windows were hot: one whose last window judged was
   * not above the baseline (a bundle whose detectors miss the sticker) would not raise a campaign with more frames, and
   * was sent to give them; one whose state is in a campaign (its alert not read before the summary) was told it had
   * too few hot windows.
   */
  @Test
  void advisesMoreFramesOnlyWhereTheStickeredCameraWasHotAndNotInACampaign() {
    CameraStatus cool = new CameraStatus("cam-04", CameraStatus.NORMAL, 18_000, 30, 1, 16_000, 50, 2, 0, 0, -1, 500,
        9, Map.of(), List.of());
    assertThat(withStickered(cool).table()).doesNotContain("give more --frames")
        .contains("campaigns              none (the stickered cam-04's last window judged, 2 of 50 flagged, was not "
            + "clearly above the baseline)");
    CameraStatus notJudged = new CameraStatus("cam-04", CameraStatus.NORMAL, 0, 8, 8, -1, 0, 0, 0, 0, -1, 8, 8);
    assertThat(withStickered(notJudged).table()).contains("campaigns              none (no window of the stickered "
        + "cam-04 was judged yet: give more --frames)");
    CameraStatus raised = new CameraStatus("cam-04", CameraStatus.CAMPAIGN, 8_000, 10, 10, 6_000, 50, 49, 3, 0, 8_000,
        160, 157, Map.of(), List.of());
    assertThat(withStickered(raised).table()).contains("campaigns              none\n");
  }

  @Test
  void givesTheDetectionRateForAttacksOnTheModelInUse() {
    assertThat(summary(0.8, null, null).table()).contains("80.0% of attacked frames flagged");
  }
}
