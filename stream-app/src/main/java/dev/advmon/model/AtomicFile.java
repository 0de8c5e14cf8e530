package dev.advmon.model;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

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
    // Not Files.createTempFile: it makes the file owner-only (rw-------), and the rename would hand that to the
    // target, which monitors running as another user (a shared volume) must read. Created as Files.write creates a
    // file (the umask decides); an existing target's permissions are kept, as a write in place kept them.
    Path partial = dir.resolve(target.getFileName() + "."
        + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36) + ".partial");
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE))) {
        content.writeTo(out);
      }
      keepPermissions(target, partial);
      try {
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  private static void keepPermissions(Path target, Path partial) throws IOException {
    if (!Files.exists(target) || !target.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      return;
    }
    try {
      Files.setPosixFilePermissions(partial, Files.getPosixFilePermissions(target));
    } catch (java.nio.file.NoSuchFileException gone) {
      // removed meanwhile: the new file keeps what it was created with
    }
  }

  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, out -> out.write(bytes));
  }
}
