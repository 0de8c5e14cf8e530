package dev.advmon.registry;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * The registry does not know a schema id, or a schema is not registered under a subject (lookup without
 * auto-registration).
 */
public final class SchemaNotFoundException extends RegistrySerdeException {

  public static final String REASON = "UNKNOWN_SCHEMA";

  private final OptionalInt schemaId;
  private final Optional<String> subject;

  private SchemaNotFoundException(String message, OptionalInt schemaId, Optional<String> subject) {
    super(message, null);
    this.schemaId = schemaId;
    this.subject = subject;
  }

  /**
   * An unknown id: the usual causes are a producer that wrote against another registry, and a subject deleted with
   * {@code ?permanent=true} (a soft-deleted subject's ids still answer).
   */
  public static SchemaNotFoundException forId(int id, String registry) {
    if (id == 0) {
      // registries number their schemas from 1; four zero bytes after the magic byte are the upper half of an id
      // written as a long, which Apicurio's serializer 2.x does unless set to Confluent's 4-byte id
      return new SchemaNotFoundException("schema id 0 not found at " + registry + ": registries number schemas from 1, "
          + "so the record was most likely written with an 8-byte schema id (Apicurio's serializer 2.x, by default, "
          + "when its ids are not in headers), "
          + "where the Confluent wire format has a 4-byte one: set apicurio.registry.as-confluent=true and "
          + "apicurio.registry.use-id=contentId in the producer's serializer", OptionalInt.of(id), Optional.empty());
    }
    return new SchemaNotFoundException(
        "schema id " + id + " not found at " + registry
            + "; was the frame written against another registry, or its subject deleted permanently? Such frames"
            + " cannot be read: write them again with a schema registered there",
        OptionalInt.of(id), Optional.empty());
  }

  /**
   * A schema that schema id {@code id} references (a subject's version) is missing: the id cannot be read, as an unknown
   * one. No subject is set: it is the record's id that cannot be read, not one of the monitor's own subjects.
   */
  public static SchemaNotFoundException forReference(int id, String detail) {
    return new SchemaNotFoundException(detail, id < 0 ? OptionalInt.empty() : OptionalInt.of(id), Optional.empty());
  }

  /** A schema (or any schema) missing under a subject. */
  public static SchemaNotFoundException forSubject(String subject, String registry, String detail) {
    return new SchemaNotFoundException(
        "schema not registered under subject '" + subject + "' at " + registry + ": " + detail,
        OptionalInt.empty(), Optional.of(subject));
  }

  public OptionalInt schemaId() {
    return schemaId;
  }

  public Optional<String> subject() {
    return subject;
  }

  @Override
  public String reason() {
    return REASON;
  }
}
