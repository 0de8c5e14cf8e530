package dev.advmon.campaign;

import dev.advmon.config.MonitorConfig;

/**
 * How campaigns are told apart from noise.
 *
 * @param windowMs length of the tumbling windows, by frame timestamp
 * @param minFrames fewest verdicts for a window to count at all (a smaller window's frames are carried into the
 *     next: {@link CampaignTracker})
 * @param baselineRate normal share of flagged frames; a window above it is "hot"
 * @param consecutiveWindows hot windows in a row that raise a campaign, and cool ones in a row that clear it
 * @param maxClockSkewMs how far a frame's timestamp may be from the monitor's clock before it counts at that bound;
 *     also how long after its end the clock closes a window that no later frame closed
 * @param idleRetentionMs how long a camera with no frame scored stays in the store after its last window (one in a
 *     campaign is then cleared: {@link CampaignTracker#forget}); 0 = for ever. Camera ids come from the producers:
 *     without a bound, invented ids grow the store, its scan by the clock each second, and /cameras without end
 */
public record CampaignSettings(long windowMs, int minFrames, double baselineRate, int consecutiveWindows,
    long maxClockSkewMs, long idleRetentionMs) {

  public static final long DEFAULT_MAX_CLOCK_SKEW_MS = 30_000;
  public static final long DEFAULT_IDLE_RETENTION_MS = 86_400_000;

  public CampaignSettings {
    if (windowMs <= 0 || minFrames <= 0 || consecutiveWindows <= 0 || !(baselineRate >= 0 && baselineRate < 1)
        || maxClockSkewMs <= 0 || idleRetentionMs < 0) {
      throw new IllegalArgumentException("invalid campaign settings: windowMs=" + windowMs + ", minFrames=" + minFrames
          + ", baselineRate=" + baselineRate + ", consecutiveWindows=" + consecutiveWindows
          + ", maxClockSkewMs=" + maxClockSkewMs + ", idleRetentionMs=" + idleRetentionMs);
    }
  }

  /** With the default idle retention. */
  public CampaignSettings(long windowMs, int minFrames, double baselineRate, int consecutiveWindows,
      long maxClockSkewMs) {
    this(windowMs, minFrames, baselineRate, consecutiveWindows, maxClockSkewMs, DEFAULT_IDLE_RETENTION_MS);
  }

  /** With the default clock skew bound. */
  public CampaignSettings(long windowMs, int minFrames, double baselineRate, int consecutiveWindows) {
    this(windowMs, minFrames, baselineRate, consecutiveWindows, DEFAULT_MAX_CLOCK_SKEW_MS);
  }

  /** The settings' defaults, for callers without a configuration (tests, tools). */
  public static CampaignSettings defaults() {
    return new CampaignSettings(10_000, 20, 0.1, 3);
  }

  public static CampaignSettings from(MonitorConfig c) {
    return new CampaignSettings(c.longValue("campaign.window-ms"), c.intValue("campaign.min-frames"),
        c.doubleValue("campaign.baseline-rate"), c.intValue("campaign.consecutive-windows"),
        c.longValue("campaign.max-clock-skew-ms"), c.campaignIdleRetentionMs());
  }
}
