package dev.advmon.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.schema.Alert;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryTest {

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

  @Test
  void sameSchemaSameSubjectSameIdAndNoNewVersion() {
    int first = registry.register("frames-value", Frame.getClassSchema());

    assertThat(registry.register("frames-value", Frame.getClassSchema())).isEqualTo(first);
    assertThat(registry.latest("frames-value").version()).isEqualTo(1);
    assertThat(registry.idOf("frames-value", Frame.getClassSchema())).isEqualTo(first);
    assertThat(registry.byId(first)).isEqualTo(Frame.getClassSchema());
  }

  @Test
  void idsAreGlobalAndIncreasingAndSharedByIdenticalSchemas() {
    int frame = registry.register("frames-value", Frame.getClassSchema());
    int verdict = registry.register("verdicts-value", FrameVerdict.getClassSchema());
    int alert = registry.register("alerts-value", Alert.getClassSchema());
    int frameElsewhere = registry.register("frames-copy-value", Frame.getClassSchema());

    assertThat(List.of(frame, verdict, alert)).containsExactly(1, 2, 3);
    assertThat(frameElsewhere).isEqualTo(frame);
    assertThat(registry.latest("frames-copy-value").version()).isEqualTo(1);
  }

  @Test
  void lookupDoesNotRegister() {
    registry.register("other-value", Frame.getClassSchema());

    assertThatThrownBy(() -> registry.idOf("frames-value", Frame.getClassSchema()))
        .isInstanceOf(SchemaNotFoundException.class)
        .hasMessageContaining("frames-value");
    assertThatThrownBy(() -> registry.latest("frames-value")).isInstanceOf(SchemaNotFoundException.class);
  }

  @Test
  void unknownIdIsNotFound() {
    assertThatThrownBy(() -> registry.byId(7))
        .isInstanceOf(SchemaNotFoundException.class)
        .hasMessage("schema id 7 not found at in-memory; was the frame written against another registry, or its subject"
            + " deleted permanently? Such frames cannot be read: write them again with a schema registered there");
  }

  @Test
  void incompatibleChangeIsRejectedLikeConfluentsDefault() {
    registry.register("frames-value", Frame.getClassSchema());
    Schema required = new Schema.Parser().parse("""
        {"type": "record", "name": "Frame", "namespace": "dev.advmon.schema",
         "fields": [{"name": "frameId", "type": "string"}, {"name": "mustHave", "type": "int"}]}""");

    assertThatThrownBy(() -> registry.register("frames-value", required))
        .isInstanceOfSatisfying(SchemaRegistrationException.class, e -> assertThat(e.subject()).isEqualTo("frames-value"))
        .hasMessageContaining("mustHave");
    assertThat(InMemorySchemaRegistry.withoutCompatibilityChecks().register("frames-value", required)).isEqualTo(1);
  }

  @Test
  void concurrentRegistrationsAgreeOnOneId() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Set<Integer> ids = ConcurrentHashMap.newKeySet();
      List<Future<?>> futures = IntStream.range(0, 200)
          .mapToObj(i -> pool.submit(() -> ids.add(registry.register("frames-value", Frame.getClassSchema()))))
          .<Future<?>>map(f -> f)
          .toList();
      for (Future<?> f : futures) {
        f.get();
      }
      assertThat(ids).containsExactly(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void scopesAreSharedByName() {
    try {
      InMemorySchemaRegistry.scoped("shared-test").register("s", Frame.getClassSchema());

      assertThat(InMemorySchemaRegistry.scoped("shared-test").latest("s").id()).isEqualTo(1);
    } finally {
      InMemorySchemaRegistry.dropScope("shared-test");
    }
    assertThatThrownBy(() -> InMemorySchemaRegistry.scoped("shared-test").latest("s"))
        .isInstanceOf(SchemaNotFoundException.class);
    InMemorySchemaRegistry.dropScope("shared-test");
  }
}
