package dev.advmon.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelManifest;
import dev.advmon.testing.TestData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** labels.csv and manifest.csv as a spreadsheet writes them. */
class LabelledFolderTest {

  @Test
  void aByteOrderMarkBeforeTheHeaderIsNotPartOfTheFirstColumnsName(@TempDir Path dir) throws Exception {
    // a spreadsheet's "CSV UTF-8" export starts with EF BB BF: evaluate, calibrate and corrupt refused such a
    // labels.csv with "the header needs columns 'file' and 'label', has [file, label]", the mark being invisible
    Files.write(dir.resolve("labels.csv"), "\uFEFFfile,label\r\na.png,3\r\nb.png,7\r\n".getBytes(StandardCharsets.UTF_8));
    assertThat(LabelledFolder.labels(dir)).isEqualTo(Map.of("a.png", 3, "b.png", 7)); // Map.of has no order to compare

    Files.write(dir.resolve("manifest.csv"), "\uFEFFfile, kind\nx.png,fgsm\n".getBytes(StandardCharsets.UTF_8));
    CsvTable t = CsvTable.read(dir.resolve("manifest.csv"));
    assertThat(t.header()).containsExactly("file", "kind");
    assertThat(t.get(0, t.column("file"))).isEqualTo("x.png");
  }

  /**
   * A user's own tool exports class names ({@code Ankle boot}), not indices: such a labels.csv was refused with "write
   * the class index", leaving the user to rewrite every row by counting through the manifest. Names are read through
   * the model's manifest, blanks around a value aside (a spreadsheet's "file, label") and a quoted value whole.
   */
  @Test
  void readsClassNamesThroughTheModelsManifest(@TempDir Path dir) throws Exception {
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    Files.writeString(dir.resolve("labels.csv"),
        "file,label\na.png,Ankle boot\nb.png, Coat \nc.png,\"T-shirt/top\"\n");
    assertThat(LabelledFolder.labels(dir, bundle))
        .containsExactly(entry("a.png", 9), entry("b.png", 4), entry("c.png", 0));
    assertThat(LabelledFolder.labelsOf(List.of(dir.resolve("a.png"), dir.resolve("c.png")), bundle))
        .isEqualTo(Map.of(dir.resolve("a.png").toAbsolutePath().normalize().toString(), 9,
            dir.resolve("c.png").toAbsolutePath().normalize().toString(), 0));
  }

