package dev.advmon.registry;

import org.apache.avro.Schema;

/**
 * The few schema-registry operations the serdes need, with the semantics of the Confluent REST API.
 *
 * <p>Ids are global: the same id always means the same schema, whatever the subject. Implementations
 * are thread-safe and cache, so that a warmed-up serde does no remote call per record. Every failure is
 * a {@link RegistrySerdeException}.
 */
public interface SchemaRegistry {

  /**
   * Registers {@code schema} under {@code subject} (a no-op returning the existing id when it is already
   * there) and returns its id.
   *
   * @throws SchemaRegistrationException when the registry refuses it (incompatible or invalid)
   */
  int register(String subject, Schema schema);

  /**
   * The id of {@code schema} under {@code subject}, without registering it.
   *
   * @throws SchemaNotFoundException when it is not registered under that subject
   */
  int idOf(String subject, Schema schema);

  /**
   * The schema with this id.
   *
   * @throws SchemaNotFoundException when the registry does not know the id
   */
  Schema byId(int id);

  /**
   * The newest version registered under {@code subject}.
   *
   * @throws SchemaNotFoundException when nothing is registered under it
   */
  RegisteredSchema latest(String subject);

  /** Where the schemas live, for error messages (a URL, or a description of an in-memory registry). */
  String describe();

  /**
   * Checks, within {@code timeout} and without retries, that the registry answers (for readiness). Returns
   * normally when it does; throws {@link RegistryUnavailableException} when it does not, and
   * {@link RegistryRequestException} when it refuses the credentials. An in-memory registry always answers.
   */
  default void ping(java.time.Duration timeout) {}

  /**
   * The compatibility level the registry applies to {@code subject} (its own, else the registry's default), as the
   * registry names it (BACKWARD, FORWARD_TRANSITIVE, FULL, NONE, ...); empty when it does not say. An in-memory
   * registry does not say.
   */
  default java.util.Optional<String> compatibility(String subject) {
    return java.util.Optional.empty();
  }
}
