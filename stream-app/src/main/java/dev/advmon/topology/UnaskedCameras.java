package dev.advmon.topology;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.KafkaStreams;
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
  /** How every reason given while the partition count is not known begins ({@link #passes}). */
  public static final String NOT_KNOWN = "how many partitions the camera store (";

  /**
   * Whether {@code reason} (of {@link #reason}) is one of a partition count not known, which says itself when to retry
   * (or which ACL to grant); otherwise an instance without a server holds the partitions until it gets one.
   */
  public static boolean passes(String reason) {
    return reason != null && reason.startsWith(NOT_KNOWN);
  }

  /**
   * Where the lookup runs off the HTTP request: a thread of its own, at most one at a time and one per RETRY_MS while
   * the broker does not say (each lookup is bounded by the Admin client's timeout).
   */
  static final Executor OWN_THREAD = task -> {
    Thread t = new Thread(task, "advmon-cameras-partition-count");
    t.setDaemon(true);
    t.start();
  };

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
  private final Executor lookups;
  /** The topic's partitions once the broker said (it does not change under a running application); 0 until then. */
  private volatile int partitions;
  private volatile long nextLookupMs = Long.MIN_VALUE;
  /** Whether a lookup is running: one at a time, whatever the number of requests that find the count unknown. */
  private final AtomicBoolean looking = new AtomicBoolean();
  /**
   * How the last lookup failed; null before the first one failed. The words and whether an ACL refused are one
   * record swapped whole: kept in two fields, read apart and written refusal first, a request could pair an old
   * timeout's words with "a retry answers the same until the ACL is granted" (or an old refusal with "retry").
   */
  private volatile Failure failed;

  /** How a lookup failed ({@link #failure}), and whether on an ACL, which no retry of this instance's changes. */
  private record Failure(String words, boolean refused) {}

  /**
   * @param metadata the group's metadata now (Kafka Streams' {@code metadataForAllStreamsClients()})
   * @param topic the topic whose partitions are the camera store's (the campaign repartition topic)
   */
  UnaskedCameras(Supplier<Collection<StreamsMetadata>> metadata, String topic, PartitionCount count,
      LongSupplier clockMs) {
    this(metadata, topic, count, clockMs, OWN_THREAD);
  }

  /** @param lookups runs the broker lookup: an HTTP request never waits for it ({@link #OWN_THREAD}) */
  UnaskedCameras(Supplier<Collection<StreamsMetadata>> metadata, String topic, PartitionCount count,
      LongSupplier clockMs, Executor lookups) {
    this.metadata = metadata;
    this.topic = topic;
    this.count = count;
    this.clockMs = clockMs;
    this.lookups = lookups;
  }

  /**
   * Why the cameras of some partitions cannot be listed: their owner advertises no server; null when every partition
   * has an owner that can be asked, and while the metadata is empty (before the first rebalance: that has its own
   * note). While the broker has not said how many partitions there are (the lookup is still running, off this
   * request, or the broker does not answer), every question gets a reason that says so: the listing
   * ({@code cameraId} null) is not complete, and with {@code cameraId} the camera may be one of them. Concurrent
   * first requests agree: each answered from whatever the lookup had found when it came, none waits for it. With
   * {@code cameraId}, null where that camera's partition has an owner that can be asked.
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
    if (n <= 0) {
      // an unknown id answered 404 here, though an instance without a server may hold it: a client acts on a 503
      Failure lastFailure = failed; // read once, words and refusal together: a lookup may end meanwhile
      String why = lastFailure == null ? "still looking it up: the broker is being asked" : lastFailure.words();
      String then = lastFailure == null ? "retry in a few seconds"
          : lastFailure.refused() ? "the broker is asked again every " + RETRY_MS / 1000 + " s: a retry answers the "
              + "same until the ACL is granted"
          : "the broker is asked again every " + RETRY_MS / 1000 + " s: retry within that";
      return NOT_KNOWN + topic + ") has is not known here yet (" + why + "), so whether an instance that advertises "
          + "no streams.application-server holds " + (cameraId == null ? "some cannot be told: their cameras may be "
          + "missing here" : "camera '" + cameraId + "' cannot be told") + "; " + then;
    }
    if (cameraId != null && !missing(all, topic, n).contains(partitionOf(cameraId, n))) {
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

  /**
   * Kafka Streams' state listener: at RUNNING (after a rebalance, so the topic exists) the count is looked up, off
   * the caller's thread. Left to the first request, that request and every one during the lookup were answered as if
   * the count could not be had (complete: false, 503 for an unknown camera) on every start, also where each instance
   * advertises a server and 404 was the answer.
   */
  public void onStreamsState(KafkaStreams.State now) {
    if (now == KafkaStreams.State.RUNNING) {
      partitions();
    }
  }

  /** The partition count, 0 while not known; starts a lookup off this thread where none runs and one is due. */
  private int partitions() {
    if (partitions > 0) {
      return partitions;
    }
    // asked for on an HTTP request, but never waited for there: a lookup took up to 4 s of the first request
    if (clockMs.getAsLong() >= nextLookupMs && looking.compareAndSet(false, true)) {
      try {
        lookups.execute(this::lookUp);
      } catch (RejectedExecutionException e) {
        looking.set(false); // closing
      }
    }
    return partitions;
  }

  /** Asks the broker for the count; while it does not say, the next lookup waits RETRY_MS from this one's end. */
  private void lookUp() {
    try {
      partitions = count.of(topic);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      failed = new Failure(failure(t), t instanceof TopicAuthorizationException);
      nextLookupMs = clockMs.getAsLong() + RETRY_MS;
    } finally {
      looking.set(false);
    }
  }

  /** Why the broker did not say how many partitions the topic has, and what to do. */
  private String failure(Throwable t) {
    if (t instanceof TopicAuthorizationException) {
      // an ACL: no retry changes it, and "the broker did not say" sent operators to look at the broker
      return "the broker refuses to describe topic " + topic + " to this instance (" + t.getMessage() + "): grant "
          + "this instance's principal (its kafka.sasl.* / kafka.ssl.* settings) the ACL operation Describe on topic "
          + topic;
    }
    if (t instanceof UnknownTopicOrPartitionException) {
      return "the broker has no topic " + topic + " yet: Kafka Streams creates it at its first rebalance";
    }
    return "the broker did not say: " + t;
  }
}
