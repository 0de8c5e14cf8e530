package dev.advmon.loadtest;

import java.util.Map;
import java.util.TreeMap;

/**
 * A set of frame sequence numbers kept as runs of consecutive ones (start inclusive, end exclusive): memory per run,
 * not per frame nor per frame of the run before them, and any long. For the frames whose send failed (a broker outage
 * fails them one after another) and the frames {@link SeenFrames} sets aside. Not thread-safe.
 */
final class FrameRanges {

  /** What a query is told of each run it meets, clipped to the span asked about. */
  interface RunConsumer {
    void accept(long start, long end);
  }

  private final TreeMap<Long, Long> runs = new TreeMap<>();

  void add(long seq) {
    add(seq, seq + 1);
  }

  /** Adds [start, end), joining the runs it touches or overlaps. */
  void add(long start, long end) {
    if (start >= end) {
      return;
    }
    Map.Entry<Long, Long> before = runs.floorEntry(start);
    if (before != null && before.getValue() >= start) {
      start = before.getKey();
      end = Math.max(end, before.getValue());
    }
    Map.Entry<Long, Long> next = runs.ceilingEntry(start);
    while (next != null && next.getKey() <= end) {
      end = Math.max(end, next.getValue());
      runs.remove(next.getKey());
      next = runs.ceilingEntry(start);
    }
    runs.put(start, end);
  }

  /** Takes {@code seq} out; true when it was in. */
  boolean remove(long seq) {
    Map.Entry<Long, Long> r = runs.floorEntry(seq);
    if (r == null || seq >= r.getValue()) {
      return false;
    }
    long start = r.getKey();
    long end = r.getValue();
    runs.remove(start);
    if (start < seq) {
      runs.put(start, seq);
    }
    if (seq + 1 < end) {
      runs.put(seq + 1, end);
    }
    return true;
  }

  /** Each run's part in [from, to), in order. */
  void forEach(long from, long to, RunConsumer consumer) {
    if (from >= to) {
      return;
    }
    Map.Entry<Long, Long> before = runs.floorEntry(from);
    long first = before != null && before.getValue() > from ? before.getKey() : from;
    for (Map.Entry<Long, Long> r : runs.subMap(first, true, to, false).entrySet()) {
      long a = Math.max(from, r.getKey());
      long b = Math.min(to, r.getValue());
      if (a < b) {
        consumer.accept(a, b);
      }
    }
  }

  /** How many of [from, to) are in. */
  long count(long from, long to) {
    long[] n = {0};
    forEach(from, to, (a, b) -> n[0] += b - a);
    return n[0];
  }

  /** A copy of the part in [from, to): what a query of that span needs, however long the run before it. */
  FrameRanges within(long from, long to) {
    FrameRanges copy = new FrameRanges();
    forEach(from, to, (a, b) -> copy.runs.put(a, b));
    return copy;
  }

  /** Runs held now. */
  int runs() {
    return runs.size();
  }
}
