package dev.advmon.model;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file so that a reader sees the old content or the new, never a part: into a temporary file beside it,
 * then renamed over it. A bundle's calibration.json is read by every monitor that starts, possibly from a shared
 * volume while calibrate rewrites it, and for a wide model it is hundreds of megabytes: written in place, a crash,
 * a Ctrl-C or a full disk mid-write would leave a truncated file that stops every later start-up. The data is
 * forced to disk before the rename, and the partial file is removed on failure, on Ctrl-C or SIGTERM (a shutdown
 * hook), and, when its writer was killed outright, by a later write a day on.
 */
public final class AtomicFile {

  /** What writes the content; it may throw, and then the target keeps its old content. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  private AtomicFile() {}

  /** A partial file this old was left by a writer that died (kill -9, power loss): no write takes a day. */
  static final java.time.Duration ABANDONED_AFTER = java.time.Duration.ofDays(1);

  public static void write(Path target, Content content) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    removeAbandoned(dir, target.getFileName().toString());
    // Not Files.createTempFile: it makes the file owner-only (rw-------), and the rename would hand that to the
    // target, which monitors running as another user (a shared volume) must read. Created as Files.write creates a
    // file (the umask decides); an existing target's permissions are kept, as a write in place kept them.
    Path partial = dir.resolve(target.getFileName() + "."
        + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36) + PARTIAL);
    // Ctrl-C or SIGTERM mid-write (calibrate writing hundreds of megabytes) runs the shutdown hooks, not this
    // method's finally: without the hook, every interrupted calibrate left its partial file behind
    Thread cleanup = new Thread(() -> deleteQuietly(partial), "atomic-file-cleanup");
    boolean hooked = addHook(cleanup);
    try {
      try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
          OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel))) {
        content.writeTo(out);
        out.flush();
        // on disk before the rename: else a power loss soon after can leave the new name on an empty or partly
        // written file (ext4 and XFS may commit the rename before the data), the very truncation this class avoids
        channel.force(true);
      }
      keepPermissions(target, partial);
      try {
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
      }
      forceDirectory(dir);
    } finally {
      Files.deleteIfExists(partial);
      if (hooked) {
        removeHook(cleanup);
      }
    }
  }

  private static final String PARTIAL = ".partial";

  /** Deletes {@code name}'s partial files older than {@link #ABANDONED_AFTER}: a writer that died left them. */
  private static void removeAbandoned(Path dir, String name) {
    long before = System.currentTimeMillis() - ABANDONED_AFTER.toMillis();
    try (DirectoryStream<Path> partials = Files.newDirectoryStream(dir,
        p -> isPartialOf(p.getFileName().toString(), name))) {
      for (Path p : partials) {
        if (Files.getLastModifiedTime(p).toMillis() < before) {
          deleteQuietly(p);
        }
      }
    } catch (IOException | java.nio.file.DirectoryIteratorException e) {
      // a clean-up only: the write itself does not depend on it
    }
  }

  /** {@code <name>.<random>.partial}, as {@link #write} names them. */
  static boolean isPartialOf(String file, String name) {
    return file.startsWith(name + ".") && file.endsWith(PARTIAL)
        && file.substring(name.length() + 1, file.length() - PARTIAL.length()).matches("[0-9a-z]{1,13}");
  }

  /** The rename made durable too; a file system that cannot sync a directory (some network ones) is left as is. */
  private static void forceDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not supported here: the data itself is on disk already
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // nothing more to do: at worst a partial file stays until the next write sweeps it
    }
  }

  private static boolean addHook(Thread hook) {
    try {
      Runtime.getRuntime().addShutdownHook(hook);
      return true;
    } catch (IllegalStateException shuttingDown) {
      return false; // written from a shutdown hook itself: the finally below still deletes the partial file
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs, or ran: it only deletes a file that is gone already
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
