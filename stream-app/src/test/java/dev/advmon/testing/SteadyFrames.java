package dev.advmon.testing;

import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.schema.Frame;
import dev.advmon.schema.ImageEncoding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Cameras sending readable frames (the evaluation images, as PNG) at a steady rate on a thread of its own, keyed by
 * camera id, until stopped or until a number of frames has been sent: load that keeps flowing while a test kills
 * or stops a monitor. Frame ids are {@code prefix-N}.
 */
public final class SteadyFrames implements AutoCloseable {

  private final KafkaProducer<String, byte[]> producer;
  private final AvroSerde<Frame> serde;
  private final String topic;
  private final String prefix;
  private final int cameras;
  private final long intervalNanos;
  private final int limit;
  private final List<byte[]> images = new ArrayList<>();
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private final Thread thread;
  private volatile boolean running = true;

  /** Starts sending {@code limit} frames from {@code cameras} cameras at {@code rate} frames per second. */
  public SteadyFrames(String bootstrap, SchemaRegistry registry, String topic, String prefix, int cameras, double rate,
      int limit) {
    this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 1), new StringSerializer(),
        new ByteArraySerializer());
    this.serde = AvroSerde.forClass(Frame.class, registry);
    this.topic = topic;
    this.prefix = prefix;
    this.cameras = cameras;
    this.intervalNanos = (long) (1e9 / rate);
    this.limit = limit;
    try {
      for (TestData.Labelled l : TestData.evalSet().subList(0, 50)) {
        images.add(Files.readAllBytes(l.file()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.thread = new Thread(this::loop, "steady-frames");
    thread.setDaemon(true);
    thread.start();
  }

  public static String cameraId(int i) {
    return "cam-" + i;
  }

  private void loop() {
    long next = System.nanoTime();
    try {
      for (int i = 0; i < limit && running; i++) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        next += intervalNanos;
        String camera = cameraId(i % cameras);
        Frame f = Frame.newBuilder().setFrameId(prefix + "-" + i).setCameraId(camera).setCaptureTime(Instant.now())
            .setEncoding(ImageEncoding.PNG).setImage(ByteBuffer.wrap(images.get(i % images.size()))).build();
        producer.send(new ProducerRecord<>(topic, camera, serde.serializer().serialize(topic, f))).get();
        sent.incrementAndGet();
      }
    } catch (Exception e) {
      failure.set(e);
    }
  }

  /** Frames the broker has confirmed so far (acks=all). */
  public int sent() {
    if (failure.get() != null) {
      throw new IllegalStateException("sending frames failed: " + failure.get(), failure.get());
    }
    return sent.get();
  }

  /** True once all {@code limit} frames are sent. */
  public boolean done() {
    return sent() >= limit;
  }

  /** Waits until the last frame is confirmed. */
  public void awaitDone(long timeoutMs) throws InterruptedException {
    thread.join(timeoutMs);
    sent();
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close();
  }
}
