package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to the packaged tester as it starts building its embedded broker (sent when it says it is starting the
 * embedded monitor): the JVM's shutdown made Kafka's metrics fail to add their own shutdown hook, and the tester ended
 * with an ExceptionInInitializerError's stack trace, no report, and the broker's folder left in the temp folder. It
 * must end as a signal later on does: the INTERRUPTED report, nothing left behind, exit status 143.
 */
class BrokerStartInterruptIT {

  @TempDir
  Path dir;

  @Test
  void sigtermWhileTheEmbeddedBrokerIsBuiltWritesTheInterruptedReportAndExits143() throws Exception {
    Path tmp = Files.createDirectories(dir.resolve("tmp")); // the tester's java.io.tmpdir: what it leaves is visible
    Path report = dir.resolve("report");
    Path home = Path.of(System.getProperty("advmon.home"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-Djava.io.tmpdir=" + tmp, "-Dadvmon.home=" + home, "-Dai.djl.offline=true",
        "-Djava.awt.headless=true", "-jar", home.resolve("loadtest/target/loadtest.jar").toString(), "--embedded",
        "--rate", "20", "--duration", "10", "--warmup", "2", "--cameras", "2", "--report", report.toString())
        .redirectOutput(dir.resolve("stdout.txt").toFile()).start();
    CountDownLatch starting = new CountDownLatch(1);
    StringBuilder err = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (err) {
            err.append(line).append('\n');
          }
          if (line.contains("starting the embedded monitor")) {
            starting.countDown(); // printed just before the broker is built
          }
        }
      } catch (java.io.IOException e) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      assertThat(starting.await(120, TimeUnit.SECONDS)).as("starting; stderr:%n%s", err).isTrue();
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("stopped; stderr:%n%s", err).isTrue();
    } finally {
      p.destroyForcibly();
    }
    reader.join(10_000);
    String printed = Files.readString(dir.resolve("stdout.txt"));
    String stderr;
    synchronized (err) {
      stderr = err.toString();
    }
    assertThat(p.exitValue()).as("exit status; stdout:%n%s%nstderr:%n%s", printed, stderr).isEqualTo(143);
    assertThat(stderr).doesNotContain("Exception in thread").doesNotContain("\tat ");
    assertThat(printed).contains("INTERRUPTED");
    JsonNode json = new ObjectMapper().readTree(report.resolve(Report.JSON_FILE).toFile());
    assertThat(json.path("interrupted").asBoolean()).isTrue();
    assertThat(json.path("interrupted_during").asText()).startsWith("starting the embedded monitor");
    try (Stream<Path> left = Files.list(tmp)) {
      List<String> names = left.map(f -> f.getFileName().toString()).toList();
      assertThat(names).as("the broker's log folders are removed").noneMatch(n -> n.startsWith("advmon-demo-kafka-"));
      assertThat(names).as("the monitors' state folders are removed").noneMatch(n -> n.startsWith("advmon-loadtest-state-"));
    }
  }
}
