package dev.advmon.topology;

import dev.advmon.campaign.CameraStatus;
import dev.advmon.campaign.CampaignFlag;
import dev.advmon.campaign.CampaignTracker;
import dev.advmon.campaign.EventClock;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.schema.Alert;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Step 4: each verdict's flag (with its reasons and frame id), keyed by camera id (through the {@value MonitorTopology#CAMPAIGN_REPARTITION}
 * repartition topic, so that a camera's state lives in one task whatever key and partitioner its producer
 * used), updates the camera's windowed flag counts in the {@value MonitorTopology#CAMERA_STORE} store; a change
 * of campaign status goes out as an alert. A wall-clock punctuator closes the windows of cameras that went quiet
 * (see {@link CampaignTracker#expire}), and removes cameras idle for campaign.idle-retention-ms
 * ({@link CampaignTracker#forget}), forwarding the CAMPAIGN_CLEARED of one that was in a campaign. Time is the
 * task's {@link EventClock}: the newest frame timestamp, so that a backlog read after an outage is counted in the
 * windows it happened in. Each full sweep also counts the task's cameras in CAMPAIGN for
 * {@code advmon_cameras_in_campaign}.
 */
final class CampaignProcessor implements Processor<String, CampaignFlag, String, Alert> {

  private final CampaignTracker tracker;
  private final MonitorMetrics metrics;
  private ProcessorContext<String, Alert> context;
  private KeyValueStore<String, CameraStatus> store;
  private EventClock clock;
  /** The time campaign alerts are written with: see {@link #alertRecord}. */
  private FrameTimestampExtractor alertTime;
  private final int sweepLimit;
  /** The last camera the previous punctuation read, when it stopped before the end of the store; null: from the first. */
  private String sweepFrom;
  /** Cameras in CAMPAIGN among those read since the sweep last began at the first camera. */
  private int sweepInCampaign;
  /** This task's id, under which its count of cameras in CAMPAIGN is kept. */
  private String task;

  CampaignProcessor(CampaignTracker tracker, MonitorMetrics metrics) {
    this.tracker = tracker;
    this.metrics = metrics;
    this.sweepLimit = sweepPerPunctuation(tracker.settings().windowMs());
  }

  /**
   * Most cameras the punctuations of one second read. Camera ids come from the producers: a store of a million
   * invented ones (kept campaign.idle-retention-ms) took seconds to read on the stream thread every second, so the
   * frames stalled behind the sweep. Past this many in a task, a sweep takes several seconds, and a quiet camera's
   * window closes that many seconds later (a camera that keeps sending closes its own).
   */
  static final int SWEEP_PER_SECOND = 10_000;

  /**
   * Most cameras one punctuation reads: its share of {@link #SWEEP_PER_SECOND}. Windows shorter than a second are
   * punctuated once a window, and each of those runs reading SWEEP_PER_SECOND would read up to 20 times as many in a
   * second.
   */
  static int sweepPerPunctuation(long windowMs) {
    return (int) Math.max(1, SWEEP_PER_SECOND * punctuateEvery(windowMs).toMillis() / 1_000);
  }

  /** The clock that opened {@code status}'s window was at most the skew behind its start: it stands there at least. */
  private void clockSawWindowOf(CameraStatus status, long wall) {
    clock.reached(status.windowStart() - tracker.settings().maxClockSkewMs(), wall);
  }

  /** How often the clock closes windows: once a second, or once a window when windows are shorter. */
  static Duration punctuateEvery(long windowMs) {
    return Duration.ofMillis(Math.max(50, Math.min(windowMs, 1_000)));
  }

  @Override
  public void init(ProcessorContext<String, Alert> context) {
    this.context = context;
    this.task = context.taskId().toString();
    this.store = context.getStateStore(MonitorTopology.CAMERA_STORE);
    this.clock = new EventClock(tracker.settings().maxClockSkewMs(), context.currentSystemTimeMs());
    this.alertTime = new FrameTimestampExtractor(context::currentSystemTimeMs);
    alertTime.configure(context.appConfigs());
    // Kafka Streams revives a corrupted task with this same instance (closed, then initialized again) and its store
    // restored in between: a sweep begun before would count cameras the store may no longer hold
    this.sweepFrom = null;
    this.sweepInCampaign = 0;
    context.schedule(punctuateEvery(tracker.settings().windowMs()), PunctuationType.WALL_CLOCK_TIME, this::expire);
  }

  @Override
  public void process(Record<String, CampaignFlag> record) {
    String camera = record.key();
    CameraStatus current = store.get(camera);
    long wall = context.currentSystemTimeMs();
    if (current != null) {
      // the clock that opened this camera's window was at most the skew behind it: a fresh clock after a restart
      // must not start behind that, or a camera whose own clock jumped back would have its window never closed
      clockSawWindowOf(current, wall);
    }
    long now = clock.frame(record.timestamp(), wall);
    CampaignTracker.Step step = tracker.observe(current, camera, clock.bounded(record.timestamp(), wall), now,
        record.value() == null ? CampaignFlag.bare(false) : record.value());
    store.put(camera, step.status());
    step.alert().ifPresent(a -> context.forward(alertRecord(camera, a)));
  }

  /**
   * Stamped with the end of the window it judges: not with the frame that happened to close it, whose timestamp may
   * be far off (a camera clock at 2100 counts at the skew bound, not there). Unless the alerts topic would refuse
   * that time, as for frames ({@link FrameTimestampExtractor}): a window restored from before the monitor stopped for
   * longer than the topic accepts is closed with an old end, and its alert, refused, would fail the task at every
   * restart. Then the clock's time; the alert's own time keeps the window's end.
   */
  private Record<String, Alert> alertRecord(String camera, Alert alert) {
    return new Record<>(camera, alert, alertTime.accepted(alert.getTime().toEpochMilli()));
  }

  @Override
  public void close() {
    metrics.camerasInCampaignGone(task); // the task closed or moved: another instance counts its cameras now
  }

  private void expire(long wall) {
    long now = clock.now(wall);
    // restarted, and no frame read yet: the backlog decides what its windows hold, so nothing is closed or forgotten;
    // the cameras in CAMPAIGN are still counted, or a campaign whose task moved here left the gauge until a frame came
    boolean judging = now != Long.MIN_VALUE;
    List<KeyValue<String, CampaignTracker.Step>> closed = new ArrayList<>();
    List<KeyValue<String, CampaignTracker.Forgotten>> forgotten = new ArrayList<>();
    int read = 0;
    String last = null;
    try (KeyValueIterator<String, CameraStatus> it = sweepFrom == null ? store.all() : store.range(sweepFrom, null)) {
      while (read < sweepLimit && it.hasNext()) {
        KeyValue<String, CameraStatus> kv = it.next();
        if (kv.key.equals(sweepFrom)) {
          continue; // read by the last punctuation
        }
        read++;
        last = kv.key;
        if (!judging) {
          sweepInCampaign += kv.value.inCampaign() ? 1 : 0;
          continue;
        }
        // as in process(): a window tells where the clock was when it opened. After a restart the clock follows the
        // first frames read, and those may all come from a camera this store does not know whose clock is far behind
        // (new, or forgotten for idleness): without this, the restored windows of the cameras that stay quiet would
        // not be closed until that camera's clock caught up (a reboot to 1970: never). Takes effect from the next sweep.
        clockSawWindowOf(kv.value, wall);
        var step = tracker.expire(kv.value, now);
        if (step.isPresent()) {
          closed.add(KeyValue.pair(kv.key, step.get()));
          sweepInCampaign += step.get().status().inCampaign() ? 1 : 0;
        } else {
          var gone = tracker.forget(kv.value, now);
          gone.ifPresent(f -> forgotten.add(KeyValue.pair(kv.key, f)));
          sweepInCampaign += gone.isEmpty() && kv.value.inCampaign() ? 1 : 0;
        }
      }
      sweepFrom = it.hasNext() ? last : null; // the rest next time; from the first camera again once all were read
    }
    if (sweepFrom == null) { // every camera read once: a campaign raised or cleared since counts from the next sweep
      metrics.camerasInCampaign(task, sweepInCampaign);
      sweepInCampaign = 0;
    }
    for (KeyValue<String, CampaignTracker.Step> kv : closed) {
      store.put(kv.key, kv.value.status());
      kv.value.alert().ifPresent(a -> context.forward(alertRecord(kv.key, a)));
    }
    for (KeyValue<String, CampaignTracker.Forgotten> kv : forgotten) { // idle past campaign.idle-retention-ms
      // the clear and the delete go in the task's transaction together (exactly-once): a crash before the commit
      // forgets neither, and the next sweep writes the same alert (same id) again
      kv.value.alert().ifPresent(a -> context.forward(alertRecord(kv.key, a)));
      store.delete(kv.key);
    }
  }
}
