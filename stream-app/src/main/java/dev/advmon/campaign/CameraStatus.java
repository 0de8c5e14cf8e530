package dev.advmon.campaign;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the monitor knows about one camera: its status, the window being counted, the last window that
 * closed, the streak that will raise or clear a campaign, and totals. Stored per camera, and served by
 * {@code /cameras}. Immutable; {@link CampaignTracker} makes the next one.
 *
 * @param status NORMAL or CAMPAIGN
 * @param windowStart start (epoch ms) of the window being counted
 * @param lastWindowStart start of the last closed window with enough frames to count; -1 before the first
 * @param hotStreak closed windows in a row above the baseline
 * @param coolStreak closed windows in a row at or below the baseline (while in CAMPAIGN)
 * @param campaignSince when the current campaign was raised (end of its last hot window); -1 when NORMAL
 * @param windowReasons flagged frames of the window being counted, by reason (PERTURBATION, FOOLING, ...): what a
 *     campaign rests on
 * @param windowExamples ids of the first {@value #MAX_EXAMPLES} flagged frames of the window being counted: frames an
 *     operator can look up (their frame alerts carry the pictures); the first ones, so that a replay keeps them
 */
public record CameraStatus(
    String cameraId,
    String status,
    long windowStart,
    long windowFrames,
    long windowFlagged,
    long lastWindowStart,
    long lastWindowFrames,
    long lastWindowFlagged,
    int hotStreak,
    int coolStreak,
    long campaignSince,
    long totalFrames,
    long totalFlagged,
    Map<String, Long> windowReasons,
    List<String> windowExamples) {

  public static final String NORMAL = "NORMAL";
  public static final String CAMPAIGN = "CAMPAIGN";

  /** Flagged frame ids kept per window (each at most 256 characters: RecordLimits.MAX_ID_CHARS). */
  public static final int MAX_EXAMPLES = 3;

  /** Distinct reasons counted per window: the detectors' reasons are a handful; this bounds the entry anyway. */
  static final int MAX_REASONS = 8;

  /** The state as written before windowReasons and windowExamples existed reads with both empty. */
  @JsonCreator
  public CameraStatus {
    // sorted, so that the JSON, the evidence and a replay's alert list them in one order
    windowReasons = windowReasons == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(windowReasons));
    windowExamples = windowExamples == null ? List.of() : List.copyOf(windowExamples);
  }

  /** A camera's state without reasons or example frames for its window (a window with nothing flagged yet). */
  public CameraStatus(String cameraId, String status, long windowStart, long windowFrames, long windowFlagged,
      long lastWindowStart, long lastWindowFrames, long lastWindowFlagged, int hotStreak, int coolStreak,
      long campaignSince, long totalFrames, long totalFlagged) {
    this(cameraId, status, windowStart, windowFrames, windowFlagged, lastWindowStart, lastWindowFrames,
        lastWindowFlagged, hotStreak, coolStreak, campaignSince, totalFrames, totalFlagged, Map.of(), List.of());
  }

  static CameraStatus first(String cameraId, long windowStart) {
    return new CameraStatus(cameraId, NORMAL, windowStart, 0, 0, -1, 0, 0, 0, 0, -1, 0, 0);
  }

  public boolean inCampaign() {
    return CAMPAIGN.equals(status);
  }
}
