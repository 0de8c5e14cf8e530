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

  /** How many versions of each schema {@code /versions/} holds: {@code <name>.1.avsc} (the first) .. {@code .<n>.avsc}. */
  private static final Map<String, Integer> VERSIONS =
      Map.of("DetectorScore", 1, "Frame", 2, "FrameVerdict", 3, "Alert", 1, "DeadLetter", 3);

  private static String text(String resource) throws IOException {
    try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream(resource)) {
      assertThat(in).as(resource + " on the classpath").isNotNull();
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** Version {@code v} of {@code name}, parsed with the current DetectorScore (FrameVerdict and Alert name it). */
  private static Schema version(String name, int v) throws IOException {
    Schema.Parser parser = new Schema.Parser();
    if (!name.equals("DetectorScore")) {
      parser.parse(text("/avro/DetectorScore.avsc"));
    }
    return parser.parse(text("/versions/" + name + "." + v + ".avsc"));
  }

  /**
   * SHA-256 of each recorded version's text. The check below is only as good as the history it reads: a change made
   * by editing the newest recorded version in place, instead of adding the next one, would pass it while the
   * registry still holds the schema as it was. So a recorded version is never edited; a new one is added here.
   */
  private static final Map<String, String> RECORDED = Map.of(
      "Alert.1", "4bb4f76fcd0f445f6d3c8ecdc28b26ef55f38a7037dd0085a5861e319c6fa57d",
      "DeadLetter.1", "c00e4cc6b5bfcfd43e6714e52e1def0e84e152ac21d960c9b500a9df78ec548c",
      "DeadLetter.2", "50d97bacc8eea8f36a642bf562d50942edcccec956f2251c6e5d22aa8d23d5e0",
      "DeadLetter.3", "04809c5d5c08a3deffb468e36e152cd66ba3ee68de0dd1679c462cfa6e6f6f1e",
      "DetectorScore.1", "0efe33539a3b29e90ba60f5af15f1f54e9c3065d3e55cbff3e650c1e08e7c677",
      "Frame.1", "bf04027a02ca57b4c412f7c84902cd7c49d38193651dc9baea2415fef3ae8259",
      "Frame.2", "b9a812c1f897eff7a7171329dfad8868758da6fa1a272ea6d04d1c039119fe5e",
      "FrameVerdict.1", "b15dce20cd04f76cd62fb977084f90be1dfc5365be384c37b262b7ff8ee83cbf",
      "FrameVerdict.2", "f67a5fd37f481b278febbba38617a738d1d95332b985d4375e71dbb0087e288b",
      "FrameVerdict.3", "5536213a42023d026191441fe75503132de41709aba82c39909437679328407c");

  @ParameterizedTest
  @ValueSource(strings = {"DetectorScore", "Frame", "FrameVerdict", "Alert", "DeadLetter"})
  void everyRecordedVersionIsKeptAsItWasReleased(String name) throws Exception {
    for (int v = 1; v <= VERSIONS.get(name); v++) {
      String file = "/versions/" + name + "." + v + ".avsc";
      assertThat(pinProblem(name, v, text(file), RECORDED)).as(file).isNull();
    }
  }

  /**
   * A version added as the check below asks (its file, VERSIONS counted up) has no SHA-256 in RECORDED yet: it was
   * told it "was edited", to restore it and to record the change as the version after it, the very thing just done.
   */
  @org.junit.jupiter.api.Test
  void aNewVersionWithoutItsDigestIsToldToAddItNotThatItWasEdited() throws Exception {
    String problem = pinProblem("DeadLetter", 4, text("/versions/DeadLetter.3.avsc"), RECORDED);
    assertThat(problem).contains("\"DeadLetter.4\", \"" + RECORDED.get("DeadLetter.3") + "\"")
        .contains("RECORDED").doesNotContain("was edited", "restore");
    assertThat(pinProblem("DeadLetter", 3, text("/versions/DeadLetter.2.avsc"), RECORDED))
        .contains("/versions/DeadLetter.3.avsc was edited")
        .contains("record a change as version " + (VERSIONS.get("DeadLetter") + 1));
    assertThat(pinProblem("DeadLetter", 3, text("/versions/DeadLetter.3.avsc"), RECORDED)).isNull();
  }

  /** A checkout that writes lines as CRLF (Windows' core.autocrlf) changes no schema: the pin holds there too. */
  @org.junit.jupiter.api.Test
  void aVersionCheckedOutWithWindowsLineEndingsIsStillAsPinned() throws Exception {
    String crlf = text("/versions/DeadLetter.3.avsc").replace("\r\n", "\n").replace("\n", "\r\n");
    assertThat(crlf).contains("\r\n");
    assertThat(pinProblem("DeadLetter", 3, crlf, RECORDED)).isNull();
  }

  /** What is wrong with version {@code v} of {@code name} whose text is {@code text}, or null when it is as pinned. */
  private static String pinProblem(String name, int v, String text, Map<String, String> recorded) throws Exception {
    String file = "/versions/" + name + "." + v + ".avsc";
    String digest = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        // pinned as Git stores it (LF): a checkout with CRLF line endings holds the same schema
        .digest(text.replace("\r\n", "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    String pinned = recorded.get(name + "." + v);
    if (digest.equals(pinned)) {
      return null;
    }
    if (pinned == null) {
      // the newest version, just added: nothing was edited, its digest is what is missing
      return file + " has no SHA-256 in RECORDED: a new version is pinned once added, so that it is never edited"
          + " later: add \"" + name + "." + v + "\", \"" + digest + "\" to RECORDED";
    }
    return file + " was edited: a recorded version is what registries hold, so restore it (git show <its commit>:"
        + "schemas/src/main/avro/" + name + ".avsc) and record a change as version " + (VERSIONS.get(name) + 1)
        + ", with its SHA-256 in RECORDED";
  }

  /**
   * The registry holds every version the monitor ever registered, and the README asks for FULL_TRANSITIVE on the
   * output subjects (and FORWARD_TRANSITIVE or FULL_TRANSITIVE on frames): the current schema must read, and be read
   * by, each of them, not only the one before. Every version is kept under {@code /versions/} (from the history of
   * schemas/src/main/avro); a schema changed without keeping its new version there fails the first check.
   */
  @ParameterizedTest
  @ValueSource(strings = {"DetectorScore", "Frame", "FrameVerdict", "Alert", "DeadLetter"})
  void theCurrentSchemaReadsAndIsReadByEveryVersionBeforeIt(String name) throws IOException {
    int newest = VERSIONS.get(name);
    assertThat(text("/avro/" + name + ".avsc")).as(name + ".avsc is kept as /versions/" + name + "." + newest
        + ".avsc (a changed schema is a new version: add it and count it in VERSIONS)")
        .isEqualTo(text("/versions/" + name + "." + newest + ".avsc"));
    Schema current = schema(name);
    for (int v = 1; v < newest; v++) {
      Schema older = version(name, v);
      assertThat(backward(current, older)).as("the current " + name + " reads version " + v).isTrue();
      assertThat(forward(current, older)).as("version " + v + " of " + name + " reads the current one").isTrue();
    }
  }
}
