package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FrameRangesTest {

  @Test
  void framesFailingOneAfterAnotherAreOneRunHoweverManyAndWhateverTheirNumbers() {
    // an outage: a million frames fail in a row, callbacks out of order within a few; the BitSet it replaces held a
    // bit for every frame of the run up to the last failure, and could not number one past 2^31
    FrameRanges failed = new FrameRanges();
    long start = 3_000_000_000L;
    for (long seq = start; seq < start + 1_000_000; seq += 4) {
      for (long k : new long[] {3, 1, 0, 2}) {
        failed.add(seq + k);
      }
    }
    assertThat(failed.runs()).isEqualTo(1);
    assertThat(failed.count(0, Long.MAX_VALUE)).isEqualTo(1_000_000);
    assertThat(failed.count(start + 10, start + 20)).isEqualTo(10);
    assertThat(failed.within(start - 5, start + 3).count(0, Long.MAX_VALUE)).isEqualTo(3);
  }

  @Test
  void addRemoveAndCountAgreeWithASetOfFrames() {
    for (long seed = 1; seed <= 20; seed++) {
      Random random = new Random(seed);
      FrameRanges ranges = new FrameRanges();
      Set<Long> reference = new HashSet<>();
      for (int k = 0; k < 2_000; k++) {
        long a = random.nextInt(3_000);
        if (random.nextInt(3) == 0) {
          assertThat(ranges.remove(a)).as("seed %s, remove %s", seed, a).isEqualTo(reference.remove(a));
        } else {
          long b = a + 1 + random.nextInt(random.nextBoolean() ? 1 : 30);
          ranges.add(a, b);
          for (long s = a; s < b; s++) {
            reference.add(s);
          }
        }
      }
      for (int q = 0; q < 50; q++) {
        long from = random.nextInt(3_100);
        long to = from + random.nextInt(3_100);
        long want = reference.stream().filter(s -> s >= from && s < to).count();
        assertThat(ranges.count(from, to)).as("seed %s, [%s, %s)", seed, from, to).isEqualTo(want);
        assertThat(ranges.within(from, to).count(0, Long.MAX_VALUE)).isEqualTo(want);
      }
      List<long[]> runs = new ArrayList<>();
      ranges.forEach(0, Long.MAX_VALUE, (a, b) -> runs.add(new long[] {a, b}));
      for (int i = 1; i < runs.size(); i++) {
        assertThat(runs.get(i)[0]).as("seed %s: runs apart, not touching", seed).isGreaterThan(runs.get(i - 1)[1]);
      }
      assertThat(runs).hasSize(ranges.runs());
    }
  }
}
