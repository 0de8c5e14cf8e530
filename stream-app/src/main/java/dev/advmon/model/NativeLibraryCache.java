package dev.advmon.model;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The folder where the monitor keeps the native libraries that its jars carry (RocksDB's, ONNX Runtime's), one copy
 * per library build, instead of the new copy in {@code java.io.tmpdir} that each library's own loader writes at every
 * start and leaves behind when the process is killed (or, for ONNX Runtime, even at a normal exit). Copies are written
 * by {@link AtomicFile} (a temporary file renamed into place), so processes starting side by side never load a
 * half-written library; a copy already there is reused, never rewritten while another process has it mapped.
 *
 * <p>The folder is {@code -Dadvmon.native-cache=DIR}, else {@code $XDG_CACHE_HOME/advmon/natives}, else
 * {@code ~/.cache/advmon/natives}.
 */
public final class NativeLibraryCache {

  /** System property naming the cache folder. */
  public static final String CACHE_PROPERTY = "advmon.native-cache";

  private NativeLibraryCache() {}

  /** The cache folder, or null where none can be named (no home folder). */
  public static Path root() {
    String configured = System.getProperty(CACHE_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "advmon", "natives");
    }
    String home = System.getProperty("user.home");
    return home == null || home.isBlank() || "?".equals(home) ? null : Path.of(home, ".cache", "advmon", "natives");
  }

  /**
   * Makes {@code target} a whole copy of {@code content}, {@code size} bytes long: a file of that size there already
   * is kept (another process may have it loaded), anything else (absent, truncated by a full disk) is replaced by an
   * atomic rename. A negative size (unknown) always writes.
   */
  public static void keep(Path target, long size, AtomicFile.Content content) throws IOException {
    if (size >= 0 && Files.isRegularFile(target) && Files.size(target) == size) {
      return;
    }
    AtomicFile.write(target, content);
  }

  /** Whether {@code file} is in a folder of {@code java.library.path} (an image that ships the library unpacked). */
  public static boolean onLibraryPath(String file) {
    String path = System.getProperty("java.library.path", "");
    for (String entry : path.split(File.pathSeparator)) {
      if (!entry.isBlank() && Files.isRegularFile(Path.of(entry, file))) {
        return true;
      }
    }
    return false;
  }

  /** The first 16 hex digits of the SHA-256 of {@code bytes}: a folder name that changes with the library's build. */
  public static String digest(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java platform", e);
    }
  }
}
