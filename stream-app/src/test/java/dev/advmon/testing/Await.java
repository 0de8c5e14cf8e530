package dev.advmon.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting for a condition on a loaded machine: polled, never a fixed sleep. */
public final class Await {

  private Await() {}

  /** Polls {@code condition} every 100 ms until it holds; false if it still does not after {@code timeout}. */
  public static boolean until(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(100);
    }
    return condition.getAsBoolean();
  }
}
