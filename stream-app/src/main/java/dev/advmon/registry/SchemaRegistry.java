package dev.advmon.registry;

import java.util.List;
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
   * {@link #byId(int)} as one step of a caller's call that began at {@code callStartedAt} ({@link System#nanoTime()}):
   * every registry request the call makes (this one, {@link #askAgain(int, long)}, the references) shares one call
   * deadline counted from then, so that deserializing one record inside a transaction does not spend several.
   */
  default Schema byId(int id, long callStartedAt) {
    return byId(id);
  }

  /**
   * The newest version registered under {@code subject}.
   *
   * @throws SchemaNotFoundException when nothing is registered under it
   */
  RegisteredSchema latest(String subject);

  /**
   * Runs {@code call} on this thread with this client's lines about retrying a failed request at DEBUG instead of WARN
   * (the retries themselves are made as always), for a caller that retries the whole call itself and logs each of its
   * tries with what is wrong (the start-up's wait for the registry): else every try would come with several lines
   * saying the same. The call's exceptions pass through. A registry without retries just runs it.
   */
  default void retryingQuietly(Runnable call) {
    call.run();
  }

  /** Where the schemas live, for error messages (a URL, or a description of an in-memory registry). */
  String describe();

  /**
   * Checks, within {@code timeout} and without retries, that the registry answers (for readiness). Returns
   * normally when it does; throws {@link RegistryUnavailableException} when it does not, and
   * {@link RegistryRequestException} when it refuses the credentials. An in-memory registry always answers.
   */
  default void ping(java.time.Duration timeout) {}

  /**
   * Asks the registry again, past every cache, whether each schema id this client has used still names the schema it
   * named, and forgets those that do not. A registry that lost its data (an in-memory one restarted, its storage
   * wiped) answers "unknown" for such an id, or, worse, has handed it out again for another schema:
   * <ul>
   *   <li>an id this client WROTE with is forgotten either way, so that the next record registers (or looks up) its
   *       schema again: consumers would otherwise read it with the wrong schema, or not at all;
   *   <li>an id only READ from records is forgotten when it names another schema now, so that the records written
   *       with it since are read with that schema ({@link #formerSchema} keeps the one it named, for records that do
   *       not decode with it); one the registry no longer knows keeps its schema (no other schema has it, and the
   *       records carrying it were written with it).
   * </ul>
   * Returns the ids forgotten; empty when every id holds (and for registries that cannot lose their data, such as an
   * in-memory one in this process).
   *
   * @throws RegistryUnavailableException when the registry does not answer: nothing is forgotten then
   */
  default List<LostSchemaId> recheck(java.time.Duration timeout) {
    return List.of();
  }

  /**
   * Asks the registry again, past the cache, for schema id {@code id}, after a record carrying it did not decode with
   * the schema cached for it: a registry that lost its data may have given the id to another schema since. Forgets the
   * cached schema when the registry names another one now, and then returns true (read the record again); false
   * otherwise, and without asking when this id was asked again a moment ago (a stream of corrupt records carrying a
   * valid id must not become a stream of registry requests).
   */
  default boolean askAgain(int id) {
    return false;
  }

  /**
   * {@link #askAgain(int)} as one step of a caller's call that began at {@code callStartedAt} (see
   * {@link #byId(int, long)}): within what is left of that call's deadline, and without asking when this call already
   * fetched the id (the registry has just answered for it).
   */
  default boolean askAgain(int id, long callStartedAt) {
    return askAgain(id);
  }

  /**
   * The schema {@code id} named before this client forgot it because the registry names another one with it now
   * ({@link #recheck}, {@link #askAgain}); null when there is none. After a registry lost its data, producers that did
   * not restart go on writing with the ids they cached, and with the schemas those named (Confluent's serializer keeps
   * its ids for the process's life), while producers that registered again may have been given the same ids for other
   * schemas: a record that does not decode with the schema its id names now is tried with this one.
   */
  default Schema formerSchema(int id) {
    return null;
  }

  /**
   * How many schema ids this client has forgotten ({@link #recheck}, {@link #askAgain}): serdes that keep ids or
   * readers by id of their own clear them when it changes.
   */
  default long forgottenIds() {
    return 0;
  }

  /**
   * The compatibility level the registry applies to {@code subject} (its own, else the registry's default), as the
   * registry names it (BACKWARD, FORWARD_TRANSITIVE, FULL, NONE, ...); empty when it does not say. An in-memory
   * registry does not say.
   */
  default java.util.Optional<String> compatibility(String subject) {
    return java.util.Optional.empty();
  }
}
