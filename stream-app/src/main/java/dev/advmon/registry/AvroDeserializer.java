package dev.advmon.registry;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent wire-format records into specific records. The body is decoded with the WRITER schema
 * (fetched by the id in the header) and resolved to the reader schema of {@code T}, so that records
 * written with an older or a newer compatible schema both read: missing fields take their defaults,
 * unknown fields are skipped. A writer schema whose only mismatches are branches of its unions is resolved record by
 * record (a widened union reads when the record holds a branch the reader has), as Avro's rules and Confluent's serde
 * do.
 * One resolving reader is cached per writer id and thread.
 *
 * <p>Every failure is typed: {@link WireFormatException} ({@code BAD_MAGIC_BYTE}), {@link SchemaNotFoundException}
 * ({@code UNKNOWN_SCHEMA}) and {@link AvroDecodeException} ({@code BAD_AVRO}) are the record's and become its dead
 * letter; {@link RegistryUnavailableException} is not the record's fault, so the topology fails the task on it (the
 * record is read again once the registry answers) and no dead letter carries that reason. A null record is a {@link WireFormatException} too: on the topics this
 * serde reads, a record without a value cannot be scored and must be dead-lettered, not dropped.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

  private volatile AvroSerde.Setup setup;
  /**
   * Per thread: Avro's reader remembers the thread that created it (GenericDatumReader's {@code creator}, for its
   * resolver cache), so one reader shared by all threads kept the stream thread that first read each writer id
   * reachable for as long as this deserializer lives, which is the monitor's life: after an in-place restart that
   * thread's whole closed Kafka Streams client stayed in the heap. A thread's own readers go with the thread.
   */
  private final ThreadLocal<Readers<T>> readers = ThreadLocal.withInitial(Readers::new);

  /** One thread's readers by writer id, for one generation of the registry's ids. */
  private static final class Readers<T> {
    final Map<Integer, DatumReader<T>> byId = new HashMap<>();
    // for the schema each id named before the registry lost its data (SchemaRegistry#formerSchema)
    final Map<Integer, DatumReader<T>> formerById = new HashMap<>();
    long generation;
  }

  /** For Kafka's reflective construction; {@link #configure(Map, boolean)} must follow. */
  public AvroDeserializer() {}

  /**
   * @param readerSchema the schema to read into (a generated class's {@code getClassSchema()}), or null to
   *     read into the generated class named by each writer schema
   */
  public AvroDeserializer(Schema readerSchema, SchemaRegistry registry) {
    this.setup = new AvroSerde.Setup(Objects.requireNonNull(registry, "registry"), false, false, readerSchema);
  }

  public AvroDeserializer(Class<T> type, SchemaRegistry registry) {
    this(SpecificData.get().getSchema(Objects.requireNonNull(type, "type")), registry);
  }

  /**
   * Reads {@code schema.registry.url} and friends, and {@code specific.avro.value.type} (or
   * {@code .key.type}) as the class to read into; ignored when built with a registry.
   */
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
  public T deserialize(String topic, byte[] data) {
    AvroSerde.Setup s = AvroSerde.Setup.require(setup, "AvroDeserializer");
    int id = WireFormat.schemaId(data);
    // one call deadline for the whole record: it may cost byId, askAgain and byId again, each given a deadline of its
    // own before, and a stream thread deserializes inside a transaction that the broker aborts past its timeout
    long started = System.nanoTime();
    long generation = s.registry().forgottenIds();
    AvroDecodeException failed;
    try {
      return decode(s, topic, id, data, false, started);
    } catch (AvroDecodeException e) {
      failed = e;
    }
    // after a registry lost its data, one id can stand for two schemas: the one it names now, and the one it named
    // before, with which producers that did not restart still write (SchemaRegistry#formerSchema)
    T read = withFormerSchema(s, topic, id, data, started);
    if (read != null) {
      return read;
    }
    // a registry that lost its data may have given the id to another schema since it was cached: the registry is
    // asked once more (SchemaRegistry#askAgain, at most once per id in a while), and read with its answer
    if (s.registry().askAgain(id, started)) {
      return decode(s, topic, id, data, false, started);
    }
    if (s.registry().forgottenIds() != generation) {
      // another stream thread (askAgain) or a recheck forgot ids during this call: the id may name another schema
      // in the cache now than the one this record failed with, and askAgain, which compares the registry's answer
      // with the cache, asked nothing or found them equal. Read with what the cache holds now, then as before.
      try {
        return decode(s, topic, id, data, false, started);
      } catch (AvroDecodeException notTheNewOne) {
        read = withFormerSchema(s, topic, id, data, started);
      }
    }
    if (read != null) {
      return read;
    }
    throw failed;
  }

  /** The record read with the schema its id named before the registry lost its data; null without one, or if not. */
  private T withFormerSchema(AvroSerde.Setup s, String topic, int id, byte[] data, long started) {
    if (s.registry().formerSchema(id) == null) {
      return null;
    }
    try {
      return decode(s, topic, id, data, true, started);
    } catch (AvroDecodeException notThatOneEither) {
      return null;
    }
  }

  private T decode(AvroSerde.Setup s, String topic, int id, byte[] data, boolean former, long started) {
    Readers<T> own = readers.get();
    long generation = s.registry().forgottenIds(); // read first: a recheck racing the lookup leaves it stale
    if (own.generation != generation) { // the registry lost ids (SchemaRegistry#recheck): its answers now
      own.byId.clear();
      own.formerById.clear();
      own.generation = generation;
    }
    Schema writer = former ? s.registry().formerSchema(id) : s.registry().byId(id, started);
    if (writer == null) {
      throw new AvroDecodeException("schema id " + id + " names no former schema", null);
    }
    Map<Integer, DatumReader<T>> mine = former ? own.formerById : own.byId;
    DatumReader<T> reader = mine.get(id);
    if (reader == null) {
      reader = readerFor(s, id, writer);
      mine.put(id, reader);
    }
    String unfit = DeclaredLengths.problem(writer, data, WireFormat.HEADER_SIZE,
        data.length - WireFormat.HEADER_SIZE);
    if (unfit != null) {
      throw new AvroDecodeException("the Avro body of a record on " + topic + " (" + (data.length
          - WireFormat.HEADER_SIZE) + " bytes) does not decode with its writer schema (id " + id + "): " + unfit
          + "; the bytes are corrupt or were written with another schema than the id says", null);
    }
    BinaryDecoder decoder = DecoderFactory.get()
        .binaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, null);
    T value;
    boolean trailing;
    try {
      value = reader.read(null, decoder);
      trailing = !decoder.isEnd();
    } catch (AvroDecodeException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new AvroDecodeException("the Avro body of a record on " + topic + " does not decode with its writer "
          + "schema (id " + id + "): " + e + "; the bytes are corrupt or were written with another schema "
          + "than the id says", e);
    }
    if (trailing) {
      // Confluent's serde ignores leftovers; here they mean the body does not match the id's schema.
      throw new AvroDecodeException("the Avro body of a record on " + topic + " has bytes left over after "
          + "decoding with its writer schema (id " + id + "); it was written with another schema than the id says",
          null);
    }
    return value;
  }

  /**
   * Whether {@code writer} is named as @confluentinc/schemaregistry names a schema it infers from a JavaScript object
   * (Record1, Record2, ..., no namespace): its producer needs to be told to register the .avsc, not that a schema
   * change was incompatible, since no Frame schema was ever registered.
   */
  private static boolean inferredFromAnObject(Schema writer) {
    return writer.getType() == Schema.Type.RECORD && writer.getNamespace() == null
        && writer.getName().matches("Record[0-9]+");
  }

  private DatumReader<T> readerFor(AvroSerde.Setup s, int id, Schema writer) {
    Schema reader = s.readerSchema() != null ? s.readerSchema() : generatedSchemaFor(writer, id);
    // a writer's own timestamp unit, or a nullable time, on a field the reader converts: read by the writer's type
    WriterTimes.Reader<T> times = WriterTimes.readerFor(writer, reader, id);
    SpecificDatumReader<T> resolving = times != null ? times
        : new SpecificDatumReader<>(writer, reader, SpecificData.getForSchema(reader));
    Schema checked = times != null ? times.decoding() : reader;
    SchemaPairCompatibility compatibility = SchemaCompatibility.checkReaderWriterCompatibility(checked, writer);
    if (compatibility.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
      return resolving;
    }
    String incompatible = "writer schema id " + id + " (" + writer.getFullName() + ") cannot be read as "
        + reader.getFullName() + ": " + Incompatibilities.describe(checked, compatibility.getResult());
    if (!Incompatibilities.onlyUnionBranches(writer, compatibility.getResult())) {
      throw new AvroDecodeException(incompatible + (inferredFromAnObject(writer)
          ? "; the writer schema looks inferred from an object (a record named " + writer.getName() + " without a "
              + "namespace, as @confluentinc/schemaregistry's serializer registers with autoRegisterSchemas: true): "
              + "register " + reader.getName() + ".avsc (schemas/src/main/avro) under the subject, then serialize "
              + "with it (useLatestVersion: true, autoRegisterSchemas left unset)"
          : "; an incompatible schema change was registered, or the topic carries another record type"), null);
    }
    // Only branches of the writer's unions cannot be read, and Avro's resolution rules decide those per value (as
    // Confluent's deserializer does): a union widened by the writer (["null", "bytes"] where the reader has "bytes")
    // reads every record that holds the branch the reader has. A record that holds another is refused saying so.
    return new DatumReader<>() {
      @Override
      public void setSchema(Schema schema) {
        resolving.setSchema(schema);
      }

      @Override
      public T read(T reuse, org.apache.avro.io.Decoder in) throws IOException {
        try {
          return resolving.read(reuse, in);
        } catch (org.apache.avro.AvroTypeException e) { // what Avro's resolution throws for such a branch
          throw new AvroDecodeException(incompatible + "; this record holds such a branch (" + e.getMessage()
              + "): write a value of the reader's type there, or register a schema the reader can read", e);
        } catch (org.apache.avro.AvroRuntimeException e) {
          // Avro 1.12 fails some records of such writers whatever branch they hold (a union of a field with a logical
          // type: "Cannot convert ... expected generic type"): say what the writer must change, not that bytes are bad
          throw new AvroDecodeException(incompatible + "; Avro cannot resolve this record (" + e.getMessage()
              + "): register a schema the reader can read", e);
        }
      }
    };
  }

  private static Schema generatedSchemaFor(Schema writer, int id) {
    Class<?> type = writer.getType() == Schema.Type.RECORD ? SpecificData.get().getClass(writer) : null;
    if (type == null) {
      throw new AvroDecodeException("writer schema id " + id + " is " + writer.getFullName()
          + ", for which no generated class is on the classpath; set " + AvroSerde.VALUE_TYPE
          + " (or " + AvroSerde.KEY_TYPE + ") to the class to read into", null);
    }
    return SpecificData.get().getSchema(type);
  }
}
