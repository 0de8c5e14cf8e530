package dev.advmon.topology;

import dev.advmon.registry.RegisteredSchema;
import dev.advmon.registry.SchemaRegistry;
import java.util.function.Supplier;
import org.apache.avro.Schema;

/** A registry for start-up tests whose every registration (or lookup) does what {@code register} does. */
final class StartupTestRegistry implements SchemaRegistry {
  private final Supplier<Integer> register;

  StartupTestRegistry(Supplier<Integer> register) {
    this.register = register;
  }

  @Override
  public int register(String subject, Schema schema) {
    return register.get();
  }

  @Override
  public int idOf(String subject, Schema schema) {
    return register.get();
  }

  @Override
  public Schema byId(int id) {
    throw new UnsupportedOperationException("not asked at start-up");
  }

  @Override
  public RegisteredSchema latest(String subject) {
    throw new UnsupportedOperationException("not asked at start-up");
  }

  @Override
  public String describe() {
    return "test registry";
  }
}
