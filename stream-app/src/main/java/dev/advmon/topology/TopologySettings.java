package dev.advmon.topology;

import dev.advmon.campaign.CampaignSettings;
import dev.advmon.detect.FrameScorer;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.FramePreparer;

/**
 * Everything {@link MonitorTopology#buildTopology} is made of besides the builder: the topics with their serdes,
 * how frames are prepared and scored, the campaign windows, the meters and the alert listener. One object
 * instead of a ladder of overloads, so that a new ingredient is one more component with a default.
 *
 * @param alerts sees each alert with its frame (the dashboard); {@link AlertListener#NONE} for none
 */
public record TopologySettings(Topics topics, FramePreparer preparer, FrameScorer scorer, CampaignSettings campaigns,
    MonitorMetrics metrics, AlertListener alerts) {

  /** Default campaign settings, in-memory meters, no listener (tests, tools). */
  public static TopologySettings of(Topics topics, FramePreparer preparer, FrameScorer scorer) {
    return new TopologySettings(topics, preparer, scorer, CampaignSettings.defaults(), MonitorMetrics.inMemory(),
        AlertListener.NONE);
  }

  public TopologySettings withCampaigns(CampaignSettings campaigns) {
    return new TopologySettings(topics, preparer, scorer, campaigns, metrics, alerts);
  }

  public TopologySettings withMetrics(MonitorMetrics metrics) {
    return new TopologySettings(topics, preparer, scorer, campaigns, metrics, alerts);
  }

  public TopologySettings withAlerts(AlertListener alerts) {
    return new TopologySettings(topics, preparer, scorer, campaigns, metrics, alerts);
  }
}
