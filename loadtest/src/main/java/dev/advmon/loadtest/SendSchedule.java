package dev.advmon.loadtest;

/**
 * When each frame of a constant rate is due: frame {@code k} (0, 1, 2 ...) at {@code start + k / rate}, computed
 * from k, so that no rounding accumulates over a long step. A frame's timestamp is its due time, not the moment it
 * happened to be sent: a stall of the sender (or of the broker it waits on) then shows in the latency of the frames
 * that were due during it, instead of disappearing from the measurement (coordinated omission).
 */
final class SendSchedule {

  /** A frame sent more than this after its due time counts as late. */
  static final long LATE_NANOS = 200_000_000L;

  private final long startNanos;
  private final long startEpochMs;
  private final double rate;

  SendSchedule(long startNanos, long startEpochMs, double rate) {
    if (!(rate > 0) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException("rate must be a positive finite number of frames/s, not " + rate);
    }
    this.startNanos = startNanos;
    this.startEpochMs = startEpochMs;
    this.rate = rate;
  }

  double rate() {
    return rate;
  }

  /** System.nanoTime() at which frame k is due. */
  long dueNanos(long k) {
    return startNanos + Math.round(k * 1e9 / rate);
  }

  /** How many frames are due before {@code nanos} (System.nanoTime()): those numbered 0 to the result - 1. */
  long dueBefore(long nanos) {
    if (nanos <= startNanos) {
      return 0;
    }
    long n = (long) Math.ceil((nanos - startNanos) * rate / 1e9); // the rounding of dueNanos can put it one off
    while (n > 0 && dueNanos(n - 1) >= nanos) {
      n--;
    }
    while (dueNanos(n) < nanos) {
      n++;
    }
    return n;
  }

  /** Epoch milliseconds at which frame k is due: its capture time and record timestamp. */
  long dueEpochMs(long k) {
    return startEpochMs + Math.round(k * 1e3 / rate);
  }
}
