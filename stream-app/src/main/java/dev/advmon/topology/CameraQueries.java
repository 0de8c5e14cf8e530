package dev.advmon.topology;

import dev.advmon.campaign.CameraDirectory;
import dev.advmon.campaign.CameraStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Interactive queries of the per-camera state store. Answers from this instance's partitions only: with
 * several monitor instances, each serves the cameras whose partitions it owns.
 */
public final class CameraQueries implements CameraDirectory {

  private final java.util.function.Supplier<KafkaStreams> streams;

  /** @param streams the current Kafka Streams client (the monitor replaces it when it restarts in place) */
  public CameraQueries(java.util.function.Supplier<KafkaStreams> streams) {
    this.streams = streams;
  }

  public CameraQueries(KafkaStreams streams) {
    this(() -> streams);
  }

  /**
   * The cameras this instance knows, by id, at most {@link #MAX_LISTED} (the first in the store's key order);
   * throws InvalidStateStoreException while not RUNNING (e.g. rebalancing).
   */
  @Override
  public List<CameraStatus> all() {
    List<CameraStatus> out = new ArrayList<>();
    try (KeyValueIterator<String, CameraStatus> it = store().all()) {
      while (it.hasNext() && out.size() < MAX_LISTED) {
        out.add(it.next().value);
      }
    }
    out.sort(java.util.Comparator.comparing(CameraStatus::cameraId));
    return out;
  }

  @Override
  public Optional<CameraStatus> one(String cameraId) {
    return Optional.ofNullable(store().get(cameraId));
  }

  private ReadOnlyKeyValueStore<String, CameraStatus> store() {
    return streams.get().store(StoreQueryParameters.fromNameAndType(MonitorTopology.CAMERA_STORE,
        QueryableStoreTypes.<String, CameraStatus>keyValueStore()));
  }
}
