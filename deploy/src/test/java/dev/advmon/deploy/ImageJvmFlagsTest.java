package dev.advmon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The JVM flags of the container image's entrypoint (deploy/pom.xml, Jib's container.entrypoint) keep the monitor's
 * own handling of hostile frames: a frame whose decoding does not fit in the heap (a small PNG declaring millions
 * of pixels, within image.max-pixels) is refused as IMAGE_TOO_LARGE and dead-lettered (ImageIoReader catches the
 * decoder's OutOfMemoryError), not a dead JVM. With -XX:+ExitOnOutOfMemoryError the JVM exits at the throw, before
 * any catch: the uncommitted frame (exactly-once) comes back after the restart, and kills the pod again, then each
 * instance its partition moves to.
 */
class ImageJvmFlagsTest {

  /** The -XX: flags of the image's entrypoint, in order. */
  private static List<String> imageFlags;
  /** Every argument of the image's entrypoint, in order. */
  private static List<String> entrypoint;

  @BeforeAll
  static void readEntrypoint() throws Exception {
    var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(Kustomize.repoRoot().resolve("deploy/pom.xml").toFile());
    NodeList entrypoints = pom.getElementsByTagName("entrypoint");
    assertThat(entrypoints.getLength()).as("one Jib entrypoint in deploy/pom.xml").isEqualTo(1);
    NodeList args = ((Element) entrypoints.item(0)).getElementsByTagName("arg");
    imageFlags = new ArrayList<>();
    entrypoint = new ArrayList<>();
    for (int i = 0; i < args.getLength(); i++) {
      String a = args.item(i).getTextContent().trim();
      entrypoint.add(a);
      if (a.startsWith("-XX:")) {
        imageFlags.add(a);
      }
    }
    assertThat(imageFlags).as("the entrypoint sizes the heap from the container's limit")
        .anyMatch(f -> f.startsWith("-XX:MaxRAMPercentage="));
  }

  /** A PNG of 4000 x 4000 RGBA pixels, all zero: 60 KB on the wire, 64 MB once decoded. */
  private static Path bomb(Path dir) throws Exception {
    Path png = dir.resolve("bomb.png");
    ImageIO.write(new BufferedImage(4000, 4000, BufferedImage.TYPE_4BYTE_ABGR), "png", png.toFile());
    assertThat(Files.size(png)).as("well within image.max-encoded-bytes").isLessThan(1 << 20);
    return png;
  }

  /** Decodes {@code png} in a JVM with {@code flags} and a 48 MB heap; its output, or why it died. */
  private static String decodeIn(List<String> flags, Path png) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(flags);
    command.add("-Xmx48m"); // an explicit heap size wins over MaxRAMPercentage: the decode cannot fit
    command.add("-Djava.awt.headless=true");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(DecodeOneFrame.class.getName());
    command.add(png.toString());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String text = new String(out, StandardCharsets.UTF_8);
    return p.exitValue() == 0 ? text : "exit " + p.exitValue() + ": " + text;
  }

  @Test
  void theTestFrameIsRefusedAsTooLargeInAPlainJvm(@TempDir Path dir) throws Exception {
    // the control: what the monitor does with this frame when nothing ends the JVM first
    assertThat(decodeIn(List.of(), bomb(dir))).startsWith("rejected IMAGE_TOO_LARGE");
  }

  @Test
  void theImagesJvmRefusesAFrameWhoseDecodingDoesNotFitInsteadOfExiting(@TempDir Path dir) throws Exception {
    assertThat(decodeIn(imageFlags, bomb(dir))).as("decoding with the image's flags " + imageFlags)
        .startsWith("rejected IMAGE_TOO_LARGE");
  }

  /**
   * The image runs Java 25 (image.jdk), which prints plain-text warnings on stderr, outside the JSON log the k8s base
   * asks for, at a native library load (ONNX Runtime, RocksDB) unless native access is enabled, and at the first
   * sun.misc.Unsafe memory access (lz4-java's fast path for lz4-compressed frames, Kafka's own) unless it is allowed:
   * the same two flags as ./monitor passes from Java 23 on.
   */
  @Test
  void theImagesJvmIsToldNotToWarnInPlainTextAboutNativeAccessOrUnsafe() throws Exception {
    var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(Kustomize.repoRoot().resolve("deploy/pom.xml").toFile());
    String jdk = pom.getElementsByTagName("image.jdk").item(0).getTextContent().trim();
    assertThat(jdk).as("the image's JDK, a Java that knows both flags").contains("-25-");
    assertThat(entrypoint).contains("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");
    assertThat(entrypoint.indexOf("--sun-misc-unsafe-memory-access=allow"))
        .as("a JVM flag, before the class path and main class").isLessThan(entrypoint.indexOf("-cp"));
  }
  /**
   * The base of the image is a runtime made from the JDK at -Dimage.jdk; the entrypoint's
   * --sun-misc-unsafe-memory-access=allow makes any Java before 23 refuse to start ("Unrecognized option"), so a
   * base made from Java 17 gave an image whose every pod crash-looped. build-base.sh refuses such a JDK by name.
   */
  @Test
  void theImagesBaseRefusesAJdkTooOldForTheEntrypointsFlags(@TempDir Path dir) throws Exception {
    Path jdk = dir.resolve("jdk-17");
    Files.createDirectories(jdk.resolve("bin"));
    Path jlink = Files.writeString(jdk.resolve("bin/jlink"), "#!/bin/sh\nexit 0\n");
    assertThat(jlink.toFile().setExecutable(true)).isTrue();
    Files.writeString(jdk.resolve("release"), "IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_VERSION=\"17.0.13\"\n");
    Process p = new ProcessBuilder("bash", Kustomize.repoRoot().resolve("deploy/src/image/build-base.sh").toString(),
        jdk.toString(), dir.resolve("out").toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("build-base.sh with a Java 17 JDK: %s", out).isEqualTo(1);
    assertThat(out).contains("is Java 17", "--sun-misc-unsafe-memory-access=allow", "-Dimage.jdk=<a JDK 23+ home>");
    assertThat(dir.resolve("out")).as("nothing built").doesNotExist();
  }
}
