package dev.advmon.topology;

import dev.advmon.campaign.CameraStatus;
import dev.advmon.campaign.CampaignTracker;
import dev.advmon.schema.Alert;
import dev.advmon.schema.FrameVerdict;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Step 3: each verdict updates its camera's windowed flag counts in the {@value MonitorTopology#CAMERA_STORE}
 * store; a change of campaign status goes out as an alert. Verdicts are keyed by camera id and the frames
 * topic is partitioned by it, so a camera's state lives in one task and no repartition topic is needed.
 */
final class CampaignProcessor implements Processor<String, FrameVerdict, String, Alert> {

  private final CampaignTracker tracker;
  private ProcessorContext<String, Alert> context;
  private KeyValueStore<String, CameraStatus> store;

  CampaignProcessor(CampaignTracker tracker) {
    this.tracker = tracker;
  }

  @Override
  public void init(ProcessorContext<String, Alert> context) {
    this.context = context;
    this.store = context.getStateStore(MonitorTopology.CAMERA_STORE);
  }

  @Override
  public void process(Record<String, FrameVerdict> record) {
    String camera = record.value().getCameraId();
    CampaignTracker.Step step = tracker.observe(store.get(camera), camera, record.timestamp(), record.value().getAlert());
    store.put(camera, step.status());
    step.alert().ifPresent(a -> context.forward(new Record<>(camera, a, record.timestamp())));
  }
}
