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
        deadLetters, 0, 20_000);
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
  void pipelineMdIsOneRunsSubsectionOfBenchmarksUndatedPipelineSection() {
    // BENCHMARKS.md's "## Pipeline (`./loadtest/run benchmark`)" carries no date, so that README's link to it survives
    // the next run; each run is a ### subsection under it. A dated ## heading pasted in would be a second section.
    CommandLine cl = LoadTestCommand.commandLine();
    cl.parseArgs("benchmark", "--report", "/tmp/unused-report");
    BenchmarkCommand cmd = cl.getSubcommands().get("benchmark").getCommand();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("date", "2026-01-01T09:41:07.123Z");
    out.put("machine", Report.machine("0.1 0.1 0.1", "0.2 0.2 0.2"));
    out.put("in_process_scoring", Map.of("model", "m", "engine", "OnnxRuntime", "detectors", List.of(),
        "intra_op_threads", 1, "batch_frames", 32, "one_thread_all_cores_fps", 900.0, "one_thread_per_core_fps", 800.0));
    String md = cmd.markdown(out, List.of(config("1x2", 0, 0, 0)), 900, latencyRun(0, 0));
    assertThat(md.lines().findFirst().orElseThrow()).isEqualTo("### A run on 2026-01-01 09:41 UTC");
    assertThat(md.lines().filter(l -> l.startsWith("# ") || l.startsWith("## "))).as("no section heading").isEmpty();

    BenchmarkCommand.Progress p = new BenchmarkCommand.Progress("0.1 0.1 0.1");
    String interrupted = cmd.interruptedMarkdown(cmd.interruptedJson(p, "0.2 0.2 0.2"), p);
    assertThat(interrupted.lines().findFirst().orElseThrow()).startsWith("### A run on ").endsWith(" UTC: INTERRUPTED");
    assertThat(interrupted.lines().filter(l -> l.startsWith("# ") || l.startsWith("## "))).isEmpty();
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

  private static BenchmarkCommand benchmark(String... args) {
    CommandLine cl = LoadTestCommand.commandLine();
    List<String> all = new java.util.ArrayList<>(List.of("benchmark", "--report", "/tmp/unused-report"));
    all.addAll(List.of(args));
    cl.parseArgs(all.toArray(String[]::new));
    return cl.getSubcommands().get("benchmark").getCommand();
  }

  private static StepResult step(double rate, boolean bounded) {
    return new StepResult("rate " + (int) rate, rate, 60, rate, rate, 0, 5,
        new LagJudge.Verdict(bounded, 0.1, 5, 20, 1.0, bounded ? "bounded" : "backlog grew"), 0, 10,
        new Collector.StepStats());
  }

  @Test
  void anInterruptedBenchmarkSaysWhatCompletedAndClaimsNoFigureForWhatDidNot() throws Exception {
    BenchmarkCommand cmd = benchmark();
    BenchmarkCommand.Progress p = new BenchmarkCommand.Progress("0.1 0.1 0.1");
    p.scoring = new LinkedHashMap<>(Map.of("frames_per_s", 900.0, "batch_frames", 32));
    p.results.add(config("1x1", 0, 0, 0));
    p.partialConfig = "1x2";
    p.partialCapacity = 520.0;
    p.partialSteps = List.of(step(520, false), step(442, true));
    p.during = "1x2: rate 486 at 486.0 frames/s, 12 of 60 s";

    Map<String, Object> json = cmd.interruptedJson(p, "0.2 0.2 0.2");
    String text = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(json);
    com.fasterxml.jackson.databind.JsonNode back = new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
    assertThat(back.path("interrupted").asBoolean()).isTrue();
    assertThat(back.path("interrupted_during").asText()).isEqualTo("1x2: rate 486 at 486.0 frames/s, 12 of 60 s");
    assertThat(back.path("completed").toString()).isEqualTo("[\"in-process scoring\",\"1x1\"]");
    assertThat(back.path("not_completed").toString())
        .isEqualTo("[\"1x2\",\"2x1\",\"latency at half the sustainable rate of 1x2\"]");
    assertThat(back.path("pipeline")).hasSize(1);
    assertThat(back.path("pipeline_interrupted").path("sustainable_fps").isNull())
        .as("442 was bounded, but the search did not finish").isTrue();
    assertThat(back.path("pipeline_interrupted").path("completed_steps")).hasSize(2);
    assertThat(back.path("latency_at_half_sustainable").isNull()).isTrue();

    String md = cmd.interruptedMarkdown(json, p);
    assertThat(md).contains(": INTERRUPTED").contains("Not completed: 1x2, 2x1, latency at half")
        .contains("| 1 instance(s) x 2 stream thread(s) | 500.0 | 450 |") // the completed 1x1 (its record says 1x2 threads)
        .contains("1x2, interrupted: capacity estimate 520.0 frames/s; steps completed: 520: not bounded; 442: bounded;"
            + " no sustainable rate");
  }

  @Test
  void aBenchmarkInterruptedBeforeAnythingCompletedWritesValidJsonWithNothingClaimed() throws Exception {
    BenchmarkCommand.Progress p = new BenchmarkCommand.Progress("0.1 0.1 0.1");
    BenchmarkCommand cmd = benchmark();
    Map<String, Object> json = cmd.interruptedJson(p, "0.2 0.2 0.2");
    com.fasterxml.jackson.databind.JsonNode back = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(json));
    assertThat(back.path("completed")).isEmpty();
    assertThat(back.path("in_process_scoring").isNull()).isTrue();
    assertThat(back.path("pipeline")).isEmpty();
    assertThat(cmd.interruptedMarkdown(json, p)).contains("Completed: nothing")
        .contains("during measuring the in-process scoring throughput");
  }

  @Test
  void theConsoleLineOfASearchThatFoundNoRateSaysSoInReportsWordsNotNull() {
    String none = BenchmarkCommand.configLine("1x2", 480.4, null, false, 0, 0, 3);
    assertThat(none).doesNotContain("null").contains("sustainable rate: " + Report.NO_SUSTAINABLE_RATE);
    assertThat(BenchmarkCommand.configLine("1x2", 480.4, 450.0, false, 0, 0, 3)).contains("sustainable 450.0 frames/s")
        .contains("missing 0, duplicates 0, dead letters 3");
  }

  private static StepResult searchStep(int i, double rate, boolean bounded) {
    return new StepResult(BenchmarkCommand.searchStepLabel(i), rate, 60, rate, rate, 0, 5,
        new LagJudge.Verdict(bounded, 0, 0, 20, 1.0, bounded ? "bounded" : "backlog grew"), 0, 0,
        new Collector.StepStats());
  }

  /**
   * A search whose every step was sustained (it climbed for its six steps from a low capacity estimate) found no
   * limit: its rate is only a lower bound, as a load test's ramp that ran out of steps says ("at least").
   */
  @Test
  void aSearchThatSustainedEveryStepReportsItsRateAsALowerBound() {
    List<StepResult> climbing = List.of(searchStep(1, 300, true), searchStep(2, 330, true), searchStep(3, 363, true));
    BenchmarkCommand.ConfigResult unbounded = new BenchmarkCommand.ConfigResult("1x2", 1, 2, 300, 363.0, climbing,
        null, 0, 0, 0, 0, 20_000);
    assertThat(BenchmarkCommand.configRow(unbounded, 900)).contains("| at least 363 |");
    assertThat(BenchmarkCommand.configJson(unbounded, 900)).containsEntry("sustainable_fps_is_lower_bound", true);
    assertThat(BenchmarkCommand.configLine("1x2", 300, 363.0, unbounded.sustainableIsLowerBound(), 0, 0, 0))
        .contains("sustainable at least 363.0 frames/s");

    List<StepResult> found = List.of(searchStep(1, 300, true), searchStep(2, 330, false), searchStep(3, 315, true));
    BenchmarkCommand.ConfigResult bounded = new BenchmarkCommand.ConfigResult("1x2", 1, 2, 300, 315.0, found, null, 0,
        0, 0, 0, 20_000);
    assertThat(BenchmarkCommand.configRow(bounded, 900)).contains("| 315 |").doesNotContain("at least");
    assertThat(BenchmarkCommand.configJson(bounded, 900)).containsEntry("sustainable_fps_is_lower_bound", false);
  }

  /**
   * A configuration's summary.md (a ramp-like Report) and its console line give the benchmark's own advice: the load
   * test's options --ramp-steps and --rate do not exist here.
   */
  @Test
  void aSearchThatFoundNoLimitAdvisesWithTheBenchmarksOwnWordsNotTheLoadTestsOptions() {
    List<StepResult> climbing = List.of(searchStep(1, 300, true), searchStep(2, 330, true), searchStep(3, 363, true));
    Report summary = new Report("advmon benchmark 1x2", Map.of(), 4, true, climbing, List.of(), 0, 0, 0, 0, 0,
        Map.of(), true, "0 0 0", "0 0 0", null, java.time.Instant.EPOCH, java.time.Instant.EPOCH, 2_000,
        BenchmarkCommand.LOWER_BOUND_ADVICE);
    for (String text : List.of(summary.markdown(List.of()),
        BenchmarkCommand.configLine("1x2", 300, 363.0, true, 0, 0, 0))) {
      assertThat(text).contains("at least 363.0 frames/s").contains("run the benchmark again on an otherwise idle machine")
          .doesNotContain("--ramp-steps").doesNotContain("--rate");
    }
  }

  @Test
  void eachConfigurationAndTheLatencyRunGiveTheWholeRunsFramesTheirLossesAreCountedAmong() {
    // missing, duplicates and dead letters count every frame of a configuration's run (warm-up, probe, search steps),
    // and benchmark.json gave no total of those frames, which its per-configuration report.json has (sent_in_all)
    assertThat(BenchmarkCommand.configJson(config("1x2", 3, 1, 7), 900)).containsEntry("sent_in_all", 20_000L);

    Collector.StepStats stats = new Collector.StepStats();
    stats.deadLetters = 2;
    StepResult half = new StepResult("half", 225, 60, 225, 225, 0, 5, new LagJudge.Verdict(true, 0.1, 5, 20, 1.0,
        "bounded"), 9_000, 22_500, stats);
    Report rep = new Report("t", Map.of(), 4, false, List.of(half), List.of(), 0, 0, 0, 0, 0, Map.of("too-large", 5L),
        true, "0 0 0", "0 0 0", null, java.time.Instant.EPOCH, java.time.Instant.EPOCH, 25_000,
        BenchmarkCommand.LOWER_BOUND_ADVICE);
    Map<String, Object> latency = BenchmarkCommand.latencyRunJson("1x2", 225, 60, rep);
    assertThat(latency).containsEntry("sent_in_all", 25_000L).containsEntry("missing", 0L)
        .as("the step's, as before").containsEntry("dead_letters", 2L)
        .as("the whole run's, as missing and duplicates").containsEntry("dead_letters_in_all", 5L);
  }
}
