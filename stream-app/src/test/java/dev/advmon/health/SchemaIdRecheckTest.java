package dev.advmon.health;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.advmon.registry.LostSchemaId;
import dev.advmon.registry.RegisteredSchema;
import dev.advmon.registry.RegistryUnavailableException;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.testing.LogLines;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * What {@link SchemaIdRecheck} says and counts for what a registry's recheck answers (a scripted registry: the
 * recheck itself is tested against a registry server in {@code HttpSchemaRegistryClientTest} and the system test).
 */
class SchemaIdRecheckTest {

  private final Deque<Object> answers = new ArrayDeque<>();
  private final SchemaRegistry registry = new SchemaRegistry() { // only what SchemaIdRecheck asks
    @Override
    @SuppressWarnings("unchecked")
    public List<LostSchemaId> recheck(Duration timeout) {
      Object next = answers.poll();
      if (next instanceof RuntimeException e) {
        throw e;
      }
      return next == null ? List.of() : (List<LostSchemaId>) next;
    }

    @Override
    public String describe() {
      return "http://registry:8081";
    }

    @Override
    public int register(String subject, Schema schema) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int idOf(String subject, Schema schema) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Schema byId(int id) {
      throw new UnsupportedOperationException();
    }

    @Override
    public RegisteredSchema latest(String subject) {
      throw new UnsupportedOperationException();
    }
  };

  @Test
  void eachLostIdIsSaidWithSinceWhenItsRecordsAreSuspect() {
    SchemaIdRecheck recheck = new SchemaIdRecheck(registry, Duration.ofSeconds(1), true);
    long heldAt = 1_764_000_060_000L;
    answers.add(List.of()); // all held
    answers.add(List.of(new LostSchemaId(2, "FrameVerdict", List.of("v-value"), "names another schema now (Frame)",
        heldAt)));
    try (LogLines log = LogLines.of(SchemaIdRecheck.class)) {
      recheck.check();
      recheck.check();
      assertThat(log.events()).singleElement().satisfies(e -> {
        assertThat(e.getLevel()).isEqualTo(Level.WARN);
        assertThat(e.getFormattedMessage()).contains("schema id 2", "lost its data",
            "since the last recheck that found it right, at " + Instant.ofEpochMilli(heldAt),
            "registers its schema again");
      });
    }
  }

  @Test
  void aRegistryThatDoesNotAnswerSaysNothingAboveDebug() {
    SchemaIdRecheck recheck = new SchemaIdRecheck(registry, Duration.ofSeconds(1), false);
    answers.add(new RegistryUnavailableException("http://registry:8081", 1, "connection refused", null));
    try (LogLines log = LogLines.of(SchemaIdRecheck.class)) {
      recheck.check();
      assertThat(log.events()).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.INFO));
    }
  }

  @Test
  void withoutAutoRegistrationTheWarningSaysTheSchemaMustBeRegistered() {
    SchemaIdRecheck recheck = new SchemaIdRecheck(registry, Duration.ofSeconds(1), false);
    answers.add(List.of(new LostSchemaId(3, "Alert", List.of("a-value"), "is unknown to the registry now", 0)));
    try (LogLines log = LogLines.of(SchemaIdRecheck.class)) {
      recheck.check();
      assertThat(log.messages()).singleElement().asString().contains("registry.auto-register=false",
          "since it was first used");
    }
  }
}
