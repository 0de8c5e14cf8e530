package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.internals.StreamsMetadataImpl;
import org.junit.jupiter.api.Test;

/**
 * Kafka Streams' group metadata lists only the instances that advertise a server: an instance with http.port=0 held
 * partitions of the camera store that no instance could ask, and every merged /cameras said complete: true without
 * its cameras. The partitions the metadata leaves without an owner are named.
 */
class UnaskedCamerasTest {

  private static final String TOPIC = "app-campaign-by-camera-repartition";

  private static StreamsMetadata holding(int port, String topic, int... partitions) {
    Set<TopicPartition> tps = new java.util.HashSet<>();
    for (int p : partitions) {
      tps.add(new TopicPartition(topic, p));
    }
    return new StreamsMetadataImpl(new HostInfo("127.0.0.1", port), Set.of(MonitorTopology.CAMERA_STORE), tps,
        Set.of(), Set.of());
  }

  @Test
  void partitionsHeldByNoInstanceThatCanBeAskedAreNamedWithWhatToSet() {
    String reason = UnaskedCameras.reason(List.of(holding(1, TOPIC, 0), holding(2, TOPIC, 2),
        holding(2, "app-frames", 1, 3)), TOPIC, 4);

    assertThat(reason).startsWith("2 of 4 partitions of the camera store (1, 3 of " + TOPIC + ")")
        .contains("advertises no streams.application-server").contains("http.port");
  }

  @Test
  void everyPartitionWithAnOwnerThatCanBeAskedSaysNothing() {
    assertThat(UnaskedCameras.reason(List.of(holding(1, TOPIC, 0, 1), holding(2, TOPIC, 2, 3)), TOPIC, 4)).isNull();
  }

  /**
   * The count is asked of the broker on an HTTP request: while the broker does not say, at most once per RETRY_MS
   * (not on every poll of every dashboard); once said, never again. Without metadata (before the first rebalance)
   * nothing is asked and nothing said.
   */
  @Test
  void thePartitionCountIsAskedOnceItIsKnownAndAtMostOncePerRetryWhileItIsNot() {
    AtomicLong clock = new AtomicLong(1_000_000);
    AtomicInteger asked = new AtomicInteger();
    AtomicInteger answer = new AtomicInteger(-1);
    List<StreamsMetadata> metadata = new ArrayList<>();
    UnaskedCameras unasked = new UnaskedCameras(() -> (Collection<StreamsMetadata>) metadata, TOPIC, topic -> {
      asked.incrementAndGet();
      if (answer.get() < 0) {
        throw new org.apache.kafka.common.errors.TimeoutException("broker down");
      }
      return answer.get();
    }, clock::get);

    assertThat(unasked.reason(null)).isNull();
    assertThat(asked).as("no metadata: nothing to compare").hasValue(0);
    metadata.add(holding(1, TOPIC, 0));
    assertThat(unasked.reason(null)).as("the broker does not say: not complete").contains("is not known here yet")
        .contains("broker down");
    assertThat(unasked.reason("cam-1")).as("one camera: may be there").isNull();
    assertThat(asked).hasValue(1);
    clock.addAndGet(UnaskedCameras.RETRY_MS - 1);
    assertThat(unasked.reason(null)).contains("is not known here yet");
    assertThat(asked).hasValue(1);
    answer.set(2);
    clock.addAndGet(1);
    assertThat(unasked.reason(null)).startsWith("1 of 2 partitions");
    clock.addAndGet(10 * UnaskedCameras.RETRY_MS);
    assertThat(unasked.reason(null)).startsWith("1 of 2 partitions");
    assertThat(asked).hasValue(2);
  }

  /**
   * Two requests at first use: the second arrived while the first still asked the broker, got no count, and its
   * /cameras said complete: true. A lookup in progress is "not known", as a failed one is.
   */
  @Test
  void aListingWhileAnotherRequestStillAsksTheBrokerIsNotComplete() {
    List<StreamsMetadata> metadata = List.of(holding(1, TOPIC, 0, 1));
    List<String> meanwhile = new ArrayList<>();
    UnaskedCameras[] unasked = new UnaskedCameras[1];
    unasked[0] = new UnaskedCameras(() -> metadata, TOPIC, topic -> {
      meanwhile.add(unasked[0].reason(null)); // the second request, during the first one's lookup
      return 2;
    }, () -> 0L);

    assertThat(unasked[0].reason(null)).as("the first: every partition has an owner that can be asked").isNull();
    assertThat(meanwhile).singleElement().asString().contains("is not known here yet")
        .contains("being asked by another request");
  }

  /**
   * /cameras/{id} asks for one camera: only where its partition is one no instance that can be asked holds is the
   * answer unsure. The partition is Kafka Streams' own for the key (its DefaultStreamPartitioner, which its
   * queryMetadataForKey uses), for ids of every partition.
   */
  @Test
  void oneCameraIsUnaskedOnlyWhereItsOwnPartitionIs() {
    var streams = new org.apache.kafka.streams.processor.internals.DefaultStreamPartitioner<String, Object>(
        new org.apache.kafka.common.serialization.StringSerializer());
    List<StreamsMetadata> metadata = List.of(holding(1, TOPIC, 0, 2));
    UnaskedCameras unasked = new UnaskedCameras(() -> metadata, TOPIC, topic -> 4, () -> 0L);
    Set<Integer> seen = new java.util.HashSet<>();
    for (int i = 0; i < 200; i++) {
      String id = "cam-" + i;
      int partition = streams.partitions(TOPIC, id, null, 4).orElseThrow().iterator().next();
      seen.add(partition);
      assertThat(UnaskedCameras.partitionOf(id, 4)).as(id).isEqualTo(partition);
      if (partition % 2 == 0) {
        assertThat(unasked.reason(id)).as(id + " of partition " + partition + ", held by one asked").isNull();
      } else {
        assertThat(unasked.reason(id)).as(id + " of partition " + partition).startsWith("2 of 4 partitions");
      }
    }
    assertThat(seen).containsExactlyInAnyOrder(0, 1, 2, 3);
    assertThat(unasked.reason(null)).as("any partition").startsWith("2 of 4 partitions");
  }
}
