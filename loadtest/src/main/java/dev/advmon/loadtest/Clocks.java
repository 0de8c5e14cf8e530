package dev.advmon.loadtest;

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
}
