package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SendScheduleTest {

  @Test
  void eachFrameIsStampedWithItsDueTimeWithoutDrift() {
    SendSchedule s = new SendSchedule(5_000_000_000L, 1_700_000_000_000L, 3);
    assertThat(s.dueEpochMs(0)).isEqualTo(1_700_000_000_000L);
    assertThat(s.dueEpochMs(3)).isEqualTo(1_700_000_001_000L);
    assertThat(s.dueNanos(3)).isEqualTo(6_000_000_000L);
    // a day at 3 frames/s: an interval truncated to whole nanoseconds (333,333,333) would be 86 us off; this is exact
    assertThat(s.dueEpochMs(3L * 86_400)).isEqualTo(1_700_000_000_000L + 86_400_000L);
    assertThat(s.dueNanos(3L * 86_400)).isEqualTo(5_000_000_000L + 86_400_000_000_000L);
  }

  @Test
  void framesSentLateAfterAStallKeepTheTimesTheyWereDue() {
    // 100 frames/s; the sender stalls from 0.5 s to 1.5 s, then sends everything that fell due at once.
    SendSchedule s = new SendSchedule(0, 10_000, 100);
    List<long[]> sentAt = new ArrayList<>(); // {sendNanos, stampMs}
    long clock = 0;
    for (long k = 0; k < 200; k++) {
      long due = s.dueNanos(k);
      if (clock >= 500_000_000L && clock < 1_500_000_000L) {
        clock = 1_500_000_000L; // the stall
      }
      clock = Math.max(clock, due);
      sentAt.add(new long[] {clock, s.dueEpochMs(k)});
    }
    // the frames due during the stall all went out at 1.5 s ...
    long burst = sentAt.stream().filter(f -> f[0] == 1_500_000_000L).count();
    assertThat(burst).isEqualTo(100); // due at 0.51, 0.52 ... 1.50 s (the one due at 0.50 went on time)
    // ... each stamped with its own due time, so each frame's latency includes its wait in the stall
    long worst = sentAt.stream().mapToLong(f -> f[0] / 1_000_000 - (f[1] - 10_000)).max().orElseThrow();
    assertThat(worst).isEqualTo(990); // the frame due at 0.51 s
    assertThat(sentAt.get(51)[1]).isEqualTo(10_510);
    assertThat(sentAt.get(149)[1]).isEqualTo(11_490);
  }

  @Test
  void countsTheFramesDueBeforeAMomentExactlyWhereDueTimesAreRounded() {
    SendSchedule s = new SendSchedule(1_000, 0, 3); // due at 1000, 333334333, 666667667, 1000001000 ns ...
    assertThat(s.dueBefore(1_000)).isZero();
    assertThat(s.dueBefore(1_001)).isEqualTo(1);
    assertThat(s.dueBefore(333_334_333)).isEqualTo(1);
    assertThat(s.dueBefore(333_334_334)).isEqualTo(2);
    assertThat(s.dueBefore(1_000 + 10_000_000_000L)).as("a 10 s step at 3 frames/s").isEqualTo(30);
    for (long k = 1; k < 1_000; k++) {
      assertThat(s.dueBefore(s.dueNanos(k))).isEqualTo(k);
      assertThat(s.dueBefore(s.dueNanos(k) + 1)).isEqualTo(k + 1);
    }
  }

  @Test
  void refusesARateThatIsNotAPositiveFiniteNumber() {
    for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> new SendSchedule(0, 0, bad)).as("%s", bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
