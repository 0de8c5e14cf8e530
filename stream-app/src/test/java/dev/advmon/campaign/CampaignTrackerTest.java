package dev.advmon.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.advmon.schema.Alert;
import dev.advmon.schema.Severity;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CampaignTrackerTest {

  /** Windows of 1 s, at least 10 frames, baseline 10%, 3 windows in a row. */
  private final CampaignTracker tracker = new CampaignTracker(new CampaignSettings(1_000, 10, 0.1, 3));
  private CameraStatus state;
  private final List<Alert> alerts = new ArrayList<>();
  private String camera = "cam-7";

  /**
   * {@code frames} verdicts spread over window {@code w} (starting at w seconds), the first {@code flagged} flagged;
   * the monitor's clock reads each frame's timestamp (a camera with a right clock, no delay).
   */
  private void window(int w, int frames, int flagged) {
    for (int i = 0; i < frames; i++) {
      long t = w * 1_000L + i * (900L / frames);
      observe(t, t, i < flagged);
    }
  }

  private void observe(long timestamp, long now, boolean flagged) {
    CampaignTracker.Step step = tracker.observe(state, camera, timestamp, now, flagged);
    state = step.status();
    step.alert().ifPresent(alerts::add);
  }

  @Test
  void threeHotWindowsInARowRaiseOneCampaignAlertWhenTheFourthWindowBegins() {
    window(0, 20, 10);
    window(1, 20, 10);
    window(2, 20, 10);
    assertThat(alerts).isEmpty(); // the third window is judged when a later one begins
    window(3, 20, 10);
    assertThat(alerts).hasSize(1);
    Alert a = alerts.get(0);
    assertThat(a.getKind()).isEqualTo("CAMPAIGN");
    assertThat(a.getSeverity()).isEqualTo(Severity.CRITICAL);
    assertThat(a.getCameraId()).isEqualTo("cam-7");
    assertThat(a.getFrameId()).isNull();
    assertThat(a.getAlertId()).isEqualTo("cam-7/CAMPAIGN/2000");
    assertThat(a.getEvidence()).containsEntry("window_frames", "20").containsEntry("window_flagged", "10")
        .containsEntry("window_flag_rate", "0.5000").containsEntry("consecutive_windows", "3")
        .containsEntry("baseline_rate", "0.1");
    assertThat(a.getExplanation()).contains("cam-7").contains("10 of 20");
    assertThat(state.status()).isEqualTo(CameraStatus.CAMPAIGN);
    assertThat(state.campaignSince()).isEqualTo(3_000);
  }

  /** Alert ids are unique only if the camera part cannot run into the next: see {@link AlertIds}. */
  @Test
  void aCameraIdWithASlashIsEscapedInTheCampaignsIdsAndTheClearNamesTheSameCampaign() {
    camera = "site-1/cam-7";
    for (int w = 0; w < 4; w++) {
      window(w, 20, 10);
    }
    for (int w = 4; w < 8; w++) {
      window(w, 20, 0);
    }
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN", "CAMPAIGN_CLEARED");
    assertThat(alerts.get(0).getAlertId()).isEqualTo("site-1%2Fcam-7/CAMPAIGN/2000");
    assertThat(alerts.get(0).getCameraId()).as("the camera id itself is as sent").isEqualTo("site-1/cam-7");
    assertThat(alerts.get(1).getAlertId()).startsWith("site-1%2Fcam-7/CAMPAIGN_CLEARED/");
    assertThat(alerts.get(1).getEvidence()).containsEntry("campaign_alert_id", alerts.get(0).getAlertId());
  }

  @Test
  void aCampaignIsRaisedOnceAndNotRepeatedWhileItLasts() {
    for (int w = 0; w < 10; w++) {
      window(w, 20, 15);
    }
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN");
  }

  @Test
  void aCoolWindowBreaksTheStreakSoTwoHotWindowsAreNotACampaign() {
    window(0, 20, 10);
    window(1, 20, 10);
    window(2, 20, 2); // exactly the baseline: 10% is not above it
    window(3, 20, 10);
    window(4, 20, 10);
    window(5, 20, 0);
    assertThat(alerts).isEmpty();
    assertThat(state.hotStreak()).isEqualTo(2);
  }

  @Test
  void threeCoolWindowsInARowClearTheCampaign() {
    for (int w = 0; w < 4; w++) {
      window(w, 20, 10);
    }
    window(4, 20, 1);
    window(5, 20, 1);
    window(6, 20, 1);
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN");
    window(7, 20, 1);
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN", "CAMPAIGN_CLEARED");
    Alert cleared = alerts.get(1);
    assertThat(cleared.getSeverity()).isEqualTo(Severity.INFO);
    assertThat(cleared.getEvidence()).containsEntry("window_flagged", "1").containsEntry("consecutive_windows", "3")
        .as("told apart from a camera that went quiet").containsEntry("cleared_by", "cool_windows");
    assertThat(alerts.get(0).getEvidence()).doesNotContainKey("cleared_by");
    assertThat(state.status()).isEqualTo(CameraStatus.NORMAL);
    assertThat(state.campaignSince()).isEqualTo(-1);
  }

  @Test
  void windowsWithTooFewFramesNeitherExtendNorBreakAStreak() {
    window(0, 20, 10);
    window(1, 5, 5); // too few to count alone, although all flagged: judged with window 2
    window(2, 20, 10);
    window(3, 5, 0); // too few to count alone, although none flagged: judged with window 4
    window(4, 20, 10);
    window(5, 20, 0);
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN");
    assertThat(alerts.get(0).getAlertId()).isEqualTo("cam-7/CAMPAIGN/4000");
  }

  @Test
  void aCampaignOfACameraSendingTooFewFramesPerWindowIsJudgedOnItsWindowsPooledAndClearedWhenTheyAreCool() {
    // a camera in CAMPAIGN that kept sending fewer than campaign.min-frames a window was never cleared: each window
    // was inconclusive, so the cool streak never grew, and the camera was never idle enough to be forgotten
    for (int w = 0; w < 4; w++) {
      window(w, 20, 10);
    }
    window(4, 4, 0); // window 3 is hot too: the campaign was raised when it began
    for (int w = 5; w < 40; w++) {
      window(w, 4, 0); // 4 frames a window, 10 needed: three windows' frames are judged together
    }
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN", "CAMPAIGN_CLEARED");
    Alert cleared = alerts.get(1);
    // spans [4 s, 7 s), [7 s, 10 s) and [10 s, 13 s): the third cool one clears, when window 13 begins
    assertThat(cleared.getAlertId()).isEqualTo("cam-7/CAMPAIGN_CLEARED/10000");
    assertThat(cleared.getTime().toEpochMilli()).isEqualTo(13_000);
    assertThat(cleared.getEvidence()).containsEntry("cleared_by", "cool_windows")
        .containsEntry("window_start", "1970-01-01T00:00:10Z").containsEntry("window_end", "1970-01-01T00:00:13Z")
        .containsEntry("window_frames", "12").containsEntry("window_flagged", "0")
        .containsEntry("consecutive_windows", "3").containsEntry("campaign_alert_id", "cam-7/CAMPAIGN/2000")
        .as("the frames carried from the earlier windows of the span").containsEntry("pooled_frames", "8");
    assertThat(cleared.getExplanation()).contains("fewer than campaign.min-frames (10)");
    assertThat(state.status()).isEqualTo(CameraStatus.NORMAL);
  }

  @Test
  void aCampaignOfACameraSendingTooFewFramesPerWindowThatAreStillFlaggedIsNotCleared() {
    for (int w = 0; w < 4; w++) {
      window(w, 20, 10);
    }
    for (int w = 4; w < 60; w++) {
      window(w, 4, 3); // 75% flagged, however few a window
    }
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN");
    assertThat(state.inCampaign()).isTrue();
  }

  @Test
  void aCameraSendingTooFewFramesPerWindowWhoseFramesAreAllFlaggedRaisesACampaignOnItsWindowsPooled() {
    // a camera that sent fewer than campaign.min-frames a window (on motion only, a low frame rate) never raised a
    // campaign while NORMAL, even with every frame flagged: each window was inconclusive and nothing was carried
    for (int w = 0; w < 10; w++) {
      window(w, 4, 4); // 4 frames a window, 10 needed: three windows' frames are judged together
    }
    // spans [0 s, 3 s), [3 s, 6 s) and [6 s, 9 s): the third hot one raises, when window 9 begins
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN");
    Alert raised = alerts.get(0);
    assertThat(raised.getAlertId()).as("named after its last window, as for a window judged alone")
        .isEqualTo("cam-7/CAMPAIGN/8000");
    assertThat(raised.getTime().toEpochMilli()).isEqualTo(9_000);
    assertThat(raised.getEvidence()).containsEntry("window_start", "1970-01-01T00:00:06Z")
        .containsEntry("window_end", "1970-01-01T00:00:09Z").containsEntry("window_frames", "12")
        .containsEntry("window_flagged", "12").containsEntry("consecutive_windows", "3")
        .as("the frames carried from the earlier windows of the span").containsEntry("pooled_frames", "8");
    assertThat(raised.getExplanation()).contains("12 of 12").contains("fewer than campaign.min-frames (10)");
    assertThat(state.inCampaign()).isTrue();
    assertThat(state.campaignSince()).isEqualTo(9_000);

    for (int w = 10; w < 30; w++) {
      window(w, 4, 0);
    }
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN", "CAMPAIGN_CLEARED");
    assertThat(alerts.get(1).getEvidence()).as("the clear names the CAMPAIGN it ends by that CAMPAIGN's id")
        .containsEntry("campaign_alert_id", raised.getAlertId());
  }

  /**
   * A camera at one frame a minute (defaults: windows of 10 s, 20 frames) raises its campaign on three spans of 20
   * minutes each. Its CAMPAIGN said "in each of the last 3 windows of 10.0 s (last window: 20 of 20 ...)": an operator
   * read half a minute of evidence where there was an hour, and the "window" it named lasted 20 minutes.
   */
  @Test
  void theAlertsOfACameraJudgedOnPooledWindowsSayTheyRestOnSpansNotOnWindowsOfTheWindowsLength() {
    CampaignTracker defaults = new CampaignTracker(CampaignSettings.defaults());
    CameraStatus s = null;
    List<Alert> raised = new ArrayList<>();
    for (long t = 0; t < 200 * 60_000L; t += 60_000) {
      CampaignTracker.Step step = defaults.observe(s, "cam-sparse", t, t, t < 60 * 60_000L);
      s = step.status();
      step.alert().ifPresent(raised::add);
    }
    assertThat(raised).extracting(Alert::getKind).containsExactly("CAMPAIGN", "CAMPAIGN_CLEARED");
    assertThat(raised.get(0).getExplanation())
        .doesNotContain("windows of 10.0 s (last window")
        .contains("each of the last 3 spans judged")
        .contains("fewer than campaign.min-frames (20)")
        // it "sent fewer": a frame it sent that went to the dead-letter topic is no verdict and never reaches here
        .doesNotContain("sent fewer").contains("had fewer than campaign.min-frames (20) frames scored in one")
        .contains("last span, 1970-01-01T00:40:00Z to 1970-01-01T00:59:10Z: 20 of 20, 100%");
    assertThat(raised.get(1).getExplanation())
        .doesNotContain("windows of 10.0 s (last window")
        .contains("each of the last 3 spans judged")
        .contains("last span, 1970-01-01T01:40:00Z to 1970-01-01T01:59:10Z: 0 of 20 flagged");
  }

  /**
   * The streak counts spans and windows judged alone alike: a camera at a frame a minute, hot in two spans of 20
   * minutes, then sending a burst of 30 flagged frames in one window, raised its CAMPAIGN saying "each of the last 3
   * windows of 10.0 s": forty minutes of evidence read as half a minute, because only the last judgement was looked at.
   */
  @Test
  void aStreakOfPooledSpansEndedByAWindowJudgedAloneStillSaysSpans() {
    CampaignTracker defaults = new CampaignTracker(CampaignSettings.defaults());
    CameraStatus s = null;
    List<Alert> raised = new ArrayList<>();
    List<Long> times = new ArrayList<>();
    for (long t = 0; t < 40 * 60_000L; t += 60_000) {
      times.add(t); // two spans of 20 frames, one frame a minute
    }
    for (long t = 40 * 60_000L; t < 40 * 60_000L + 9_000; t += 300) {
      times.add(t); // then 30 frames in the window 00:40:00 to 00:40:10, judged alone
    }
    times.add(41 * 60_000L); // closes that window
    CameraStatusSerde store = new CameraStatusSerde(); // through the store, as the topology keeps it
    for (long t : times) {
      CampaignTracker.Step step = defaults.observe(s, "cam-burst", t, t, true);
      s = store.deserializer().deserialize("t", store.serializer().serialize("t", step.status()));
      step.alert().ifPresent(raised::add);
    }
    assertThat(raised).extracting(Alert::getKind).containsExactly("CAMPAIGN");
    assertThat(raised.get(0).getEvidence()).containsEntry("window_start", "1970-01-01T00:40:00Z")
        .containsEntry("window_end", "1970-01-01T00:40:10Z").containsEntry("consecutive_windows", "3");
    assertThat(raised.get(0).getExplanation())
        .doesNotContain("windows of 10.0 s (last window")
        .contains("each of the last 3 spans judged")
        .contains("last span, 1970-01-01T00:40:00Z to 1970-01-01T00:40:10Z: 30 of 30, 100%");
  }

  /**
   * A CAMPAIGN named only its last window, so an operator could not read when the evidence began: the first window
   * of its hot streak (the streak tolerates gaps of empty windows, so it is not "3 windows back"). Likewise a clear
   * names the first window of its cool streak: since when the flags were no longer clearly above the baseline.
   */
  @Test
  void campaignAlertsNameTheFirstWindowOfTheirStreakAsWellAsTheLast() {
    CameraStatusSerde store = new CameraStatusSerde(); // through the store, as the topology keeps it
    int[][] windows = {{0, 0}, {1, 0}, {2, 10}, {5, 10}, {6, 10}, {7, 0}, {8, 0}, {9, 0}, {10, 0}};
    for (int[] w : windows) {
      window(w[0], 20, w[1]);
      state = store.deserializer().deserialize("t", store.serializer().serialize("t", state));
    }
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN", "CAMPAIGN_CLEARED");
    assertThat(alerts.get(0).getEvidence()).containsEntry("streak_start", "1970-01-01T00:00:02Z")
        .containsEntry("window_start", "1970-01-01T00:00:06Z").containsEntry("window_end", "1970-01-01T00:00:07Z");
    assertThat(alerts.get(0).getExplanation())
        .contains("The evidence runs from 1970-01-01T00:00:02Z (the start of the first of those 3 windows) to "
            + "1970-01-01T00:00:07Z.");
    assertThat(alerts.get(1).getEvidence()).containsEntry("streak_start", "1970-01-01T00:00:07Z")
        .containsEntry("window_start", "1970-01-01T00:00:09Z");
    assertThat(alerts.get(1).getExplanation())
        .contains("Not clearly above the baseline from 1970-01-01T00:00:07Z (the start of the first of those 3 "
            + "windows) to 1970-01-01T00:00:10Z.");
  }

  /**
   * A clear by cool windows said "the campaign is over": the monitor sees only that the flags are no longer clearly
   * above the baseline, not that the camera was inspected or the sticker removed (an attack its detectors miss clears
   * it as well), so an operator read the all-clear as a finding it is not.
   */
  @Test
  void aClearByCoolWindowsSaysWhatItSawNotThatTheAttackIsOver() {
    for (int w = 0; w < 4; w++) {
      window(w, 20, 10);
    }
    for (int w = 4; w < 8; w++) {
      window(w, 20, 0);
    }
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN", "CAMPAIGN_CLEARED");
    assertThat(alerts.get(1).getExplanation()).doesNotContain("is over")
        .contains("the campaign is cleared on the flag rate alone")
        .contains("not that the camera was inspected");
  }

  /**
   * A cool window is one not clearly above the baseline, not one at it: 6 of 20 flagged (30%, three times the 10%
   * baseline) is cool over 20 frames. Its clear said the flags were "Back at the baseline" and "back to what ordinary
   * conditions explain" beside "6 of 20 flagged", which an operator reads as a contradiction, or as a camera at 10%.
   */
  @Test
  void aClearOfWindowsStillFlaggedAboveTheBaselineRateDoesNotSayTheyAreBackAtIt() {
    for (int w = 0; w < 4; w++) {
      window(w, 20, 10);
    }
    for (int w = 4; w < 8; w++) {
      window(w, 20, 6);
    }
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN", "CAMPAIGN_CLEARED");
    assertThat(alerts.get(1).getExplanation()).contains("6 of 20 flagged")
        .doesNotContainIgnoringCase("back at the baseline").doesNotContain("back to")
        .contains("Not clearly above the baseline from 1970-01-01T00:00:04Z (the start of the first of those 3 "
            + "windows) to 1970-01-01T00:00:07Z.")
        .contains("no more than ordinary conditions may explain");
  }

  /**
   * A state written before the streak's start was kept cannot tell it: its alert leaves it out rather than name the
   * epoch (a missing number reads as 0). A streak begun after the upgrade names it. An older version reads the new
   * state, since the camera state's JSON ignores fields it does not know (as it did for streakPooled).
   */
  @Test
  void aStreakBegunBeforeTheUpgradeNamesNoStartAndAnOlderVersionReadsTheNewState() {
    CameraStatusSerde serde = new CameraStatusSerde();
    // as the previous version wrote it: two hot windows of three, the third being counted
    byte[] older = ("{\"cameraId\":\"cam-7\",\"status\":\"NORMAL\",\"windowStart\":2000,\"windowFrames\":0,"
        + "\"windowFlagged\":0,\"lastWindowStart\":1000,\"lastWindowFrames\":20,\"lastWindowFlagged\":10,"
        + "\"hotStreak\":2,\"coolStreak\":0,\"campaignSince\":-1,\"totalFrames\":40,\"totalFlagged\":20,"
        + "\"windowReasons\":{},\"windowExamples\":[],\"pooledSince\":-1,\"pooledFrames\":0,"
        + "\"streakPooled\":false}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    state = serde.deserializer().deserialize("t", older);
    window(2, 20, 10);
    window(3, 20, 0); // closes window 2: the third hot window in a row
    assertThat(alerts).singleElement().satisfies(a -> {
      assertThat(a.getKind()).isEqualTo("CAMPAIGN");
      assertThat(a.getEvidence()).doesNotContainKey("streak_start");
      assertThat(a.getExplanation()).doesNotContain("1970-01-01T00:00:00Z").doesNotContain("first of those").doesNotContain("evidence runs");
    });
    window(4, 20, 0);
    window(5, 20, 0);
    window(6, 20, 0); // the cool streak began after the upgrade, at 3 s
    assertThat(alerts.get(1).getEvidence()).containsEntry("cleared_by", "cool_windows")
        .containsEntry("streak_start", "1970-01-01T00:00:03Z");

    // what this version writes, with a field a later version may add: read all the same, the unknown field ignored
    String written = new String(serde.serializer().serialize("t", state), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(written).contains("\"streakSince\":3000");
    byte[] later = written.replaceFirst("\\}$", ",\"aFieldOfALaterVersion\":[1]}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(serde.deserializer().deserialize("t", later)).isEqualTo(state);
  }

  /**
   * With campaign.consecutive-windows=1 one window raises and one clears; the alerts said "each of the last 1 windows"
   * and "the first of those 1 windows", which reads as a slip. They name the one window, or the one span.
   */
  @Test
  void aStreakOfOneWindowOrOneSpanIsNamedInTheSingular() {
    CampaignTracker one = new CampaignTracker(new CampaignSettings(1_000, 10, 0.1, 1));
    List<Alert> raised = new ArrayList<>();
    CameraStatus s = null;
    long[][] windows = {{0, 20, 10}, {1, 20, 0}, {2, 5, 5}, {3, 5, 5}, {4, 1, 0}}; // {second, frames, flagged}
    for (long[] w : windows) {
      for (int i = 0; i < w[1]; i++) {
        long t = w[0] * 1_000L + i * (900L / w[1]);
        CampaignTracker.Step step = one.observe(s, "cam-1", t, t, i < w[2]);
        s = step.status();
        step.alert().ifPresent(raised::add);
      }
    }
    assertThat(raised).extracting(Alert::getKind).containsExactly("CAMPAIGN", "CAMPAIGN_CLEARED", "CAMPAIGN");
    assertThat(raised).allSatisfy(a -> assertThat(a.getExplanation()).doesNotContain(" 1 window")
        .doesNotContain(" 1 span").doesNotContain("last window: "));
    assertThat(raised.get(0).getExplanation()).contains("were flagged in the last window of 1.0 s (10 of 20, 50%")
        .contains("The evidence runs from 1970-01-01T00:00:00Z (the start of that window) to 1970-01-01T00:00:01Z.");
    assertThat(raised.get(1).getExplanation()).contains("in the last window of 1.0 s (0 of 20 flagged)")
        .contains("(the start of that window)");
    assertThat(raised.get(2).getExplanation()).contains("in the last span judged (windows of 1.0 s;")
        .contains("(the start of that span)");
  }

  /** cam-7 after two hot windows of 20 frames, as a version without streakSince wrote it, with {@code more} fields. */
  private static CameraStatus twoHotWindowsAsAnEarlierVersionWroteThem(String more) {
    byte[] json = ("{\"cameraId\":\"cam-7\",\"status\":\"NORMAL\",\"windowStart\":2000,\"windowFrames\":0,"
        + "\"windowFlagged\":0,\"lastWindowStart\":1000,\"lastWindowFrames\":20,\"lastWindowFlagged\":10,"
        + "\"hotStreak\":2,\"coolStreak\":0,\"campaignSince\":-1,\"totalFrames\":40,\"totalFlagged\":20,"
        + "\"windowReasons\":{},\"windowExamples\":[],\"pooledSince\":-1,\"pooledFrames\":0" + more + "}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return new CameraStatusSerde().deserializer().deserialize("t", json);
  }

  /**
   * A streak begun in a state written before streakPooled existed reads it as false whatever the streak held: its first
   * alert after the upgrade said "windows of 1.0 s" for what may have been spans of pooled windows. Such a streak (its
   * start unknown too) says it may count either.
   */
  @Test
  void aStreakBegunBeforeTheUpgradeDoesNotClaimItsEarlierJudgementsWereWindows() {
    // as a version before streakPooled wrote it: two hot judgements (spans, for all it records), the third counted
    state = twoHotWindowsAsAnEarlierVersionWroteThem("");
    window(2, 20, 10);
    window(3, 20, 0); // closes window 2: the third hot judgement in a row
    assertThat(alerts).singleElement().satisfies(a -> assertThat(a.getExplanation())
        .contains("in each of the last 3 windows of 1.0 s, or spans of windows judged together (this streak began "
            + "under an earlier version, whose state may not say which of the two; last window: 10 of 20, 50%"));
    window(4, 20, 0);
    window(5, 20, 0);
    window(6, 20, 0); // a streak begun after the upgrade knows what it counts
    assertThat(alerts.get(1).getExplanation()).contains("each of the last 3 windows of 1.0 s (last window: ")
        .doesNotContain("earlier version");
  }

  /**
   * A state written between the version that added streakPooled and the one that added streakSince records the flag
   * (false: windows judged alone) but not the streak's start. Its alert said that version "did not record which of the
   * two", which is false of it; the hedge says only what holds for both earlier versions.
   */
  @Test
  void aStreakBegunUnderAnEarlierVersionDoesNotSayThatVersionKeptNoFlagWhenItMayHave() {
    // as the version with streakPooled but without streakSince wrote it: two hot windows judged alone
    state = twoHotWindowsAsAnEarlierVersionWroteThem(",\"streakPooled\":false");
    window(2, 20, 10);
    window(3, 20, 0);
    assertThat(alerts).singleElement().satisfies(a -> assertThat(a.getExplanation())
        .doesNotContain("did not record")
        .contains("(this streak began under an earlier version, whose state may not say which of the two; last "
            + "window: 10 of 20, 50%"));
  }

  /** A span counts only in the streak it is part of: once a window breaks that streak, windows judged alone say so. */
  @Test
  void aStreakBrokenAfterPooledSpansSaysWindowsAgainWhenOnlyWindowsJudgedAloneRaiseIt() {
    CampaignTracker defaults = new CampaignTracker(CampaignSettings.defaults());
    CameraStatus s = null;
    List<Alert> raised = new ArrayList<>();
    List<long[]> frames = new ArrayList<>(); // {time, flagged}
    for (long t = 0; t < 40 * 60_000L; t += 60_000) {
      frames.add(new long[] {t, 1}); // two hot spans of 20 frames, one frame a minute: a streak of 2
    }
    for (int w = 0; w < 4; w++) { // then four windows of 30 frames each: one clean (ends the streak), three flagged
      for (long t = 0; t < 9_000; t += 300) {
        frames.add(new long[] {40 * 60_000L + w * 10_000L + t, w == 0 ? 0 : 1});
      }
    }
    frames.add(new long[] {41 * 60_000L, 0}); // closes the last window
    for (long[] f : frames) {
      CampaignTracker.Step step = defaults.observe(s, "cam-burst", f[0], f[0], f[1] == 1);
      s = step.status();
      step.alert().ifPresent(raised::add);
    }
    assertThat(raised).extracting(Alert::getKind).containsExactly("CAMPAIGN");
    assertThat(raised.get(0).getExplanation())
        .contains("each of the last 3 windows of 10.0 s (last window: 30 of 30, 100%)").doesNotContain("span");
  }

  /**
   * README ("Campaigns are keyed by camera"): state is per cameraId, not per sourceId. Two sites that both name a
   * camera cam-01 share one window: a busy clean one (a frame a second) hides an attack on a sparse one (a frame a
   * minute, every frame flagged), whose one flagged frame is diluted among some twenty clean ones in every span judged.
   */
  @Test
  void twoSitesSendingOneCameraIdShareOneStateSoABusyCleanCameraHidesAnAttackOnASparseOne() {
    CampaignTracker defaults = new CampaignTracker(CampaignSettings.defaults());
    CameraStatus s = null;
    List<Alert> raised = new ArrayList<>();
    for (long t = 0; t < 3 * 3_600_000L; t += 1_000) {
      boolean sparseSiteSends = t % 60_000 == 0;
      CampaignTracker.Step step = defaults.observe(s, "cam-01", t, t, sparseSiteSends); // site A: attacked
      s = step.status();
      step.alert().ifPresent(raised::add);
    }
    assertThat(s.totalFlagged()).isEqualTo(180);
    assertThat(raised).as("three hours of an attacked camera sharing its id with a busy clean one").isEmpty();
    CameraStatus alone = null;
    for (long t = 0; t < 3 * 3_600_000L; t += 60_000) {
      CampaignTracker.Step step = defaults.observe(alone, "cam-01", t, t, true);
      alone = step.status();
      step.alert().ifPresent(raised::add);
    }
    assertThat(raised).as("the same attacked camera under an id of its own").extracting(Alert::getKind)
        .containsExactly("CAMPAIGN");
  }

  @Test
  void aCameraSendingTooFewFramesPerWindowAtTheBaselineRateRaisesNoCampaignInADay() {
    // defaults: windows of 10 s, 20 frames, 10%, 3 in a row; one frame every 2 s (5 a window), each flagged with the
    // baseline's 10%: its windows are judged four at a time, each span by the same test as a full window
    CampaignTracker defaults = new CampaignTracker(CampaignSettings.defaults());
    java.util.Random random = new java.util.Random(42);
    CameraStatus s = null;
    List<Alert> raised = new ArrayList<>();
    java.util.Set<Long> judged = new java.util.HashSet<>();
    for (long t = 0; t < 86_400_000; t += 2_000) {
      CampaignTracker.Step step = defaults.observe(s, "cam-sparse", t, t, random.nextDouble() < 0.1);
      s = step.status();
      step.alert().ifPresent(raised::add);
      judged.add(s.lastWindowStart());
    }
    assertThat(judged).as("spans judged (each 20 frames from four windows)").hasSizeGreaterThan(2_000);
    assertThat(raised).as("campaign alerts in a day of ordinary frames from a sparse camera").isEmpty();
  }

  @Test
  void aSparseCameraNotInACampaignWithFramesCarriedIsForgottenWithThemWhenQuiet() {
    CampaignTracker hourly = new CampaignTracker(new CampaignSettings(1_000, 10, 0.1, 3, 30_000, 3_600_000));
    CameraStatus s = null;
    for (int i = 0; i < 4; i++) {
      s = hourly.observe(s, "cam-7", i * 100L, i * 100L, true).status();
    }
    s = hourly.expire(s, 31_000).orElseThrow().status(); // the clock closes window 0, 4 frames: carried
    assertThat(s.inCampaign()).isFalse();
    assertThat(s.windowStart()).isEqualTo(1_000);
    assertThat(s.pooledFrames()).isEqualTo(4);
    assertThat(s.windowFlagged()).isEqualTo(4);
    assertThat(hourly.expire(s, 40_000)).as("nothing counted since: nothing to close").isEmpty();
    assertThat(hourly.forget(s, 3_601_000)).as("kept until the retention has passed").isEmpty();
    assertThat(hourly.forget(s, 3_601_001).orElseThrow().alert()).as("not in a campaign: nothing to clear").isEmpty();
  }

  @Test
  void framesCarriedIntoTheNextWindowSurviveTheStoreSerdeAndAStateWrittenBeforeThemStartsToCarry() {
    CameraStatusSerde serde = new CameraStatusSerde();
    for (int w = 0; w < 4; w++) {
      window(w, 20, 10);
    }
    window(4, 4, 1);
    window(5, 3, 0); // window 4's frames carried into window 5
    assertThat(state.pooledFrames()).isEqualTo(4);
    assertThat(state.pooledSince()).isEqualTo(4_000);
    assertThat(state.windowFrames()).isEqualTo(7);
    assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", state))).isEqualTo(state);

    // as the previous version wrote it: in CAMPAIGN, 4 frames in window 1 s, no pooledSince or pooledFrames
    byte[] older = ("{\"cameraId\":\"cam-7\",\"status\":\"CAMPAIGN\",\"windowStart\":1000,\"windowFrames\":4,"
        + "\"windowFlagged\":0,\"lastWindowStart\":0,\"lastWindowFrames\":20,\"lastWindowFlagged\":10,\"hotStreak\":3,"
        + "\"coolStreak\":0,\"campaignSince\":1000,\"totalFrames\":24,\"totalFlagged\":10,\"windowReasons\":{},"
        + "\"windowExamples\":[]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    state = serde.deserializer().deserialize("t", older);
    assertThat(state.pooledFrames()).as("nothing carried").isZero();
    assertThat(state.pooledSince()).isEqualTo(-1);
    assertThat(state.ownFrames()).isEqualTo(4);
    window(2, 4, 0);
    assertThat(state.pooledFrames()).as("the restored window's frames carried").isEqualTo(4);
    window(3, 4, 0); // 12 frames from 1 s: the first cool span
    window(4, 4, 0);
    assertThat(state.coolStreak()).isEqualTo(1);
    assertThat(state.lastWindowStart()).isEqualTo(1_000);
    assertThat(state.lastWindowFrames()).isEqualTo(12);
  }

  @Test
  void aNormalCameraStateWrittenByThePreviousVersionReadsAndItsWindowIsCarriedWhenTooSmall() {
    CameraStatusSerde serde = new CameraStatusSerde();
    // as the previous version wrote it: NORMAL, 4 flagged frames in window 1 s, no pooledSince or pooledFrames
    byte[] older = ("{\"cameraId\":\"cam-7\",\"status\":\"NORMAL\",\"windowStart\":1000,\"windowFrames\":4,"
        + "\"windowFlagged\":4,\"lastWindowStart\":-1,\"lastWindowFrames\":0,\"lastWindowFlagged\":0,\"hotStreak\":0,"
        + "\"coolStreak\":0,\"campaignSince\":-1,\"totalFrames\":4,\"totalFlagged\":4,\"windowReasons\":{},"
        + "\"windowExamples\":[]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    state = serde.deserializer().deserialize("t", older);
    assertThat(state.pooledFrames()).as("nothing carried").isZero();
    window(2, 4, 4);
    assertThat(state.pooledFrames()).as("the restored window's frames carried").isEqualTo(4);
    assertThat(state.pooledSince()).isEqualTo(1_000);
    assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", state))).isEqualTo(state);
    window(3, 4, 4); // 12 frames from 1 s: the first hot span
    window(4, 4, 4);
    assertThat(state.hotStreak()).isEqualTo(1);
    assertThat(state.lastWindowStart()).isEqualTo(1_000);
    assertThat(state.lastWindowFrames()).isEqualTo(12);
  }

  @Test
  void aCampaignCameraWithFramesCarriedIsClosedByTheClockOnceAndForgottenWhenQuiet() {
    CampaignTracker hourly = new CampaignTracker(new CampaignSettings(1_000, 10, 0.1, 3, 30_000, 3_600_000));
    CameraStatus s = null;
    for (int w = 0; w < 4; w++) {
      for (int i = 0; i < 20; i++) {
        s = hourly.observe(s, "cam-7", w * 1_000L + i * 45L, w * 1_000L + i * 45L, i < 10).status();
      }
    }
    s = hourly.observe(s, "cam-7", 4_000, 4_000, false).status(); // in a campaign since window 3 began
    s = hourly.expire(s, 35_000).orElseThrow().status(); // the clock closes window 4, one frame: carried
    assertThat(s.inCampaign()).isTrue();
    assertThat(s.windowStart()).isEqualTo(5_000);
    assertThat(s.pooledFrames()).isEqualTo(1);
    assertThat(hourly.expire(s, 40_000)).as("nothing counted since: nothing to close").isEmpty();
    assertThat(hourly.forget(s, 3_605_000)).as("kept until the retention has passed").isEmpty();
    Alert quiet = hourly.forget(s, 3_605_001).orElseThrow().alert().orElseThrow();
    assertThat(quiet.getEvidence()).containsEntry("cleared_by", "camera_quiet")
        .containsEntry("quiet_since", "1970-01-01T00:00:05Z");
  }

  @Test
  void aGapOfEmptyWindowsDoesNotBreakAStreak() {
    window(0, 20, 10);
    window(1, 20, 10);
    window(7, 20, 10);
    window(8, 20, 0);
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN");
  }

  @Test
  void aLateFrameIsCountedInTheCurrentWindowRatherThanReopeningAClosedOne() {
    window(0, 20, 0);
    window(1, 20, 0);
    state = tracker.observe(state, "cam-7", 10, 1_950, true).status(); // from window 0, arriving late
    assertThat(state.windowStart()).isEqualTo(1_000);
    assertThat(state.windowFrames()).isEqualTo(21);
    assertThat(state.windowFlagged()).isEqualTo(1);
    assertThat(state.lastWindowFrames()).isEqualTo(20);
    assertThat(state.totalFrames()).isEqualTo(41);
  }

  @Test
  void stateSurvivesTheStoreSerdeUnchanged() {
    window(0, 20, 10);
    window(1, 3, 1);
    CameraStatusSerde serde = new CameraStatusSerde();
    assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", state))).isEqualTo(state);
  }

  @Test
  void stateWithReasonsAndExampleFramesSurvivesTheStoreSerdeAndStateWrittenBeforeThemStillReads() {
    CameraStatusSerde serde = new CameraStatusSerde();
    for (int i = 0; i < 5; i++) {
      state = tracker.observe(state, "cam-7", i * 100L, i * 100L,
          new CampaignFlag(true, List.of("PERTURBATION", "FOOLING"), "frame-" + i)).status();
    }
    assertThat(state.windowReasons()).containsExactly(entry("FOOLING", 5L), entry("PERTURBATION", 5L));
    assertThat(state.windowExamples()).containsExactly("frame-0", "frame-1", "frame-2");
    assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", state))).isEqualTo(state);

    byte[] older = ("{\"cameraId\":\"cam-7\",\"status\":\"CAMPAIGN\",\"windowStart\":1000,\"windowFrames\":4,"
        + "\"windowFlagged\":2,\"lastWindowStart\":0,\"lastWindowFrames\":20,\"lastWindowFlagged\":10,\"hotStreak\":3,"
        + "\"coolStreak\":0,\"campaignSince\":1000,\"totalFrames\":24,\"totalFlagged\":12}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    CameraStatus read = serde.deserializer().deserialize("t", older);
    assertThat(read).isEqualTo(new CameraStatus("cam-7", "CAMPAIGN", 1000, 4, 2, 0, 20, 10, 3, 0, 1000, 24, 12));
    assertThat(read.windowReasons()).isEmpty();
    assertThat(read.windowExamples()).isEmpty();
  }

  @Test
  void aWindowsReasonsAndExampleFramesStartAfreshWithTheNextWindow() {
    for (int w = 0; w < 2; w++) {
      for (int i = 0; i < 12; i++) {
        long t = w * 1_000L + i * 50L;
        state = tracker.observe(state, "cam-7", t, t, new CampaignFlag(i < 6, i < 6 ? List.of("FOOLING") : List.of(),
            "w" + w + "-" + i)).status();
      }
    }
    assertThat(state.windowReasons()).containsExactly(entry("FOOLING", 6L));
    assertThat(state.windowExamples()).containsExactly("w1-0", "w1-1", "w1-2");
  }

  @Test
  void theFlagSerdeReadsTheBareBooleansTheRepartitionTopicCarriedBefore() {
    CampaignFlagSerde serde = new CampaignFlagSerde();
    CampaignFlag flag = new CampaignFlag(true, List.of("OVERINTERPRETATION"), "f-1");
    assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", flag))).isEqualTo(flag);
    var bool = org.apache.kafka.common.serialization.Serdes.Boolean().serializer();
    assertThat(serde.deserializer().deserialize("t", bool.serialize("t", true))).isEqualTo(CampaignFlag.bare(true));
    assertThat(serde.deserializer().deserialize("t", bool.serialize("t", false))).isEqualTo(CampaignFlag.bare(false));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> serde.deserializer().deserialize("campaign-topic",
        new byte[] {7})).hasMessageContaining("campaign-topic").hasMessageContaining("neither a boolean nor readable JSON");
  }

  @Test
  void aFrameStampedFarInTheFutureCountsAtTheClockBoundAndCannotFreezeItsCamera() {
    long year2100 = 4_102_444_800_000L;
    window(0, 20, 10);
    observe(year2100, 950, true); // a camera clock gone wrong: counted 30 s ahead, not in 2100
    assertThat(state.windowStart()).isEqualTo(30_000);
    // the clock moves on and frames keep coming: windows still close and the campaign is still raised
    for (int w = 31; w <= 34; w++) {
      window(w, 20, 10);
    }
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN");
    assertThat(state.windowStart()).isEqualTo(34_000);
  }

  @Test
  void aCameraWhoseClockIsHoursBehindStillHasItsWindowsCountedByTheClock() {
    long hours = 3 * 3_600_000L;
    for (int w = 0; w < 5; w++) {
      for (int i = 0; i < 20; i++) {
        long now = 100_000 + w * 1_000L + i * 45L;
        observe(now - hours, now, i < 10);
      }
    }
    // each frame counts at now - 30 s: five full windows, the first hot ones judged as later ones begin
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN");
    assertThat(state.totalFrames()).isEqualTo(100);
  }

  @Test
  void theClockClosesTheWindowOfACameraThatWentQuietSoItsCampaignIsRaisedWithoutAnotherFrame() {
    window(0, 20, 10);
    window(1, 20, 10);
    window(2, 20, 10);
    assertThat(alerts).isEmpty();
    assertThat(tracker.expire(state, 3_000 + 29_999)).as("frames could still count in window 2").isEmpty();
    CampaignTracker.Step step = tracker.expire(state, 3_000 + 30_000).orElseThrow();
    assertThat(step.alert()).hasValueSatisfying(a -> assertThat(a.getKind()).isEqualTo("CAMPAIGN"));
    assertThat(step.status().status()).isEqualTo(CameraStatus.CAMPAIGN);
    assertThat(step.status().windowStart()).isEqualTo(3_000);
    assertThat(step.status().windowFrames()).isZero();
    assertThat(tracker.expire(step.status(), 100_000)).as("an empty window is not closed again and again").isEmpty();
  }

  @Test
  void aWindowIsHotOnlyWhenItsFlaggedCountIsMoreThanTheBaselineExplains() {
    // P(X >= k) for X ~ Binomial(n, 0.1), exact sums: 11 of 50 = 0.00935, 10 of 50 = 0.0245, 8 of 20 = 0.000416
    assertThat(CampaignTracker.upperTail(11, 50, 0.1)).isCloseTo(0.0093546, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(CampaignTracker.upperTail(10, 50, 0.1)).isCloseTo(0.0245379, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(CampaignTracker.upperTail(8, 20, 0.1)).isCloseTo(0.00041564, org.assertj.core.data.Offset.offset(1e-8));
    assertThat(CampaignTracker.hot(11, 50, 0.1)).isTrue();
    assertThat(CampaignTracker.hot(10, 50, 0.1)).as("20% of 50 frames: chance at a 10% baseline").isFalse();
    assertThat(CampaignTracker.hot(5, 50, 0.1)).isFalse();
    assertThat(CampaignTracker.hot(1, 50, 0.0)).as("baseline 0: any flag").isTrue();
    // large windows (a busy camera) neither overflow nor underflow into a wrong answer
    assertThat(CampaignTracker.hot(10_500, 100_000, 0.1)).isTrue();
    assertThat(CampaignTracker.hot(10_050, 100_000, 0.1)).isFalse();
    assertThat(CampaignTracker.upperTail(90_000, 100_000, 0.1)).isGreaterThanOrEqualTo(0).isLessThan(1e-300);
  }

  @Test
  void aCameraFlaggedAsOftenAsOrdinaryConditionsMayRaisesNoCampaignInAnHour() {
    // 8.6% flagged: the worst corruption measured (scratches), within the 10% per-condition target
    CampaignTracker defaults = new CampaignTracker(CampaignSettings.defaults());
    java.util.Random random = new java.util.Random(42);
    CameraStatus s = null;
    List<Alert> raised = new ArrayList<>();
    for (long t = 0; t < 3_600_000; t += 200) { // 5 frames a second
      CampaignTracker.Step step = defaults.observe(s, "cam-scratched", t, t, random.nextDouble() < 0.086);
      s = step.status();
      step.alert().ifPresent(raised::add);
    }
    assertThat(raised).as("campaign alerts in an hour of ordinary, scratched-lens frames").isEmpty();
  }

  @Test
  void aCampaignInABacklogReadAfterAnOutageIsRaisedAsItHappened() {
    // 300 s of a camera at 5 frames/s, 45 s of it (60..105 s) 90% flagged, all read in 1.5 s after an outage
    CampaignTracker defaults = new CampaignTracker(CampaignSettings.defaults());
    long outageEnd = 10_000_000;
    EventClock clock = new EventClock(CampaignSettings.DEFAULT_MAX_CLOCK_SKEW_MS, outageEnd);
    java.util.Random random = new java.util.Random(7);
    CameraStatus s = null;
    List<Alert> raised = new ArrayList<>();
    long wall = outageEnd;
    for (long t = outageEnd - 300_000; t < outageEnd; t += 200, wall += 1) {
      boolean attacked = t >= outageEnd - 240_000 && t < outageEnd - 195_000;
      CampaignTracker.Step step = defaults.observe(s, "cam-1", t, clock.frame(t, wall),
          random.nextDouble() < (attacked ? 0.9 : 0.02));
      s = step.status();
      step.alert().ifPresent(raised::add);
    }
    assertThat(raised).extracting(Alert::getKind).as("counted in the windows it happened in, not in one")
        .containsExactly("CAMPAIGN", "CAMPAIGN_CLEARED");
  }

  @Test
  void theLargestAcceptedSettingsDoNotOverflowIntoForgettingOrFreezingACamera() {
    // campaign.idle-retention-ms and campaign.max-clock-skew-ms accept any positive long: Long.MAX_VALUE, "never"
    // to an operator, must not wrap around into "at once" (retention) or into a window in -292 million years (skew)
    CampaignTracker huge = new CampaignTracker(new CampaignSettings(1_000, 10, 0.1, 3, Long.MAX_VALUE, Long.MAX_VALUE));
    CameraStatus s = null;
    List<Alert> raised = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      for (int i = 0; i < 20; i++) {
        long t = 1_000_000 + w * 1_000L + i * 45L;
        CampaignTracker.Step step = huge.observe(s, "cam-7", t, t, i < 10);
        s = step.status();
        step.alert().ifPresent(raised::add);
      }
    }
    assertThat(raised).extracting(Alert::getKind).containsExactly("CAMPAIGN");
    assertThat(s.windowStart()).isEqualTo(1_003_000);
    assertThat(huge.expire(s, 2_000_000)).as("no frame can be too late to count: the window stays open").isEmpty();
    CameraStatus idle = new CameraStatus("cam-8", CameraStatus.NORMAL, 1_004_000, 0, 0, 1_003_000, 20, 0, 0, 4, -1, 80, 0);
    assertThat(new CampaignTracker(new CampaignSettings(1_000, 10, 0.1, 3, 30_000, Long.MAX_VALUE))
        .forget(idle, 2_000_000).isPresent()).as("idle retention of Long.MAX_VALUE keeps the camera").isFalse();
  }

  @Test
  void aQuietCameraIsForgottenOnlyPastTheIdleRetentionAndNeverWithZero() {
    // README: campaign.idle-retention-ms 0 = keep every camera for ever; nothing checked the 0 itself
    CameraStatus idle = new CameraStatus("cam-9", CameraStatus.NORMAL, 1_004_000, 0, 0, 1_003_000, 20, 0, 0, 4, -1, 80, 0);
    assertThat(new CampaignTracker(new CampaignSettings(1_000, 10, 0.1, 3, 30_000, 0)).forget(idle, Long.MAX_VALUE).isPresent())
        .as("idle retention 0 never forgets").isFalse();
    CampaignTracker oneMs = new CampaignTracker(new CampaignSettings(1_000, 10, 0.1, 3, 30_000, 1));
    assertThat(oneMs.forget(idle, 1_004_001).isPresent()).as("kept until the retention has passed").isFalse();
    assertThat(oneMs.forget(idle, 1_004_002).isPresent()).as("forgotten once it has").isTrue();
    CameraStatus counting = new CameraStatus("cam-9", CameraStatus.NORMAL, 1_004_000, 5, 0, 1_003_000, 20, 0, 0, 4, -1, 80, 0);
    assertThat(oneMs.forget(counting, Long.MAX_VALUE).isPresent()).as("a camera with frames in its open window stays").isFalse();
  }

  /**
   * A camera in CAMPAIGN whose frames all go to the dead-letter topic (undecodable, too large: an attacker can send
   * such) has no verdict, so none reaches its campaign: it is cleared as quiet a day later. The clear said it "sent no
   * frame" and to check whether it was off or disconnected, where the frames it did send were in the dead-letter topic.
   */
  @Test
  void theClearOfACameraGoneQuietSaysFramesItSentThatWentToTheDeadLetterTopicDoNotCount() {
    CameraStatus quiet =
        new CameraStatus("cam-7", CameraStatus.CAMPAIGN, 4_000, 0, 0, 3_000, 20, 10, 3, 0, 3_000, 80, 40);
    Alert a = new CampaignTracker(new CampaignSettings(1_000, 10, 0.1, 3, 30_000, 3_600_000)).forget(quiet, 3_604_001)
        .orElseThrow().alert().orElseThrow();
    assertThat(a.getExplanation()).doesNotContain("sent no frame")
        .contains("Camera cam-7 had no frame scored for 1 h (campaign.idle-retention-ms) since 1970-01-01T00:00:04Z")
        .contains("dead-letter topic").contains("cameraId cam-7")
        // a record not read as far as its camera (BAD_MAGIC_BYTE, BAD_AVRO, RECORD_TOO_LARGE, ...) is dead-lettered
        // with no cameraId, under its producer's key: looking for the cameraId alone misses exactly those
        .contains("without a cameraId").contains("Kafka key");
  }

  /**
   * The clear above says no frame was scored; README ("Campaigns are keyed by camera") and the reference of
   * campaign.idle-retention-ms said a camera that "sends no frame" that long is forgotten, which one sending only
   * frames that are dead-lettered never is not: it is forgotten all the same.
   */
  @Test
  void readmeAndTheReferenceSayACameraWithNoFrameScoredIsForgottenNotOneThatSendsNone() throws Exception {
    String readme = java.nio.file.Files.readString(dev.advmon.testing.TestData.repoRoot().resolve("README.md"))
        .replaceAll("\\s+", " ");
    assertThat(readme).doesNotContain("a camera that sends no frame for `campaign.idle-retention-ms`")
        .contains("a camera with no frame scored for `campaign.idle-retention-ms`");
    String reference = dev.advmon.config.MonitorConfig.SETTINGS.stream()
        .filter(x -> x.key().equals("campaign.idle-retention-ms")).findFirst().orElseThrow().doc();
    assertThat(reference).doesNotContain("sends no frame").contains("A camera with no frame scored this long");
  }

  @Test
  void aCameraInACampaignThatSendsNoFrameForTheIdleRetentionIsClearedOnceAndForgotten() {
    // README (Campaigns): one in a campaign used to stay until the campaign cleared, which a quiet camera never does
    CampaignTracker hourly = new CampaignTracker(new CampaignSettings(1_000, 10, 0.1, 3, 30_000, 3_600_000));
    CameraStatus s = null;
    List<Alert> raised = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      for (int i = 0; i < 20; i++) {
        long t = w * 1_000L + i * 45L;
        CampaignTracker.Step step = hourly.observe(s, "cam-7", t, t, i < 10);
        s = step.status();
        step.alert().ifPresent(raised::add);
      }
    }
    assertThat(raised).extracting(Alert::getKind).containsExactly("CAMPAIGN");
    s = hourly.expire(s, 35_000).orElseThrow().status(); // the clock closes window 3: quiet since 4 s
    assertThat(s.inCampaign()).isTrue();
    assertThat(s.windowStart()).isEqualTo(4_000);

    assertThat(hourly.forget(s, 3_604_000)).as("kept until the retention has passed").isEmpty();
    assertThat(hourly.forget(s, 3_604_001).isPresent()).as("forgotten once it has, campaign or not").isTrue();
    Alert a = hourly.forget(s, 3_604_001).orElseThrow().alert().orElseThrow();
    assertThat(a.getKind()).isEqualTo("CAMPAIGN_CLEARED");
    assertThat(a.getSeverity()).isEqualTo(Severity.INFO);
    assertThat(a.getCameraId()).isEqualTo("cam-7");
    assertThat(a.getAlertId()).as("not the id of a clear by cool windows").isEqualTo("cam-7/CAMPAIGN_CLEARED/camera_quiet/4000");
    assertThat(a.getTime().toEpochMilli()).as("when the retention ran out, whenever the sweep saw it").isEqualTo(3_604_000);
    assertThat(a.getEvidence()).containsEntry("cleared_by", "camera_quiet")
        .containsEntry("quiet_since", "1970-01-01T00:00:04Z").containsEntry("idle_retention_ms", "3600000")
        .containsEntry("campaign_since", "1970-01-01T00:00:03Z").containsEntry("last_window_frames", "20")
        .containsEntry("last_window_flagged", "10").containsEntry("total_frames", "80");
    assertThat(a.getExplanation()).contains("cam-7").contains("no frame scored for 1 h").contains("no longer observed");
    assertThat(hourly.forget(s, Long.MAX_VALUE).orElseThrow().alert()).as("the same alert whenever it is noticed")
        .contains(a);

    CameraStatus counting = new CameraStatus("cam-7", CameraStatus.CAMPAIGN, 4_000, 3, 3, 3_000, 20, 10, 4, 0, 3_000,
        83, 43);
    assertThat(hourly.forget(counting, Long.MAX_VALUE)).as("a frame in its open window: not quiet").isEmpty();
    assertThat(new CampaignTracker(new CampaignSettings(1_000, 10, 0.1, 3, 30_000, 0)).forget(s, Long.MAX_VALUE))
        .as("idle retention 0 keeps every camera, in a campaign too").isEmpty();
    CameraStatus normal = new CameraStatus("cam-9", CameraStatus.NORMAL, 4_000, 0, 0, 3_000, 20, 0, 0, 4, -1, 80, 0);
    assertThat(hourly.forget(normal, 3_604_001)).as("a camera not in a campaign leaves without an alert")
        .hasValueSatisfying(f -> assertThat(f.alert()).isEmpty());
  }

  @Test
  void aWindowWithExactlyTheMinimumFramesCounts() {
    // campaign.min-frames is the fewest verdicts a window needs to count: 10 here; the other tests use 5 and 20
    for (int w = 0; w < 4; w++) {
      window(w, 10, 5);
    }
    assertThat(alerts).extracting(Alert::getKind).containsExactly("CAMPAIGN");
  }

  @Test
  void namesAnIdleRetentionInTheUnitItWasSetIn() {
    assertThat(CampaignTracker.duration(86_400_000)).isEqualTo("24 h");
    assertThat(CampaignTracker.duration(5_400_000)).isEqualTo("90 min");
    assertThat(CampaignTracker.duration(86_430_000)).isEqualTo("86430 s");
    assertThat(CampaignTracker.duration(1_500)).isEqualTo("1.5 s");
    assertThat(CampaignTracker.duration(250)).isEqualTo("250 ms");
  }
}
