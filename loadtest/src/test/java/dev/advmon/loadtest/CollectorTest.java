package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CollectorTest {

  @Test
  void aDeadLetterWithoutADueTimeIsNotRecordedAsAZeroMsLatency() {
    Collector c = new Collector();
    c.startStep(0);
    c.outcome(0, -1, 0, "SCORING_FAILED", 1_000_000);
    assertThat(c.intervalLatencies().getTotalCount()).as("not in the timeline").isZero();
    assertThat(c.deadLettersByReason()).containsEntry("SCORING_FAILED", 1L);
    c.close();
  }

  @Test
  void aStepRecordsWhenItBeganAndWhenItsOwnFramesWereLastAnsweredWithTheRunsOutcomesThen() {
    Collector c = new Collector();
    c.startStep(0); // warm-up: frames 0-9
    for (int seq = 0; seq < 4; seq++) {
      c.outcome(seq, 30, 1, null, 1_000 + seq);
    }
    long before = System.nanoTime() / 1_000_000; // the monotonic clock, in ms
    Collector.StepStats step = c.startStep(10); // frames 10-14
    assertThat(step.startedAtMs).isBetween(before, System.nanoTime() / 1_000_000);
    assertThat(step.outcomesAtStart).as("the warm-up's outcomes read so far").isEqualTo(4);
    for (int seq = 4; seq < 10; seq++) { // the warm-up's backlog, answered during the step
      c.outcome(seq, 30, 1, null, 2_000 + seq);
    }
    for (int seq = 10; seq < 15; seq++) {
      c.outcome(seq, 30, 1, seq == 12 ? "undecodable" : null, 3_000 + seq);
    }
    c.endStep(step, 15);
    c.outcome(15, 30, 1, null, 4_000); // sent after the step (its grace): not the step's
    c.outcome(11, 30, 1, null, 5_000); // a duplicate: no outcome
    Collector.StepStats read = c.snapshot(step);
    assertThat(read.lastOutcomeAtMs).as("its last frame's, not the later frame's").isEqualTo(3_014);
    assertThat(read.outcomesAtLast).as("all 15 frames' outcomes by then, dead letter included").isEqualTo(15);
    assertThat(read.verdicts).isEqualTo(4);
    assertThat(read.deadLetters).isEqualTo(1);
    assertThat(c.duplicates()).isEqualTo(1);
    c.close();
  }

  @Test
  void aVerdictWithoutADueTimeIsNotRecordedAsAZeroMsLatency() {
    // -1: the sender knows no due time for it; a 0 ms would pull the percentiles down
    Collector c = new Collector();
    Collector.StepStats step = c.startStep(0);
    c.outcome(0, 40, 1, null, 1_000);
    c.outcome(1, -1, 1, null, 1_001);
    Collector.StepStats read = c.snapshot(step);
    assertThat(read.verdicts).as("still the frame's verdict").isEqualTo(2);
    assertThat(read.latencyMs.getTotalCount()).as("only the real latency").isEqualTo(1);
    assertThat(read.latencyMs.getMinValue()).isEqualTo(40);
    assertThat(c.intervalLatencies().getTotalCount()).as("nor in the timeline").isEqualTo(1);
    c.close();
  }

  @Test
  void aFrameWhoseSendFailedIsASendFailureNotAMissingFrame() {
    Collector c = new Collector();
    c.startStep(0);
    for (long seq : new long[] {0, 1, 3}) {
      c.outcome(seq, 30, 1, null, 1_000);
    }
    FrameRanges notSent = new FrameRanges();
    notSent.add(2); // the producer reported it failed: it never reached the frames topic
    notSent.add(9); // outside the range asked about
    assertThat(c.missing(0, 5, notSent)).as("only frame 4 is missing").isEqualTo(1);
    assertThat(c.missing(0, 5)).isEqualTo(2);
    assertThat(c.missing(1, 4, notSent)).isZero();
    assertThat(c.missing(5, 5, notSent)).isZero();
    c.close();
  }

  @Test
  void aFrameNumberedBeyondTwoBillionIsAnsweredOnceNotSeenTwice() {
    // about five days at 5,000 frames/s: one bit per frame in a BitSet indexed by int could not hold it, and every
    // frame from there on was counted as a duplicate
    Collector c = new Collector();
    c.startStep(0);
    long seq = 3_000_000_000L;
    c.outcome(seq, 30, 1, null, 1_000);
    assertThat(c.duplicates()).isZero();
    assertThat(c.outcomes()).isEqualTo(1);
    assertThat(c.missing(seq, seq + 2)).as("the next one has no outcome yet").isEqualTo(1);
    c.outcome(seq, 30, 1, null, 1_001);
    assertThat(c.duplicates()).isEqualTo(1);
    c.close();
  }

  @Test
  void aFailedSendOfAFrameNumberedBeyondTwoBillionIsNotMissing() {
    // the failed sequence numbers were a BitSet indexed by int: every failure from frame 2^31 on was recorded as frame
    // 2^31 - 1, and the failed frame itself was counted missing
    Collector c = new Collector();
    c.startStep(0);
    long seq = 3_000_000_000L;
    c.outcome(seq, 30, 1, null, 1_000);
    c.outcome(seq + 2, 30, 1, null, 1_000);
    FrameRanges failed = new FrameRanges();
    failed.add(seq + 1);
    assertThat(c.missing(seq, seq + 3, failed)).isZero();
    assertThat(c.missing(seq, seq + 3)).as("without it, the frame is missing").isEqualTo(1);
    c.close();
  }
}
