package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.testing.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM's own warnings go to stderr as plain text, outside logback, where a log pipeline reading JSON lines drops
 * them. The launcher (./monitor, on the packaged jar) passes the flags that keep the ones the monitor triggers away.
 */
class LauncherJvmWarningsIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Java 22 and later warn that ONNX Runtime's System.load is a restricted method ("WARNING: A restricted method in
   * java.lang.System has been called", four lines) at the first model load, unless native access is enabled. Run on
   * the test's Java and on every JDK 23 or later found under /usr/lib/jvm (skipped where there is none).
   */
  @Test
  void scoringThroughTheLauncherInJsonModeWritesOnlyJsonLinesOnEveryJava(@TempDir Path dir) throws Exception {
    Path image;
    try (Stream<Path> s = Files.walk(TestData.repoRoot().resolve("models/eval/fashion-mnist-test"))) {
      image = s.filter(p -> p.toString().endsWith(".png")).findFirst().orElseThrow();
    }
    List<Path> homes = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"))));
    homes.addAll(newerJdks());
    for (Path javaHome : homes) {
      Path stdout = dir.resolve("stdout.txt");
      Path stderr = dir.resolve("stderr.txt");
      ProcessBuilder pb = new ProcessBuilder(TestData.repoRoot().resolve("monitor").toString(), "score",
          image.toString()).directory(dir.toFile()).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("ADVMON_"));
      pb.environment().put("ADVMON_LOG_FORMAT", "json");
      pb.environment().put("JAVA_HOME", javaHome.toString());
      Process p = pb.start();
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s: score ends", javaHome).isTrue();

      assertThat(p.exitValue()).as("%s: %s", javaHome, Files.readString(stderr)).isZero();
      assertThat(Files.readString(stdout)).as("%s: the verdict on stdout", javaHome).contains("\"predicted_label\"");
      List<String> lines = Files.readAllLines(stderr, StandardCharsets.UTF_8);
      assertThat(lines).as("%s: the log", javaHome).isNotEmpty();
      for (String line : lines) {
        assertThat(isJsonObject(line)).as("%s: stderr line is not JSON: %s", javaHome, line).isTrue();
      }
    }
    Assumptions.assumeTrue(homes.size() > 1, "no JDK 23 or later under /usr/lib/jvm: checked on "
        + System.getProperty("java.version") + " only");
  }

  private static boolean isJsonObject(String line) {
    try {
      return JSON.readTree(line).isObject();
    } catch (IOException e) {
      return false;
    }
  }

  /** JDKs of feature version 23 or later under /usr/lib/jvm (their {@code release} file says which). */
  private static List<Path> newerJdks() throws IOException {
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return List.of();
    }
    List<Path> found = new ArrayList<>();
    try (Stream<Path> s = Files.list(jvms)) {
      for (Path home : s.sorted().toList()) {
        Path release = home.resolve("release");
        if (Files.isRegularFile(release) && Files.isExecutable(home.resolve("bin/java"))) {
          java.util.regex.Matcher m = java.util.regex.Pattern.compile("JAVA_VERSION=\"(\\d+)")
              .matcher(Files.readString(release));
          if (m.find() && Integer.parseInt(m.group(1)) >= 23) {
            found.add(home);
          }
        }
      }
    }
    return found;
  }
}
