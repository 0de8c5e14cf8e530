package dev.advmon.loadtest;

import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.FrameVerdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the verdicts and dead letters as a downstream service would, committed records only (read_committed),
 * from the end of the topics as they were when it started, on a thread of its own. For each frame of this run it
 * records the end-to-end latency and the batch it was scored in, per step and per second, and notices a frame seen
 * twice. Latency runs from the frame's scheduled send time to the moment its verdict or dead letter is readable
 * here, both on this JVM's monotonic clock: the sender runs in this JVM, and the {@link Pacer} it sends by tells when
 * each sequence number was due. So a wall-clock step during the run (NTP, a VM resumed) changes no latency, and
 * neither the frame's {@code captureTime} (the wall clock's, for the monitor) nor the topics' timestamp type
 * (CreateTime or LogAppendTime) is read for it. The due times take one entry per schedule, not per frame; telling a
 * frame seen twice takes one bit per frame in flight, not per frame sent ({@link SeenFrames}).
 */
final class Collector implements AutoCloseable {

  /** Largest latency kept exactly (ms); longer ones still count, as this. */
  static final long MAX_LATENCY_MS = 3_600_000;

  private static final long NANOS_PER_MS = 1_000_000L;

  /** What was read of the frames of one step (or of the warm-up). */
  static final class StepStats {
    final Histogram latencyMs = new Histogram(MAX_LATENCY_MS, 3);
    final Histogram batchFrames = new Histogram(4096, 3);
    long verdicts;
    long deadLetters;
    /** One past the step's last frame, once the step has ended. */
    long endSequence = Long.MAX_VALUE;
    /** When the step began (monotonic clock, ms: only differences mean anything), and the run's outcomes by then. */
    long startedAtMs;
    long outcomesAtStart;
    /** When the last outcome of one of the step's frames was read (same clock), and the run's outcomes by then (0: none yet). */
    long lastOutcomeAtMs;
    long outcomesAtLast;
  }

  private final KafkaConsumer<String, byte[]> consumer;
  private final String verdictTopic;
  private final Deserializer<FrameVerdict> verdicts;
  private final Deserializer<DeadLetter> deadLetters;
  private final FrameSource frames;
  private final Pacer pacer;
  private final Clocks clocks;
  private final Thread thread;
  private final Recorder interval = new Recorder(MAX_LATENCY_MS, 3);
  private final AtomicLong outcomes = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong batchFramesSum = new AtomicLong();
  private final AtomicLong batchFramesCount = new AtomicLong();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final SeenFrames seen = new SeenFrames();
  private final TreeMap<Long, StepStats> steps = new TreeMap<>();
  private final Map<String, Long> deadLettersByReason = new TreeMap<>();
  private volatile boolean running = true;
  /** The bootstrap address that accepted the first connection (null: not checked, a form the check does not read). */
  private final String brokerAnswered;

  /** {@code pacer}: the sender's schedules, by which the reader knows when each frame was due. */
  Collector(Target target, FrameSource frames, Pacer pacer, Clocks clocks) {
    this(target, frames, pacer, clocks, Interruption.PROCESS);
  }

