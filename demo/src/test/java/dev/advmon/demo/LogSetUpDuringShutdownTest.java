package dev.advmon.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Ctrl-C or SIGTERM while the demo's (or the load tester's) broker is built: Log4j, which comes with the broker, was
 * then set up during the JVM's shutdown and printed "ERROR Cannot start ShutdownCallbackRegistry, already shutting
 * down" beside the demo's own "stopped (signal received)". The demo's {@code log4j2.component.properties} turns Log4j's
 * shutdown hook off. The case is made certain here: a JVM with the demo's class path sets Log4j up in a shutdown hook.
 */
class LogSetUpDuringShutdownTest {

  @TempDir
  Path dir;

  @Test
  void log4jSetUpWhileTheJvmShutsDownPrintsNothingOnStderr() throws IOException, InterruptedException {
    Path out = dir.resolve("out");
    Path err = dir.resolve("err");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
        SetsUpLog4jDuringShutdown.class.getName()))
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(child.waitFor(2, TimeUnit.MINUTES)).as("the child JVM ends").isTrue();

    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    assertThat(child.exitValue()).as("exit status; stderr:%n%s", stderr).isZero();
    assertThat(Files.readString(out, StandardCharsets.UTF_8)).contains("exiting");
    assertThat(stderr).doesNotContain("ShutdownCallbackRegistry").doesNotContain("ERROR");
  }
}
