package dev.advmon.campaign;

/**
 * Sums of times and durations that stop at the ends of a long instead of wrapping around. The campaign settings
 * accept any positive duration, and Long.MAX_VALUE ("never") added to a timestamp must stay "never", not become a
 * time 292 million years ago.
 */
final class Saturating {

  private Saturating() {}

  static long plus(long a, long b) {
    long sum = a + b;
    // overflow only when both have the same sign and the sum has the other one
    if (((a ^ sum) & (b ^ sum)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return sum;
  }

  static long minus(long a, long b) {
    return b == Long.MIN_VALUE ? plus(plus(a, Long.MAX_VALUE), 1) : plus(a, -b);
  }
}
