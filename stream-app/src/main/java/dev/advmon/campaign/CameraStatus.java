package dev.advmon.campaign;

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
    long totalFlagged) {

  public static final String NORMAL = "NORMAL";
  public static final String CAMPAIGN = "CAMPAIGN";

  static CameraStatus first(String cameraId, long windowStart) {
    return new CameraStatus(cameraId, NORMAL, windowStart, 0, 0, -1, 0, 0, 0, 0, -1, 0, 0);
  }

  public boolean inCampaign() {
    return CAMPAIGN.equals(status);
  }
}
