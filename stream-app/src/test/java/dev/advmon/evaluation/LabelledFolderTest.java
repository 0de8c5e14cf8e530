package dev.advmon.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
   * The committed sets write a class's name beside its index (label_name), and a user's own labels.csv often holds
   * the name alone: it was refused with "write the class index (0 for the first of the labels in the bundle's
   * manifest.json)", leaving the user to count through the manifest. The column is an index (models/README.md); the
   * refusal now says which one to write, and lists the classes for a name the bundle does not have.
   */
  @Test
  void aClassNameWhereItsIndexBelongsIsRefusedWithTheIndexToWrite(@TempDir Path dir) throws Exception {
    dev.advmon.model.ModelBundle bundle = dev.advmon.model.ModelBundle.load(dev.advmon.testing.TestData.defaultBundle());
    Path manifest = bundle.directory().resolve("manifest.json");
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,3\nb.png,coat\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LabelledFolder.labels(dir, bundle))
        .hasMessageContaining(dir.resolve("labels.csv") + ":3")
        .hasMessageContaining("'coat' is a class name, and the column takes its index: write 4 (Coat is label 4 of "
            + manifest + ", counted from 0)");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LabelledFolder.labelsOf(
        java.util.List.of(dir.resolve("a.png"), dir.resolve("b.png")), bundle)).hasMessageContaining("write 4");
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,Jacket\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LabelledFolder.labels(dir, bundle))
        .hasMessageContaining("write the class index, a whole number, counted from 0 in the labels of " + manifest
            + ": 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot");
  }
}
