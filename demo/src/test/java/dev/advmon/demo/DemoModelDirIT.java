package dev.advmon.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./monitor demo} as its own JVM (demo.jar) with a model.dir from the environment that is not there. */
class DemoModelDirIT {

  private static final Path HOME = Path.of(System.getProperty("advmon.home", "..")).toAbsolutePath().normalize();

  /**
   * {@code ADVMON_MODEL_DIR=my-bundle}, run from the folder that holds my-bundle: the demo started its broker, then
   * failed naming only {@code <home>/my-bundle}, a folder the user never named. Now it stops before the broker, saying
   * the value, that it came from the environment and that a relative one resolves against the monitor's home, as the
   * monitor's own commands do.
   */
  @Test
  void aRelativeModelDirFromTheEnvironmentIsNamedBeforeTheBrokerStarts(@TempDir Path dir) throws Exception {
    Path stderr = dir.resolve("stderr.txt");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dadvmon.home=" + HOME, "-Dai.djl.offline=true", "-jar", HOME.resolve("demo/target/demo.jar").toString(),
        "demo", "--frames", "1", "--http-port", "0", "--no-dashboard")
        .directory(dir.toFile()).redirectOutput(dir.resolve("stdout.txt").toFile()).redirectError(stderr.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ADVMON_"));
    pb.environment().put("ADVMON_MODEL_DIR", "my-bundle");
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the demo ends").isTrue();

    String err = Files.readString(stderr);
    assertThat(p.exitValue()).as(err).isNotZero();
    assertThat(err).contains(HOME.resolve("my-bundle") + ": model bundle folder not found")
        .contains("model.dir = 'my-bundle' (from environment ADVMON_MODEL_DIR)")
        .contains("relative to the monitor's home " + HOME)
        .doesNotContain("starting Kafka").doesNotContain("\tat ");
  }
}
