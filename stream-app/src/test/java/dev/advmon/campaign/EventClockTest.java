package dev.advmon.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EventClockTest {

  private final EventClock clock = new EventClock(30_000, 1_000_000);

  @Test
  void followsTheNewestFrameWhileFramesCome() {
    assertThat(clock.frame(500_000, 1_000_000)).isEqualTo(500_000); // a backlog from long ago
    assertThat(clock.frame(400_000, 1_000_001)).as("an older frame does not turn it back").isEqualTo(500_000);
    assertThat(clock.now(1_000_001)).as("1 ms of wall clock since the newest frame").isEqualTo(500_001);
  }

  @Test
  void runsOnWithTheWallClockWhileNoFrameComesButNeverAheadOfIt() {
    clock.frame(990_000, 1_000_000);
    assertThat(clock.now(1_060_000)).as("quiet for 60 s").isEqualTo(1_050_000);
    clock.frame(1_010_000, 1_000_000); // a camera clock 10 s ahead
    assertThat(clock.now(1_000_000)).isEqualTo(1_000_000);
  }

  @Test
  void runsOnWithTheWallClockWhileOnlyFramesOlderThanTheNewestCome() {
    clock.frame(1_000_000, 1_000_000);
    // the task's only camera reboots with its clock at 1970 and keeps sending: without the clock running on, no
    // window of it would ever be closed again (every frame counts in its current window) until 1970 caught up
    for (long wall = 1_000_000; wall <= 1_060_000; wall += 100) {
      assertThat(clock.frame(wall - 1_000_000, wall)).as("an older frame does not turn it back").isEqualTo(1_000_000);
    }
    assertThat(clock.now(1_060_000)).isEqualTo(1_060_000);
  }

  @Test
  void aFrameStampedFarAheadCountsAtTheSkewBound() {
    assertThat(clock.frame(4_102_444_800_000L, 1_000_000)).isEqualTo(1_030_000); // 2100
  }

  @Test
  void closesNothingAfterAStartUntilAFrameIsReadOrTheTaskHasBeenIdleForTheSkew() {
    assertThat(clock.now(1_010_000)).isEqualTo(Long.MIN_VALUE);
    assertThat(clock.now(1_030_001)).isEqualTo(1_030_001);
  }

  @Test
  void followsFramesWithTheLargestAcceptedSkew() {
    // campaign.max-clock-skew-ms accepts any positive long: wall + skew must not wrap around to before every frame
    EventClock unbounded = new EventClock(Long.MAX_VALUE, 1_000_000);
    assertThat(unbounded.frame(990_000, 1_000_000)).isEqualTo(990_000);
    assertThat(unbounded.now(1_005_000)).isEqualTo(995_000);
  }

  @Test
  void aTimeReachedBeforeARestartMovesTheClockOnButNeverBack() {
    clock.reached(2_000_000, 1_000_000); // a restored window, with no frame read yet
    assertThat(clock.frame(0, 1_000_000)).as("a frame from 1970 does not turn it back").isEqualTo(2_000_000);
    assertThat(clock.now(1_000_500)).isEqualTo(1_000_500); // still never ahead of the wall clock
    EventClock running = new EventClock(30_000, 1_000_000);
    running.frame(990_000, 1_000_000);
    running.reached(1_020_000, 1_060_000); // behind where 60 s of quiet took it
    assertThat(running.now(1_060_000)).isEqualTo(1_050_000);
  }
}
