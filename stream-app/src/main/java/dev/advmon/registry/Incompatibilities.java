package dev.advmon.registry;

import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityResult;
import org.apache.avro.SchemaCompatibility.SchemaIncompatibilityType;

/** Short text for a compatibility result: Avro's own toString repeats both full schemas per problem. */
final class Incompatibilities {

  private Incompatibilities() {}

  static String describe(SchemaCompatibilityResult result) {
    return result.getIncompatibilities().stream()
        .map(Incompatibilities::describe)
        .collect(Collectors.joining("; "));
  }

  private static String describe(Incompatibility i) {
    return i.getType() + " at " + i.getLocation() + " (" + message(i) + ")";
  }

  private static String message(Incompatibility i) {
    Schema writer = i.getWriterFragment();
    Schema reader = i.getReaderFragment();
    if (i.getType() == SchemaIncompatibilityType.NAME_MISMATCH && writer != null && reader != null) {
      // Avro says "expected: <the WRITER's name>", which reads as the name the monitor wants: a producer told
      // "expected: com.vendor.Encoding" for its enum would keep the wrong name. Both names, each said whose.
      return "the writer's " + writer.getType().getName() + " is named " + writer.getFullName() + ", the reader's "
          + reader.getFullName() + "; names must match (namespaces aside) or the reader list the writer's as an alias";
    }
    return i.getMessage();
  }
}
