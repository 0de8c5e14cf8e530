package dev.advmon.loadtest;

import java.util.function.Consumer;

/**
 * Which frame the sender sends next, and when: the offered rates turned into {@link SendSchedule}s and sequence
 * numbers. Every offer (the warm-up, each step, a pause) starts a schedule of its own from the moment it was made,
 * even at the rate already offered, so that a step's frames are exactly those of its own schedule, numbered from a
 * first sequence number the sender itself reports. Frames the ended schedule still owed when the offer was made (the
 * sender was behind) are sent first, late, with their own due times and sequence numbers: dropped, they would vanish
 * from the latency and from the count of frames offered (coordinated omission); sent under the new schedule, the old
 * schedule's latency would be measured as the new one's. {@link #offer} is called by whoever changes the rate, the
 * rest by the sender thread only. The clocks are passed in so that a test can drive it without a thread or a broker.
 */
final class Pacer {

  /** The longest the sender sleeps at a time, so that it notices a new offer soon without being woken. */
  static final long MAX_WAIT_NANOS = 50_000_000L;

  /** A frame to send now: its sequence number, its due time (its timestamp) and how late it goes out. */
  record Due(long sequence, long epochMs, long lateNanos) {}

  /** A rate offered from a moment on, and the sequence number of its first frame once the sender has started it. */
  static final class Offer {
    private final SendSchedule schedule; // null: a pause
    private final double rate;
    private final long startNanos;
    private final Consumer<Offer> onStart;
    private volatile long first = -1;
    /** Set once onStart has run: first alone is set before it, for onStart to read its first sequence number. */
    private volatile boolean started;

    private Offer(double rate, long startNanos, long startEpochMs, Consumer<Offer> onStart) {
      this.rate = rate;
      this.schedule = rate > 0 ? new SendSchedule(startNanos, startEpochMs, rate) : null;
      this.startNanos = startNanos;
      this.onStart = onStart;
    }

    double rate() {
      return rate;
    }

    /** When it was offered (the pacer's nano clock): its first frame is due then. */
    long startNanos() {
      return startNanos;
    }

    /**
     * Whether the sender has started it: what the previous schedule owed is sent, and its onStart has run (so a caller
     * that waits for this sees what onStart registered, e.g. a step's stats).
     */
    boolean started() {
      return started;
    }

    /** The sequence number of its first frame (of the first frame after it, for a pause). */
    long firstSequence() {
      if (first < 0) {
        throw new IllegalStateException("the offer of " + rate + " frames/s has not started yet");
      }
      return first;
    }

    /**
     * One past its last frame for a step {@code spanNanos} long: its frames due within the span, sent or still to
     * be sent (late), whatever the sender managed by its end.
     */
    long endSequence(long spanNanos) {
      return firstSequence() + (schedule == null ? 0 : schedule.dueBefore(startNanos() + spanNanos));
    }

    private void start(long sequence) {
      first = sequence;
      if (onStart != null) {
        onStart.accept(this);
      }
      started = true;
    }
  }

  /** No frame of this run has that sequence number yet: {@link #dueNanos} knows no due time for it. */
  static final long UNKNOWN = Long.MIN_VALUE;

  private final Clocks clocks;
  /**
   * The schedules started, by the sequence number of their first frame: frame {@code s} is frame {@code s - first} of
   * the schedule with the greatest first sequence number not above it (an ended schedule's owed frames keep its
   * numbering, and the next schedule starts after them). One entry per offer, so bounded by the steps of a run, not
   * by its frames. Written by the sender thread, read by the reader's.
   */
  private final java.util.concurrent.ConcurrentSkipListMap<Long, SendSchedule> started =
      new java.util.concurrent.ConcurrentSkipListMap<>();
  private volatile Offer offered;
  private volatile long nextSequence;
  private Offer current;
  private long k;

  Pacer(Clocks clocks) {
    this.clocks = clocks;
  }

  /**
   * Frames per second from now on (0 pauses), as a schedule of its own. {@code onStart} (may be null) runs on the
   * sender thread once the offer has its first sequence number, before that frame is sent: the place to start
   * counting the frames it sends.
   */
  Offer offer(double fps, Consumer<Offer> onStart) {
    Offer o = new Offer(fps, clocks.nanoTime(), clocks.epochMillis(), onStart);
    offered = o;
    return o;
  }

  /** Sequence number the next frame will get. */
  long nextSequence() {
    return nextSequence;
  }

  /** The frame to send now, or null when none is due yet (then wait {@link #waitNanos()} at most). */
  Due next() {
    Offer o = offered;
    if (o != current) {
      if (current != null && current.schedule != null && current.schedule.dueNanos(k) < o.startNanos()) {
        return take(); // owed by the ended schedule: due before the new offer was made, so it is late already
      }
      current = o;
      k = 0;
      if (o.schedule != null) {
        started.put(nextSequence, o.schedule); // before its first frame is sent, so before any of its outcomes
      }
      o.start(nextSequence);
    }
    if (current == null || current.schedule == null || current.schedule.dueNanos(k) > clocks.nanoTime()) {
      return null;
    }
    return take();
  }

  private Due take() {
    long now = clocks.nanoTime();
    long due = current.schedule.dueNanos(k);
    Due d = new Due(nextSequence, current.schedule.dueEpochMs(k), Math.max(0, now - due));
    k++;
    nextSequence++;
    return d;
  }

  /**
   * When frame {@code sequence} was due, on the monotonic clock ({@link Clocks#nanoTime}), or {@link #UNKNOWN} for a
   * sequence number no schedule has started (none of this run's frames). The reader times each outcome from here, on
   * the same clock: a wall-clock step between the send and the read changes nothing.
   */
  long dueNanos(long sequence) {
    var e = started.floorEntry(sequence);
    return e == null || sequence < 0 ? UNKNOWN : e.getValue().dueNanos(sequence - e.getKey());
  }

  /** How long the sender may sleep before the next frame is due (at most {@link #MAX_WAIT_NANOS}). */
  long waitNanos() {
    if (offered != current) {
      return 0; // a new offer to start
    }
    if (current == null || current.schedule == null) {
      return MAX_WAIT_NANOS;
    }
    return Math.max(0, Math.min(current.schedule.dueNanos(k) - clocks.nanoTime(), MAX_WAIT_NANOS));
  }
}
