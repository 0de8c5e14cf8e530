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
 * camera id, as cameras would send them), the record timestamp set to the moment of sending: end-to-end latency
 * starts there. The rate can change while it runs (0 = pause). When the sender falls more than a fifth of a
 * second behind schedule it does not burst to catch up: the frames it could not offer are counted as
 * {@link #shortfall()}, so that a step whose rate this machine could not even offer is recognisable.
 */
final class Generator implements AutoCloseable {

  private static final long MAX_BEHIND_NANOS = 200_000_000L;

  private final KafkaProducer<String, byte[]> producer;
  private final Serializer<Frame> serializer;
  private final String topic;
  private final FrameSource frames;
  private final int cameras;
  private final Thread thread;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong acked = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong shortfall = new AtomicLong();
  private final AtomicReference<String> lastError = new AtomicReference<>();
  private volatile double rate;
  private volatile boolean running = true;

  Generator(Target target, FrameSource frames, int cameras) {
    Map<String, Object> p = new HashMap<>(target.clientProperties());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "advmon-loadtest-generator");
    this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    this.serializer = target.frameSerializer();
    this.topic = target.framesTopic();
    this.frames = frames;
    this.cameras = cameras;
    this.thread = new Thread(this::loop, "advmon-loadtest-generator");
    thread.setDaemon(true);
    thread.start();
  }

  static String cameraId(int i) {
    return String.format(Locale.ROOT, "cam-%02d", i + 1);
  }

  /** Frames per second from now on; 0 pauses. */
  void rate(double fps) {
    this.rate = fps;
    LockSupport.unpark(thread);
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

  long shortfall() {
    return shortfall.get();
  }

  String lastError() {
    return lastError.get();
  }

  private void loop() {
    long next = System.nanoTime();
    double current = 0;
    while (running) {
      double r = rate;
      if (r <= 0) {
        LockSupport.parkNanos(50_000_000L);
        next = System.nanoTime();
        current = 0;
        continue;
      }
      if (r != current) { // a new rate starts now, not from the old schedule
        next = System.nanoTime();
        current = r;
      }
      long now = System.nanoTime();
      if (next > now) {
        LockSupport.parkNanos(next - now);
        continue;
      }
      long interval = (long) (1e9 / r);
      if (now - next > MAX_BEHIND_NANOS) {
        long missed = (now - next) / interval;
        shortfall.addAndGet(missed);
        next += missed * interval;
      }
      send();
      next += interval;
    }
  }

  private void send() {
    long seq = sent.get();
    String camera = cameraId((int) (seq % cameras));
    long nowMs = System.currentTimeMillis();
    byte[] value = serializer.serialize(topic, frames.frame(seq, camera, nowMs));
    try {
      producer.send(new ProducerRecord<>(topic, null, nowMs, camera, value), (meta, e) -> {
        if (e == null) {
          acked.incrementAndGet();
        } else {
          failed.incrementAndGet();
          lastError.set(e.toString());
        }
      });
    } catch (RuntimeException e) {
      failed.incrementAndGet();
      lastError.set(e.toString());
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
