package dev.advmon.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Guards the evolution rules the registry enforces (Confluent's BACKWARD: new readers read old data;
 * FORWARD: old readers read new data) on the .avsc files as shipped in the jar under /avro/.
 */
class SchemaEvolutionTest {

  // DetectorScore first: FrameVerdict and Alert refer to it by name.
  private static final List<String> FILES =
      List.of("DetectorScore", "Frame", "FrameVerdict", "Alert", "DeadLetter");

  private static Map<String, Schema> load() throws IOException {
    Schema.Parser parser = new Schema.Parser();
    Map<String, Schema> schemas = new LinkedHashMap<>();
    for (String name : FILES) {
      try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream("/avro/" + name + ".avsc")) {
        assertThat(in).as("/avro/" + name + ".avsc on the classpath").isNotNull();
        schemas.put(name, parser.parse(in));
      }
    }
    return schemas;
  }

  private static Schema schema(String name) throws IOException {
    return load().get(name);
  }

  private static SchemaCompatibilityType compatibility(Schema reader, Schema writer) {
    return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType();
  }

  private static boolean backward(Schema next, Schema previous) {
    return compatibility(next, previous) == SchemaCompatibilityType.COMPATIBLE;
  }

  private static boolean forward(Schema next, Schema previous) {
    return compatibility(previous, next) == SchemaCompatibilityType.COMPATIBLE;
  }

  private static Schema withField(Schema record, Schema.Field added) {
    List<Schema.Field> fields = new ArrayList<>();
    record.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
    fields.add(added);
    return Schema.createRecord(record.getName(), record.getDoc(), record.getNamespace(), false, fields);
  }

  private static Schema without(Schema record, String fieldName) {
    List<Schema.Field> fields = new ArrayList<>();
    record.getFields().stream()
        .filter(f -> !f.name().equals(fieldName))
        .forEach(f -> fields.add(new Schema.Field(f, f.schema())));
    return Schema.createRecord(record.getName(), record.getDoc(), record.getNamespace(), false, fields);
  }

  @ParameterizedTest
  @ValueSource(strings = {"DetectorScore", "Frame", "FrameVerdict", "Alert", "DeadLetter"})
  void addingAnOptionalFieldWithADefaultIsBackwardAndForwardCompatible(String name) throws IOException {
    Schema current = schema(name);
    Schema optional = Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING));
    Schema next = withField(current, new Schema.Field("addedLater", optional, "new", JsonProperties.NULL_VALUE));

    assertThat(backward(next, current)).as("new readers read old " + name).isTrue();
    assertThat(forward(next, current)).as("old readers read new " + name).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"DetectorScore", "Frame", "FrameVerdict", "Alert", "DeadLetter"})
  void addingARequiredFieldWithoutADefaultIsNotBackwardCompatible(String name) throws IOException {
    Schema current = schema(name);
    Schema next = withField(current, new Schema.Field("mustHave", Schema.create(Schema.Type.INT), "new"));

    assertThat(backward(next, current)).as("new readers cannot fill mustHave in old " + name).isFalse();
    assertThat(forward(next, current)).as("old readers skip the new field").isTrue();
  }

  /**
   * Removing a required field is allowed under BACKWARD (a new reader ignores what it no longer knows) but
   * breaks FORWARD: an old reader finds no value and no default. This is the check that fails first.
   */
  @ParameterizedTest
  @ValueSource(strings = {"DetectorScore", "Frame", "FrameVerdict", "Alert", "DeadLetter"})
  void removingARequiredFieldIsNotForwardCompatible(String name) throws IOException {
    Schema current = schema(name);
    Schema.Field required = current.getFields().stream()
        .filter(f -> !f.hasDefaultValue())
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " has no required field to remove"));
    Schema next = without(current, required.name());

    assertThat(forward(next, current)).as("old readers need " + name + "." + required.name()).isFalse();
    assertThat(backward(next, current)).as("new readers ignore the removed field").isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"DetectorScore", "Frame", "FrameVerdict", "Alert", "DeadLetter"})
  void everyOptionalFieldHasADefault(String name) throws IOException {
    for (Schema.Field f : schema(name).getFields()) {
      boolean optional = f.schema().getType() == Schema.Type.UNION
          && f.schema().getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL);
      if (optional) {
        assertThat(f.hasDefaultValue()).as(name + "." + f.name() + " is optional but has no default").isTrue();
      }
    }
  }

  /** Verdicts written before batching across frames existed read as scored alone, and old readers skip the field. */
  @org.junit.jupiter.api.Test
  void verdictsWithoutBatchFramesReadAsScoredAloneAndOldReadersSkipIt() throws IOException {
    Schema current = schema("FrameVerdict");
    Schema previous = without(current, "batchFrames");
    assertThat(backward(current, previous)).isTrue();
    assertThat(forward(current, previous)).isTrue();

    org.apache.avro.generic.GenericRecord old = new org.apache.avro.generic.GenericData.Record(previous);
    for (Schema.Field f : previous.getFields()) {
      old.put(f.name(), f.hasDefaultValue() ? org.apache.avro.generic.GenericData.get().getDefaultValue(f) : sample(f.schema()));
    }
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    org.apache.avro.io.BinaryEncoder enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(bytes, null);
    new org.apache.avro.generic.GenericDatumWriter<org.apache.avro.generic.GenericRecord>(previous).write(old, enc);
    enc.flush();
    org.apache.avro.generic.GenericRecord read = new org.apache.avro.generic.GenericDatumReader<org.apache.avro.generic.GenericRecord>(
        previous, current).read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
    assertThat(read.get("batchFrames")).isEqualTo(1);
  }

  private static Object sample(Schema s) {
    return switch (s.getType()) {
      case STRING -> "x";
      case INT -> 1;
      case LONG -> 1L;
      case DOUBLE -> 0.5;
      case BOOLEAN -> true;
      default -> throw new IllegalArgumentException("no sample for " + s);
    };
  }

  /**
   * Each schema that changed since a release is checked against its previous version, kept under
   * {@code /previous/}: data written with either reads with the other (BACKWARD and FORWARD, as the registry
   * enforces them per subject).
   */
  @ParameterizedTest
  @ValueSource(strings = {"DeadLetter"})
  void theCurrentSchemaReadsAndIsReadByItsPreviousVersion(String name) throws IOException {
    Schema previous;
    try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream("/previous/" + name + ".avsc")) {
      assertThat(in).as("/previous/" + name + ".avsc").isNotNull();
      previous = new Schema.Parser().parse(in);
    }
    Schema current = schema(name);
    assertThat(current).as("a previous version that differs").isNotEqualTo(previous);
    assertThat(backward(current, previous)).as("new readers read " + name + " written before").isTrue();
    assertThat(forward(current, previous)).as("readers from before read the new " + name).isTrue();
  }
}
