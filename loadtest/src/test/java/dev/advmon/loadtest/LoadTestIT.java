package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load tester end to end, as README documents it, at a low rate so that it stays cheap on a loaded CI machine:
 * the in-process broker, the real topology with the bundled model, frames replayed for three cameras, verdicts read
 * read_committed; the report, the summary and the plots are written and every frame is accounted for once.
 */
class LoadTestIT {

  @TempDir
  Path dir;

  @Test
  void embeddedRunWritesTheReportAndThePlotsWithEveryFrameAccountedForOnce() throws Exception {
    Path report = dir.resolve("report");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    int exit;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      exit = LoadTestCommand.commandLine().execute("--embedded", "--rate", "20", "--duration", "8", "--cameras", "3",
          "--warmup", "2", "--set", "model.batch.max-wait-ms=2", "--report", report.toString());
    } finally {
      System.setOut(stdout);
    }
    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(exit).as("exit status; printed:%n%s", printed).isZero();
    assertThat(printed).containsPattern("whole run \\(warm-up included\\): sent \\d+ \\| missing 0 \\| duplicates 0")
        .contains("report.json");

    JsonNode json = new ObjectMapper().readTree(report.resolve("report.json").toFile());
    long sent = json.path("sent").asLong();
    assertThat(sent).as("frames sent in 8 s at 20/s").isBetween(100L, 200L);
    assertThat(json.path("verdicts").asLong() + json.path("dead_letters").asLong()).isEqualTo(sent);
    assertThat(json.path("dead_letters").asLong()).isZero(); // the replayed frames are all readable
    assertThat(json.path("missing").asLong()).isZero();
    assertThat(json.path("sent_in_all").asLong()).as("the 2 s warm-up's frames too").isGreaterThan(sent + 20);
    assertThat(json.path("duplicates").asLong()).isZero();
    assertThat(json.path("duration_s").asDouble()).isGreaterThanOrEqualTo(8.0);
    // when the run ran: its start, not the report's writing; run_s holds the warm-up and the drain as well
    java.time.Instant started = java.time.Instant.parse(json.path("started").asText());
    assertThat(json.path("date").asText()).isEqualTo(json.path("started").asText());
    assertThat(java.time.Instant.parse(json.path("ended").asText())).isAfter(started);
    assertThat(json.path("run_s").asDouble()).isGreaterThan(json.path("duration_s").asDouble());
    assertThat(json.path("throughput_fps").asDouble()).isPositive();
    for (String p : List.of("p50", "p95", "p99", "p999", "max")) {
      assertThat(json.path("latency_ms").path(p).asLong()).as("latency_ms." + p).isPositive();
    }
    assertThat(json.path("batch_frames").path("max").asInt()).isBetween(1, 2); // two stream threads by default
    assertThat(json.path("target").path("detectors")).hasSizeGreaterThanOrEqualTo(1);
    assertThat(json.path("timeline").size()).isGreaterThanOrEqualTo(10);
    assertThat(Files.readString(report.resolve("summary.md"))).contains("| sent (measured steps) | verdicts |");
    for (String png : List.of("throughput.png", "latency.png", "latency-vs-rate.png")) {
      assertThat(ImageIO.read(report.resolve(png).toFile())).as(png).isNotNull();
    }
  }
}