  /**
   * A spreadsheet or a web page copied from pastes a non-breaking space (U+00A0), or another Unicode space, after a
   * name: only ASCII blanks were trimmed, so "Ankle boot\u00A0" was refused as no class of the model, though it reads
   * the same. White space around a value is trimmed, whatever its kind; inside a name it stays.
   */
  @Test
  void unicodeWhiteSpaceAroundAValueIsTrimmedButNotInsideAName(@TempDir Path dir) throws Exception {
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png\u00A0,Ankle boot\u00A0\n"
        + "\u2007b.png,\u3000Coat\u202F\n\u00A0\"c.png\"\u00A0,\t\"T-shirt/top\"\u2009\n", StandardCharsets.UTF_8);
    assertThat(LabelledFolder.labels(dir, bundle))
        .containsExactly(entry("a.png", 9), entry("b.png", 4), entry("c.png", 0));
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,Ankle\u00A0boot\n", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> LabelledFolder.labels(dir, bundle)).as("a name is matched as spelt inside")
        .hasMessageContaining("'Ankle\u00A0boot' is not one of the model's class names");
  }

  @Test
  void aFileQuotingEveryFieldIsRead(@TempDir Path dir) throws Exception {
    // as R's write.csv and Python's csv.QUOTE_NONNUMERIC write it: the header was refused with "the header needs
    // columns 'file' and 'label', has ["file", "label"]", the quotes taken as part of the names
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    String exported = "\uFEFF\"file\",\"label\"\r\n\"a.png\",\"Ankle boot\"\r\n\"b.png\",\"Coat\"\r\n";
    Files.write(dir.resolve("labels.csv"), exported.getBytes(StandardCharsets.UTF_8));
    assertThat(LabelledFolder.labels(dir, bundle)).containsExactly(entry("a.png", 9), entry("b.png", 4));
    Files.writeString(dir.resolve("labels.csv"), "\"file\",\"label\"\n\"a.png\",3\n");
    assertThat(LabelledFolder.labels(dir)).containsExactly(entry("a.png", 3));
  }

  @Test
  void aFileOfWholeNumbersIsReadAsIndicesEvenWhereTheModelsClassNamesAreNumbers(@TempDir Path dir) throws Exception {
    // classes named "1".."10" (1-based names): the documented index column keeps its meaning, 3 is the fourth class
    ModelBundle bundle = withLabels("1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,3\nb.png,0\n");
    assertThat(LabelledFolder.labels(dir, bundle)).containsExactly(entry("a.png", 3), entry("b.png", 0));
  }

  @Test
  void aNameThatIsANumberIsReadAsANameInAFileOfNames(@TempDir Path dir) throws Exception {
    // one value that is no whole number makes the column one of names: "10" is then the class named 10, index 1
    ModelBundle bundle = withLabels("cat", "10", "tench, Tinca tinca");
    Files.writeString(dir.resolve("labels.csv"),
        "file,label\na.png,cat\nb.png,10\nc.png,\"tench, Tinca tinca\"\n");
    assertThat(LabelledFolder.labels(dir, bundle))
        .containsExactly(entry("a.png", 0), entry("b.png", 1), entry("c.png", 2));
  }

  @Test
  void refusesALabelsFileNamingNoKnownClass(@TempDir Path dir) throws Exception {
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    Path manifest = bundle.directory().resolve("manifest.json");
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,Coat\nb.png,Jacket\n");
    assertThatThrownBy(() -> LabelledFolder.labels(dir, bundle)).hasMessageContaining(dir.resolve("labels.csv")
        + ":3: 'Jacket' is not one of the model's class names; write a name exactly as the labels of " + manifest
        + " spell it (case counts), or its index counted from 0: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, "
        + "4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot");
    assertThatThrownBy(() -> LabelledFolder.labelsOf(List.of(dir.resolve("a.png")), bundle))
        .hasMessageContaining("'Jacket'");
  }

  @Test
  void refusesANameInAnotherCaseWithTheNameToWrite(@TempDir Path dir) throws Exception {
    // exact: a case-blind match could choose between two classes the manifest tells apart by case alone
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,Coat\nb.png,ankle boot\n");
    assertThatThrownBy(() -> LabelledFolder.labels(dir, bundle)).hasMessageContaining(dir.resolve("labels.csv") + ":3: "
        + "'ankle boot' is not one of the model's class names, which are matched exactly, case and all: write "
        + "'Ankle boot' (label 9 of " + bundle.directory().resolve("manifest.json") + ")");
  }

  @Test
  void refusesAnImageListedTwiceWithTwoClasses(@TempDir Path dir) throws Exception {
    // the second row replaced the first without a word: which class the frame was counted as depended on row order
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,Coat\nb.png,Bag\na.png,Coat\na.png,Shirt\n");
    assertThatThrownBy(() -> LabelledFolder.labels(dir, bundle)).hasMessageContaining(dir.resolve("labels.csv")
        + ":5: a.png is listed again, as class 6 (Shirt), after line 2 gave it class 4 (Coat): keep one row per image");
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,4\na.png,4\n");
    assertThat(LabelledFolder.labels(dir)).as("the same class twice is only a repeat")
        .containsExactly(entry("a.png", 4));
  }

  @Test
  void refusesEveryUnknownNameAtOnce(@TempDir Path dir) throws Exception {
    // a file exported in lower case was refused one class at a time: a run per class to find the next
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    Files.writeString(dir.resolve("labels.csv"),
        "file,label\na.png,ankle boot\nb.png,Coat\nc.png,ankle boot\nd.png,pullover\ne.png,7\n");
    assertThatThrownBy(() -> LabelledFolder.labels(dir, bundle)).hasMessageContaining(dir.resolve("labels.csv")
        + ":2: 'ankle boot' is not one of the model's class names").hasMessageEndingWith("[4 rows name no class of "
        + "the model: 'ankle boot' (line 2, 2 rows), 'pullover' (line 5), '7' (line 6)]");
  }

  @Test
  void refusesAnIndexInAFileOfNamesWhereNoClassHasThatName(@TempDir Path dir) throws Exception {
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,3\nb.png,Coat\n");
    assertThatThrownBy(() -> LabelledFolder.labels(dir, bundle)).hasMessageContaining(dir.resolve("labels.csv") + ":2: "
        + "'3' is not one of the model's class names (the label column holds names, line 3 has 'Coat', so a number in "
        + "it is read as a name too: write every row's class as a name, or every row's as an index)")
        .hasMessageContaining("3 Dress");
  }

  @Test
  void refusesAMisspeltNameAmongIndicesAtItsOwnLine(@TempDir Path dir) throws Exception {
    // the name makes the column one of names, but the slip to point at is the name, not the index on line 2
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,9\nb.png,4\nc.png,Jacket\n");
    assertThatThrownBy(() -> LabelledFolder.labels(dir, bundle))
        .hasMessageContaining(dir.resolve("labels.csv") + ":4: 'Jacket' is not one of the model's class names");
  }

  @Test
  void refusesClassNamesWithoutAModelToReadThemBy(@TempDir Path dir) throws Exception {
    // line 3, the first name: it said "(the label column holds names: line 3 has 'Coat')" of line 3 itself
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,4\nb.png,Coat\n");
    assertThatThrownBy(() -> LabelledFolder.labels(dir)).hasMessageContaining(dir.resolve("labels.csv")
        + ":3: 'Coat' is a class name, and names are read through a model's manifest.json: give the model whose "
        + "labels they are (--model DIR)").message().doesNotContain("line 3");
  }

  @Test
  void refusesADecimalLabelAsNoClassIndexNotAsAClassName(@TempDir Path dir) throws Exception {
    // a spreadsheet or pandas export of indices as 3.0: without a model the refusal said "'3.0' is a class name ...
    // give the model whose labels they are", sending the user after a model for what is a number
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,3.0\nb.png,4.0\n");
    assertThatThrownBy(() -> LabelledFolder.labels(dir)).hasMessageContaining(dir.resolve("labels.csv")
        + ":2: '3.0' is a number but no class index: write indices as whole numbers").message()
        .doesNotContain("is a class name");
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    assertThatThrownBy(() -> LabelledFolder.labels(dir, bundle)).hasMessageContaining(dir.resolve("labels.csv")
        + ":2: '3.0' is not one of the model's class names (a number but no class index: write indices as whole "
        + "numbers, counted from 0)");
  }

  @Test
  void refusesAQuoteThatDoesNotCloseOrHasTextAfterIt(@TempDir Path dir) throws Exception {
    // "Coat" x and an unclosed "Coat were both read as Coat: the text after the quote was dropped without a word
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,Bag\nb.png,\"Coat\" x\n");
    assertThatThrownBy(() -> LabelledFolder.labels(dir, bundle)).hasMessageContaining(dir.resolve("labels.csv")
        + ":3: text after the closing quote of \"Coat\": ' x'");
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,Bag\nb.png,\"Coat\n");
    assertThatThrownBy(() -> LabelledFolder.labels(dir, bundle)).hasMessageContaining(dir.resolve("labels.csv")
        + ":3: the quote opening \"Coat never closes");
    Files.writeString(dir.resolve("labels.csv"), "\"file,label\na.png,4\n");
    assertThatThrownBy(() -> LabelledFolder.labels(dir, bundle)).hasMessageContaining(dir.resolve("labels.csv")
        + ":1: the quote opening \"file,label never closes");
  }

  @Test
  void refusesARowWithoutALabel(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,3\nb.png\nc.png, \n");
    assertThatThrownBy(() -> LabelledFolder.labels(dir))
        .hasMessageContaining(dir.resolve("labels.csv") + ":3: no label in 'b.png'");
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,3\nc.png, \n");
    assertThatThrownBy(() -> LabelledFolder.labels(dir))
        .hasMessageContaining(dir.resolve("labels.csv") + ":3: no label");
  }

  /** The default bundle with its class names replaced (its folder is the default bundle's; only the names count). */
  private static ModelBundle withLabels(String... labels) throws Exception {
    ModelBundle b = ModelBundle.load(TestData.defaultBundle());
    ModelManifest m = b.manifest();
    return new ModelBundle(b.directory(), new ModelManifest(m.name(), m.version(), m.description(), m.modelFile(),
        m.input(), m.outputs(), List.of(labels)));
  }
}
