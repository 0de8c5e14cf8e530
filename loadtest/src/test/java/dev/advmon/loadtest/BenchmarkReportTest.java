package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchmarkReportTest {

  private static BenchmarkCommand.ConfigResult config(String name, long missing, long duplicates, long deadLetters) {
    return new BenchmarkCommand.ConfigResult(name, 1, 2, 500, 450.0, List.of(), null, missing, duplicates,
        deadLetters, 0);
  }

  private static Map<String, Object> latencyRun(long missing, long duplicates) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("config", "1x2");
    m.put("offered_fps", 225.0);
    m.put("seconds", 60);
    m.put("latency_ms", Report.latency(new org.HdrHistogram.Histogram(3)));
    m.put("batch_frames", Report.batches(new org.HdrHistogram.Histogram(3)));
    m.put("missing", missing);
    m.put("duplicates", duplicates);
    m.put("dead_letters", 0L);
    return m;
  }

  @Test
  void lossesDuplicatesAndDeadLettersArePerConfigurationInTheJsonAndTheMarkdown() {
    BenchmarkCommand.ConfigResult r = config("1x2", 3, 1, 7);
    Map<String, Object> json = BenchmarkCommand.configJson(r, 900);
    assertThat(json).containsEntry("missing", 3L).containsEntry("duplicates", 1L).containsEntry("dead_letters", 7L);

    CommandLine cl = LoadTestCommand.commandLine();
    cl.parseArgs("benchmark", "--report", "/tmp/unused-report");
    BenchmarkCommand cmd = cl.getSubcommands().get("benchmark").getCommand();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("date", "2026-01-01T00:00:00Z");
    out.put("machine", Report.machine("0.1 0.1 0.1", "0.2 0.2 0.2"));
    out.put("in_process_scoring", Map.of("model", "m", "engine", "OnnxRuntime", "detectors", List.of(),
        "intra_op_threads", 1, "batch_frames", 32, "one_thread_all_cores_fps", 900.0, "one_thread_per_core_fps", 800.0));
    String md = cmd.markdown(out, List.of(r), 900, latencyRun(0, 0));
    assertThat(md).contains("missing / duplicates / dead letters").contains("| 3 / 1 / 7 |");
  }

  @Test
  void theBenchmarkFailsWhenAFrameWasLostOrSeenTwiceAnywhere() {
    assertThat(BenchmarkCommand.exitCode(List.of(config("1x1", 0, 0, 5), config("1x2", 0, 0, 0)), latencyRun(0, 0)))
        .as("dead letters alone are reported, not a failure").isZero();
    assertThat(BenchmarkCommand.exitCode(List.of(config("1x1", 0, 0, 0), config("1x2", 2, 0, 0)), latencyRun(0, 0)))
        .isEqualTo(1);
    assertThat(BenchmarkCommand.exitCode(List.of(config("1x1", 0, 1, 0)), latencyRun(0, 0))).isEqualTo(1);
    assertThat(BenchmarkCommand.exitCode(List.of(config("1x1", 0, 0, 0)), latencyRun(1, 0))).isEqualTo(1);
  }
}
