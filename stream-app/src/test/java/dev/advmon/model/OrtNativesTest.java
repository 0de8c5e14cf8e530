package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtEnvironment;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ONNX Runtime's native libraries kept once in the cache folder, not in a new temp folder per process. */
class OrtNativesTest {

  private static final String CORE = System.mapLibraryName("onnxruntime");
  private static final String JNI = System.mapLibraryName("onnxruntime4j_jni");

  @TempDir
  Path cache;
  private String platform;

  @BeforeEach
  void platform() {
    platform = OrtNatives.platform();
    Assumptions.assumeTrue(platform != null, "a platform ONNX Runtime's jar has natives for");
  }

  @Test
  void copiesTheJarsLibrariesOnceIntoAFolderNamedByVersionAndPlatformAndReusesThem() throws Exception {
    Path first = OrtNatives.extract(cache, platform);
    assertThat(first.getParent()).isEqualTo(cache);
    assertThat(first.getFileName().toString()).matches("onnxruntime-"
        + OrtEnvironment.class.getPackage().getImplementationVersion().replace(".", "\\.") + "-" + platform
        + "-[0-9a-f]{16}");
    assertThat(Files.readAllBytes(first.resolve(CORE))).isEqualTo(resource(CORE));
    assertThat(Files.readAllBytes(first.resolve(JNI))).isEqualTo(resource(JNI));
    Object identity = Files.readAttributes(first.resolve(CORE), BasicFileAttributes.class).fileKey();

    Path second = OrtNatives.extract(cache, platform);

    assertThat(second).isEqualTo(first);
    assertThat(Files.readAttributes(first.resolve(CORE), BasicFileAttributes.class).fileKey())
        .as("the second start reuses the copy (another process may have it mapped) rather than writing another")
        .isEqualTo(identity);
    assertThat(files()).containsExactlyInAnyOrder(first.resolve(CORE), first.resolve(JNI));
  }

  @Test
  void processesStartingSideBySideLeaveOneWholeCopyAndNoPartialFile() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Path>> all = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        all.add(pool.submit(() -> OrtNatives.extract(cache, platform)));
      }
      for (Future<Path> f : all) {
        assertThat(Files.readAllBytes(f.get().resolve(CORE))).isEqualTo(resource(CORE));
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(files()).extracting(p -> p.getFileName().toString()).containsExactlyInAnyOrder(CORE, JNI);
  }

  @Test
  void aTruncatedCopyInTheCacheIsReplacedByAWholeOne() throws Exception {
    Path dir = OrtNatives.extract(cache, platform);
    Files.write(dir.resolve(CORE), new byte[] {1, 2, 3});

    OrtNatives.extract(cache, platform);

    assertThat(Files.readAllBytes(dir.resolve(CORE))).isEqualTo(resource(CORE));
  }

  @Test
  void refusesAPlatformTheJarHasNoLibrariesForNamingIt() {
    assertThatThrownBy(() -> OrtNatives.extract(cache, "plan9-mips"))
        .isInstanceOf(IOException.class).hasMessageContaining("plan9-mips");
    assertThat(cache).isEmptyDirectory();
  }

  private byte[] resource(String file) throws IOException {
    try (InputStream in = OrtEnvironment.class.getResourceAsStream("/ai/onnxruntime/native/" + platform + "/" + file)) {
      return in.readAllBytes();
    }
  }

  private List<Path> files() throws IOException {
    try (Stream<Path> s = Files.walk(cache)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }
}
