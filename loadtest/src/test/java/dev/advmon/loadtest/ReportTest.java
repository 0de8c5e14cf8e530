package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

  @TempDir
  Path dir;

  private static StepResult step(String label, double rate, long first, long end, boolean bounded, long... latencies) {
    Collector.StepStats s = new Collector.StepStats();
    for (long l : latencies) {
      s.latencyMs.recordValue(l);
      s.batchFrames.recordValue(2);
      s.verdicts++;
    }
    return new StepResult(label, rate, 10, rate, rate, 0, 5, new LagJudge.Verdict(bounded, 0.1, 5, 20, 1.0,
        bounded ? "bounded" : "backlog grew"), first, end, s);
  }

  @Test
  void writesTheJsonWithTheAgreedFieldsTheSummaryAndThreePlots() throws Exception {
    List<Sample> timeline = new ArrayList<>();
    for (int t = 1; t <= 20; t++) {
      timeline.add(new Sample(t, t <= 10 ? "step 1" : "step 2", t <= 10 ? 100 : 125, 100, 99, 12, 40L, 90L, 95L, 1.5));
    }
    StepResult first = step("step 1", 100, 0, 4, true, 10, 20, 30, 40);
    StepResult second = step("step 2", 125, 4, 7, false, 50, 60, 70);
    first.stats().startedAtMs = 1_000;
    second.stats().lastOutcomeAtMs = 21_000;
    second.stats().outcomesAtLast = 7;
    Report r = new Report("test run", Map.of("mode", "embedded"), 4, true, List.of(first, second),
        timeline, 0, 0, 0, 3, 250, Map.of(), true, "0.5 0.4 0.3", "0.6 0.5 0.4", null, java.time.Instant.EPOCH, java.time.Instant.EPOCH, 200_000, LoadTestCommand.LOWER_BOUND_ADVICE);
    r.write(dir);

    JsonNode json = new ObjectMapper().readTree(dir.resolve(Report.JSON_FILE).toFile());
    for (String field : List.of("sent", "verdicts", "dead_letters", "duration_s", "throughput_fps", "latency_ms")) {
      assertThat(json.has(field)).as(field).isTrue();
    }
    for (String p : List.of("p50", "p95", "p99", "p999", "max")) {
      assertThat(json.path("latency_ms").has(p)).as("latency_ms." + p).isTrue();
    }
    assertThat(json.path("sent").asLong()).isEqualTo(7);
    assertThat(json.path("verdicts").asLong()).isEqualTo(7);
    assertThat(json.path("duration_s").asDouble()).isEqualTo(20.0);
    assertThat(json.path("throughput_fps").asDouble()).isCloseTo(0.35, org.assertj.core.data.Offset.offset(0.051)); // 7 over 20 s
    assertThat(json.path("latency_ms").path("max").asLong()).isEqualTo(70);
    assertThat(json.path("sustainable_fps").asDouble()).isEqualTo(100.0);
    assertThat(json.path("batch_frames").path("verdicts_by_batch_frames").path("2").asLong()).isEqualTo(7);
    assertThat(json.path("sender_late_sends").asLong()).isEqualTo(3);
    assertThat(json.path("sender_max_late_ms").asLong()).isEqualTo(250);
    assertThat(json.path("steps")).hasSize(2);
    assertThat(json.path("timeline")).hasSize(20);

    String md = Files.readString(dir.resolve(Report.SUMMARY_FILE));
    assertThat(md).contains("| step 2 | 125.0 |").contains("not bounded").contains("Sustainable rate")
        .contains("100.0 frames/s").contains("![throughput.png](throughput.png)")
        .contains("3 frames went out more than 200 ms after they were due (at worst 250 ms)");
    for (String png : List.of(Plots.THROUGHPUT, Plots.LATENCY, Plots.LATENCY_VS_RATE)) {
      var img = ImageIO.read(dir.resolve(png).toFile());
      assertThat(img).as(png).isNotNull();
      assertThat(img.getWidth()).isGreaterThan(100);
    }
  }

  @Test
  void aRampWhoseEveryStepWasSustainedClaimsOnlyALowerBound() throws Exception {
    // --ramp-steps ran out before a step failed: the monitor may sustain much more than the last rate tried
    Report r = new Report("ramp", Map.of(), 4, true, List.of(step("step 1", 100, 0, 10, true, 40),
        step("step 2", 125, 10, 20, true, 45)), List.of(), 0, 0, 0, 0, 0, Map.of(), true, "0 0 0", "0 0 0", null, java.time.Instant.EPOCH, java.time.Instant.EPOCH, 200_000, LoadTestCommand.LOWER_BOUND_ADVICE);
    r.write(dir);
    JsonNode json = new ObjectMapper().readTree(dir.resolve(Report.JSON_FILE).toFile());
    assertThat(json.path("sustainable_fps").asDouble()).isEqualTo(125.0);
    assertThat(json.path("sustainable_fps_is_lower_bound").asBoolean()).isTrue();
    assertThat(r.sustainableText()).startsWith("at least 125.0 frames/s").contains("--ramp-steps");
    assertThat(Files.readString(dir.resolve(Report.SUMMARY_FILE))).contains("at least 125.0 frames/s");

    Report ended = new Report("ramp", Map.of(), 4, true, List.of(step("step 1", 100, 0, 10, true, 40),
        step("step 2", 125, 10, 20, false, 45)), List.of(), 0, 0, 0, 0, 0, Map.of(), true, "0 0 0", "0 0 0", null, java.time.Instant.EPOCH, java.time.Instant.EPOCH, 200_000, LoadTestCommand.LOWER_BOUND_ADVICE);
    assertThat(ended.json()).containsEntry("sustainable_fps", 100.0).containsEntry("sustainable_fps_is_lower_bound", false);
    assertThat(ended.sustainableText()).isEqualTo("100.0 frames/s");
  }

  @Test
  void aRunAtOneRateClaimsNoSustainableRate() {
    // one step, perhaps of 1 s (allowed without --ramp): its lag judgement is in steps[], no search found a rate
    Report r = new Report("one rate", Map.of(), 4, false, List.of(step("measured", 100, 0, 10, true, 40)), List.of(),
        0, 0, 0, 0, 0, Map.of(), true, "0 0 0", "0 0 0", null, java.time.Instant.EPOCH, java.time.Instant.EPOCH, 200_000, LoadTestCommand.LOWER_BOUND_ADVICE);
    assertThat(r.json()).containsEntry("sustainable_fps", null);
    assertThat(((List<?>) r.json().get("steps"))).hasSize(1);
  }

  @Test
  void throughputIsWhatTheMonitorAnsweredOverTheMeasuredSpanNotOnlyTheMeasuredFramesOverIt() {
    // 500 frames/s offered to a monitor that answers 400: the 60 s warm-up left 6,000 frames behind, which it works
    // through first; the 30 s step's 15,000 frames are all answered 52.5 s after the step began, 21,000 outcomes later
    StepResult s = step("measured", 500, 100_000, 115_000, false);
    s.stats().verdicts = 15_000;
    s.stats().startedAtMs = 1_000_000;
    s.stats().outcomesAtStart = 24_000;
    s.stats().lastOutcomeAtMs = 1_052_500;
    s.stats().outcomesAtLast = 45_000;
    Report r = new Report("t", Map.of(), 1, false, List.of(s), List.of(), 0, 0, 0, 0, 0, Map.of(), true, "0 0 0",
        "0 0 0", null, java.time.Instant.EPOCH, java.time.Instant.EPOCH, 200_000, LoadTestCommand.LOWER_BOUND_ADVICE);
    assertThat(r.throughputFps()).as("not 15,000 / 52.5 s = 286").isCloseTo(400, org.assertj.core.data.Offset.offset(0.1));
  }

  @Test
  void anInterruptedRunWithNothingMeasuredStillWritesValidJsonMarkedInterrupted() throws Exception {
    Report r = new Report("advmon load test", Map.of("mode", "embedded"), 4, false, List.of(), List.of(),
        0, 0, 0, 0, 0, Map.of(), false, "0.5 0.4 0.3", "0.6 0.5 0.4", "starting the embedded monitor", java.time.Instant.EPOCH, java.time.Instant.EPOCH, 200_000, LoadTestCommand.LOWER_BOUND_ADVICE);
    r.write(dir);

    JsonNode json = new ObjectMapper().readTree(dir.resolve(Report.JSON_FILE).toFile());
    assertThat(json.path("interrupted").asBoolean()).isTrue();
    assertThat(json.path("interrupted_during").asText()).startsWith("starting the embedded monitor");
    assertThat(json.path("completed_steps")).isEmpty();
    assertThat(json.path("sent").asLong()).isZero();
    assertThat(json.path("latency_ms").path("p50").isNull()).as("no percentile of no samples").isTrue();
    assertThat(json.path("throughput_fps").asDouble()).isZero();
    assertThat(Files.readString(dir.resolve(Report.SUMMARY_FILE))).contains("INTERRUPTED")
        .contains("none (nothing was measured)");
  }

  @Test
  void anInterruptedRampClaimsNeitherASustainableRateNorLostFrames() throws Exception {
    List<Sample> timeline = List.of(new Sample(1, "step 1", 100, 100, 99, 12, 40L, 90L, 95L, 1.5));
    Report r = new Report("advmon load test: ramp", Map.of("mode", "embedded"), 4, true,
        List.of(step("step 1", 100, 0, 4, true, 10, 20, 30)), timeline, 0, 1, 0, 0, 0, Map.of(),
        false, "0.5 0.4 0.3", "0.6 0.5 0.4", "step 2 at 125.0 frames/s, 3 of 10 s", java.time.Instant.EPOCH, java.time.Instant.EPOCH, 200_000, LoadTestCommand.LOWER_BOUND_ADVICE);
    r.write(dir);

    JsonNode json = new ObjectMapper().readTree(dir.resolve(Report.JSON_FILE).toFile());
    assertThat(json.path("interrupted").asBoolean()).isTrue();
    assertThat(json.path("completed_steps").get(0).asText()).isEqualTo("step 1");
    assertThat(json.path("steps")).hasSize(1);
    assertThat(json.path("sustainable_fps").isNull()).as("the ramp did not reach its end").isTrue();
    assertThat(json.path("missing").isNull()).as("not drained: in flight is not lost").isTrue();
    assertThat(json.path("unanswered_at_interrupt").asLong()).isEqualTo(1);
    String md = Files.readString(dir.resolve(Report.SUMMARY_FILE));
    assertThat(md).contains("INTERRUPTED").contains("step 2 at 125.0 frames/s").doesNotContain("Sustainable rate")
        .doesNotContain("**Not drained:**");
  }

  @Test
  void aCompletedRunIsMarkedNotInterrupted() throws Exception {
    Report r = new Report("t", Map.of(), 1, false, List.of(step("measured", 10, 0, 3, true, 5, 6, 7)), List.of(),
        0, 0, 0, 0, 0, Map.of(), true, "0 0 0", "0 0 0", null, java.time.Instant.EPOCH, java.time.Instant.EPOCH, 200_000, LoadTestCommand.LOWER_BOUND_ADVICE);
    r.write(dir);
    JsonNode json = new ObjectMapper().readTree(dir.resolve(Report.JSON_FILE).toFile());
    assertThat(json.path("interrupted").asBoolean()).isFalse();
    assertThat(json.has("interrupted_during")).isFalse();
    assertThat(json.path("missing").asLong()).isZero();
  }

  @Test
  void aSecondWithoutOutcomesHasNoLatencyInTheTimelineRatherThanZeroMs() throws Exception {
    List<Sample> timeline = List.of(new Sample(1, "measured", 10, 10, 10, 0, 30L, 40L, 40L, 1),
        new Sample(2, "measured", 10, 10, 0, 10, null, null, null, 0));
    Report r = new Report("t", Map.of(), 1, false, List.of(step("measured", 10, 0, 20, true, 30, 40)), timeline,
        0, 0, 0, 0, 0, Map.of(), true, "0 0 0", "0 0 0", null, java.time.Instant.EPOCH, java.time.Instant.EPOCH, 200_000, LoadTestCommand.LOWER_BOUND_ADVICE);
    r.write(dir);
    JsonNode second = new ObjectMapper().readTree(dir.resolve(Report.JSON_FILE).toFile()).path("timeline").get(1);
    assertThat(second.path("p50_ms").isNull()).as("not measured: null, not 0 ms").isTrue();
    assertThat(second.path("p99_ms").isNull()).isTrue();
    assertThat(second.path("p999_ms").isNull()).isTrue();
  }

  @Test
  void theReportSaysWhenTheRunStartedAndHowLongItRanNotWhenItWasWritten() throws Exception {
    java.time.Instant started = java.time.Instant.parse("2026-01-01T09:41:07Z");
    java.time.Instant ended = started.plusSeconds(95);
    Report r = new Report("t", Map.of(), 1, false, List.of(step("measured", 10, 0, 3, true, 5, 6, 7)), List.of(),
        0, 0, 0, 0, 0, Map.of(), true, "0 0 0", "0 0 0", null, started, ended, 200_000, LoadTestCommand.LOWER_BOUND_ADVICE);
    r.write(dir);
    JsonNode json = new ObjectMapper().readTree(dir.resolve(Report.JSON_FILE).toFile());
    assertThat(json.path("date").asText()).as("the run's start, not the writing's").isEqualTo("2026-01-01T09:41:07Z");
    assertThat(json.path("started").asText()).isEqualTo("2026-01-01T09:41:07Z");
    assertThat(json.path("ended").asText()).isEqualTo("2026-01-01T09:42:42Z");
    assertThat(json.path("run_s").asDouble()).isEqualTo(95.0);
    assertThat(Files.readString(dir.resolve(Report.SUMMARY_FILE))).contains("Started 2026-01-01T09:41:07Z, ran 95 s")
        .as("started is taken before the embedded broker and monitors start: their start-up is in the run time")
        .contains("ran 95 s (start-up, warm-up, steps and drain)");
  }

  @Test
  void theSummarySaysTheStartToTheSecondWhileReportJsonKeepsItWhole() throws Exception {
    java.time.Instant started = java.time.Instant.parse("2026-01-01T09:41:07.123456789Z");
    Report r = new Report("t", Map.of(), 1, false, List.of(step("measured", 10, 0, 3, true, 5)), List.of(), 0, 0, 0,
        0, 0, Map.of(), true, "0 0 0", "0 0 0", null, started, started.plusSeconds(20), 200_000, LoadTestCommand.LOWER_BOUND_ADVICE);
    assertThat(r.markdown(List.of())).contains("Started 2026-01-01T09:41:07Z, ran 20 s").doesNotContain(".123");
    assertThat(r.json()).containsEntry("started", "2026-01-01T09:41:07.123456789Z");
  }

  @Test
  void withAMonitorElsewhereTheMachineNamedIsTheLoadTestersNotTheMonitors() throws Exception {
    // against --config the processors and load average were printed as "machine:", read as the monitor's host
    Map<String, Object> target = Map.of("mode", "external");
    Report r = new Report("t", target, 1, false, List.of(step("measured", 10, 0, 3, true, 5)), List.of(), 0, 0, 0,
        0, 0, Map.of(), true, "0 0 0", "0 0 0", null, java.time.Instant.EPOCH, java.time.Instant.EPOCH, 200_000,
        LoadTestCommand.LOWER_BOUND_ADVICE);
    assertThat(r.markdown(List.of())).contains("load tester's machine (not the monitor's, which runs elsewhere): "
        + Runtime.getRuntime().availableProcessors() + " processors");
    assertThat(r.json().get("machine").toString()).contains("the load tester's");
    Report embedded = new Report("t", Map.of("mode", "embedded"), 1, false, List.of(step("measured", 10, 0, 3, true,
        5)), List.of(), 0, 0, 0, 0, 0, Map.of(), true, "0 0 0", "0 0 0", null, java.time.Instant.EPOCH,
        java.time.Instant.EPOCH, 200_000, LoadTestCommand.LOWER_BOUND_ADVICE);
    assertThat(embedded.markdown(List.of())).contains("; machine: ");
  }

  @Test
  void theSummaryListsTheTargetsSettingsAndShowsADashForALatencyNotMeasured() throws Exception {
    Map<String, Object> target = new java.util.LinkedHashMap<>();
    target.put("mode", "embedded");
    target.put("instances", 1);
    target.put("detectors", List.of("softmax", "feature"));
    target.put("model.intra-op-threads", null);
    StepResult answered = step("step 1", 10, 0, 3, true, 5, 6, 7);
    StepResult none = step("step 2", 12.5, 3, 6, false); // no frame of it was answered: no latency
    Report r = new Report("t", target, 1, true, List.of(answered, none), List.of(), 0, 0, 0, 0, 0, Map.of(), true,
        "0 0 0", "0 0 0", null, java.time.Instant.EPOCH, java.time.Instant.EPOCH, 200_000, LoadTestCommand.LOWER_BOUND_ADVICE);
    String md = r.markdown(List.of());
    assertThat(md).doesNotContain("{").doesNotContain("null")
        .contains("mode embedded, instances 1, detectors softmax + feature, model.intra-op-threads -")
        .contains("| step 2 | 12.5 |").contains("| - / - / - | - |");
  }

  @Test
  void theConsoleSummarySaysWhichFramesMissingCountsAndNoNullLatency() {
    // missing counts every frame of the run (warm-up and grace too), sent the measured steps' only: side by side
    // without that, "sent 100 | missing 114" read as more frames lost than sent
    Report r = new Report("t", Map.of(), 1, false, List.of(step("measured", 10, 0, 100, true)), List.of(), 0, 114, 0,
        0, 0, Map.of(), false, "0 0 0", "0 0 0", null, java.time.Instant.EPOCH, java.time.Instant.EPOCH, 620, LoadTestCommand.LOWER_BOUND_ADVICE);
    String line = LoadTestCommand.summaryLine(r);
    assertThat(line).contains("measured steps: sent 100 |")
        .contains("whole run (warm-up included): sent 620 | missing 114 | duplicates 0")
        .contains("latency p50 - p95 - p99 - p99.9 - max - ms").doesNotContain("null");
  }

  @Test
  void theReportGivesBothTotalsOfFramesSentSoThatMissingHasItsOwnBeside() throws Exception {
    // sent counts the measured steps' frames (100), missing every frame of the run (620 with the warm-up): report.json
    // had no total for missing to be read against
    Report r = new Report("t", Map.of(), 1, false, List.of(step("measured", 10, 500, 600, true)), List.of(), 0, 3, 2,
        0, 0, Map.of(), true, "0 0 0", "0 0 0", null, java.time.Instant.EPOCH, java.time.Instant.EPOCH, 620, LoadTestCommand.LOWER_BOUND_ADVICE);
    r.write(dir);
    JsonNode json = new ObjectMapper().readTree(dir.resolve(Report.JSON_FILE).toFile());
    assertThat(json.path("sent").asLong()).as("the measured steps' frames, as before").isEqualTo(100);
    assertThat(json.path("sent_in_all").asLong()).as("every frame of the run").isEqualTo(620);
    assertThat(json.path("missing").asLong()).isEqualTo(3);
    assertThat(Files.readString(dir.resolve(Report.SUMMARY_FILE)))
        .contains("| sent (measured steps) | verdicts | dead letters | sent in all (warm-up included) | missing (of all) "
            + "| duplicates (of all) |")
        .contains("| 100 | 0 | 0 | 620 | 3 | 0 |");
  }

  @Test
  void theConsoleLineOfARunInterruptedBeforeAnyVerdictShowsNoLatencyRatherThanNull() {
    Report r = new Report("t", Map.of(), 1, false, List.of(), List.of(), 0, 12, 0, 0, 0, Map.of(), false, "0 0 0",
        "0 0 0", "warm-up at 20.0 frames/s (not measured)", java.time.Instant.EPOCH, java.time.Instant.EPOCH, 200_000, LoadTestCommand.LOWER_BOUND_ADVICE);
    assertThat(LoadTestCommand.interruptedLine(r, "1")).startsWith("INTERRUPTED during warm-up at 20.0 frames/s")
        .contains("0 of 1 step(s) completed []").contains("unanswered when stopped 12")
        .contains("latency p50 - p99 - max - ms").doesNotContain("null");
  }

  @Test
  void theInterruptedRunsLineSaysWhichFramesEachCountIsOfAsTheCompletedRunsLineDoes() {
    // sent counts the completed steps' frames, duplicates every frame of the run: the line put them side by side as
    // one run's counts ("sent 100 | ... | duplicates 7"), unlike the completed run's line
    Report r = new Report("t", Map.of(), 1, false, List.of(step("step 1", 10, 500, 600, true, 40)), List.of(), 7, 12,
        0, 0, 0, Map.of(), false, "0 0 0", "0 0 0", "step 2 at 12.5 frames/s, 3 of 10 s", java.time.Instant.EPOCH,
        java.time.Instant.EPOCH, 640, LoadTestCommand.LOWER_BOUND_ADVICE);
    assertThat(LoadTestCommand.interruptedLine(r, "up to 12"))
        .startsWith("INTERRUPTED during step 2 at 12.5 frames/s, 3 of 10 s: 1 of up to 12 step(s) completed [step 1]")
        .contains("completed steps: sent 100 | verdicts 1 | dead letters 0 | unanswered when stopped 12 (in flight, "
            + "not judged lost) | latency p50 40 p99 40 max 40 ms; whole run (warm-up included): sent 640 | "
            + "duplicates 7 | dead letters 0");
  }

  @Test
  void deadLettersByReasonHasItsWholeRunTotalBesideTheMeasuredStepsCount() throws Exception {
    // dead_letters counts the measured steps' frames, dead_letters_by_reason every frame of the run: 2 in the step,
    // 5 in all (3 in the warm-up), and nothing in report.json said which was which
    Collector.StepStats stats = new Collector.StepStats();
    stats.deadLetters = 2;
    StepResult measured = new StepResult("measured", 10, 10, 10, 10, 0, 5, new LagJudge.Verdict(true, 0.1, 5, 20, 1.0,
        "bounded"), 500, 600, stats);
    Report r = new Report("t", Map.of(), 1, false, List.of(measured), List.of(), 0, 0, 0, 0, 0,
        Map.of("decode-failed", 4L, "too-large", 1L), true, "0 0 0", "0 0 0", null, java.time.Instant.EPOCH,
        java.time.Instant.EPOCH, 620, LoadTestCommand.LOWER_BOUND_ADVICE);
    r.write(dir);
    JsonNode json = new ObjectMapper().readTree(dir.resolve(Report.JSON_FILE).toFile());
    assertThat(json.path("dead_letters").asLong()).as("the measured steps', as before").isEqualTo(2);
    assertThat(json.path("dead_letters_in_all").asLong()).as("of sent_in_all, as dead_letters_by_reason").isEqualTo(5);
    assertThat(LoadTestCommand.summaryLine(r))
        .contains("whole run (warm-up included): sent 620 | missing 0 | duplicates 0 | dead letters 5");
    assertThat(Files.readString(dir.resolve(Report.SUMMARY_FILE)))
        .contains("| sent in all (warm-up included) | missing (of all) | duplicates (of all) | dead letters (of all) |")
        .contains("| 100 | 0 | 2 | 620 | 0 | 0 | 5 |");
  }
}
