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
 * A load test stopped by a signal, as an operator stops it: the packaged tester ({@code target/loadtest.jar}, what
 * {@code ./loadtest/run} runs) in a JVM of its own, sent SIGTERM while it measures its second ramp step. It must
 * write the report of the first step marked interrupted, remove its temp folders and exit 143 (128 + SIGTERM).
 * SIGTERM rather than SIGINT: a JVM started from a non-interactive shell in the background inherits SIGINT ignored,
 * and then never sees it; the tester handles both the same way.
 */
class LoadTestInterruptIT {

  @TempDir
  Path dir;

  @Test
  void sigtermWhileMeasuringWritesThePartialReportRemovesTempFoldersAndExits143() throws Exception {
    Path tmp = Files.createDirectories(dir.resolve("tmp")); // the tester's java.io.tmpdir: what it leaves is visible
    Path report = dir.resolve("report");
    Path home = Path.of(System.getProperty("advmon.home"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-Djava.io.tmpdir=" + tmp, "-Dadvmon.home=" + home, "-Dai.djl.offline=true",
        "-Djava.awt.headless=true", "-jar", home.resolve("loadtest/target/loadtest.jar").toString(), "--embedded",
        "--ramp", "--rate", "20", "--duration", "10", "--warmup", "2", "--cameras", "2",
        "--set", "model.batch.max-wait-ms=2", "--report", report.toString())
        .redirectOutput(dir.resolve("stdout.txt").toFile()).start();
    CountDownLatch secondStep = new CountDownLatch(1);
    StringBuilder err = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (err) {
            err.append(line).append('\n');
          }
          if (line.contains("] step 2 ")) {
            secondStep.countDown();
          }
        }
      } catch (java.io.IOException e) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      assertThat(secondStep.await(240, TimeUnit.SECONDS)).as("measuring step 2; stderr:%n%s", err).isTrue();
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("stopped; stderr:%n%s", err).isTrue();
    } finally {
      p.destroyForcibly();
    }
    reader.join(10_000);
    String printed = Files.readString(dir.resolve("stdout.txt"));
    assertThat(p.exitValue()).as("exit status; stdout:%n%s%nstderr:%n%s", printed, err).isEqualTo(143);
    assertThat(printed).contains("INTERRUPTED during step 2").contains("1 of up to 12 step(s) completed [step 1]");

    JsonNode json = new ObjectMapper().readTree(report.resolve(Report.JSON_FILE).toFile());
    assertThat(json.path("interrupted").asBoolean()).isTrue();
    assertThat(json.path("interrupted_during").asText()).startsWith("step 2 at 25.0 frames/s");
    assertThat(json.path("steps")).hasSize(1);
    assertThat(json.path("sent").asLong()).as("step 1: 10 s at 20/s").isBetween(150L, 250L);
    assertThat(json.path("duplicates").asLong()).isZero();
    assertThat(json.path("missing").isNull()).isTrue();
    assertThat(Files.readString(report.resolve(Report.SUMMARY_FILE))).contains("INTERRUPTED");
    try (Stream<Path> left = Files.list(tmp)) {
      List<String> names = left.map(f -> f.getFileName().toString()).toList();
      assertThat(names).as("the monitors' state folders are removed").noneMatch(n -> n.startsWith("advmon-loadtest-state-"));
      assertThat(names).as("the broker's log folders are removed").noneMatch(n -> n.startsWith("advmon-demo-kafka-"));
    }
  }
}
