package dev.advmon.registry;

import java.util.stream.Collectors;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityResult;

/** Short text for a compatibility result: Avro's own toString repeats both full schemas per problem. */
final class Incompatibilities {

  private Incompatibilities() {}

  static String describe(SchemaCompatibilityResult result) {
    return result.getIncompatibilities().stream()
        .map(Incompatibilities::describe)
        .collect(Collectors.joining("; "));
  }

  private static String describe(Incompatibility i) {
    return i.getType() + " at " + i.getLocation() + " (" + i.getMessage() + ")";
  }
}
