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

  /** Where a field's type is: the location of its record, then the field's index. */
  private static final Pattern FIELD_TYPE = Pattern.compile("(.*)/fields/([0-9]+)/type");

  /** {@code reader}: the reader schema that {@code result} was checked with, from which its locations start. */
  static String describe(Schema reader, SchemaCompatibilityResult result) {
    return result.getIncompatibilities().stream()
        .map(i -> {
          String missing = missingEnumField(reader, i);
          return missing != null ? SchemaIncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE + " at "
              + missing : describe(i);
        })
        .collect(Collectors.joining("; "));
  }

  /**
   * Avro's checker compares a reader field that the writer lacks and whose enum has a default symbol with the writer's
   * whole record: "TYPE_MISMATCH at /fields/4/type (reader type: ENUM not compatible with writer type: RECORD)", for a
   * writer with no field 4. What is wrong is that the field is missing and has no default (the resolving decoder
   * refuses it so): its location and name, as Avro says it of other missing fields; null for any other mismatch.
   */
  private static String missingEnumField(Schema reader, Incompatibility i) {
    Schema writer = i.getWriterFragment();
    if (i.getType() != SchemaIncompatibilityType.TYPE_MISMATCH || i.getReaderFragment() == null || writer == null
        || i.getReaderFragment().getType() != Schema.Type.ENUM || writer.getType() != Schema.Type.RECORD) {
      return null;
    }
    Matcher m = FIELD_TYPE.matcher(i.getLocation());
    if (!m.matches()) {
      return null;
    }
    Schema record = at(reader, m.group(1));
    int index = Integer.parseInt(m.group(2));
    if (record == null || record.getType() != Schema.Type.RECORD || index >= record.getFields().size()) {
      return null;
    }
    Schema.Field field = record.getFields().get(index);
    if (!field.schema().equals(i.getReaderFragment()) || writer.getField(field.name()) != null
        || field.aliases().stream().anyMatch(a -> writer.getField(a) != null)) {
      return null;
    }
    return m.group(1) + "/fields/" + index + " (" + field.name() + ")";
  }

  /** The part of {@code schema} at an Avro compatibility location ("/fields/2/type/1"); null if it cannot tell. */
  private static Schema at(Schema schema, String location) {
    String[] steps = location.isEmpty() ? new String[0] : location.substring(1).split("/");
    Schema s = schema;
    for (int k = 0; k < steps.length && s != null; k++) {
      String step = steps[k];
      if (step.equals("fields") && s.getType() == Schema.Type.RECORD && k + 2 < steps.length
          && steps[k + 2].equals("type") && steps[k + 1].matches("[0-9]+")
          && Integer.parseInt(steps[k + 1]) < s.getFields().size()) {
        s = s.getFields().get(Integer.parseInt(steps[k + 1])).schema();
        k += 2;
      } else if (step.equals("items") && s.getType() == Schema.Type.ARRAY) {
        s = s.getElementType();
      } else if (step.equals("values") && s.getType() == Schema.Type.MAP) {
        s = s.getValueType();
      } else if (step.matches("[0-9]+") && s.getType() != Schema.Type.UNION) {
        // the index of a writer's union branch, which Avro compares with the same reader: the reader stays (under a
        // reader's union it says one mismatch of the whole union, never one within a branch)
        continue;
      } else {
        return null;
      }
    }
    return s;
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
