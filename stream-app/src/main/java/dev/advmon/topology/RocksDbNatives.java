package dev.advmon.topology;

import dev.advmon.model.NativeLibraryCache;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads RocksDB's JNI library (the camera store's engine, 15 MB) from one shared, content-named copy in a cache
 * folder instead of a new temporary file per process. RocksDB's own loader writes {@code librocksdbjni*.so} into
 * {@code java.io.tmpdir} at every start and deletes it only at a normal exit, so every monitor stopped by SIGKILL or
 * the OOM killer left 15 MB behind (a crash-looping service fills /tmp). Here the library is extracted once per
 * RocksDB build into {@code <cache>/rocksdbjni-<sha256 prefix>/}, by an atomic rename, so monitors starting side by
 * side never see a half-written file, and every later start reuses it.
 *
 * <p>The cache is {@link NativeLibraryCache#root()} (shared with ONNX Runtime's natives). Where the library is already on {@code java.library.path} (the container image
 * ships it unpacked) or {@code ROCKSDB_SHAREDLIB_DIR} names a folder, RocksDB's own loader is used unchanged; so it is
 * when the cache cannot be written (a read-only home), with one log line saying why.
 */
public final class RocksDbNatives {

  /** The library inside the RocksDB jar, as RocksDB's own loader names it ({@code librocksdbjni-linux64.so}). */
  static final String RESOURCE = Environment.getJniLibraryFileName("rocksdb");
  /**
   * The file name {@link RocksDB#loadLibrary(List)} looks for in a folder: it asks for the JNI name of
   * "rocksdbjni", which comes out as {@code librocksdbjnijni-linux64.so} (RocksDB 10.1). Computed the same way, so
   * the copy is found; should a later RocksDB look for another name, loading falls back to the temp folder with a
   * log line, and RunCommandIT, which checks where the library was loaded from, fails.
   */
  static final String LOADED_NAME = Environment.getJniLibraryFileName("rocksdbjni");

  private static final Logger log = LoggerFactory.getLogger(RocksDbNatives.class);
  private static final Object LOCK = new Object();
  private static volatile boolean loaded;

  private RocksDbNatives() {}

  /**
   * Loads the library once per process; later calls return at once. Call before Kafka Streams opens a store (its
   * own {@code RocksDB.loadLibrary()} then finds the library loaded).
   */
  public static void load() {
    if (loaded) {
      return;
    }
    synchronized (LOCK) {
      if (loaded) {
        return;
      }
      Path cache = NativeLibraryCache.root();
      if (System.getenv("ROCKSDB_SHAREDLIB_DIR") != null || NativeLibraryCache.onLibraryPath(RESOURCE) || cache == null) {
        RocksDB.loadLibrary();
      } else {
        try {
          Path dir = extract(cache, RESOURCE, LOADED_NAME);
          RocksDB.loadLibrary(List.of(dir.toString()));
          log.debug("RocksDB's native library loaded from {}", dir.resolve(LOADED_NAME));
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
          log.info("cannot keep RocksDB's native library in {} ({}); RocksDB extracts it into java.io.tmpdir instead,"
              + " where a killed process leaves it: make that folder writable or set -D{}=DIR", cache, e,
              NativeLibraryCache.CACHE_PROPERTY);
          RocksDB.loadLibrary();
        }
      }
      loaded = true;
    }
  }

  /**
   * The folder holding the class path's {@code resource} as {@code file}, made under {@code cache} if absent: named
   * by the library's own digest, so a new RocksDB build gets a new folder and an existing copy is never rewritten.
   */
  static Path extract(Path cache, String resource, String file) throws IOException {
    byte[] bytes;
    try (InputStream in = RocksDB.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("the RocksDB jar has no " + resource + " for this platform");
      }
      bytes = in.readAllBytes();
    }
    Path dir = cache.resolve("rocksdbjni-" + NativeLibraryCache.digest(bytes));
    NativeLibraryCache.keep(dir.resolve(file), bytes.length, out -> out.write(bytes));
    return dir;
  }
}
