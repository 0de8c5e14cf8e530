package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.model.NativeLibraryCache;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDB;

/** RocksDB's native library kept once in a cache folder, not once more in the temp folder per process. */
class RocksDbNativesTest {

  private static final String RESOURCE = RocksDbNatives.RESOURCE;
  private static final String FILE = RocksDbNatives.LOADED_NAME;

  @TempDir
  Path cache;

  @Test
  void extractsTheLibraryOnceIntoAFolderNamedByItsContentAndReusesItUnchanged() throws Exception {
    Path first = RocksDbNatives.extract(cache, RESOURCE, FILE);
    Path file = first.resolve(FILE);
    assertThat(first.getParent()).isEqualTo(cache);
    assertThat(first.getFileName().toString()).matches("rocksdbjni-[0-9a-f]{16}");
    assertThat(Files.readAllBytes(file)).isEqualTo(resource());
    Object identity = Files.readAttributes(file, BasicFileAttributes.class).fileKey();

    Path second = RocksDbNatives.extract(cache, RESOURCE, FILE);

    assertThat(second).isEqualTo(first);
    assertThat(Files.readAttributes(file, BasicFileAttributes.class).fileKey())
        .as("the second start reuses the file rather than writing another").isEqualTo(identity);
    assertThat(files()).containsExactly(file);
  }

  @Test
  void processesStartingSideBySideLeaveOneWholeCopyAndNoPartialFile() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Path>> all = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        all.add(pool.submit(() -> RocksDbNatives.extract(cache, RESOURCE, FILE)));
      }
      for (Future<Path> f : all) {
        assertThat(Files.readAllBytes(f.get().resolve(FILE))).isEqualTo(resource());
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(files()).hasSize(1).allMatch(p -> p.getFileName().toString().equals(FILE));
  }

  @Test
  void aTruncatedCopyInTheCacheIsReplacedByAWholeOne() throws Exception {
    Path dir = RocksDbNatives.extract(cache, RESOURCE, FILE);
    Files.write(dir.resolve(FILE), new byte[] {1, 2, 3});

    RocksDbNatives.extract(cache, RESOURCE, FILE);

    assertThat(Files.readAllBytes(dir.resolve(FILE))).isEqualTo(resource());
  }

  @Test
  void refusesALibraryNameTheJarDoesNotCarryNamingIt() {
    assertThatThrownBy(() -> RocksDbNatives.extract(cache, "librocksdbjni-nowhere.so", FILE))
        .isInstanceOf(IOException.class).hasMessageContaining("librocksdbjni-nowhere.so");
  }

  @Test
  void loadsTheLibraryFromTheCopyInTheCacheFolder() throws Exception {
    // RocksDB looks for LOADED_NAME in a folder: loading from the copy must work in this JVM (loaded already by
    // another test or not, loadLibrary(List) then returns at once; in a fresh JVM this is the monitor's path)
    RocksDB.loadLibrary(List.of(RocksDbNatives.extract(cache, RESOURCE, FILE).toString()));
    assertThat(RocksDB.rocksdbVersion()).isNotNull();
  }

  @Test
  void theCacheFolderIsTheSystemPropertyWhenSet() {
    String before = System.getProperty(NativeLibraryCache.CACHE_PROPERTY);
    System.setProperty(NativeLibraryCache.CACHE_PROPERTY, cache.toString());
    try {
      assertThat(NativeLibraryCache.root()).isEqualTo(cache);
    } finally {
      if (before == null) {
        System.clearProperty(NativeLibraryCache.CACHE_PROPERTY);
      } else {
        System.setProperty(NativeLibraryCache.CACHE_PROPERTY, before);
      }
    }
  }

  private static byte[] resource() throws IOException {
    try (InputStream in = RocksDB.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      return in.readAllBytes();
    }
  }

  private List<Path> files() throws IOException {
    try (Stream<Path> s = Files.walk(cache)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }
}
