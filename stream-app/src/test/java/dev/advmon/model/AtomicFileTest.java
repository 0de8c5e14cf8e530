package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {

  @TempDir Path dir;

  @Test
  void aWriteThatFailsHalfwayLeavesTheOldFileWholeAndNoLeftovers() throws IOException {
    Path target = dir.resolve("calibration.json");
    Files.writeString(target, "{\"old\": true}\n");

    assertThatThrownBy(() -> AtomicFile.write(target, out -> {
      out.write("{\"new\": [1, 2,".getBytes(StandardCharsets.UTF_8));
      out.flush();
      throw new IOException("No space left on device");
    })).isInstanceOf(IOException.class).hasMessage("No space left on device");

    assertThat(Files.readString(target)).isEqualTo("{\"old\": true}\n");
    assertThat(filesIn(dir)).containsExactly("calibration.json");
  }

  @Test
  void aWriteThatSucceedsReplacesTheFileWhole() throws IOException {
    Path target = dir.resolve("sub").resolve("manifest.csv");
    AtomicFile.write(target, "a,b\n".getBytes(StandardCharsets.UTF_8));
    AtomicFile.write(target, "c,d\n".getBytes(StandardCharsets.UTF_8));

    assertThat(Files.readString(target)).isEqualTo("c,d\n");
    assertThat(filesIn(target.getParent())).containsExactly("manifest.csv");
  }

  @Test
  void theFileGetsThePermissionsAPlainWriteGivesNotThoseOfATemporaryFile() throws IOException {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
    // what Files.write gives a new file here (the process's umask): calibrate's output is read by monitors that may
    // run as another user, from a shared volume; a temporary file is created owner-only (rw-------)
    Path plain = dir.resolve("plain.json");
    Files.writeString(plain, "{}\n");
    Path target = dir.resolve("calibration.json");
    AtomicFile.write(target, "{}\n".getBytes(StandardCharsets.UTF_8));
    assertThat(Files.getPosixFilePermissions(target)).isEqualTo(Files.getPosixFilePermissions(plain));

    // an existing file keeps its permissions, as when it was written in place
    Set<PosixFilePermission> shared = PosixFilePermissions.fromString("rw-rw-r--");
    Files.setPosixFilePermissions(target, shared);
    AtomicFile.write(target, "{\"new\": true}\n".getBytes(StandardCharsets.UTF_8));
    assertThat(Files.getPosixFilePermissions(target)).isEqualTo(shared);
  }

  private static Stream<String> filesIn(Path folder) throws IOException {
    try (Stream<Path> s = Files.list(folder)) {
      return s.map(p -> p.getFileName().toString()).toList().stream();
    }
  }
}
