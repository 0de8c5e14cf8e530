package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.advmon.testing.Await;
import dev.advmon.testing.ChildProcess;
import dev.advmon.testing.TestData;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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

  /**
   * A Ctrl-C or SIGTERM during calibrate (hundreds of megabytes for a wide model) left its partial file beside the
   * bundle, one more at every interruption: the method's finally does not run when the JVM exits.
   */
  @Test
  void aWriterStoppedBySigtermMidWriteLeavesNoPartialFile() throws Exception {
    Path target = dir.resolve("calibration.json");
    Files.writeString(target, "{\"old\": true}\n");
    Path log = dir.resolve("child.log");
    String classpath = TestData.repoRoot().resolve("stream-app/target/classes") + File.pathSeparator
        + TestData.repoRoot().resolve("stream-app/target/test-classes");
    Process p = new ProcessBuilder(List.of(ChildProcess.java(), "-cp", classpath, SlowWriter.class.getName(),
        target.toString())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertThat(Await.until(() -> logSays(log, "WRITING"), Duration.ofSeconds(60)))
          .as("the child writes its partial file").isTrue();
      assertThat(filesIn(dir).filter(f -> f.endsWith(".partial")).count()).as("the precondition: a partial file")
          .isEqualTo(1);

      p.destroy(); // SIGTERM, as Ctrl-C or a pod's stop
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the child ends").isTrue();
    } finally {
      p.destroyForcibly();
    }

    assertThat(filesIn(dir)).as(Files.readString(log)).containsExactlyInAnyOrder("calibration.json", "child.log");
    assertThat(Files.readString(target)).isEqualTo("{\"old\": true}\n");
  }

  private static boolean logSays(Path log, String text) {
    try {
      return Files.exists(log) && Files.readString(log).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  /** The child: writes a little to {@code args[0]}, says so, then waits to be stopped. */
  static final class SlowWriter {
    public static void main(String[] args) throws Exception {
      AtomicFile.write(Path.of(args[0]), out -> {
        out.write("{\"new\": [".getBytes(StandardCharsets.UTF_8));
        out.flush();
        System.out.println("WRITING");
        System.out.flush();
        try {
          Thread.sleep(120_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }
  }

  @Test
  void aPartialFileLeftByAWriterKilledADayAgoIsRemovedByTheNextWrite() throws IOException {
    Path target = dir.resolve("calibration.json");
    Path abandoned = Files.writeString(dir.resolve("calibration.json.k3x9q2.partial"), "{\"half");
    Files.setLastModifiedTime(abandoned, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
    Path writing = Files.writeString(dir.resolve("calibration.json.7hq2m.partial"), "{\"another writer, now");
    Path others = Files.writeString(dir.resolve("manifest.csv.k3x9q2.partial"), "a,");
    Files.setLastModifiedTime(others, FileTime.from(Instant.now().minus(Duration.ofDays(2))));

    AtomicFile.write(target, "{}\n".getBytes(StandardCharsets.UTF_8));

    assertThat(filesIn(dir)).containsExactlyInAnyOrder("calibration.json", writing.getFileName().toString(),
        others.getFileName().toString());
  }

  private static Stream<String> filesIn(Path folder) throws IOException {
    try (Stream<Path> s = Files.list(folder)) {
      return s.map(p -> p.getFileName().toString()).toList().stream();
    }
  }
}
