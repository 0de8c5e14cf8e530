package dev.advmon.loadtest;

import dev.advmon.schema.Frame;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends frames at an offered rate on a thread of its own, round-robin over the cameras (each frame keyed by its
 * camera id, as cameras would send them). Each frame is stamped (capture time and record timestamp) with the time
 * it was <em>due</em> by the {@link SendSchedule}, not the moment it went out: end-to-end latency starts there, so a
 * stall of the sender counts in the latency of the frames that were due during it. No frame is skipped: after a
 * stall the sender catches up as fast as it can, every frame with its own due time; frames sent more than 200 ms
 * after it are counted ({@link #lateSends()}, with the worst delay), so that a step this machine could not even
 * offer on time is recognisable. The rate can change while it runs (0 = pause): each change is a schedule of its
 * own, started after the frames the previous one still owed ({@link Pacer}).
 */
final class Generator implements AutoCloseable {

  private final KafkaProducer<String, byte[]> producer;
  private final Serializer<Frame> serializer;
  private final String topic;
  private final FrameSource frames;
  private final int cameras;
  private final String cameraPrefix;
  private final Thread thread;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong acked = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong lateSends = new AtomicLong();
  private final AtomicLong maxLateNanos = new AtomicLong();
  private final AtomicReference<String> lastError = new AtomicReference<>();
  private final AtomicReference<Throwable> died = new AtomicReference<>();
  /**
   * Sequence numbers whose send failed: never on the frames topic, so no outcome is due for them. As runs: an outage
   * fails frames one after another, and memory then grows with the outages, not with the frames sent before them.
   */
  private final FrameRanges failedSequences = new FrameRanges();
  private final Pacer pacer;
  private volatile boolean running = true;

  /** {@code pacer}: the send schedules, shared with the reader, which times each frame's outcome by them. */
  Generator(Target target, FrameSource frames, int cameras, Pacer pacer) {
    this(target, frames, cameras, DEFAULT_CAMERA_PREFIX, pacer);
  }

  /** {@code cameraPrefix}: each frame's camera id is it followed by the camera's number ({@link #cameraId}). */
  Generator(Target target, FrameSource frames, int cameras, String cameraPrefix, Pacer pacer) {
    this.pacer = pacer;
    Map<String, Object> p = new HashMap<>(target.clientProperties());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "advmon-loadtest-generator");
    try {
      this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    } catch (org.apache.kafka.common.KafkaException e) {
      throw Collector.clientRefused("sender", target, e);
    }
    this.serializer = target.frameSerializer();
    this.topic = target.framesTopic();
    this.frames = frames;
    this.cameras = cameras;
    this.cameraPrefix = cameraPrefix;
    this.thread = new Thread(this::loop, "advmon-loadtest-generator");
    thread.setDaemon(true);
    thread.start();
  }

  /** The camera ids of runs before --camera-prefix ({@code cam-01}...): BENCHMARKS.md's runs compare with today's. */
  static final String DEFAULT_CAMERA_PREFIX = "cam-";

  /** Camera {@code i} (from 0): the prefix, then its number from 1, two digits at least ({@code cam-01}). */
  static String cameraId(String prefix, int i) {
    return prefix + String.format(Locale.ROOT, "%02d", i + 1);
  }

  /**
   * Frames per second from now on, a schedule of its own even at the rate offered before; 0 pauses. {@code onStart}
   * (may be null) runs on the sender thread once the offer has its first sequence number: see {@link Pacer#offer}.
   */
  Pacer.Offer offer(double fps, java.util.function.Consumer<Pacer.Offer> onStart) {
    Pacer.Offer o = pacer.offer(fps, onStart);
    LockSupport.unpark(thread);
    return o;
  }

  /** Sequence number the next frame will get: frames from here on belong to what is measured next. */
  long nextSequence() {
    return sent.get();
  }

  long sent() {
    return sent.get();
  }

  /** Frames the broker confirmed (acks=all): surely on the frames topic. */
  long acked() {
    return acked.get();
  }

  long failed() {
    return failed.get();
  }

  /** Frames sent more than {@link SendSchedule#LATE_NANOS} after they were due. */
  long lateSends() {
    return lateSends.get();
  }

  /** The longest a frame waited past its due time to be sent (ms). */
  long maxLateMs() {
    return maxLateNanos.get() / 1_000_000;
  }

  /** Why the sender thread stopped early (counted as a failed send too), or null. */
  Throwable died() {
    return died.get();
  }

  String lastError() {
    return lastError.get();
  }

  /** A copy of the sequence numbers in [from, to) whose send failed (the rest of the run's are not copied). */
  FrameRanges failedSequences(long from, long to) {
    synchronized (failedSequences) {
      return failedSequences.within(from, to);
    }
  }

  private void sendFailed(long seq, Exception e) {
    synchronized (failedSequences) {
      failedSequences.add(seq);
    }
    failed.incrementAndGet();
    lastError.set(e.toString());
  }

  private void loop() {
    try {
      while (running) {
        Pacer.Due d = pacer.next();
        if (d == null) {
          LockSupport.parkNanos(pacer.waitNanos());
          continue;
        }
        countLateness(d.lateNanos());
        send(d.sequence(), d.epochMs());
      }
    } catch (Throwable e) { // never silent: the run fails on it (Session), and it counts as a failed send
      died.set(e);
      failed.incrementAndGet();
      lastError.set("the sender thread stopped: " + e);
    }
  }

  void countLateness(long lateNanos) {
    if (lateNanos > SendSchedule.LATE_NANOS) {
      lateSends.incrementAndGet();
    }
    maxLateNanos.accumulateAndGet(lateNanos, Math::max);
  }

  private void send(long seq, long dueMs) {
    String camera = cameraId(cameraPrefix, (int) (seq % cameras));
    byte[] value = serializer.serialize(topic, frames.frame(seq, camera, dueMs));
    try {
      producer.send(new ProducerRecord<>(topic, null, dueMs, camera, value), (meta, e) -> {
        if (e == null) {
          acked.incrementAndGet();
        } else {
          sendFailed(seq, e);
        }
      });
    } catch (RuntimeException e) {
      sendFailed(seq, e);
    }
    sent.incrementAndGet();
  }

  /** Stops sending and waits for the frames in flight to be acknowledged. */
  void stop() {
    running = false;
    LockSupport.unpark(thread);
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.flush();
  }

  @Override
  public void close() {
    stop();
    producer.close(java.time.Duration.ofSeconds(10));
  }
}
