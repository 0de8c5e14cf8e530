package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.testing.LogLines;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The shutdown hook of {@code run}: it waits a bounded time for the close, and the JVM exits when it returns. A close
 * that outlasted the bound (a broker gone, a model still loading) ended the process without a word about it.
 */
class SignalStopTest {

  @Test
  void aCloseThatOutlastsTheBoundIsNamedBeforeTheExit() {
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1); // never counted down: the close is still running
    try (LogLines lines = LogLines.of(SignalStop.class)) {
      new SignalStop(stop, stopped, new AtomicBoolean(false), Thread.currentThread(), Duration.ofMillis(1)).run();
      assertThat(stop.getCount()).isZero();
      assertThat(lines.messages()).anySatisfy(m -> assertThat(m)
          .contains("did not finish closing within 0 s of the signal")
          .contains("exiting now")
          .contains(getClass().getName())); // where the close was, from the main thread's stack
    }
  }

  @Test
  void aRunThatEndedByItselfIsNotReportedAsStopped() {
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(0);
    try (LogLines lines = LogLines.of(SignalStop.class)) {
      new SignalStop(stop, stopped, new AtomicBoolean(false), Thread.currentThread(), Duration.ofMillis(1)).run();
      assertThat(stop.getCount()).isOne();
      assertThat(lines.messages()).isEmpty();
    }
  }
}
