package dev.advmon.topology;

import dev.advmon.campaign.CampaignSettings;
import dev.advmon.detect.DynamicBatcher;
import dev.advmon.detect.FrameScorer;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.FramePreparer;

/**
 * Everything {@link MonitorTopology#buildTopology} is made of besides the builder: the topics with their serdes,
 * how frames are prepared and scored, the campaign windows, the meters, the alert listener and the alerts' pictures. One object
 * instead of a ladder of overloads, so that a new ingredient is one more component with a default.
 *
 * @param alerts sees each alert with its frame (the dashboard); {@link AlertListener#NONE} for none
 * @param guard tells frame failures from systemic ones around {@code scorer}; must wrap the same scorer
 * @param batcher scores the frames of all stream threads together ({@code scorer}'s); its owner closes it after
 *     Kafka Streams. {@link DynamicBatcher#direct} scores each frame alone on its stream thread.
 * @param evidenceImages puts the frame's picture on frame alerts ({@code alerts.evidence-image});
 *     {@link EvidenceImages#OFF} for none
 */
public record TopologySettings(Topics topics, FramePreparer preparer, FrameScorer scorer, CampaignSettings campaigns,
    MonitorMetrics metrics, AlertListener alerts, ScoringGuard guard, DynamicBatcher batcher,
    EvidenceImages evidenceImages) {

  public TopologySettings {
    if (guard.scorer() != scorer) {
      throw new IllegalArgumentException("the scoring guard must wrap the topology's scorer");
    }
    if (batcher.scorer() != scorer) {
      throw new IllegalArgumentException("the batcher must score with the topology's scorer");
    }
  }

  /** Default campaign settings, in-memory meters, no listener, a guard of its own, no batching across frames. */
  public static TopologySettings of(Topics topics, FramePreparer preparer, FrameScorer scorer) {
    return new TopologySettings(topics, preparer, scorer, CampaignSettings.defaults(), MonitorMetrics.inMemory(),
        AlertListener.NONE, new ScoringGuard(scorer), DynamicBatcher.direct(scorer), EvidenceImages.OFF);
  }

  public TopologySettings withCampaigns(CampaignSettings campaigns) {
    return new TopologySettings(topics, preparer, scorer, campaigns, metrics, alerts, guard, batcher, evidenceImages);
  }

  public TopologySettings withMetrics(MonitorMetrics metrics) {
    return new TopologySettings(topics, preparer, scorer, campaigns, metrics, alerts, guard, batcher, evidenceImages);
  }

  public TopologySettings withAlerts(AlertListener alerts) {
    return new TopologySettings(topics, preparer, scorer, campaigns, metrics, alerts, guard, batcher, evidenceImages);
  }

  /** Shares a guard (and so its view of whether scoring works) beyond one topology: the monitor's health. */
  public TopologySettings withGuard(ScoringGuard guard) {
    return new TopologySettings(topics, preparer, scorer, campaigns, metrics, alerts, guard, batcher, evidenceImages);
  }

  public TopologySettings withBatcher(DynamicBatcher batcher) {
    return new TopologySettings(topics, preparer, scorer, campaigns, metrics, alerts, guard, batcher, evidenceImages);
  }

  public TopologySettings withEvidenceImages(EvidenceImages evidenceImages) {
    return new TopologySettings(topics, preparer, scorer, campaigns, metrics, alerts, guard, batcher, evidenceImages);
  }
}
