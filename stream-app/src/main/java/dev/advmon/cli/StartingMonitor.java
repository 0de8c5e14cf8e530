package dev.advmon.cli;

import dev.advmon.campaign.CameraDirectory;
import dev.advmon.campaign.CameraStatus;
import dev.advmon.health.HealthCheck;
import dev.advmon.health.HealthReport;
import dev.advmon.health.StartupWaits;
import dev.advmon.topology.StreamingMonitor;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * What the HTTP server serves before {@link StreamingMonitor#start} has returned (it waits for the broker and the
 * registry, minutes when they are down), then the monitor itself. So probes get an answer from the first second:
 * live (the process is waiting, not wedged: a liveness probe must not restart it in a loop while Kafka is away),
 * not ready, with what start-up still waits for and its latest failure ("the registry answered 503"), which
 * otherwise only the log would say. Until then {@code /cameras} is refused as not known yet (503 "still starting"),
 * not listed as empty: "no camera, complete" from an instance joining a running group (every step of a rolling
 * upgrade) was false while the others held every camera.
 */
final class StartingMonitor implements HealthCheck, CameraDirectory {

  private final AtomicReference<StreamingMonitor> monitor = new AtomicReference<>();
  private final StartupWaits waits;

  /** Until the monitor started, readiness gives {@code waits}' reasons. */
  StartingMonitor(StartupWaits waits) {
    this.waits = waits;
  }

  /** From now on every answer comes from this monitor. */
  void started(StreamingMonitor started) {
    monitor.set(started);
  }

  @Override
  public HealthReport readiness() {
    StreamingMonitor m = monitor.get();
    return m != null ? m.health().readiness() : new HealthReport(false, "STARTING", waits.reasons());
  }

  @Override
  public HealthReport liveness() {
    StreamingMonitor m = monitor.get();
    return m != null ? m.health().liveness() : HealthReport.up("STARTING");
  }

  @Override
  public List<CameraStatus> all() {
    return startedCameras().all();
  }

  @Override
  public Top top(int limit) {
    return startedCameras().top(limit);
  }

  @Override
  public Optional<CameraStatus> one(String cameraId) {
    return startedCameras().one(cameraId);
  }

  @Override
  public Optional<Reading> reading(String cameraId) {
    return startedCameras().reading(cameraId);
  }

  /** The started monitor's cameras; before start, the refusal the HTTP server answers as 503 naming the state. */
  private CameraDirectory startedCameras() {
    StreamingMonitor m = monitor.get();
    if (m == null) {
      throw new InvalidStateStoreException("the monitor has not started Kafka Streams yet");
    }
    return m.cameras();
  }

  /** The started monitor's reading of stores that may be stale (during a rebalance); none before start. */
  @Override
  public CameraDirectory stale() {
    StreamingMonitor m = monitor.get();
    return m != null ? m.cameras().stale() : null;
  }

  /**
   * Why some partitions' cameras (of {@code cameraId}'s partition, where not null) cannot be asked for
   * ({@link StreamingMonitor#unaskedCameras}); null before start.
   */
  String unaskedCameras(String cameraId) {
    StreamingMonitor m = monitor.get();
    return m != null ? m.unaskedCameras(cameraId) : null;
  }

  /** The other instances to ask for their cameras: none before start. */
  List<HostInfo> peers() {
    StreamingMonitor m = monitor.get();
    return m != null ? m.peers() : List.of();
  }
}
