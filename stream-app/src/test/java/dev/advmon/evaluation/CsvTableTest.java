package dev.advmon.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTableTest {

  /**
   * README's commands are written from the repository's root: `./monitor evaluate models/fixtures` run from another
   * folder said only "models/fixtures/manifest.csv not found", though the folder is there, under the monitor's home.
   * The error names where it looked, and that a relative path is read from the working folder.
   */
  @Test
  void aRelativePathThatIsNotThereIsNamedAsItWasLookedFor() {
    Path relative = Path.of("no-such-fixtures", "manifest.csv");
    assertThatThrownBy(() -> CsvTable.read(relative)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("looked for " + relative.toAbsolutePath())
        .hasMessageContaining("a relative path is read from the working folder");
  }

  /**
   * "(made by models/recipe)" named nothing to a user running the monitor from another folder: the recipe is named by
   * its path in the monitor's folder, as the other messages name project files (ModelDocs).
   */
  @Test
  void aMissingTableNamesTheRecipeByItsPathWhereverTheUserIs(@TempDir Path dir) throws Exception {
    String before = System.getProperty("advmon.home");
    System.setProperty("advmon.home", TestData.repoRoot().toString());
    try {
      String recipe = TestData.repoRoot().resolve("models/recipe").toString();
      assertThatThrownBy(() -> CsvTable.read(dir.resolve("labels.csv"))).hasMessageContaining("labels.csv not found")
          .hasMessageContaining(recipe);
      Files.writeString(dir.resolve("set"), "not a folder");
      assertThatThrownBy(() -> CsvTable.read(dir.resolve("set").resolve("manifest.csv")))
          .hasMessageContaining("is a file").hasMessageContaining(recipe);
    } finally {
      if (before == null) {
        System.clearProperty("advmon.home");
      } else {
        System.setProperty("advmon.home", before);
      }
    }
  }

  /**
   * A manifest row whose file or class name holds a quoted comma, as a spreadsheet or R's write.csv writes it, was
   * split at that comma: every later column moved one to the right, and true_label read a piece of the file name.
   * Manifests are read by the rule labels.csv is read by.
   */
  @Test
  void readsAManifestRowWhoseQuotedFileAndClassNamesHoldCommas(@TempDir Path dir) throws Exception {
    Path manifest = dir.resolve("manifest.csv");
    Files.writeString(manifest, "\"file\",\"kind\",\"true_label\"\n\"shirt, red.png\",fgsm,\"Shirt, plain\"\n"
        + "plain.png,pgd,3\n");
    CsvTable t = CsvTable.read(manifest);
    assertThat(t.size()).isEqualTo(2);
    assertThat(t.get(0, t.column("file"))).isEqualTo("shirt, red.png");
    assertThat(t.get(0, t.column("kind"))).isEqualTo("fgsm");
    assertThat(t.get(0, t.column("true_label"))).isEqualTo("Shirt, plain");
    assertThat(t.get(1, t.column("true_label"))).isEqualTo("3");
  }

  /** A quote that never closes was read as text; it is refused naming the file and line, as labels.csv's is. */
  @Test
  void refusesAManifestRowWhoseQuoteNeverClosesNamingItsLine(@TempDir Path dir) throws Exception {
    Path manifest = dir.resolve("manifest.csv");
    Files.writeString(manifest, "file,kind\na.png,fgsm\n\"b.png,pgd\n");
    assertThatThrownBy(() -> CsvTable.read(manifest)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(manifest + ":3:").hasMessageContaining("never closes");
  }

  /**
   * A quoted column name with a blank inside its quotes, {@code "file "}, was read as {@code file} (every header name
   * was trimmed); with fields keeping what is inside quotes, the column 'file' was missing. No column name holds
   * white space around it: it is dropped, as it was, for a manifest's header and for labels.csv's.
   */
  @Test
  void aQuotedColumnNameWithBlanksInsideItsQuotesIsStillFound(@TempDir Path dir) throws Exception {
    Path manifest = dir.resolve("manifest.csv");
    Files.writeString(manifest, "\"file \",\" kind\u00A0\"\na.png,fgsm\n");
    CsvTable t = CsvTable.read(manifest);
    assertThat(t.header()).containsExactly("file", "kind");
    assertThat(t.get(0, t.column("kind"))).isEqualTo("fgsm");
    Files.writeString(dir.resolve("labels.csv"), "\"file \",\" label\"\na.png,3\n");
    assertThat(LabelledFolder.labels(dir)).containsExactly(java.util.Map.entry("a.png", 3));
  }

  /** What the project writes reads back: a field with a comma, a quote or blanks around it is quoted. */
  @Test
  void aQuotedFieldReadsBackAsWritten() {
    for (String v : new String[] {"plain.png", "shirt, red.png", "the \"big\" cat", " padded ", "", "a,\"b\",c"}) {
      assertThat(CsvTable.fields(CsvTable.quote(v) + "," + CsvTable.quote(v))).as(v).containsExactly(v, v);
    }
    assertThat(CsvTable.quote("plain.png")).as("a field that needs none is written as it is").isEqualTo("plain.png");
  }
}
