package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SeenFramesTest {

  @Test
  void framesAnsweredRoughlyInOrderHoldBitsForTheFramesInFlightNotForEveryFrameSent() {
    SeenFrames seen = new SeenFrames(1024);
    int frames = 2_000_000;
    List<Long> block = new ArrayList<>();
    Random random = new Random(1);
    for (long start = 0; start < frames; start += 500) { // answered out of order within 500 frames
      block.clear();
      for (long seq = start; seq < start + 500; seq++) {
        block.add(seq);
      }
      Collections.shuffle(block, random);
      for (long seq : block) {
        assertThat(seen.first(seq)).as("frame %s, first outcome", seq).isTrue();
      }
    }
    assertThat(seen.bitsHeld()).as("one bit per frame sent would be %s", frames)
        .isLessThanOrEqualTo(1024 + SeenFrames.COMPACT_AFTER + 64);
    assertThat(seen.rangesAside()).isZero();
    assertThat(seen.first(5)).as("long answered: seen again").isFalse();
    assertThat(seen.first(frames - 1)).isFalse();
    assertThat(seen.unseen(0, frames + 10, new FrameRanges())).as("only the 10 not sent yet").isEqualTo(10);
  }

  @Test
  void framesLeftFarBehindAreSetAsideAndStillToldApartWhenTheirOutcomeComesLate() {
    SeenFrames seen = new SeenFrames(1024);
    Set<Long> unanswered = Set.of(10L, 20L, 21L, 22L, 50_000L);
    for (long seq = 0; seq < 100_000; seq++) {
      if (!unanswered.contains(seq)) {
        seen.first(seq);
      }
    }
    assertThat(seen.rangesAside()).as("10, 20-22, 50000").isEqualTo(3);
    assertThat(seen.unseen(0, 100_000, new FrameRanges())).isEqualTo(5);
    FrameRanges notSent = new FrameRanges();
    notSent.add(21); // its send failed: no outcome is due
    assertThat(seen.unseen(0, 100_000, notSent)).isEqualTo(4);
    assertThat(seen.unseen(15, 22, new FrameRanges())).as("20 and 21").isEqualTo(2);
    assertThat(seen.first(21)).as("late, but its first outcome").isTrue();
    assertThat(seen.first(21)).as("then a duplicate").isFalse();
    assertThat(seen.first(11)).as("answered long ago").isFalse();
    assertThat(seen.unseen(0, 100_000, new FrameRanges())).isEqualTo(4);
    assertThat(seen.first(50_000)).isTrue();
    assertThat(seen.unseen(0, 100_000, new FrameRanges())).isEqualTo(3);
    assertThat(seen.bitsHeld()).isLessThanOrEqualTo(1024 + SeenFrames.COMPACT_AFTER + 64);
  }

  @Test
  void anOutcomeFarAheadOfEveryOtherLeavesOneRangeAsideNotABitPerFrame() {
    SeenFrames seen = new SeenFrames(1024);
    for (long seq = 0; seq < 10; seq++) {
      seen.first(seq);
    }
    long far = 3_000_000_000L; // past an int's range too
    assertThat(seen.first(far)).isTrue();
    assertThat(seen.rangesAside()).isEqualTo(1);
    assertThat(seen.unseen(0, far + 1, new FrameRanges())).isEqualTo(far + 1 - 11);
    assertThat(seen.first(500)).isTrue();
    assertThat(seen.first(far - 1)).isTrue();
    assertThat(seen.first(far)).isFalse();
    assertThat(seen.unseen(0, far + 1, new FrameRanges())).isEqualTo(far + 1 - 13);
  }

  @Test
  void anyOrderWithRepeatsIsCountedAsASetOfFramesWould() {
    for (long seed = 1; seed <= 20; seed++) {
      Random random = new Random(seed);
      SeenFrames seen = new SeenFrames(256);
      Set<Long> reference = new HashSet<>();
      int frames = 20_000;
      for (int k = 0; k < 40_000; k++) {
        // mostly near the newest, sometimes far behind, some never
        long newest = Math.min(frames - 1, k / 2);
        long seq = random.nextInt(10) == 0 ? random.nextLong(newest + 1)
            : Math.max(0, newest - random.nextInt(50));
        if (seq % 97 == 0) {
          continue; // lost
        }
        assertThat(seen.first(seq)).as("seed %s, frame %s", seed, seq).isEqualTo(reference.add(seq));
      }
      assertThat(seen.rangesAside()).as("seed %s: frames were set aside, the path under test", seed).isPositive();
      for (long to : new long[] {1, 100, 5_000, frames}) {
        long expected = to - reference.stream().filter(s -> s < to).count();
        assertThat(seen.unseen(0, to, new FrameRanges())).as("seed %s, [0, %s)", seed, to).isEqualTo(expected);
      }
      long from = 3_000;
      long expected = frames - from - reference.stream().filter(s -> s >= from).count();
      assertThat(seen.unseen(from, frames, new FrameRanges())).as("seed %s, [3000, end)", seed).isEqualTo(expected);
      // send failures, in runs and alone, some of them answered all the same: each frame counted once
      FrameRanges notSent = new FrameRanges();
      Set<Long> failed = new HashSet<>();
      for (int k = 0; k < 50; k++) {
        long start = random.nextLong(frames);
        long end = Math.min(frames, start + 1 + random.nextInt(random.nextBoolean() ? 1 : 400));
        notSent.add(start, end);
        for (long seq = start; seq < end; seq++) {
          failed.add(seq);
        }
      }
      for (long[] span : new long[][] {{0, frames}, {3_000, 17_000}, {frames - 300, frames + 50}}) {
        long want = 0;
        for (long seq = span[0]; seq < span[1]; seq++) {
          want += reference.contains(seq) || failed.contains(seq) ? 0 : 1;
        }
        assertThat(seen.unseen(span[0], span[1], notSent)).as("seed %s, [%s, %s) less send failures", seed, span[0],
            span[1]).isEqualTo(want);
      }
    }
  }
}
