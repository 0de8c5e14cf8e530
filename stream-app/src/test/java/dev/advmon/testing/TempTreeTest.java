package dev.advmon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TempTreeTest {

  @Test
  void removesAScratchFolderWithEverythingUnderIt() throws Exception {
    Path root = Files.createTempDirectory("advmon-temptree-");
    Files.createDirectories(root.resolve("state/0_1/rocksdb"));
    Files.writeString(root.resolve("state/0_1/rocksdb/LOG"), "x");
    Files.writeString(root.resolve("top.txt"), "y");

    assertThat(TempTree.delete(root)).isZero();
    assertThat(root).doesNotExist();
  }

  @Test
  void aMissingFolderIsNothingToDo() {
    assertThat(TempTree.delete(Path.of("/nonexistent/advmon-temptree"))).isZero();
    assertThat(TempTree.delete(null)).isZero();
  }
}
