package dev.advmon.demo;

import dev.advmon.schema.Alert;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.FrameVerdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads what the monitor wrote (verdicts, alerts, dead letters; committed records only, as a downstream
 * service would) on a thread of its own, and counts it against the frames' ground truth. End-to-end latency
 * is the time from a frame's record timestamp (set when the replay sent it; Kafka Streams gives the verdict
 * the same timestamp) to the moment this reader receives its verdict.
 */
final class ResultCollector implements AutoCloseable {

  /** Counts of one truth kind. */
  static final class KindCounts {
    long verdicts;
    long flagged;
  }

  private final KafkaConsumer<String, byte[]> consumer;
  private final String verdictTopic;
  private final String alertTopic;
  private final String deadLetterTopic;
  private final Deserializer<FrameVerdict> verdicts;
  private final Deserializer<Alert> alerts;
  private final Deserializer<DeadLetter> deadLetters;
  private final Consumer<Alert> onAlert;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Throwable failure;

  // guarded by this
  private long verdictCount;
  private final Map<TruthKind, KindCounts> byKind = new EnumMap<>(TruthKind.class);
  private final Map<String, KindCounts> byAttack = new TreeMap<>();
  private final Map<String, Long> deadLettersByReason = new TreeMap<>();
  private final Map<String, Long> alertsByKind = new TreeMap<>();
  private final List<Alert> campaignAlerts = new ArrayList<>();
  private final List<Long> latenciesMs = new ArrayList<>();
  private long lastOutcomeAt;

  ResultCollector(String bootstrap, String verdictTopic, String alertTopic, String deadLetterTopic,
      Deserializer<FrameVerdict> verdicts, Deserializer<Alert> alerts, Deserializer<DeadLetter> deadLetters,
      Consumer<Alert> onAlert) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    this.verdictTopic = verdictTopic;
    this.alertTopic = alertTopic;
    this.deadLetterTopic = deadLetterTopic;
    this.verdicts = verdicts;
    this.alerts = alerts;
    this.deadLetters = deadLetters;
    this.onAlert = onAlert;
    // no consumer group: assigned every partition from the start, so there is no rebalance to wait for
    List<TopicPartition> partitions = new ArrayList<>();
    for (String t : List.of(verdictTopic, alertTopic, deadLetterTopic)) {
      consumer.partitionsFor(t, Duration.ofSeconds(30)).forEach(i -> partitions.add(new TopicPartition(t, i.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    this.thread = new Thread(this::loop, "advmon-demo-reader");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          long now = System.currentTimeMillis();
          if (r.topic().equals(verdictTopic)) {
            verdict(verdicts.deserialize(r.topic(), r.headers(), r.value()), now - r.timestamp(), now);
          } else if (r.topic().equals(deadLetterTopic)) {
            deadLetter(deadLetters.deserialize(r.topic(), r.headers(), r.value()), now);
          } else if (r.topic().equals(alertTopic)) {
            Alert a = alerts.deserialize(r.topic(), r.headers(), r.value());
            alert(a);
            onAlert.accept(a);
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

  private synchronized void verdict(FrameVerdict v, long latencyMs, long now) {
    verdictCount++;
    TruthKind kind = TruthKind.ofAttribute(v.getAttributes().get("truth.kind"));
    if (kind != null) {
      KindCounts c = byKind.computeIfAbsent(kind, k -> new KindCounts());
      c.verdicts++;
      c.flagged += v.getAlert() ? 1 : 0;
    }
    String attack = v.getAttributes().get("truth.attack");
    if (attack != null) {
      KindCounts c = byAttack.computeIfAbsent(attack, k -> new KindCounts());
      c.verdicts++;
      c.flagged += v.getAlert() ? 1 : 0;
    }
    latenciesMs.add(Math.max(0, latencyMs));
    lastOutcomeAt = now;
  }

  private synchronized void deadLetter(DeadLetter d, long now) {
    deadLettersByReason.merge(d.getReason(), 1L, Long::sum);
    lastOutcomeAt = now;
  }

  private synchronized void alert(Alert a) {
    alertsByKind.merge(a.getKind(), 1L, Long::sum);
    if (a.getKind().startsWith("CAMPAIGN")) {
      campaignAlerts.add(a);
    }
  }

  synchronized long verdicts() {
    return verdictCount;
  }

  synchronized long deadLetters() {
    return deadLettersByReason.values().stream().mapToLong(Long::longValue).sum();
  }

  synchronized long alerts() {
    return alertsByKind.values().stream().mapToLong(Long::longValue).sum();
  }

  synchronized long lastOutcomeAt() {
    return lastOutcomeAt;
  }

  synchronized Map<TruthKind, long[]> byKind() {
    Map<TruthKind, long[]> out = new EnumMap<>(TruthKind.class);
    byKind.forEach((k, c) -> out.put(k, new long[] {c.verdicts, c.flagged}));
    return out;
  }

  /** Per attack kind of the replayed fixtures ({@code truth.attack}): verdicts, flagged verdicts. */
  synchronized Map<String, long[]> byAttack() {
    Map<String, long[]> out = new TreeMap<>();
    byAttack.forEach((k, c) -> out.put(k, new long[] {c.verdicts, c.flagged}));
    return out;
  }

  synchronized Map<String, Long> deadLettersByReason() {
    return new TreeMap<>(deadLettersByReason);
  }

  synchronized Map<String, Long> alertsByKind() {
    return new TreeMap<>(alertsByKind);
  }

  synchronized List<Alert> campaignAlerts() {
    return List.copyOf(campaignAlerts);
  }

  synchronized long[] latenciesMs() {
    return latenciesMs.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  /** Why the reader stopped early, or null. */
  Throwable failure() {
    return failure;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(10_000);
  }
}
