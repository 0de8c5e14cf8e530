package dev.advmon.loadtest;

import java.util.BitSet;

/**
 * Which of a run's frames (by sequence number) have had their outcome, so that one read twice is told, in memory
 * bounded by the frames in flight rather than by the run's length. One bit per frame from the oldest frame still
 * without an outcome (the low-water mark, advanced as frames are answered) to the newest answered, at most
 * {@link #WINDOW} frames apart; when the newest answered is further ahead, the frames still unanswered behind that
 * window are set aside as ranges, where an outcome that still comes is found. So every frame stays told apart, first
 * outcome or second, however late: what is set aside is normally nothing, and otherwise the frames lost or kept
 * waiting far longer than the others (one entry per run of consecutive such frames). One bit per frame sent took
 * 54 MB for a day at 5,000 frames/s, and an int index ran out after 2^31 frames (about five days).
 */
final class SeenFrames {

  /** Frames between the oldest unanswered one and the newest answered kept as bits: 1 MiB, 28 min at 5,000/s. */
  static final int WINDOW = 1 << 23;

  /** Frames the low-water mark moves past before the bits behind it are dropped (copying the rest). */
  static final int COMPACT_AFTER = 1 << 16;

  private final int window;
  /** The sequence number of bit 0. */
  private long base;
  /** Every frame before it has had its outcome, or is set aside. */
  private long low;
  private BitSet bits = new BitSet();
  /** Frames left unanswered behind the window. */
  private final FrameRanges aside = new FrameRanges();

  SeenFrames() {
    this(WINDOW);
  }

  /** {@code window}: smaller for tests. */
  SeenFrames(int window) {
    this.window = window;
  }

  /** Records frame {@code seq}'s outcome: true the first time, false when it had one already. */
  boolean first(long seq) {
    if (seq < low) {
      return aside.remove(seq); // a frame set aside has its first outcome; any other there had one before
    }
    if (seq - low >= window) {
      setAside(seq - window + 1);
    }
    int i = (int) (seq - base);
    if (bits.get(i)) {
      return false;
    }
    bits.set(i);
    if (seq == low) {
      advance();
    }
    return true;
  }

  /**
   * Frames in [from, to) without an outcome, not counting those in {@code notSent} (their send failed: no outcome is
   * due; one that comes anyway is not counted twice).
   */
  long unseen(long from, long to, FrameRanges notSent) {
    long[] count = {0};
    // behind the low-water mark only the frames set aside are without an outcome
    aside.forEach(from, Math.min(to, low), (a, b) -> count[0] += b - a - notSent.count(a, b));
    long f = Math.max(from, low);
    if (f < to) {
      // past the bits held no frame has had its outcome
      long held = Math.min(to, base + bits.length());
      count[0] += to - f - answered(f, held);
      notSent.forEach(f, to, (a, b) -> count[0] -= b - a - answered(a, Math.min(b, held)));
    }
    return count[0];
  }

  /** Frames in [from, to), all at or past the low-water mark and before the bits' end, with an outcome. */
  private long answered(long from, long to) {
    return from < to ? bits.get((int) (from - base), (int) (to - base)).cardinality() : 0;
  }

  /** Bits held now (for tests: bounded by the window, not by the frames seen). */
  long bitsHeld() {
    return bits.size();
  }

  /** Ranges of frames set aside now. */
  int rangesAside() {
    return aside.runs();
  }

  /** Moves the low-water mark to {@code newLow}, setting the frames before it still without an outcome aside. */
  private void setAside(long newLow) {
    long seq = low;
    while (seq < newLow) {
      int i = (int) Math.min(seq - base, Integer.MAX_VALUE);
      // past the bits held, every frame up to newLow is unanswered: one range
      long start = i >= bits.length() ? seq : base + bits.nextClearBit(i);
      if (start >= newLow) {
        break;
      }
      long end = start - base >= bits.length() ? newLow
          : Math.min(newLow, base + bits.nextSetBit((int) (start - base)));
      if (end <= start) { // no set bit after start
        end = newLow;
      }
      aside.add(start, end);
      seq = end;
    }
    if (newLow - base >= bits.length()) {
      bits = new BitSet();
      base = newLow;
    }
    low = newLow;
    advance();
  }

  /** Moves the low-water mark past the frames answered, and drops the bits behind it now and then. */
  private void advance() {
    low = base + bits.nextClearBit((int) (low - base));
    int behind = (int) (low - base);
    if (behind >= COMPACT_AFTER) {
      bits = bits.get(behind, Math.max(behind, bits.length()));
      base = low;
    }
  }
}
