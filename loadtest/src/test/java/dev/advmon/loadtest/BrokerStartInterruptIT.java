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
    SignalledTester.Ended run = SignalledTester.run(dir, tmp, List.of("--embedded", "--rate", "20", "--duration", "10",
        "--warmup", "2", "--cameras", "2", "--report", report.toString()),
        "starting the embedded monitor", 120); // printed just before the broker is built
    String printed = run.stdout();
    String stderr = run.stderr();
    assertThat(run.exit()).as("exit status; stdout:%n%s%nstderr:%n%s", printed, stderr).isEqualTo(143);
    assertThat(stderr).doesNotContain("Exception in thread").doesNotContain("\tat ")
        .doesNotContain("ShutdownCallbackRegistry"); // Log4j set up during the shutdown, without a hook
    assertThat(printed).contains("INTERRUPTED");
    JsonNode json = new ObjectMapper().readTree(report.resolve(Report.JSON_FILE).toFile());
    assertThat(json.path("interrupted").asBoolean()).isTrue();
    assertThat(json.path("interrupted_during").asText()).startsWith("starting the embedded monitor");
    try (Stream<Path> left = Files.list(tmp)) {
      List<String> names = left.map(f -> f.getFileName().toString()).toList();
      assertThat(names).as("the broker's log folders are removed").noneMatch(n -> n.startsWith("advmon-demo-kafka-"));
      assertThat(names).as("the monitors' state folders are removed")
          .noneMatch(n -> n.startsWith("advmon-loadtest-state-"));
    }
  }
}
