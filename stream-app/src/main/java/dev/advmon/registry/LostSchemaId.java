package dev.advmon.registry;

import java.util.List;

/**
 * A schema id that no longer names the schema this client knew it by ({@link SchemaRegistry#recheck}): the registry
 * lost its data.
 *
 * @param id the id
 * @param schema the full name of the schema it named
 * @param writtenUnder the subjects this client wrote with it; empty when it was only read from records
 * @param now what the registry says of it now ("is unknown to the registry now", "names another schema now (...)")
 * @param heldAtMs when a recheck last found it right (epoch ms); 0 when none had looked since it was first used
 */
public record LostSchemaId(int id, String schema, List<String> writtenUnder, String now, long heldAtMs) {

  public LostSchemaId {
    writtenUnder = List.copyOf(writtenUnder);
  }

  /** Whether this client wrote records with it (else it only read records carrying it). */
  public boolean written() {
    return !writtenUnder.isEmpty();
  }

  @Override
  public String toString() {
    return "schema id " + id + " (" + schema + (written() ? ", written under " + String.join(", ", writtenUnder)
        : ", read from records") + ") " + now;
  }
}