  /**
   * As above; a stop requested while it connects ({@code stop}: Ctrl-C, SIGTERM) ends the broker check and the topic
   * lookup at once with {@link Interruption.Stopped}: before, they went on for up to 10 s and a minute, longer than
   * the shutdown hook waits, and the JVM exited without the run's report, leaving its --report folder empty.
   */
  Collector(Target target, FrameSource frames, Pacer pacer, Clocks clocks, Interruption stop) {
    Map<String, Object> p = new HashMap<>(target.clientProperties());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "advmon-loadtest-reader");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    // looking a topic up must not create it: see requireTopics
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    try {
      this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    } catch (KafkaException e) {
      throw clientRefused("reader", target, e);
    }
    this.verdictTopic = target.verdictsTopic();
    this.verdicts = target.verdictDeserializer();
    this.deadLetters = target.deadLetterDeserializer();
    this.frames = frames;
    this.pacer = pacer;
    this.clocks = clocks;
    try (Interruption.Registration wake = stop.whenRequested(consumer::wakeup)) {
      // nothing listening is told in seconds, naming the address; the lookup below waits for a slow broker
      this.brokerAnswered = BrokerCheck.requireListening(String.valueOf(target.clientProperties().get(
          CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)), target.settingsSource(), BrokerCheck.CONNECT_WAIT,
          BrokerCheck::tryConnect, stop);
      Map<String, List<PartitionInfo>> found = requireTopics(consumer, target, Duration.ofSeconds(60));
      // no consumer group: every partition from its current end, so there is no rebalance to wait for
      List<TopicPartition> partitions = new ArrayList<>();
      for (String t : List.of(target.verdictsTopic(), target.deadLetterTopic())) {
        found.get(t).forEach(i -> partitions.add(new TopicPartition(t, i.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(tp -> consumer.position(tp, Duration.ofSeconds(60))); // fix the start before frames flow
      stop.throwIfRequested(); // a wakeup that came after the last blocking call would meet the reader's first poll
    } catch (WakeupException e) {
      consumer.close(Duration.ZERO);
      stop.throwIfRequested(); // the wakeup was the stop's
      throw e;
    } catch (RuntimeException | Error e) {
      consumer.close(Duration.ZERO);
      throw e;
    }
    this.thread = new Thread(this::loop, "advmon-loadtest-reader");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * The partitions of the frames, verdicts and dead-letter topics; a topic missing on the broker stops the run here,
   * before a frame is sent, naming it. The load tester creates no topic: the monitor does at start-up. Unchecked, a
   * broker that creates topics on first use (auto.create.topics.enable, Kafka's default) would create a missing one
   * with its own defaults, the verdicts topic here and the frames topic at the first frame, and the run would wait
   * out its drain for outcomes that never come; one that does not would leave this reader nothing to read and the
   * sender failing every frame after max.block.ms. The frames topic is checked here too, as the reader starts first.
   */
  static Map<String, List<PartitionInfo>> requireTopics(KafkaConsumer<?, ?> consumer, Target target, Duration wait) {
    Map<String, String> settingOf = new LinkedHashMap<>();
    settingOf.put(target.framesTopic(), "topics.frames");
    settingOf.put(target.verdictsTopic(), "topics.verdicts");
    settingOf.put(target.deadLetterTopic(), "topics.dead-letter");
    Map<String, List<PartitionInfo>> found = new HashMap<>();
    List<String> missing = new ArrayList<>();
    settingOf.forEach((topic, setting) -> {
      // an empty list: the broker does not know the topic (with auto-creation off for this consumer)
      List<PartitionInfo> info;
      try {
        info = consumer.partitionsFor(topic, wait);
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        throw new IllegalStateException("no answer from Kafka at " + target.clientProperties()
            .get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG) + " within " + wait.toSeconds() + " s looking up topic "
            + topic + " ("
            + setting + "): check the broker is running and that --config names it (kafka.bootstrap.servers, and "
            + "kafka.security.protocol and the SASL/TLS settings it needs)", e);
      }
      if (info == null || info.isEmpty()) {
        missing.add(topic + " (" + setting + ")");
      } else {
        found.put(topic, info);
      }
    });
    if (!missing.isEmpty()) {
      throw new IllegalStateException(missingTopicsMessage(missing,
          String.valueOf(target.clientProperties().get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG))));
    }
    return found;
  }

  /**
   * A Kafka client that cannot even be built from the target's settings: Kafka's own words name neither the address
   * nor the setting ("Failed to construct kafka consumer"), its cause does ("No resolvable bootstrap urls given in
   * bootstrap.servers", a JAAS entry missing): both, with the file to fix.
   */
  static IllegalStateException clientRefused(String client, Target target, KafkaException e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String why = cause.getMessage() == null || cause.getMessage().isBlank() ? cause.toString() : cause.getMessage();
    String bootstrap = String.valueOf(target.clientProperties().get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
    if (BrokerCheck.given(bootstrap).isEmpty()) {
      // commas and blanks only: "remove the empty entry" would leave the setting empty, and named no address to give
      return new IllegalStateException("cannot start the load tester's Kafka " + client + " for Kafka at '" + bootstrap
          + "': " + why + ": kafka.bootstrap.servers in " + target.settingsSource() + " names no address, only commas "
          + "and blanks: give it the host:port of a listener of the monitor's broker", e);
    }
    if (BrokerCheck.given(bootstrap).size() != bootstrap.split(",", -1).length) {
      // the client's "values must not be empty", with the advice below, sent the user to DNS for a stray comma
      return new IllegalStateException("cannot start the load tester's Kafka " + client + " for Kafka at " + bootstrap
          + ": " + why + ": kafka.bootstrap.servers in " + target.settingsSource() + " has an empty entry (a "
          + "trailing or doubled comma): remove it", e);
    }
    return new IllegalStateException("cannot start the load tester's Kafka " + client + " for Kafka at "
        + bootstrap + ": " + why + ": check "
        + "kafka.bootstrap.servers (every host must resolve from this machine) and the kafka.* client settings in "
        + target.settingsSource(), e);
  }

  static String missingTopicsMessage(List<String> missing, String bootstrapServers) {
    return (missing.size() == 1 ? "topic " : "topics ") + String.join(", ", missing) + " not found on Kafka at "
        + bootstrapServers + ": start the monitor first (it creates its topics at start-up when topics.create=true, "
        + "the default), or create " + (missing.size() == 1 ? "it" : "them") + "; and check that --config is the "
        + "monitor's own settings file (the load tester creates no topic)";
  }

  /** The bootstrap address that accepted the quick check's connection first, or null when none was checked. */
  String brokerAnswered() {
    return brokerAnswered;
  }

  /** For tests: a reader with no consumer and no thread; outcomes are handed to {@link #outcome} directly. */
  Collector() {
    this(null, null, Clocks.SYSTEM);
  }

  /** For tests: a reader with no consumer and no thread, fed records through {@link #verdictRead} on these clocks. */
  Collector(FrameSource frames, Pacer pacer, Clocks clocks) {
    this.consumer = null;
    this.brokerAnswered = null;
    this.verdictTopic = null;
    this.verdicts = null;
    this.deadLetters = null;
    this.frames = frames;
    this.pacer = pacer;
    this.clocks = clocks;
    this.thread = null;
  }

  /** Frames with sequence numbers from {@code firstSequence} on are counted in a new step's statistics. */
  synchronized StepStats startStep(long firstSequence) {
    StepStats s = new StepStats();
    s.startedAtMs = clocks.nanoTime() / NANOS_PER_MS;
    s.outcomesAtStart = outcomes.get();
    steps.put(firstSequence, s);
    return s;
  }

  /** The step's frames end before {@code endSequence}: frames sent after it count in no step. */
  synchronized void endStep(StepStats s, long endSequence) {
    s.endSequence = endSequence;
  }

  private void loop() {
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
          if (r.topic().equals(verdictTopic)) {
            verdictRead(verdicts.deserialize(r.topic(), r.headers(), r.value()));
          } else {
            deadLetterRead(deadLetters.deserialize(r.topic(), r.headers(), r.value()));
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (Throwable e) {
      failure.set(e);
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** A verdict read now: the outcome of its frame, with its latency. */
  void verdictRead(FrameVerdict v) {
    long seq = frames.sequenceOf(v.getFrameId());
    long now = clocks.nanoTime();
    outcome(seq, latencyMs(seq, now), v.getBatchFrames(), null, now / NANOS_PER_MS);
  }

  /** A dead letter read now: the outcome of its frame, timed as a verdict is. */
  void deadLetterRead(DeadLetter d) {
    long seq = frames.sequenceOf(d.getFrameId());
    long now = clocks.nanoTime();
    outcome(seq, latencyMs(seq, now), 0, d.getReason(), now / NANOS_PER_MS);
  }

  /**
   * From frame {@code seq}'s scheduled send time to {@code nowNanos}, both on the monotonic clock; -1 (not recorded)
   * for a sequence number the sender has no due time for, which no frame of this run has.
   */
  long latencyMs(long seq, long nowNanos) {
    long due = pacer.dueNanos(seq);
    return due == Pacer.UNKNOWN ? -1 : Math.floorDiv(nowNanos - due, NANOS_PER_MS);
  }

  synchronized void outcome(long seq, long latencyMs, int batchFrames, String deadReason, long now) {
    if (seq < 0) {
      return; // another run's frame, or a record without a frame id
    }
    if (!seen.first(seq)) {
      duplicates.incrementAndGet();
      return;
    }
    outcomes.incrementAndGet();
    long latency = Math.min(MAX_LATENCY_MS, latencyMs);
    // no due time known (-1): left out, not recorded as 0 ms, which would pull the percentiles down unseen
    boolean timed = latencyMs >= 0;
    if (timed) {
      interval.recordValue(latency);
    }
    var entry = steps.floorEntry(seq);
    StepStats step = entry != null && seq < entry.getValue().endSequence ? entry.getValue() : null;
    if (step != null) {
      step.lastOutcomeAtMs = now;
      step.outcomesAtLast = outcomes.get();
    }
    if (deadReason != null) {
      deadLettersByReason.merge(deadReason, 1L, Long::sum);
      if (step != null) {
        step.deadLetters++;
      }
      return;
    }
    batchFramesSum.addAndGet(batchFrames);
    batchFramesCount.incrementAndGet();
    if (step != null) {
      StepStats s = step;
      s.verdicts++;
      if (timed) {
        s.latencyMs.recordValue(latency);
      }
      s.batchFrames.recordValue(Math.min(4096, Math.max(1, batchFrames)));
    }
  }

  /** Latencies of the outcomes read since the last call (for the per-second timeline). */
  Histogram intervalLatencies() {
    return interval.getIntervalHistogram();
  }

  /** Verdicts plus dead letters of this run's frames, each frame once. */
  long outcomes() {
    return outcomes.get();
  }

  /** Frames of this run read before, again: must stay 0 under exactly-once. */
  long duplicates() {
    return duplicates.get();
  }

  /** Sum and count of batchFrames over the verdicts read so far (for per-second means). */
  long[] batchTotals() {
    return new long[] {batchFramesSum.get(), batchFramesCount.get()};
  }

  synchronized Map<String, Long> deadLettersByReason() {
    return new TreeMap<>(deadLettersByReason);
  }

  /** Frames with sequence numbers in [from, to) that no verdict or dead letter has arrived for yet. */
  synchronized long missing(long from, long to) {
    return seen.unseen(from, to, new FrameRanges());
  }

  /**
   * Frames in [from, to) that were sent and have no outcome: those whose send failed ({@code notSent}, counted as
   * send failures) never reached the monitor, so they are not frames it lost.
   */
  synchronized long missing(long from, long to, FrameRanges notSent) {
    return seen.unseen(from, to, notSent);
  }

  /** Copies of a step's statistics, safe to read while the reader runs. */
  synchronized StepStats snapshot(StepStats s) {
    StepStats c = new StepStats();
    c.latencyMs.add(s.latencyMs);
    c.batchFrames.add(s.batchFrames);
    c.verdicts = s.verdicts;
    c.deadLetters = s.deadLetters;
    c.endSequence = s.endSequence;
    c.startedAtMs = s.startedAtMs;
    c.outcomesAtStart = s.outcomesAtStart;
    c.lastOutcomeAtMs = s.lastOutcomeAtMs;
    c.outcomesAtLast = s.outcomesAtLast;
    return c;
  }

  /** Why the reader stopped early, or null. */
  Throwable failure() {
    return failure.get();
  }

  @Override
  public void close() {
    running = false;
    if (thread == null) {
      return; // the test reader: nothing runs
    }
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
