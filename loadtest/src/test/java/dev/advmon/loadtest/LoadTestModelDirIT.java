package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./loadtest/run --embedded} as its own JVM (loadtest.jar) with a model.dir from the environment that is not
 * there.
 */
class LoadTestModelDirIT {

  private static final Path HOME = Path.of(System.getProperty("advmon.home", "..")).toAbsolutePath().normalize();

  /**
   * {@code ADVMON_MODEL_DIR=my-bundle}: the load tester started its in-process broker, then failed when its first
   * monitor instance loaded the bundle. Now it stops before the broker, as {@code ./monitor demo} does, in the words of
   * every command of the monitor: the value, that it came from the environment, what a relative one resolves against.
   */
  @Test
  void aMissingModelDirIsNamedBeforeTheBrokerStarts(@TempDir Path dir) throws Exception {
    Path stderr = dir.resolve("stderr.txt");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dadvmon.home=" + HOME, "-Dai.djl.offline=true", "-Djava.awt.headless=true", "-jar",
        HOME.resolve("loadtest/target/loadtest.jar").toString(), "--embedded", "--duration", "1",
        "--report", dir.resolve("report").toString())
        .directory(dir.toFile()).redirectOutput(dir.resolve("stdout.txt").toFile()).redirectError(stderr.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ADVMON_"));
    pb.environment().put("ADVMON_MODEL_DIR", "my-bundle");
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the load tester ends").isTrue();

    String err = Files.readString(stderr);
    assertThat(p.exitValue()).as(err).isNotZero();
    assertThat(err).contains(HOME.resolve("my-bundle") + ": model bundle folder not found")
        .contains("model.dir = 'my-bundle' (from environment ADVMON_MODEL_DIR)")
        .contains("relative to the monitor's home " + HOME)
        .doesNotContain("starting the embedded monitor");
  }
}
