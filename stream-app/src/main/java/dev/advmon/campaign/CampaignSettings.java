package dev.advmon.campaign;

import dev.advmon.config.MonitorConfig;

/**
 * How campaigns are told apart from noise.
 *
 * @param windowMs length of the tumbling windows, by frame timestamp
 * @param minFrames fewest verdicts for a window to count at all
 * @param baselineRate normal share of flagged frames; a window above it is "hot"
 * @param consecutiveWindows hot windows in a row that raise a campaign, and cool ones in a row that clear it
 */
public record CampaignSettings(long windowMs, int minFrames, double baselineRate, int consecutiveWindows) {

  public CampaignSettings {
    if (windowMs <= 0 || minFrames <= 0 || consecutiveWindows <= 0 || !(baselineRate >= 0 && baselineRate < 1)) {
      throw new IllegalArgumentException("invalid campaign settings: windowMs=" + windowMs + ", minFrames=" + minFrames
          + ", baselineRate=" + baselineRate + ", consecutiveWindows=" + consecutiveWindows);
    }
  }

  /** The settings' defaults, for callers without a configuration (tests, tools). */
  public static CampaignSettings defaults() {
    return new CampaignSettings(10_000, 20, 0.1, 3);
  }

  public static CampaignSettings from(MonitorConfig c) {
    return new CampaignSettings(c.longValue("campaign.window-ms"), c.intValue("campaign.min-frames"),
        c.doubleValue("campaign.baseline-rate"), c.intValue("campaign.consecutive-windows"));
  }
}
