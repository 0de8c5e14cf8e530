package dev.advmon.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * A thread-safe registry in memory, for the in-process demo and TopologyTestDriver tests.
 *
 * <p>Same semantics as the real registries: ids are global and increasing from 1; an identical schema
 * gets the same id in every subject (Confluent and Apicurio both deduplicate by content); registering a
 * schema already in a subject returns its id without a new version. By default a new version must be
 * BACKWARD compatible with the subject's latest, as with Confluent's default, so that tests meet the same
 * 409 that production would.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {

  /** Registries shared by name, for {@code schema.registry.url=mock://name} in plain Kafka client configs. */
  private static final Map<String, InMemorySchemaRegistry> SCOPES = new ConcurrentHashMap<>();

  private final String name;
  private final boolean checkBackward;
  // One lock for all maps: registration is rare, and reads on the hot path hit the serdes' caches.
  private final Object lock = new Object();
  private final Map<Integer, Schema> schemasById = new HashMap<>();
  private final Map<Schema, Integer> idsBySchema = new HashMap<>();
  private final Map<String, List<Integer>> versionsBySubject = new HashMap<>();
  private int nextId = 1;

  /** A registry that enforces BACKWARD compatibility within a subject. */
  public InMemorySchemaRegistry() {
    this("in-memory", true);
  }

  private InMemorySchemaRegistry(String name, boolean checkBackward) {
    this.name = name;
    this.checkBackward = checkBackward;
  }

  /** A registry that accepts any change (compatibility NONE, Apicurio's default). */
  public static InMemorySchemaRegistry withoutCompatibilityChecks() {
    return new InMemorySchemaRegistry("in-memory (compatibility NONE)", false);
  }

  /** The registry shared under {@code scope} in this JVM, created on first use. */
  public static InMemorySchemaRegistry scoped(String scope) {
    return SCOPES.computeIfAbsent(scope, s -> new InMemorySchemaRegistry("mock://" + s, true));
  }

  /** Forgets a shared registry, so that the next test starts empty. */
  public static void dropScope(String scope) {
    SCOPES.remove(scope);
  }

  @Override
  public int register(String subject, Schema schema) {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(schema, "schema");
    synchronized (lock) {
      List<Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
      Integer existing = idsBySchema.get(schema);
      if (existing != null && versions.contains(existing)) {
        return existing;
      }
      if (checkBackward && !versions.isEmpty()) {
        Schema latest = schemasById.get(versions.get(versions.size() - 1));
        var result = SchemaCompatibility.checkReaderWriterCompatibility(schema, latest).getResult();
        if (result.getCompatibility() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
          throw new SchemaRegistrationException(subject, 409,
              "Schema being registered is incompatible with an earlier schema for subject \"" + subject
                  + "\" (BACKWARD): " + Incompatibilities.describe(schema, result));
        }
      }
      int id = existing != null ? existing : nextId++;
      schemasById.putIfAbsent(id, schema);
      idsBySchema.putIfAbsent(schema, id);
      versions.add(id);
      return id;
    }
  }

  @Override
  public int idOf(String subject, Schema schema) {
    synchronized (lock) {
      Integer id = idsBySchema.get(schema);
      List<Integer> versions = versionsBySubject.get(subject);
      if (id == null || versions == null || !versions.contains(id)) {
        throw SchemaNotFoundException.forSubject(subject, name,
            "register it first, or enable auto.register.schemas");
      }
      return id;
    }
  }

  @Override
  public Schema byId(int id) {
    synchronized (lock) {
      Schema schema = schemasById.get(id);
      if (schema == null) {
        throw SchemaNotFoundException.forId(id, name);
      }
      return schema;
    }
  }

  @Override
  public RegisteredSchema latest(String subject) {
    synchronized (lock) {
      List<Integer> versions = versionsBySubject.get(subject);
      if (versions == null || versions.isEmpty()) {
        throw SchemaNotFoundException.forSubject(subject, name, "no version registered");
      }
      int id = versions.get(versions.size() - 1);
      return new RegisteredSchema(subject, versions.size(), id, schemasById.get(id));
    }
  }

  @Override
  public String describe() {
    return name;
  }

  @Override
  public String toString() {
    return "InMemorySchemaRegistry[" + name + "]";
  }
}
