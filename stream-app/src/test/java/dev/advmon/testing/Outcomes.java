package dev.advmon.testing;

import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.FrameVerdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a monitor's verdicts and dead letters from the beginning, committed records only (read_committed), on a
 * thread of its own, and counts each frame id: so that a test can check that every frame it sent came out exactly
 * once, whatever happened to the monitor meanwhile.
 */
public final class Outcomes implements AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String verdictTopic;
  private final AvroSerde<FrameVerdict> verdicts;
  private final AvroSerde<DeadLetter> deadLetters;
  private final Thread thread;
  private final Map<String, Integer> byFrame = new TreeMap<>();
  private final List<FrameVerdict> verdictList = new ArrayList<>();
  private final List<DeadLetter> deadLetterList = new ArrayList<>();
  private volatile Throwable failure;
  private volatile boolean running = true;

  public Outcomes(String bootstrap, SchemaRegistry registry, String verdictTopic, String deadLetterTopic) {
    this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.verdictTopic = verdictTopic;
    this.verdicts = AvroSerde.forClass(FrameVerdict.class, registry);
    this.deadLetters = AvroSerde.forClass(DeadLetter.class, registry);
    List<TopicPartition> partitions = new ArrayList<>();
    for (String t : List.of(verdictTopic, deadLetterTopic)) {
      consumer.partitionsFor(t, Duration.ofSeconds(60)).forEach(i -> partitions.add(new TopicPartition(t, i.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    this.thread = new Thread(this::loop, "outcomes-reader");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          if (r.topic().equals(verdictTopic)) {
            FrameVerdict v = verdicts.deserializer().deserialize(r.topic(), r.value());
            synchronized (this) {
              verdictList.add(v);
              byFrame.merge(v.getFrameId(), 1, Integer::sum);
            }
          } else {
            DeadLetter d = deadLetters.deserializer().deserialize(r.topic(), r.value());
            synchronized (this) {
              deadLetterList.add(d);
              byFrame.merge(String.valueOf(d.getFrameId()), 1, Integer::sum);
            }
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (Throwable e) {
      failure = e;
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** Distinct frames with a verdict or a dead letter. */
  public synchronized int frames() {
    check();
    return byFrame.size();
  }

  /** Frames that came out more than once, with how often. */
  public synchronized Map<String, Integer> duplicates() {
    Map<String, Integer> d = new HashMap<>();
    byFrame.forEach((id, n) -> {
      if (n > 1) {
        d.put(id, n);
      }
    });
    return d;
  }

  public synchronized List<FrameVerdict> verdicts() {
    return List.copyOf(verdictList);
  }

  public synchronized List<DeadLetter> deadLetters() {
    return List.copyOf(deadLetterList);
  }

  public synchronized boolean has(String frameId) {
    return byFrame.containsKey(frameId);
  }

  private void check() {
    if (failure != null) {
      throw new IllegalStateException("reading the outcomes failed: " + failure, failure);
    }
  }

  /** Polls {@code condition} every 100 ms until it holds or {@code timeout} passes; true if it held. */
  public static boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(100);
    }
    return condition.getAsBoolean();
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
