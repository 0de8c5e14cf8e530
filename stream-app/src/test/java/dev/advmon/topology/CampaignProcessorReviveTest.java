package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.campaign.CameraStatus;
import dev.advmon.campaign.CameraStatusSerde;
import dev.advmon.campaign.CampaignSettings;
import dev.advmon.campaign.CampaignTracker;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.schema.Alert;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * Kafka Streams revives a corrupted task (TaskManager.closeDirtyAndRevive: suspend, which closes the processors, then
 * revive and init again) with the same processor instances, and under exactly-once its store is wiped and restored
 * from the changelog in between. One class under a mock context: the real revive cannot be provoked by the test driver.
 */
class CampaignProcessorReviveTest {

  @Test
  void aProcessorInitializedAgainCountsItsCamerasInCampaignFromAFreshSweep() {
    // windows of 100 ms: punctuated every 100 ms, each run reads at most 1,000 cameras, so 1,500 take two runs
    CampaignSettings settings = new CampaignSettings(100, 5, 0.2, 2);
    int perRun = CampaignProcessor.sweepPerPunctuation(settings.windowMs());
    try (MonitorMetrics metrics = MonitorMetrics.inMemory()) {
      MockProcessorContext<String, Alert> context = new MockProcessorContext<>();
      context.setCurrentSystemTimeMs(0);
      KeyValueStore<String, CameraStatus> store = Stores.keyValueStoreBuilder(
              Stores.inMemoryKeyValueStore(MonitorTopology.CAMERA_STORE), Serdes.String(), new CameraStatusSerde())
          .withLoggingDisabled().build();
      store.init(context.getStateStoreContext(), store);
      context.addStateStore(store);
      int cameras = perRun + perRun / 2;
      for (int i = 0; i < cameras; i++) {
        String id = String.format("cam-%06d", i);
        store.put(id, new CameraStatus(id, CameraStatus.CAMPAIGN, 0, 0, 0, -1, 0, 0, 0, 0, 0, 1, 1));
      }
      CampaignProcessor processor = new CampaignProcessor(new CampaignTracker(settings), metrics);
      processor.init(context);
      context.scheduledPunctuators().get(0).getPunctuator().punctuate(0); // part of a sweep: the first perRun cameras

      processor.close(); // the task is corrupted: closed dirty...
      for (int i = 0; i < perRun; i++) { // ...and its store restored from the changelog without the cameras read so far
        store.delete(String.format("cam-%06d", i));
      }
      MockProcessorContext<String, Alert> revived = new MockProcessorContext<>();
      revived.setCurrentSystemTimeMs(0);
      revived.addStateStore(store);
      processor.init(revived); // the same instance, initialized again
      revived.scheduledPunctuators().get(0).getPunctuator().punctuate(0); // reads all the store holds now

      assertThat(metrics.registry().get("advmon.cameras.in.campaign").gauge().value())
          .as("the cameras in CAMPAIGN the store holds now, not a sweep begun before the task was revived")
          .isEqualTo(cameras - perRun);
      store.close();
    }
  }
}
