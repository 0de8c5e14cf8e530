package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which ONNX Runtime a model that cannot load is said to need operators of. */
class OnnxRuntimeVersionTest {

  /** A class with nothing to load but itself, to be loaded again from a folder. */
  public static final class Probe {}

  /**
   * The container images put ONNX Runtime's classes on the classpath as a folder (deploy/pom.xml unpacks the jar
   * without its natives, META-INF/MANIFEST.MF included), and classes from a folder get no manifest attributes: the
   * images, the GPU one included, said "this ONNX Runtime" where the jar's version was meant to be named.
   */
  @Test
  void theVersionIsReadFromTheManifestOfAFolderOnTheClasspathToo(@TempDir Path dir) throws Exception {
    String name = Probe.class.getName().replace('.', '/') + ".class";
    Path classFile = Files.createDirectories(dir.resolve(name).getParent()).resolve(dir.resolve(name).getFileName());
    try (InputStream in = Probe.class.getClassLoader().getResourceAsStream(name)) {
      Files.copy(in, classFile);
    }
    Files.createDirectories(dir.resolve("META-INF"));
    Files.writeString(dir.resolve("META-INF/MANIFEST.MF"),
        "Manifest-Version: 1.0\nImplementation-Title: onnxruntime\nImplementation-Version: 1.21.0\n\n");
    try (URLClassLoader folder = new URLClassLoader(new URL[] {dir.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
      Class<?> fromFolder = folder.loadClass(Probe.class.getName());
      assertThat(fromFolder.getClassLoader()).isSameAs(folder);
      assertThat(DjlClassifier.versionOf(fromFolder)).isEqualTo("1.21.0");
    }
    // a folder without a manifest gives none, and the jar's own is read as before
    assertThat(DjlClassifier.versionOf(Probe.class)).isNull();
    assertThat(DjlClassifier.versionOf(ai.onnxruntime.OrtEnvironment.class)).isEqualTo("1.21.1");
  }
}
