package dev.advmon.evaluation;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

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
}
