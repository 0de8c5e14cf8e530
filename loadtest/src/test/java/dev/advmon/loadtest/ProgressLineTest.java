package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The console's line per second, as README's Load test section describes it. */
class ProgressLineTest {

  @Test
  void aSecondWithOutcomesShowsItsPercentilesInMs() {
    Sample s = new Sample(14.02, "measured", 20, 20, 21, 3, 42L, 85L, 90L, 1.04);
    assertThat(Session.progressLine(s, 20, 281, 269)).isEqualTo(
        "[   14 s] measured   offered   20.0/s | sent     281 | outcomes     269 | backlog      3 | "
            + "p50    42 ms p99    85 ms | batch  1.0");
  }

  @Test
  void aSecondWithoutOutcomesShowsNoLatencyNotTheWordNull() {
    // the first second of a warm-up, before the first commit: no latency was recorded (null in report.json)
    Sample s = new Sample(1.1, "warm-up", 20, 16.7, 0, 19, null, null, null, 0);
    String line = Session.progressLine(s, 20, 21, 0);
    assertThat(line).doesNotContain("null").contains("p50     - ms p99     - ms");
  }

  @Test
  void theStepResultLineNamesTheStepOnceForARampStepAndABenchmarkSearchStep() {
    LagJudge.Verdict v = new LagJudge.Verdict(true, 0.12, 2, 20, 0.999, "bounded");
    String ramp = Session.resultLine("step 2", 125, v, 124.9, 124.5, 3, 4, 0);
    assertThat(ramp).startsWith("loadtest: step 2 at 125.0 frames/s: BOUNDED (achieved 124.9/s")
        .doesNotContain("step step");
    String search = Session.resultLine(BenchmarkCommand.searchStepLabel(3), 415, v, 414, 413, 3, 4, 0);
    assertThat(search).startsWith("loadtest: search step 3 at 415.0 frames/s: BOUNDED").doesNotContain("step rate");
  }
}
