package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.FrameVerdict;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The sender and the reader run in one JVM: what they time is timed on its monotonic clock, so the wall clock
 * stepping (NTP, a VM resumed) between a frame's send and its verdict's read changes no measured figure. The test
 * drives both clocks: the monotonic one advances as the run does, the wall clock jumps as well.
 */
class WallClockStepTest {

  private static final long MS = 1_000_000L;
  private static final long EPOCH = 1_700_000_000_000L;

  private long nanos = 7_000 * MS; // nanoTime's origin is arbitrary
  private long wallMs = EPOCH;
  private final Clocks clocks = new Clocks(() -> nanos, () -> wallMs);
  private final Pacer pacer = new Pacer(clocks);

  private static FrameSource frames() throws Exception {
    return new FrameSource(Path.of(System.getProperty("advmon.home", "..")).resolve("models/eval/fashion-mnist-test"),
        null, "wcs");
  }

  /** Both clocks advance by {@code ms}; the wall clock then jumps by {@code stepMs} too. */
  private void elapse(long ms, long stepMs) {
    nanos += ms * MS;
    wallMs += ms + stepMs;
  }

  private static FrameVerdict verdictOf(FrameSource frames, Pacer.Due sent) {
    FrameVerdict v = new FrameVerdict();
    v.setFrameId(frames.frameId(sent.sequence()));
    v.setCaptureTime(Instant.ofEpochMilli(sent.epochMs())); // what the monitor copies from the frame
    v.setBatchFrames(1);
    return v;
  }

  @Test
  void aWallClockSteppingBackOrForwardBetweenSendAndReadDoesNotChangeTheLatency() throws Exception {
    FrameSource frames = frames();
    pacer.offer(100, null); // frame k due 10 k ms after the offer
    Collector c = new Collector(frames, pacer, clocks);
    Collector.StepStats step = c.startStep(0);

    Pacer.Due first = pacer.next(); // due at once, sent at once
    elapse(40, -10_000); // 40 ms later, with the wall clock stepped back 10 s meanwhile
    c.verdictRead(verdictOf(frames, first));

    Pacer.Due second = pacer.next(); // due 10 ms after the offer, sent 30 ms late
    elapse(60, +20_000); // 60 ms later, with the wall clock stepped forward 20 s meanwhile
    c.verdictRead(verdictOf(frames, second));

    Collector.StepStats read = c.snapshot(step);
    assertThat(read.verdicts).isEqualTo(2);
    assertThat(read.latencyMs.getTotalCount()).as("both verdicts timed").isEqualTo(2);
    assertThat(read.latencyMs.getMinValue()).as("frame 0: read 40 ms after it was due").isEqualTo(40);
    assertThat(read.latencyMs.getMaxValue()).as("frame 1: due at 10 ms, read at 100 ms").isEqualTo(90);
    c.close();
  }

  @Test
  void aDeadLetterIsTimedAsAVerdictIsWhateverItsTopicsTimestampType() throws Exception {
    FrameSource frames = frames();
    pacer.offer(100, null);
    Collector c = new Collector(frames, pacer, clocks);
    Collector.StepStats step = c.startStep(0);
    Pacer.Due sent = pacer.next();
    elapse(70, -5_000);
    DeadLetter d = new DeadLetter();
    d.setFrameId(frames.frameId(sent.sequence()));
    d.setReason("SCORING_FAILED");
    c.deadLetterRead(d);
    Collector.StepStats read = c.snapshot(step);
    assertThat(read.deadLetters).isEqualTo(1);
    assertThat(c.intervalLatencies().getMaxValue()).as("70 ms after it was due").isEqualTo(70);
    c.close();
  }

  @Test
  void aSequenceNumberNoScheduleStartedHasNoLatency() throws Exception {
    Collector c = new Collector(frames(), pacer, clocks);
    assertThat(c.latencyMs(0, nanos)).as("nothing offered yet").isEqualTo(-1);
    pacer.offer(100, null);
    pacer.next();
    assertThat(c.latencyMs(-1, nanos)).as("another run's frame").isEqualTo(-1);
    assertThat(c.latencyMs(0, nanos + 5 * MS)).isEqualTo(5);
    c.close();
  }

  @Test
  void aWallClockStepDuringAStepDoesNotChangeItsSpanOfOutcomes() throws Exception {
    FrameSource frames = frames();
    pacer.offer(100, null);
    Collector c = new Collector(frames, pacer, clocks);
    Collector.StepStats step = c.startStep(0);
    Pacer.Due first = pacer.next();
    elapse(250, +3_600_000); // the wall clock jumps an hour forward
    c.verdictRead(verdictOf(frames, first));
    Collector.StepStats read = c.snapshot(step);
    assertThat(read.lastOutcomeAtMs - read.startedAtMs).as("ms from the step's start to its last outcome")
        .isEqualTo(250);
    c.close();
  }

  @Test
  void aWallClockStepDuringTheRunDoesNotChangeItsRunTime() {
    Clocks.Start start = clocks.start();
    elapse(90_000, -3_600_000); // a run of 90 s, during which the wall clock was stepped back an hour
    Report r = new Report("t", java.util.Map.of(), 1, false, java.util.List.of(), java.util.List.of(), 0, 0, 0, 0, 0,
        java.util.Map.of(), true, "0 0 0", "0 0 0", null, start.at(), clocks.ended(start), 0, LoadTestCommand.LOWER_BOUND_ADVICE);
    assertThat(r.started()).as("the run's start, on the wall clock").isEqualTo(Instant.ofEpochMilli(EPOCH));
    assertThat(r.runSeconds()).as("run_s: the time it ran, on the monotonic clock").isEqualTo(90.0);
    assertThat(r.ended()).as("ended: its start plus the time it ran").isEqualTo(r.started().plusSeconds(90));
  }
}
