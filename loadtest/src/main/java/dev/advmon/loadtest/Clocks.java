package dev.advmon.loadtest;

import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * The two clocks the load tester reads: a monotonic one in nanoseconds ({@link System#nanoTime}) for anything timed
 * within this JVM, and the wall clock in epoch milliseconds for what leaves it (a frame's capture time and record
 * timestamp). One object for the sender and the reader, so that a test can drive both, and step the wall clock
 * between a frame's send and its verdict's read.
 */
record Clocks(LongSupplier nanos, LongSupplier epochMs) {

  static final Clocks SYSTEM = new Clocks(System::nanoTime, System::currentTimeMillis);

  long nanoTime() {
    return nanos.getAsLong();
  }

  long epochMillis() {
    return epochMs.getAsLong();
  }

  /** When a run started, on both clocks: its wall-clock instant for the report, and the monotonic reading then. */
  record Start(Instant at, long nanos) {}

  Start start() {
    return new Start(Instant.ofEpochMilli(epochMillis()), nanoTime());
  }

  /**
   * When the run that began at {@code start} ended: its start plus the time it ran on the monotonic clock, so that a
   * wall-clock step during the run (NTP, a VM resumed) changes neither run_s nor ended (read from the wall clock, a
   * step back of an hour made a 90 s run's run_s -3510).
   */
  Instant ended(Start start) {
    return start.at().plusNanos(nanoTime() - start.nanos());
  }
}
