package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LagJudgeTest {

  private static List<Long> series(int seconds, long start, double perSecond, long jitter) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < seconds; i++) {
      out.add(Math.round(start + perSecond * i + (i % 2 == 0 ? jitter : -jitter)));
    }
    return out;
  }

  @Test
  void aBacklogThatHoversAroundRateTimesLatencyIsBounded() {
    // 200 frames/s at ~100 ms latency: about 20 frames in flight, +-15 with the commits
    LagJudge.Verdict v = LagJudge.judge(200, 199, 20, series(60, 20, 0, 15));
    assertThat(v.bounded()).as(v.reason()).isTrue();
    assertThat(Math.abs(v.slopeFps())).isLessThan(2);
  }

  @Test
  void aBacklogGrowingByTwoPercentOfTheRateIsNotBounded() {
    // capacity 196 of 200 offered: 4 more frames every second, 240 after a minute
    LagJudge.Verdict v = LagJudge.judge(200, 200, 20, series(60, 24, 4, 3));
    assertThat(v.bounded()).isFalse();
    assertThat(v.reason()).contains("backlog grew by");
  }

  @Test
  void aBacklogStillRisingAtTheEndIsNotBoundedEvenIfItGrewLittleOverall() {
    List<Long> b = new ArrayList<>(series(30, 400, -12, 0)); // drains an old backlog ...
    b.addAll(series(30, 40, 3, 0)); // ... then starts to grow
    LagJudge.Verdict v = LagJudge.judge(100, 100, 400, b);
    assertThat(v.bounded()).isFalse();
    assertThat(v.reason()).contains("still rising");
  }

  @Test
  void aRateTheSenderCouldNotOfferIsNotCountedAsSustained() {
    LagJudge.Verdict v = LagJudge.judge(500, 420, 10, series(60, 10, 0, 2));
    assertThat(v.bounded()).isFalse();
    assertThat(v.reason()).contains("offered only");
  }

  @Test
  void theSlopeIsTheLeastSquaresTrendPerSecond() {
    assertThat(LagJudge.slope(List.of(0L, 2L, 4L, 6L))).isEqualTo(2.0);
    assertThat(LagJudge.slope(List.of(5L, 5L, 5L))).isZero();
  }
}
