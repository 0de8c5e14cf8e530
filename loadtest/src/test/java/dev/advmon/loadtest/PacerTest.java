package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sender's schedules at step boundaries, on a clock the test sets: a step's frames are exactly those of its own
 * schedule, and what an ended schedule still owed is sent with its own due times, never dropped or passed off as the
 * next step's.
 */
class PacerTest {

  private static final long MS = 1_000_000L;
  private static final long EPOCH = 1_700_000_000_000L;

  private long nanos;
  private final Pacer pacer = new Pacer(new Clocks(() -> nanos, () -> EPOCH + nanos / MS));

  /** Sends every frame due by {@code untilNanos}, the clock following each frame's due time (a sender keeping up). */
  private List<Pacer.Due> keepUpUntil(long untilNanos) {
    List<Pacer.Due> sent = new ArrayList<>();
    while (nanos <= untilNanos) {
      Pacer.Due d = pacer.next();
      if (d != null) {
        sent.add(d);
      } else {
        nanos += Math.max(1, pacer.waitNanos());
      }
    }
    nanos = untilNanos;
    return sent;
  }

  /** Everything the sender sends at the current instant (a sender catching up after a stall). */
  private List<Pacer.Due> sendAllDueNow() {
    List<Pacer.Due> sent = new ArrayList<>();
    for (Pacer.Due d = pacer.next(); d != null; d = pacer.next()) {
      sent.add(d);
    }
    return sent;
  }

  @Test
  void aStepAtTheWarmUpsRateStartsAScheduleOfItsOwnAfterTheFramesTheWarmUpStillOwed() {
    pacer.offer(100, null); // the warm-up, at 0 s
    assertThat(keepUpUntil(495 * MS)).hasSize(50); // frames due at 0, 10 ... 490 ms
    nanos = 1_000 * MS; // the sender stalled for half a second; the step comes at the same rate
    List<Long> firsts = new ArrayList<>();
    Pacer.Offer step = pacer.offer(100, o -> firsts.add(o.firstSequence()));

    List<Pacer.Due> burst = sendAllDueNow();
    assertThat(burst).as("the warm-up's 50 owed frames, then the step's first").hasSize(51);
    assertThat(burst.subList(0, 50)).as("still the warm-up's, each with its own due time").allSatisfy(d ->
        assertThat(d.epochMs()).isEqualTo(EPOCH + 500 + 10 * (d.sequence() - 50)));
    assertThat(burst.get(49).sequence()).isEqualTo(99);
    Pacer.Due stepFirst = burst.get(50);
    assertThat(firsts).as("the step starts at its own schedule's first frame").containsExactly(100L);
    assertThat(step.firstSequence()).isEqualTo(100);
    assertThat(stepFirst.sequence()).isEqualTo(100);
    assertThat(stepFirst.epochMs()).as("due when the step was offered, not in the warm-up").isEqualTo(EPOCH + 1_000);
  }

  @Test
  void whenTheRateChangesTheFramesTheOldScheduleStillOwedAreSentWithTheirDueTimesNotDropped() {
    pacer.offer(100, null);
    keepUpUntil(495 * MS);
    nanos = 1_000 * MS;
    Pacer.Offer faster = pacer.offer(200, null);
    List<Pacer.Due> burst = sendAllDueNow();
    assertThat(burst.stream().filter(d -> d.sequence() < faster.firstSequence()).map(Pacer.Due::epochMs))
        .as("frames 50-99, due at 500-990 ms under the old rate")
        .containsExactlyElementsOf(java.util.stream.LongStream.range(50, 100).map(k -> EPOCH + 10 * k).boxed()
            .toList());
    assertThat(faster.firstSequence()).isEqualTo(100);
    assertThat(burst.get(burst.size() - 1).epochMs()).isEqualTo(EPOCH + 1_000);
  }

  @Test
  void aStepsFramesAreThoseDueWithinItsSpanThoughTheSenderSendsThemAfterIt() {
    pacer.offer(10, null);
    keepUpUntil(95 * MS); // frame 0
    Pacer.Offer step = pacer.offer(20, null); // at 95 ms: frames due at 95, 145 ... 1045 ms are the step's 20
    assertThat(sendAllDueNow()).hasSize(1);
    nanos = 1_200 * MS; // the step's 1 s span ended while the sender stalled after its first frame
    assertThat(step.endSequence(1_000 * MS)).as("its 20 frames, 19 of them not sent yet").isEqualTo(21);
    List<Pacer.Due> late = sendAllDueNow();
    assertThat(late.stream().filter(d -> d.sequence() < 21)).as("sent late, each with its own due time")
        .hasSize(19).allSatisfy(d -> assertThat(d.lateNanos()).isPositive());
  }

  @Test
  void aPauseStartsOnlyOnceTheFramesTheEndedScheduleOwedAreSent() {
    pacer.offer(100, null);
    keepUpUntil(495 * MS);
    nanos = 1_000 * MS;
    Pacer.Offer pause = pacer.offer(0, null);
    assertThat(pause.started()).as("50 frames still owed").isFalse();
    List<Pacer.Due> owed = sendAllDueNow();
    assertThat(owed).hasSize(50);
    assertThat(owed.get(49).epochMs()).isEqualTo(EPOCH + 990);
    assertThat(pause.started()).isTrue();
    assertThat(pause.firstSequence()).isEqualTo(100);
    nanos = 5_000 * MS;
    assertThat(pacer.next()).as("paused").isNull();
  }

  /**
   * Session.step waits for started() and then reads what onStart registered (the step's stats in the collector): an
   * offer read as started while its onStart was still running on the sender thread handed the session no stats.
   */
  @Test
  void anOfferReadsAsStartedOnlyOnceItsOnStartHasRun() {
    pacer.offer(100, null);
    keepUpUntil(95 * MS);
    List<Boolean> startedDuringOnStart = new ArrayList<>();
    Pacer.Offer step = pacer.offer(100, o -> startedDuringOnStart.add(o.started()));
    sendAllDueNow();
    assertThat(startedDuringOnStart).as("while its onStart ran").containsExactly(false);
    assertThat(step.started()).as("once it has run").isTrue();
  }
}
