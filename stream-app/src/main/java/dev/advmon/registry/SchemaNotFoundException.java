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
