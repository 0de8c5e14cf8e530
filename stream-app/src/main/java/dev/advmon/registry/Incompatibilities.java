package dev.advmon.registry;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityResult;
import org.apache.avro.SchemaCompatibility.SchemaIncompatibilityType;

/** Short text for a compatibility result: Avro's own toString repeats both full schemas per problem. */
final class Incompatibilities {

  /** Where a branch of a union is: the location ends with its index. */
  private static final Pattern BRANCH_INDEX = Pattern.compile(".*/([0-9]+)");

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
    Set<Schema> unions = Collections.newSetFromMap(new IdentityHashMap<>());
    collectUnions(writer, unions, Collections.newSetFromMap(new IdentityHashMap<>()));
    return !result.getIncompatibilities().isEmpty()
        && result.getIncompatibilities().stream().allMatch(i -> unreadableBranch(i, unions));
  }

  private static boolean unreadableBranch(Incompatibility i, Set<Schema> unions) {
    Matcher index = BRANCH_INDEX.matcher(i.getLocation());
    if (!index.matches()) {
      return false;
    }
    return switch (i.getType()) {
      // the reader's type is not a union: Avro names the writer's branch
      case TYPE_MISMATCH -> unions.stream()
          .anyMatch(u -> u.getTypes().stream().anyMatch(b -> b == i.getWriterFragment()));
      // both are unions: Avro names the writer's whole union (not the branch, which the location's index gives)
      case MISSING_UNION_BRANCH -> unions.contains(i.getWriterFragment()) && !matchedByStructure(
          i.getWriterFragment().getTypes().get(Integer.parseInt(index.group(1))), i.getReaderFragment());
      default -> false;
    };
  }

  /**
   * Whether Avro's resolution could read this writer branch as a record of the reader's union with another name: it
   * picks a reader record whose fields fit when no name matches, so such a branch must stay refused as a whole.
   */
  private static boolean matchedByStructure(Schema writerBranch, Schema reader) {
    return writerBranch.getType() == Schema.Type.RECORD && reader.getType() == Schema.Type.UNION
        && reader.getTypes().stream().anyMatch(b -> b.getType() == Schema.Type.RECORD);
  }

  private static void collectUnions(Schema schema, Set<Schema> unions, Set<Schema> seen) {
    if (!seen.add(schema)) {
      return;
    }
    switch (schema.getType()) {
      case UNION -> {
        unions.add(schema);
        schema.getTypes().forEach(b -> collectUnions(b, unions, seen));
      }
      case RECORD -> schema.getFields().forEach(f -> collectUnions(f.schema(), unions, seen));
      case ARRAY -> collectUnions(schema.getElementType(), unions, seen);
      case MAP -> collectUnions(schema.getValueType(), unions, seen);
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
