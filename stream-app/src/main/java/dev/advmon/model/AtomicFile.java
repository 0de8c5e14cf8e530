package dev.advmon.model;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file so that a reader sees the old content or the new, never a part: into a temporary file beside it,
 * then renamed over it. A bundle's calibration.json is read by every monitor that starts, possibly from a shared
 * volume while calibrate rewrites it, and for a wide model it is hundreds of megabytes: written in place, a crash,
 * a Ctrl-C or a full disk mid-write would leave a truncated file that stops every later start-up.
 */
public final class AtomicFile {

  /** What writes the content; it may throw, and then the target keeps its old content. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  private AtomicFile() {}

  public static void write(Path target, Content content) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path partial = Files.createTempFile(dir, target.getFileName().toString(), ".partial");
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial))) {
        content.writeTo(out);
      }
      try {
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, out -> out.write(bytes));
  }
}
