package dev.advmon.registry;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
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

  /**
   * Whether every mismatch is a branch of one of the writer's unions whose type the reader cannot read (another type,
   * or one its own union lacks): then Avro's resolution reads each record that holds another branch, and refuses only
   * those that hold such a branch. Any other mismatch (a missing field, another name) holds for every record.
   */
  static boolean onlyUnionBranches(Schema writer, SchemaCompatibilityResult result) {
    Set<Schema> branches = Collections.newSetFromMap(new IdentityHashMap<>());
    collectBranches(writer, branches, Collections.newSetFromMap(new IdentityHashMap<>()));
    return !result.getIncompatibilities().isEmpty() && result.getIncompatibilities().stream().allMatch(i ->
        (i.getType() == SchemaIncompatibilityType.TYPE_MISMATCH
            || i.getType() == SchemaIncompatibilityType.MISSING_UNION_BRANCH)
        && branches.contains(i.getWriterFragment()) && i.getLocation().matches(".*/[0-9]+"));
  }

  private static void collectBranches(Schema schema, Set<Schema> branches, Set<Schema> seen) {
    if (!seen.add(schema)) {
      return;
    }
    switch (schema.getType()) {
      case UNION -> schema.getTypes().forEach(b -> {
        branches.add(b);
        collectBranches(b, branches, seen);
      });
      case RECORD -> schema.getFields().forEach(f -> collectBranches(f.schema(), branches, seen));
      case ARRAY -> collectBranches(schema.getElementType(), branches, seen);
      case MAP -> collectBranches(schema.getValueType(), branches, seen);
      default -> { }
    }
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
