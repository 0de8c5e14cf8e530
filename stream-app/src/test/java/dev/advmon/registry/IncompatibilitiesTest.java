package dev.advmon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.junit.jupiter.api.Test;

/** Which writer schemas may be read record by record: only those whose every mismatch is a branch of a union. */
class IncompatibilitiesTest {

  private static final String META =
      "{\"type\":\"record\",\"name\":\"Meta\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}";
  private static final String OTHER = META.replace("Meta", "Other");

  private static boolean perRecord(String readerField, String writerField) {
    Schema reader = parse(readerField);
    Schema writer = parse(writerField);
    return Incompatibilities.onlyUnionBranches(writer,
        SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult());
  }

  private static Schema parse(String fieldType) {
    return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"x\",\"type\":"
        + fieldType + "}]}");
  }

  @Test
  void aUnionWidenedByABranchTheReaderLacksIsReadPerRecord() {
    assertThat(perRecord("[\"null\",\"string\"]", "[\"null\",\"string\",\"long\"]")).isTrue();
    assertThat(perRecord("[\"null\",\"string\"]", "[\"null\",\"string\"," + OTHER + "]")).isTrue();
    assertThat(perRecord("\"bytes\"", "[\"null\",\"bytes\"]")).isTrue();
  }

  @Test
  void aRecordBranchOfAnotherNameBesideARecordOfTheReadersUnionIsRefusedAsAWhole() {
    // Avro's resolution would read Other as Meta (its fields fit): a record of another name must not be read so
    assertThat(perRecord("[\"null\"," + META + "]", "[\"null\"," + META + "," + OTHER + "]")).isFalse();
    assertThat(perRecord(META, "[\"null\"," + OTHER + "]")).isFalse();
  }

  @Test
  void aMissingFieldIsRefusedAsAWholeEvenBesideAWidenedUnion() {
    Schema reader = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":["
        + "{\"name\":\"x\",\"type\":\"string\"},{\"name\":\"y\",\"type\":\"string\"}]}");
    Schema writer = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":["
        + "{\"name\":\"x\",\"type\":[\"null\",\"string\"]}]}");
    assertThat(Incompatibilities.onlyUnionBranches(writer,
        SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult())).isFalse();
  }

  /**
   * A writer of only frameId and image was refused with "TYPE_MISMATCH at /fields/4/type (reader type: ENUM not
   * compatible with writer type: RECORD)", though it has no field 4: Avro's checker compares a missing reader field
   * whose enum has a default symbol with the writer's whole record. What is wrong is that the field is missing and has
   * no default: it is said so, by name, as for the other missing fields.
   */
  @Test
  void aMissingEnumFieldIsNamedAsMissingNotAsATypeMismatchWithTheWritersRecord() {
    Schema reader = dev.advmon.schema.Frame.getClassSchema();
    Schema writer = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Frame\",\"namespace\":"
        + "\"dev.advmon.schema\",\"fields\":[{\"name\":\"frameId\",\"type\":\"string\"},"
        + "{\"name\":\"image\",\"type\":\"bytes\"}]}");
    String text = Incompatibilities.describe(reader,
        SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult());
    assertThat(text).contains("READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1 (cameraId)")
        .contains("READER_FIELD_MISSING_DEFAULT_VALUE at /fields/3 (captureTime)")
        .contains("READER_FIELD_MISSING_DEFAULT_VALUE at /fields/4 (encoding)").doesNotContain("TYPE_MISMATCH");
  }

  /**
   * A location's index is the writer's union branch (Avro compares the same reader with each): a writer whose frame
   * is a union branch (a nullable value, ["null", Frame]) had its missing encoding said as "TYPE_MISMATCH at
   * /1/fields/4/type (... ENUM not compatible with writer type: RECORD)", as the walker took the index as the reader's.
   */
  @Test
  void aMissingEnumFieldUnderAWriterUnionIsNamedAsMissingToo() {
    Schema reader = dev.advmon.schema.Frame.getClassSchema();
    Schema writer = new Schema.Parser().parse("[\"null\",{\"type\":\"record\",\"name\":\"Frame\",\"namespace\":"
        + "\"dev.advmon.schema\",\"fields\":[{\"name\":\"frameId\",\"type\":\"string\"},"
        + "{\"name\":\"image\",\"type\":\"bytes\"}]}]");
    String text = Incompatibilities.describe(reader,
        SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult());
    assertThat(text).contains("READER_FIELD_MISSING_DEFAULT_VALUE at /1/fields/4 (encoding)")
        .doesNotContain("ENUM not compatible");
  }
}
