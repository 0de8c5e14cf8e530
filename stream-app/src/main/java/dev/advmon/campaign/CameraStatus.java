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
 * @param pooledSince start of the first window whose frames were carried into the window being counted (a window
 *     with too few frames to judge is judged with the next: {@link CampaignTracker}); -1 when none was
 * @param pooledFrames how many of {@code windowFrames} (and of its flagged frames, reasons and examples) were
 *     carried from those windows; 0 when none were
 * @param streakPooled whether a span of pooled windows counts in the current streak ({@code hotStreak} or
 *     {@code coolStreak}): the alert that ends the streak then says it counts spans, even when its last window was
 *     judged alone; false in a state written before it existed
 * @param streakSince start of the first window (or span of pooled windows) judged in the current streak
 *     ({@code hotStreak} or {@code coolStreak}): when the evidence of the campaign an alert raises or clears began,
 *     where {@code lastWindowStart} says only where it ends; -1 before the first judgement, and in a state written
 *     before it existed (its streak's start is unknown, not the epoch: boxed for that, a missing number reading 0)
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
    List<String> windowExamples,
    long pooledSince,
    long pooledFrames,
    boolean streakPooled,
    Long streakSince) {

  public static final String NORMAL = "NORMAL";
  public static final String CAMPAIGN = "CAMPAIGN";

  /** Flagged frame ids kept per window (each at most 256 characters: RecordLimits.MAX_ID_CHARS). */
  public static final int MAX_EXAMPLES = 3;

  /** Distinct reasons counted per window: the detectors' reasons are a handful; this bounds the entry anyway. */
  public static final int MAX_REASONS = 8;

  /**
   * The state as written before windowReasons and windowExamples existed reads with both empty; before pooledSince
   * and pooledFrames existed, with nothing carried (a missing number reads as 0).
   */
  @JsonCreator
  public CameraStatus {
    // sorted, so that the JSON, the evidence and a replay's alert list them in one order
    windowReasons = windowReasons == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(windowReasons));
    windowExamples = windowExamples == null ? List.of() : List.copyOf(windowExamples);
    if (pooledFrames <= 0) { // one way to say "nothing carried", so that equal states are equal
      pooledFrames = 0;
      pooledSince = -1;
    }
    streakSince = streakSince == null || streakSince < 0 ? -1L : streakSince;
  }

  /** A camera's state whose streak's start is not known. */
  public CameraStatus(String cameraId, String status, long windowStart, long windowFrames, long windowFlagged,
      long lastWindowStart, long lastWindowFrames, long lastWindowFlagged, int hotStreak, int coolStreak,
      long campaignSince, long totalFrames, long totalFlagged, Map<String, Long> windowReasons,
      List<String> windowExamples, long pooledSince, long pooledFrames, boolean streakPooled) {
    this(cameraId, status, windowStart, windowFrames, windowFlagged, lastWindowStart, lastWindowFrames,
        lastWindowFlagged, hotStreak, coolStreak, campaignSince, totalFrames, totalFlagged, windowReasons,
        windowExamples, pooledSince, pooledFrames, streakPooled, -1L);
  }

  /** A camera's state whose streak has no span of pooled windows in it. */
  public CameraStatus(String cameraId, String status, long windowStart, long windowFrames, long windowFlagged,
      long lastWindowStart, long lastWindowFrames, long lastWindowFlagged, int hotStreak, int coolStreak,
      long campaignSince, long totalFrames, long totalFlagged, Map<String, Long> windowReasons,
      List<String> windowExamples, long pooledSince, long pooledFrames) {
    this(cameraId, status, windowStart, windowFrames, windowFlagged, lastWindowStart, lastWindowFrames,
        lastWindowFlagged, hotStreak, coolStreak, campaignSince, totalFrames, totalFlagged, windowReasons,
        windowExamples, pooledSince, pooledFrames, false);
  }

  /** A camera's state with nothing carried from earlier windows. */
  public CameraStatus(String cameraId, String status, long windowStart, long windowFrames, long windowFlagged,
      long lastWindowStart, long lastWindowFrames, long lastWindowFlagged, int hotStreak, int coolStreak,
      long campaignSince, long totalFrames, long totalFlagged, Map<String, Long> windowReasons,
      List<String> windowExamples) {
    this(cameraId, status, windowStart, windowFrames, windowFlagged, lastWindowStart, lastWindowFrames,
        lastWindowFlagged, hotStreak, coolStreak, campaignSince, totalFrames, totalFlagged, windowReasons,
        windowExamples, -1, 0);
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

  /** Frames counted since the window being counted began, not carried into it from earlier windows. */
  public long ownFrames() {
    return windowFrames - pooledFrames;
  }

  /** Start of the span the window being counted covers: its own start, or that of the first window carried into it. */
  public long spanStart() {
    return pooledFrames > 0 ? pooledSince : windowStart;
  }
}
