package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
   * The count is asked of the broker off the HTTP request: while the broker does not say, at most once per RETRY_MS
   * (not on every poll of every dashboard); once said, never again. Without metadata (before the first rebalance)
   * nothing is asked and nothing said.
   */
  @Test
  void thePartitionCountIsAskedOnceItIsKnownAndAtMostOncePerRetryWhileItIsNot() {
    AtomicLong clock = new AtomicLong(1_000_000);
    AtomicInteger asked = new AtomicInteger();
    AtomicInteger answer = new AtomicInteger(-1);
    List<StreamsMetadata> metadata = new ArrayList<>();
    Deque<Runnable> lookups = new ArrayDeque<>();
    UnaskedCameras unasked = new UnaskedCameras(() -> (Collection<StreamsMetadata>) metadata, TOPIC, topic -> {
      asked.incrementAndGet();
      if (answer.get() < 0) {
        throw new org.apache.kafka.common.errors.TimeoutException("broker down");
      }
      return answer.get();
    }, clock::get, lookups::add);

    assertThat(unasked.reason(null)).isNull();
    assertThat(lookups).as("no metadata: nothing to compare").isEmpty();
    metadata.add(holding(1, TOPIC, 0));
    assertThat(unasked.reason(null)).contains("is not known here yet").contains("still looking it up");
    lookups.remove().run();
    assertThat(unasked.reason(null)).as("the broker does not say: not complete").contains("is not known here yet")
        .contains("broker down");
    assertThat(asked).hasValue(1);
    clock.addAndGet(UnaskedCameras.RETRY_MS - 1);
    assertThat(unasked.reason(null)).contains("is not known here yet");
    assertThat(lookups).isEmpty();
    answer.set(2);
    clock.addAndGet(1);
    assertThat(unasked.reason(null)).as("asked again, not waited for").contains("broker down");
    lookups.remove().run();
    assertThat(unasked.reason(null)).startsWith("1 of 2 partitions");
    clock.addAndGet(10 * UnaskedCameras.RETRY_MS);
    assertThat(unasked.reason(null)).startsWith("1 of 2 partitions");
    assertThat(lookups).isEmpty();
    assertThat(asked).hasValue(2);
  }

  /**
   * The lookup ran on the first HTTP request, which waited for it (up to about 4 s), and a second request during it
   * said complete: true. Now no request waits: every one during the lookup, the first included, says the count is
   * being looked up, and one lookup runs for all of them.
   */
  @Test
  void requestsDuringTheFirstLookupAllSayItIsStillLookedUpAndNoneWaitsForIt() throws Exception {
    List<StreamsMetadata> metadata = List.of(holding(1, TOPIC, 0, 1));
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    AtomicInteger asked = new AtomicInteger();
    UnaskedCameras unasked = new UnaskedCameras(() -> metadata, TOPIC, topic -> {
      asked.incrementAndGet();
      assertThat(release.await(30, TimeUnit.SECONDS)).isTrue(); // the broker answers only when the test says
      return 2;
    }, () -> 0L, task -> UnaskedCameras.OWN_THREAD.execute(() -> {
      task.run();
      finished.countDown();
    }));

    String first = unasked.reason(null);
    String second = unasked.reason(null);
    release.countDown();
    assertThat(finished.await(30, TimeUnit.SECONDS)).isTrue();

    assertThat(first).as("answered while the broker had not").contains("still looking it up")
        .contains("retry in a few seconds").isEqualTo(second);
    assertThat(UnaskedCameras.passes(first)).isTrue();
    assertThat(asked).hasValue(1);
    assertThat(unasked.reason(null)).as("every partition has an owner that can be asked").isNull();
  }

  /**
   * /cameras/{id} of an unknown camera said 404 while the count was not known, though an instance without a server
   * may hold it: it cannot be told, and the reason says so (the caller answers 503 with it).
   */
  @Test
  void oneCameraWhileTheCountIsNotKnownCannotBeToldNotAbsent() {
    List<StreamsMetadata> metadata = List.of(holding(1, TOPIC, 0, 1));
    Deque<Runnable> lookups = new ArrayDeque<>();
    UnaskedCameras unasked = new UnaskedCameras(() -> metadata, TOPIC, topic -> 2, () -> 0L, lookups::add);

    assertThat(unasked.reason("cam-1")).contains("camera 'cam-1' cannot be told").contains("still looking it up")
        .contains("retry in a few seconds");
    lookups.remove().run();
    assertThat(unasked.reason("cam-1")).as("its partition has an owner that can be asked").isNull();
  }

  /**
   * A broker whose ACLs do not let this instance describe the topic answered "the broker did not say:
   * ...TopicAuthorizationException" and "retry": no retry changes it. The reason names the ACL to grant, on which
   * topic, and that a retry answers the same until then; the broker is asked again once per RETRY_MS, however many
   * requests come, so the grant is seen without a restart.
   */
  @Test
  void aBrokerThatRefusesToDescribeTheTopicNamesTheAclToGrantAndIsAskedOncePerRetry() {
    AtomicLong clock = new AtomicLong(0);
    AtomicInteger asked = new AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean granted = new java.util.concurrent.atomic.AtomicBoolean();
    Deque<Runnable> lookups = new ArrayDeque<>();
    List<StreamsMetadata> metadata = List.of(holding(1, TOPIC, 0, 1));
    UnaskedCameras unasked = new UnaskedCameras(() -> metadata, TOPIC, topic -> {
      asked.incrementAndGet();
      if (!granted.get()) {
        throw new ExecutionException(new org.apache.kafka.common.errors.TopicAuthorizationException(
            "Not authorized to access topics: [" + topic + "]"));
      }
      return 2;
    }, clock::get, lookups::add);

    unasked.reason(null);
    lookups.remove().run();
    for (int request = 0; request < 100; request++) {
      assertThat(unasked.reason(request % 2 == 0 ? null : "cam-" + request)).as("request %d", request)
          .contains("grant").contains("Describe on topic " + TOPIC).contains("ACL")
          .contains("a retry answers the same until the ACL is granted").doesNotContain("retry in a few seconds");
    }
    assertThat(lookups).isEmpty();
    assertThat(asked).hasValue(1);
    granted.set(true);
    clock.addAndGet(UnaskedCameras.RETRY_MS);
    unasked.reason(null);
    lookups.remove().run();
    assertThat(unasked.reason(null)).isNull();
    assertThat(asked).hasValue(2);
  }

  /**
   * The words of the last failure and whether it was an ACL's were two fields, written refusal first and read apart:
   * a request that came while a refusal replaced a timeout paired the timeout's words with "a retry answers the same
   * until the ACL is granted" (and, the other way round, a refusal's words with "retry within that"). Each failure
   * here asks for a reason in the middle of being written (from its getMessage, which the lookup calls to word it),
   * on this thread: that request gets the failure before, whole.
   */
  @Test
  void aRequestDuringAFailedLookupGetsThePreviousFailureWithItsOwnAdviceNeverHalfOfTheNewOne() {
    AtomicLong clock = new AtomicLong(0);
    List<StreamsMetadata> metadata = List.of(holding(1, TOPIC, 0, 1));
    Deque<Runnable> lookups = new ArrayDeque<>();
    AtomicReference<UnaskedCameras> self = new AtomicReference<>();
    List<String> duringLookup = new ArrayList<>();
    Deque<Exception> failures = new ArrayDeque<>(List.of(
        new org.apache.kafka.common.errors.TimeoutException("broker down"),
        new org.apache.kafka.common.errors.TopicAuthorizationException("Not authorized to access topics") {
          @Override
          public String getMessage() {
            duringLookup.add(self.get().reason(null)); // asked while this refusal is being written
            return super.getMessage();
          }
        },
        new org.apache.kafka.common.errors.TimeoutException("broker down again") {
          @Override
          public String getMessage() {
            duringLookup.add(self.get().reason(null)); // asked while this timeout is being written
            return super.getMessage();
          }
        }));
    self.set(new UnaskedCameras(() -> metadata, TOPIC, topic -> {
      throw failures.remove();
    }, clock::get, lookups::add));
    UnaskedCameras unasked = self.get();

    unasked.reason(null);
    lookups.remove().run();
    assertThat(unasked.reason(null)).contains("broker down").contains("retry within that");
    assertThat(afterTheNextLookup(unasked, clock, lookups)).contains("grant")
        .contains("a retry answers the same until the ACL is granted");
    assertThat(afterTheNextLookup(unasked, clock, lookups)).contains("broker down again")
        .contains("retry within that");

    assertThat(duringLookup).hasSize(2);
    assertThat(duringLookup.get(0)).as("the timeout before, with its own advice").contains("broker down")
        .contains("retry within that").doesNotContain("until the ACL is granted");
    assertThat(duringLookup.get(1)).as("the refusal before, with its own advice").contains("grant")
        .contains("until the ACL is granted").doesNotContain("retry within that");
  }

  /** The reason once the next lookup is due, has been started by a request and has run here. */
  private static String afterTheNextLookup(UnaskedCameras unasked, AtomicLong clock, Deque<Runnable> lookups) {
    clock.addAndGet(UnaskedCameras.RETRY_MS);
    unasked.reason(null);
    lookups.remove().run();
    return unasked.reason(null);
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
    UnaskedCameras unasked = new UnaskedCameras(() -> metadata, TOPIC, topic -> 4, () -> 0L, Runnable::run);
    unasked.reason(null); // the lookup, here on this thread
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

  /**
   * The count was looked up at the first request, which (with every one during the lookup) was answered as if it
   * could not be had: complete: false and 503 for an unknown camera on each start, also where every instance
   * advertises a server. Kafka Streams reaching RUNNING starts the lookup, so the first request knows it.
   */
  @Test
  void theCountIsLookedUpWhenKafkaStreamsRunsSoThatTheFirstRequestAnswersAnUnknownCameraAsUnknown() {
    List<StreamsMetadata> metadata = List.of(holding(1, TOPIC, 0, 1), holding(2, TOPIC, 2, 3));
    Deque<Runnable> lookups = new ArrayDeque<>();
    UnaskedCameras unasked = new UnaskedCameras(() -> metadata, TOPIC, topic -> 4, () -> 0L, lookups::add);

    unasked.onStreamsState(org.apache.kafka.streams.KafkaStreams.State.REBALANCING);
    assertThat(lookups).as("not before RUNNING: the topic may not exist yet").isEmpty();
    unasked.onStreamsState(org.apache.kafka.streams.KafkaStreams.State.RUNNING);
    assertThat(lookups).hasSize(1);
    lookups.remove().run();

    assertThat(unasked.reason("no-such-camera")).as("every partition has an owner that answers: 404").isNull();
    assertThat(unasked.reason(null)).as("complete").isNull();
    assertThat(lookups).as("known: never asked again").isEmpty();
  }
}
