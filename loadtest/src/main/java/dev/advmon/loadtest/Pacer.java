package dev.advmon.loadtest;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Which frame the sender sends next, and when: the offered rates turned into {@link SendSchedule}s and sequence
 * numbers. {@link #offer} is called by whoever changes the rate, the rest by the sender thread only. The clocks are
 * passed in so that a test can drive it without a thread or a broker.
 */
final class Pacer {

  /** The longest the sender sleeps at a time, so that it notices a new offer soon without being woken. */
  static final long MAX_WAIT_NANOS = 50_000_000L;

  /** A frame to send now: its sequence number, its due time (its timestamp) and how late it goes out. */
  record Due(long sequence, long epochMs, long lateNanos) {}

  /** A rate offered from a moment on, and the sequence number of its first frame. */
  final class Offer {
    private final double rate;
    private final long startNanos;
    private volatile long first = -1;

    private Offer(double rate, long startNanos) {
      this.rate = rate;
      this.startNanos = startNanos;
    }

    double rate() {
      return rate;
    }

    /** When it was offered (the pacer's nano clock). */
    long startNanos() {
      return startNanos;
    }

    boolean started() {
      return first >= 0;
    }

    /** The sequence number of its first frame. */
    long firstSequence() {
      if (first < 0) {
        throw new IllegalStateException("the offer of " + rate + " frames/s has not started yet");
      }
      return first;
    }

    /** One past its last frame, for a step {@code spanNanos} long: the frames sent so far. */
    long endSequence(long spanNanos) {
      return nextSequence;
    }
  }

  private final LongSupplier nanoClock;
  private final LongSupplier epochClock;
  private volatile double rate;
  private volatile long nextSequence;
  private SendSchedule schedule;
  private long k;

  Pacer(LongSupplier nanoClock, LongSupplier epochClock) {
    this.nanoClock = nanoClock;
    this.epochClock = epochClock;
  }

  /**
   * Frames per second from now on (0 pauses). {@code onStart} (may be null) runs once the offer has its first
   * sequence number.
   */
  Offer offer(double fps, Consumer<Offer> onStart) {
    Offer o = new Offer(fps, nanoClock.getAsLong());
    o.first = nextSequence;
    if (onStart != null) {
      onStart.accept(o);
    }
    rate = fps;
    return o;
  }

  /** Sequence number the next frame will get. */
  long nextSequence() {
    return nextSequence;
  }

  /** The frame to send now, or null when none is due yet (then wait {@link #waitNanos()} at most). */
  Due next() {
    double r = rate;
    if (r <= 0) {
      schedule = null;
      return null;
    }
    long now = nanoClock.getAsLong();
    if (schedule == null || r != schedule.rate()) { // a new rate starts now, not from the old schedule
      schedule = new SendSchedule(now, epochClock.getAsLong(), r);
      k = 0;
    }
    long due = schedule.dueNanos(k);
    if (due > now) {
      return null;
    }
    Due d = new Due(nextSequence, schedule.dueEpochMs(k), now - due);
    k++;
    nextSequence++;
    return d;
  }

  /** How long the sender may sleep before the next frame is due (at most {@link #MAX_WAIT_NANOS}). */
  long waitNanos() {
    if (rate <= 0 || schedule == null) {
      return MAX_WAIT_NANOS;
    }
    return Math.max(0, Math.min(schedule.dueNanos(k) - nanoClock.getAsLong(), MAX_WAIT_NANOS));
  }
}
