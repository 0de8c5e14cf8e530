package dev.advmon.testing;

import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.schema.Frame;
import dev.advmon.schema.ImageEncoding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Frames sent at a steady rate in the background, as cameras would, through faults: the producer is idempotent
 * with {@code acks=all} and waits up to 5 minutes for a broker that is down, so that every record it was given is
 * written exactly once and "frames sent" is exact. Which record is sent as the n-th is the caller's
 * ({@link Record}).
 */
public final class FrameTraffic implements AutoCloseable {

  /** The n-th record: key and value bytes, and its timestamp (null = now). */
  public record Record(byte[] key, byte[] value, Long timestamp) {}

  private final KafkaProducer<byte[], byte[]> producer;
  private final Thread thread;
  private final AtomicInteger handedOver = new AtomicInteger();
  private final AtomicInteger acked = new AtomicInteger();
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private final CountDownLatch done = new CountDownLatch(1);
  private final int total;
  private volatile boolean stop;

  /**
   * Starts sending {@code total} records to {@code topic}, {@code perSecond} a second (0 = as fast as possible),
   * record n made by {@code record}.
   */
  public FrameTraffic(String bootstrap, String topic, int total, double perSecond, IntFunction<Record> record) {
    this.total = total;
    this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024,
        ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024,
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000, ProducerConfig.MAX_BLOCK_MS_CONFIG, 300_000,
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000), new ByteArraySerializer(), new ByteArraySerializer());
    this.thread = new Thread(() -> {
      long start = System.nanoTime();
      try {
        for (int n = 0; n < total && !stop; n++) {
          if (perSecond > 0) {
            long due = start + (long) (n * 1e9 / perSecond);
            long wait = due - System.nanoTime();
            if (wait > 0) {
              TimeUnit.NANOSECONDS.sleep(wait);
            }
          }
          Record r = record.apply(n);
          producer.send(new ProducerRecord<>(topic, null, r.timestamp(), r.key(), r.value()), (meta, e) -> {
            if (e != null) {
              failure.compareAndSet(null, e);
            } else {
              acked.incrementAndGet();
            }
          });
          handedOver.incrementAndGet();
        }
        producer.flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        failure.compareAndSet(null, e);
      } finally {
        done.countDown();
      }
    }, "frame-traffic");
    thread.setDaemon(true);
    thread.start();
  }

  /** Camera {@code i}'s id, as {@link #cameraFrames} keys its frames. */
  public static String cameraId(int i) {
    return "cam-" + i;
  }

  /**
   * Readable frames (the first 50 evaluation images, as PNG) from {@code cameras} cameras in turn, keyed by camera id,
   * with frame ids {@code prefix-n}, serialized for {@code topic} through {@code registry}.
   */
  public static IntFunction<Record> cameraFrames(SchemaRegistry registry, String topic, String prefix, int cameras) {
    List<byte[]> pngs = new ArrayList<>();
    try {
      for (TestData.Labelled l : TestData.evalSet().subList(0, 50)) {
        pngs.add(Files.readAllBytes(l.file()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    AvroSerde<Frame> serde = AvroSerde.forClass(Frame.class, registry);
    return n -> {
      String camera = cameraId(n % cameras);
      Frame f = Frame.newBuilder().setFrameId(prefix + "-" + n).setCameraId(camera).setCaptureTime(Instant.now())
          .setEncoding(ImageEncoding.PNG).setImage(ByteBuffer.wrap(pngs.get(n % pngs.size()))).build();
      return new Record(camera.getBytes(StandardCharsets.UTF_8), serde.serializer().serialize(topic, f), null);
    };
  }

  /** Records handed to the producer so far. */
  public int handedOver() {
    return handedOver.get();
  }

  /** Records the broker acknowledged (written, exactly once). */
  public int acked() {
    return acked.get();
  }

  /** Waits until all {@code total} records were written; throws on a send failure. */
  public boolean awaitAllAcked(Duration timeout) throws InterruptedException {
    boolean finished = done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (failure.get() != null) {
      throw new IllegalStateException("sending frames failed", failure.get());
    }
    return finished && acked.get() == total;
  }

  /**
   * Stops sending (for traffic started with more records than a test needs) and waits until every record handed
   * over was written; returns how many that is. Throws on a send failure.
   */
  public int stopAndAwaitAcked(Duration timeout) throws InterruptedException {
    stop = true;
    if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("the sending thread did not stop within " + timeout);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (acked.get() < handedOver.get() && failure.get() == null && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    if (failure.get() != null) {
      throw new IllegalStateException("sending frames failed", failure.get());
    }
    if (acked.get() != handedOver.get()) {
      throw new IllegalStateException(acked.get() + " of " + handedOver.get() + " records written within " + timeout);
    }
    return handedOver.get();
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.join(30_000);
    producer.close(Duration.ofSeconds(10));
  }
}
