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
}
