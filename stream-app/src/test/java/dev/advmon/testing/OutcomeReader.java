package dev.advmon.testing;

import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.FrameVerdict;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the monitor's verdicts and dead letters as a downstream consumer would ({@code read_committed}), in the
 * background, and keeps one {@link Outcome} per record: which frame, what it became, and when the monitor made
 * it. Records are decoded with the schemas this build writes (the Confluent header skipped), so that reading
 * needs no registry: a test may freeze the registry while this reads.
 */
public final class OutcomeReader implements AutoCloseable {

  /**
   * One output record.
   *
   * @param frameId the frame's id (for a dead letter whose frame could not be read: its record key)
   * @param reason null for a verdict, the dead letter's reason otherwise
   * @param madeAtMs when the monitor scored or dead-lettered it (its clock)
   * @param readAtMs when this reader got it (committed and visible downstream)
   * @param valueBytes a dead letter's original bytes kept, how many; -1 for a verdict
   * @param batchFrames a verdict's {@code batchFrames} (frames scored in the same model call); 0 for a dead letter
   */
  public record Outcome(String frameId, String reason, long madeAtMs, long readAtMs, int valueBytes, int batchFrames) {
    public boolean verdict() {
      return reason == null;
    }
  }

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String verdictsTopic;
  private final List<Outcome> outcomes = new ArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final Thread thread;
  private volatile Throwable failure;

  public OutcomeReader(String bootstrap, String verdictsTopic, String deadLetterTopic) {
    this.verdictsTopic = verdictsTopic;
    // No consumer group: partitions assigned here and positions kept here, so that a broker outage cannot make
    // it start over (a group member that rejoins without committed offsets would read everything again).
    this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    assignFromTheBeginning(consumer, verdictsTopic, deadLetterTopic);
    this.thread = new Thread(this::run, "outcome-reader");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    SpecificDatumReader<FrameVerdict> verdicts = new SpecificDatumReader<>(FrameVerdict.class);
    SpecificDatumReader<DeadLetter> deadLetters = new SpecificDatumReader<>(DeadLetter.class);
    try {
      while (!stop.get()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          Outcome o = decode(r, verdictsTopic, verdicts, deadLetters, System.currentTimeMillis());
          synchronized (outcomes) {
            outcomes.add(o);
          }
        }
      }
    } catch (Throwable e) {
      if (!stop.get()) {
        failure = e;
      }
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** Every outcome read so far, in the order read. */
  public List<Outcome> outcomes() {
    synchronized (outcomes) {
      return List.copyOf(outcomes);
    }
  }

  /** How many different frames have an outcome so far. */
  public int count() {
    synchronized (outcomes) {
      return (int) outcomes.stream().map(Outcome::frameId).distinct().count();
    }
  }

  /** Waits until {@code expected} different frames have an outcome; false on timeout. */
  public boolean awaitCount(int expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (count() < expected && System.nanoTime() < deadline) {
      if (failure != null) {
        throw new IllegalStateException("reading the outcomes failed", failure);
      }
      Thread.sleep(100);
    }
    return count() >= expected;
  }

  /**
   * Everything committed on the two topics, read from the beginning up to their end (the last stable offset of
   * each partition, as read_committed sees it): once the monitor has stopped, this is complete, so exact counts
   * and duplicates are judged on it, not on a reading that might still be catching up.
   */
  public static List<Outcome> readAll(String bootstrap, String verdictsTopic, String deadLetterTopic,
      Duration timeout) throws InterruptedException {
    List<Outcome> all = new ArrayList<>();
    SpecificDatumReader<FrameVerdict> verdicts = new SpecificDatumReader<>(FrameVerdict.class);
    SpecificDatumReader<DeadLetter> deadLetters = new SpecificDatumReader<>(DeadLetter.class);
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<org.apache.kafka.common.TopicPartition> partitions = assignFromTheBeginning(c, verdictsTopic, deadLetterTopic);
      Map<org.apache.kafka.common.TopicPartition, Long> end = c.endOffsets(partitions, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (partitions.stream().anyMatch(p -> c.position(p, Duration.ofSeconds(30)) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("did not read to the end of " + partitions + " within " + timeout);
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          all.add(decode(r, verdictsTopic, verdicts, deadLetters, System.currentTimeMillis()));
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return all;
  }

  /** Every partition of {@code topics}, assigned to {@code consumer} (no group) from their first offset. */
  private static List<org.apache.kafka.common.TopicPartition> assignFromTheBeginning(
      KafkaConsumer<byte[], byte[]> consumer, String... topics) {
    List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
    for (String topic : topics) {
      consumer.partitionsFor(topic, Duration.ofSeconds(30))
          .forEach(p -> partitions.add(new org.apache.kafka.common.TopicPartition(topic, p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return partitions;
  }

  private static Outcome decode(ConsumerRecord<byte[], byte[]> r, String verdictsTopic,
      SpecificDatumReader<FrameVerdict> verdicts, SpecificDatumReader<DeadLetter> deadLetters, long now)
      throws java.io.IOException {
    byte[] v = r.value();
    var decoder = DecoderFactory.get().binaryDecoder(v, 5, v.length - 5, null);
    if (r.topic().equals(verdictsTopic)) {
      FrameVerdict fv = verdicts.read(null, decoder);
      return new Outcome(fv.getFrameId(), null, fv.getScoredTime().toEpochMilli(), now, -1, fv.getBatchFrames());
    }
    DeadLetter d = deadLetters.read(null, decoder);
    String id = d.getFrameId() != null ? d.getFrameId()
        : d.getKey() == null ? "?" : StandardCharsets.UTF_8.decode(d.getKey().duplicate()).toString();
    return new Outcome(id, d.getReason(), d.getTime().toEpochMilli(), now,
        d.getValue() == null ? 0 : d.getValue().remaining(), 0);
  }

  /** Frame ids of {@code outcomes} seen more than once, with how often. */
  public static Map<String, Integer> duplicates(List<Outcome> outcomes) {
    Map<String, Integer> seen = new HashMap<>();
    for (Outcome o : outcomes) {
      seen.merge(o.frameId(), 1, Integer::sum);
    }
    seen.values().removeIf(n -> n < 2);
    return seen;
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    consumer.wakeup();
    thread.join(10_000);
  }
}
