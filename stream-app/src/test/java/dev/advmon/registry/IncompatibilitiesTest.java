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
}
