package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A load test stopped by a signal, as an operator stops it: the packaged tester ({@code target/loadtest.jar}, what
 * {@code ./loadtest/run} runs) in a JVM of its own, sent SIGTERM while it measures its second ramp step. It must
 * write the report of the first step marked interrupted, remove its temp folders and exit 143 (128 + SIGTERM)
 * ({@link SignalledTester} says why SIGTERM rather than SIGINT).
 */
class LoadTestInterruptIT {

  @TempDir
  Path dir;

  @Test
  void sigtermWhileMeasuringWritesThePartialReportRemovesTempFoldersAndExits143() throws Exception {
    Path tmp = Files.createDirectories(dir.resolve("tmp")); // the tester's java.io.tmpdir: what it leaves is visible
    Path report = dir.resolve("report");
    SignalledTester.Ended run = SignalledTester.run(dir, tmp, List.of("--embedded", "--ramp", "--rate", "20",
        "--duration", "10", "--warmup", "2", "--cameras", "2", "--set", "model.batch.max-wait-ms=2", "--report",
        report.toString()), "] step 2 ", 240);
    String printed = run.stdout();
    assertThat(run.exit()).as("exit status; stdout:%n%s%nstderr:%n%s", printed, run.stderr()).isEqualTo(143);
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
