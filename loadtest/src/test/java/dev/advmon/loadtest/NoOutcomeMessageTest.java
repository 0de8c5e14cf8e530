package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a warm-up with no verdict and no dead letter at all says, by where the monitor runs. */
class NoOutcomeMessageTest {

  /**
   * The embedded monitor (benchmark, --embedded) was said to be "not started" and to be started with
   * "./monitor run --config FILE" and "other topics than the embedded monitor's settings": the load tester starts
   * that monitor itself and no such file exists; its log says why it scored nothing.
   */
  @Test
  void anEmbeddedMonitorIsNotToldToBeStartedWithAFile() {
    String embedded = Session.noOutcome("the 90 s warm-up", 120, "frames", "verdicts", "frames-dlq", null);
    assertThat(embedded).contains("the 120 frames sent to topic frames").contains("the embedded monitor")
        .contains("log").doesNotContain("./monitor run", "--config", "other topics", "/health/ready");
  }

  @Test
  void aMonitorElsewhereIsToldToStartItWithTheFileAndWaitUntilReady() {
    String elsewhere = Session.noOutcome("the 60 s warm-up", 120, "frames", "verdicts", "frames-dlq",
        "--config /etc/advmon/monitor.properties");
    assertThat(elsewhere).contains("the 120 frames sent to topic frames").contains("(read from verdicts and frames-dlq)")
        .contains("other topics than --config /etc/advmon/monitor.properties names")
        .contains("./monitor run --config FILE").contains("/health/ready");
  }
}
