package dev.advmon.topology;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.streams.StreamsMetadata;

/**
 * Which partitions of the camera store are held by instances that no other instance can ask: an instance without
 * {@code streams.application-server} ({@code http.port} = 0 and none set) is left out of the group's metadata by Kafka
 * Streams (its assignor lists only clients that advertise a server), so its cameras were missing from every merged
 * {@code /cameras} while the answer said {@code complete: true}. The metadata lists the partitions of the instances
 * that can be asked; the broker says how many the camera store's topic has.
 */
public final class UnaskedCameras {

  /** How often the partition count is asked for again while the broker has not said it. */
  static final long RETRY_MS = 30_000;

  /** How many partitions a topic has; throws when the broker cannot say. */
  @FunctionalInterface
  interface PartitionCount {
    int of(String topic) throws Exception;

    /** Asks the broker, bounded by {@code timeout}. */
    static PartitionCount ofBroker(Map<String, Object> kafkaClientProperties, String clientId, Duration timeout) {
      return topic -> {
        Admin admin = TopicAdmin.bounded(kafkaClientProperties, clientId, timeout);
        try {
          return admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .get(topic).partitions().size();
        } finally {
          admin.close(timeout);
        }
      };
    }
  }

  private final Supplier<Collection<StreamsMetadata>> metadata;
  private final String topic;
  private final PartitionCount count;
  private final LongSupplier clockMs;
  /** The topic's partitions once the broker said (it does not change under a running application); 0 until then. */
  private volatile int partitions;
  private volatile long nextLookupMs = Long.MIN_VALUE;
  /** Why the count is not known: the lookup in progress or how it last failed; null before the first lookup. */
  private volatile String notKnown;

  /**
   * @param metadata the group's metadata now (Kafka Streams' {@code metadataForAllStreamsClients()})
   * @param topic the topic whose partitions are the camera store's (the campaign repartition topic)
   */
  UnaskedCameras(Supplier<Collection<StreamsMetadata>> metadata, String topic, PartitionCount count,
      LongSupplier clockMs) {
    this.metadata = metadata;
    this.topic = topic;
    this.count = count;
    this.clockMs = clockMs;
  }

  /**
   * Why the cameras of some partitions cannot be listed: their owner advertises no server; null when every partition
   * has an owner that can be asked, and while the metadata is empty (before the first rebalance: that has its own
   * note). While the broker has not said how many partitions there are (asked by another request just now, or not
   * answering), the listing ({@code cameraId} null) gets a reason too: a request that arrived during the first one's
   * lookup said {@code complete: true} without knowing. With {@code cameraId}, null also where that camera's
   * partition has an owner that can be asked, or cannot be told: every unknown id was "may be there".
   */
  public String reason(String cameraId) {
    Collection<StreamsMetadata> all;
    try {
      all = metadata.get();
    } catch (RuntimeException e) {
      return null; // not started, or closing
    }
    if (all.isEmpty()) {
      return null;
    }
    int n = partitions();
    if (n <= 0 && cameraId == null) {
      return "how many partitions the camera store (" + topic + ") has is not known here yet (" + notKnown
          + "), so whether an instance that advertises no streams.application-server holds some cannot be told: their"
          + " cameras may be missing here; asked again at most every " + RETRY_MS / 1000 + " s";
    }
    if (n <= 0 || (cameraId != null && !missing(all, topic, n).contains(partitionOf(cameraId, n)))) {
      return null;
    }
    return reason(all, topic, n);
  }

  /**
   * The partition of the camera store that holds {@code cameraId}: the repartition topic is written with its String
   * key and no partitioner of this project's, so the producer's own choice from the key's bytes.
   */
  static int partitionOf(String cameraId, int partitions) {
    return BuiltInPartitioner.partitionForKey(cameraId.getBytes(java.nio.charset.StandardCharsets.UTF_8), partitions);
  }

  /** The partitions of {@code topic} (of {@code partitions}) that no instance of {@code all} holds. */
  private static TreeSet<Integer> missing(Collection<StreamsMetadata> all, String topic, int partitions) {
    TreeSet<Integer> missing = IntStream.range(0, partitions).boxed().collect(Collectors.toCollection(TreeSet::new));
    all.forEach(m -> m.topicPartitions().forEach(tp -> {
      if (tp.topic().equals(topic)) {
        missing.remove(tp.partition());
      }
    }));
    return missing;
  }

  /** The reason for {@code all}, the metadata of the instances that advertise a server; null when they hold all. */
  static String reason(Collection<StreamsMetadata> all, String topic, int partitions) {
    TreeSet<Integer> missing = missing(all, topic, partitions);
    if (missing.isEmpty()) {
      return null;
    }
    String which = missing.size() > 10 ? missing.stream().limit(10).map(String::valueOf)
        .collect(Collectors.joining(", ")) + ", ..." : missing.stream().map(String::valueOf)
        .collect(Collectors.joining(", "));
    return missing.size() + " of " + partitions + " partitions of the camera store (" + which + " of " + topic
        + ") are held by an instance that advertises no streams.application-server (http.port = 0 and none set), so "
        + "no instance can ask it: their cameras are missing here; give every instance an http.port (or a "
        + "streams.application-server) that the others reach";
  }

  private int partitions() {
    if (partitions > 0) {
      return partitions;
    }
    long now = clockMs.getAsLong();
    if (now < nextLookupMs) {
      return 0;
    }
    // asked on an HTTP request: at most once per RETRY_MS while the broker does not say, then never again
    nextLookupMs = now + RETRY_MS;
    notKnown = "the broker is being asked by another request";
    try {
      partitions = count.of(topic);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      notKnown = "the broker did not say: " + e;
      return 0;
    }
    return partitions;
  }
}
