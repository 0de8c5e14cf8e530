package dev.advmon.health;

import dev.advmon.registry.LostSchemaId;
import dev.advmon.registry.SchemaRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the schema registry, now and then, whether the schema ids the monitor has used still name the schemas it knew
 * them by ({@link SchemaRegistry#recheck}), and says so when they do not.
 *
 * <p>Why: the serdes keep every id for the process's life (ids never change in a registry that keeps its data). A
 * registry that loses its data (an in-memory one restarted, a wiped {@code _schemas} topic) forgets them, or hands
 * them out again for other schemas; the monitor would go on writing verdicts with an id that no consumer can read, or
 * reads with the wrong schema. A recheck forgets such an id, so that the next record registers (or looks up) its
 * schema again; this class logs a WARN for each, with since when the records written with it are suspect
 * ({@code /metrics} counts them: {@link SchemaRegistry#forgottenIds}). A registry that does not answer is the
 * registry probe's to report: nothing is forgotten then.
 */
public final class SchemaIdRecheck {

  private static final Logger log = LoggerFactory.getLogger(SchemaIdRecheck.class);

  private final SchemaRegistry registry;
  private final Duration timeout;
  private final boolean autoRegister;

  public SchemaIdRecheck(SchemaRegistry registry, Duration timeout, boolean autoRegister) {
    this.registry = registry;
    this.timeout = timeout;
    this.autoRegister = autoRegister;
  }

  /** One recheck; on the health checker's thread. */
  public void check() {
    List<LostSchemaId> lost;
    try {
      lost = registry.recheck(timeout);
    } catch (RuntimeException e) {
      log.debug("schema id recheck did not finish: {}", e.toString()); // reachability is the registry probe's
      return;
    }
    for (LostSchemaId id : lost) {
      if (id.written()) {
        log.warn("schema registry at {}: {}: it lost its data (an in-memory registry restarted? its storage "
            + "wiped?). What the monitor wrote with that id since {} may be unreadable, or read with the wrong "
            + "schema, by every consumer; it has forgotten the id and {} its schema again for what it writes next",
            registry.describe(), id, id.heldAtMs() == 0 ? "it was first used"
            : "the last recheck that found it right, at " + Instant.ofEpochMilli(id.heldAtMs()), autoRegister
            ? "registers"
            : "looks up (registry.auto-register=false: register it, or nothing can be written)");
      } else {
        log.warn("schema registry at {}: {}: it lost its data (an in-memory registry restarted? its storage "
            + "wiped?). The monitor has forgotten what the id meant and reads records carrying it with the registry's "
            + "schema now, and those that do not decode with it with the schema it named before (producers that did "
            + "not restart still write with it)",
            registry.describe(), id);
      }
    }
  }
}
