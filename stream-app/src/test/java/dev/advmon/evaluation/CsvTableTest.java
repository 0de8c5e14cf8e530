package dev.advmon.evaluation;

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
}
