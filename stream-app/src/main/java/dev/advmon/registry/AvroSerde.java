package dev.advmon.registry;

import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka Serde for generated Avro classes in the Confluent wire format (magic byte 0, 4-byte big-endian
 * schema id, Avro binary body), subjects named by {@link TopicNameStrategy}.
 *
 * <p>In code: {@code AvroSerde.forClass(Frame.class, registry, settings)} (values) or
 * {@link #forKeyClass}. From a Kafka config (e.g. {@code default.value.serde}): the no-argument
 * constructor, then {@link #configure(Map, boolean)} with {@code schema.registry.url} (http(s) URLs, or
 * {@code mock://scope} for a shared {@link InMemorySchemaRegistry}), {@code auto.register.schemas},
 * {@code basic.auth.user.info} and the other keys of {@link RegistrySettings}.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {

  /** Config key: class to read values into; without it, the class named by the writer schema. */
  public static final String VALUE_TYPE = "specific.avro.value.type";
  /** Config key: class to read keys into. */
  public static final String KEY_TYPE = "specific.avro.key.type";

  private final AvroSerializer<T> serializer;
  private final AvroDeserializer<T> deserializer;
  private final boolean configured;

  /** For Kafka's reflective construction; {@link #configure(Map, boolean)} must follow. */
  public AvroSerde() {
    this.serializer = new AvroSerializer<>();
    this.deserializer = new AvroDeserializer<>();
    this.configured = false;
  }

  public AvroSerde(Class<T> type, SchemaRegistry registry, boolean isKey, boolean autoRegister) {
    this(SpecificData.get().getSchema(Objects.requireNonNull(type, "type")), registry, isKey, autoRegister);
  }

  /** @param readerSchema the schema of the generated class to read into (e.g. {@code Frame.getClassSchema()}) */
  public AvroSerde(Schema readerSchema, SchemaRegistry registry, boolean isKey, boolean autoRegister) {
    Objects.requireNonNull(readerSchema, "readerSchema");
    Setup setup = new Setup(Objects.requireNonNull(registry, "registry"), isKey, autoRegister, readerSchema);
    this.serializer = new AvroSerializer<>();
    this.serializer.configure(setup);
    this.deserializer = new AvroDeserializer<>();
    this.deserializer.configure(setup);
    this.configured = true;
  }

  /** A value serde; registers schemas when {@code settings.autoRegister()}. */
  public static <T extends SpecificRecord> AvroSerde<T> forClass(
      Class<T> type, SchemaRegistry registry, RegistrySettings settings) {
    return new AvroSerde<>(type, registry, false, settings.autoRegister());
  }

  /** A value serde that registers its schema (the in-process demo and tests). */
  public static <T extends SpecificRecord> AvroSerde<T> forClass(Class<T> type, SchemaRegistry registry) {
    return new AvroSerde<>(type, registry, false, true);
  }

  /** A key serde: subject {@code <topic>-key}. */
  public static <T extends SpecificRecord> AvroSerde<T> forKeyClass(
      Class<T> type, SchemaRegistry registry, RegistrySettings settings) {
    return new AvroSerde<>(type, registry, true, settings.autoRegister());
  }

  /** The registry the settings name: in memory for {@code mock://scope}, otherwise over HTTP. */
  public static SchemaRegistry registryFor(RegistrySettings settings) {
    return settings.mockScope()
        .<SchemaRegistry>map(InMemorySchemaRegistry::scoped)
        .orElseGet(() -> new HttpSchemaRegistryClient(settings));
  }

  /** Ignored when the serde was built with a registry: explicit construction wins over configs. */
  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (!configured) {
      Setup setup = Setup.fromConfig(configs, isKey);
      serializer.configure(setup);
      deserializer.configure(setup);
    }
  }

  @Override
  public Serializer<T> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<T> deserializer() {
    return deserializer;
  }

  /** What a serializer and deserializer share; readerSchema null means "the class the writer names". */
  record Setup(SchemaRegistry registry, boolean isKey, boolean autoRegister, Schema readerSchema) {

    static Setup fromConfig(Map<String, ?> configs, boolean isKey) {
      RegistrySettings settings = RegistrySettings.fromConfig(configs);
      return new Setup(registryFor(settings), isKey, settings.autoRegister(),
          readerSchema(configs.get(isKey ? KEY_TYPE : VALUE_TYPE)));
    }

    static Setup require(Setup setup, String who) {
      if (setup == null) {
        throw new IllegalStateException(who + " is not configured: build it with a SchemaRegistry, or call "
            + "configure() with " + RegistrySettings.URL);
      }
      return setup;
    }

    private static Schema readerSchema(Object type) {
      if (type == null) {
        return null;
      }
      Class<?> c;
      if (type instanceof Class<?> given) {
        c = given;
      } else {
        try {
          c = Class.forName(type.toString().trim(), true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
          throw new IllegalArgumentException("reader class " + type + " is not on the classpath", e);
        }
      }
      if (!SpecificRecord.class.isAssignableFrom(c)) {
        throw new IllegalArgumentException(c.getName() + " is not a generated Avro class (SpecificRecord)");
      }
      return SpecificData.get().getSchema(c);
    }
  }
}
