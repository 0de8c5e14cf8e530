package dev.advmon.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes specific records in the Confluent wire format under the subject {@code <topic>-value} (or
 * {@code -key}). With auto-registration off the schema must already be registered under that subject;
 * otherwise {@link SchemaNotFoundException} says so, so that a producer never writes an id no one knows.
 *
 * <p>Build it with a registry, or with the no-argument constructor followed by
 * {@link #configure(Map, boolean)} (how Kafka clients create serializers from their config).
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {

  private volatile AvroSerde.Setup setup;
  // each with the registry's generation when it was asked: one asked before the registry forgot ids is asked again
  private final ConcurrentMap<SubjectSchema, Resolved> ids = new ConcurrentHashMap<>();
  private final ConcurrentMap<Class<?>, DatumWriter<T>> writers = new ConcurrentHashMap<>();

  /** For Kafka's reflective construction; {@link #configure(Map, boolean)} must follow. */
  public AvroSerializer() {}

  public AvroSerializer(SchemaRegistry registry, boolean isKey, boolean autoRegister) {
    this.setup = new AvroSerde.Setup(Objects.requireNonNull(registry, "registry"), isKey, autoRegister, null);
  }

  /** Reads {@code schema.registry.url} and friends; ignored when the serializer was built with a registry. */
  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (setup == null) {
      setup = AvroSerde.Setup.fromConfig(configs, isKey);
    }
  }

  void configure(AvroSerde.Setup setup) {
    if (this.setup == null) {
      this.setup = setup;
    }
  }

  @Override
  public byte[] serialize(String topic, T record) {
    if (record == null) {
      return null; // Kafka's convention: a null stays a null (tombstone), no registry involved.
    }
    AvroSerde.Setup s = AvroSerde.Setup.require(setup, "AvroSerializer");
    Schema schema = record.getSchema();
    int id = idFor(s, new SubjectSchema(TopicNameStrategy.subject(topic, s.isKey()), schema));
    DatumWriter<T> writer = writers.computeIfAbsent(record.getClass(),
        c -> new SpecificDatumWriter<>(schema, SpecificData.getForClass(c)));
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    byte[] header = new byte[WireFormat.HEADER_SIZE];
    WireFormat.writeHeader(header, id);
    out.writeBytes(header);
    try {
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
      writer.write(record, encoder);
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new AvroEncodeException("cannot write a " + schema.getFullName() + " for topic " + topic + ": "
          + e.getMessage() + " (a required field left null?)", e);
    }
    return out.toByteArray();
  }

  private record Resolved(int id, long generation) {}

  private int idFor(AvroSerde.Setup s, SubjectSchema key) {
    long generation = s.registry().forgottenIds(); // read first: a recheck racing the question leaves it stale
    Resolved resolved = ids.get(key);
    if (resolved == null || resolved.generation() != generation) { // new, or the registry lost ids since
      resolved = new Resolved(PortableSchema.id(s.registry(), key.subject(), key.schema(), s.autoRegister()),
          generation);
      ids.put(key, resolved);
    }
    return resolved.id();
  }
}
