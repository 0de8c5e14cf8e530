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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * Frames of four cameras (the first 20 evaluation images, in turn) written as a producer does, at first with the
 * monitor's own Frame schema, then with newer compatible versions the test registers: a frame written with a version
 * the monitor has not cached makes it ask the registry, which is how the registry outage tests meet the registry at
 * run time. Every frame id handed out is in {@link #sent()}. Thread-safe: the test switches versions while
 * {@link FrameTraffic}'s thread writes.
 */
public final class EvolvingFrames {

  /** A Frame schema version in the registry: the schema and its id. */
  public record Version(Schema schema, int id) {}

  private final SchemaRegistry producers;
  private final String topic;
  private final String idPrefix;
  private final List<byte[]> pngs = new ArrayList<>();
  private final AvroSerde<Frame> serde;
  private final Set<String> sent = ConcurrentHashMap.newKeySet();
  private volatile Version writer; // null: the monitor's own schema, through the serde

  /** Frames for {@code topic}, ids {@code idPrefix-N}, registered through {@code producers} (the producers' route). */
  public EvolvingFrames(SchemaRegistry producers, String topic, String idPrefix) {
    this.producers = producers;
    this.topic = topic;
    this.idPrefix = idPrefix;
    this.serde = AvroSerde.forClass(Frame.class, producers);
    try {
      for (TestData.Labelled l : TestData.evalSet().subList(0, 20)) {
        pngs.add(Files.readAllBytes(l.file()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Registers a new compatible version of the frames subject: the Frame schema with an optional long field named
   * {@code field} in front. Frames keep their current version until {@link #writeWith}.
   */
  public Version register(String field) {
    Schema next = new Schema.Parser().parse(Frame.getClassSchema().toString().replaceFirst("\"fields\":\\[",
        "\"fields\":[{\"name\":\"" + field + "\",\"type\":[\"null\",\"long\"],\"default\":null},"));
    return new Version(next, producers.register(topic + "-value", next));
  }

  /** Frames from now on are written with {@code version}. */
  public void writeWith(Version version) {
    writer = version;
  }

  /** Frame {@code n}, for {@link FrameTraffic}: keyed by its camera, written with the current version. */
  public FrameTraffic.Record record(int n) {
    String id = idPrefix + "-" + n;
    String camera = "cam-" + n % 4;
    sent.add(id);
    byte[] png = pngs.get(n % pngs.size());
    Version version = writer;
    byte[] value = version == null
        ? serde.serializer().serialize(topic, Frame.newBuilder().setFrameId(id).setCameraId(camera)
            .setCaptureTime(Instant.now()).setEncoding(ImageEncoding.PNG).setImage(ByteBuffer.wrap(png)).build())
        : SystemChecks.frame(version.schema(), version.id(), id, camera, png);
    return new FrameTraffic.Record(camera.getBytes(StandardCharsets.UTF_8), value, null);
  }

  /** The ids of every frame handed out so far. */
  public Set<String> sent() {
    return sent;
  }
}
