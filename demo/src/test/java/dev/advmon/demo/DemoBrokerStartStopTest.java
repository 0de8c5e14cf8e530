package dev.advmon.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Ctrl-C or SIGTERM while the demo's broker is built. The JVM is then shutting down, and Kafka's first metrics
 * registry, made while the broker is built, fails to add its own shutdown hook (an ExceptionInInitializerError,
 * "Shutdown in progress"): the demo ended with that stack trace instead of saying it was stopped.
 */
class DemoBrokerStartStopTest {

  private static final Path HOME = Path.of(System.getProperty("advmon.home", "..")).toAbsolutePath().normalize();

  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  /** A demo whose broker start runs {@code start}, given the demo (to stop it as the signal's hook does). */
  private Demo demo(java.util.function.Function<Demo, EmbeddedKafka> start) {
    AtomicReference<Demo> self = new AtomicReference<>();
    Demo demo = new Demo(new Demo.Options(20, 2, 0, 0, HOME.resolve("models/eval/fashion-mnist-test"), 7, false, null),
        HOME, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), () -> start.apply(self.get()));
    self.set(demo);
    return demo;
  }

  @Test
  void aStopWhileTheBrokerStartsEndsTheDemoAsStoppedNotWithTheFailureItCaused() {
    Demo demo = demo(d -> {
      d.stop(); // the signal's hook, while the broker is built
      throw new ExceptionInInitializerError(new IllegalStateException("Shutdown in progress"));
    });

    Throwable ended = catchThrowable(demo::run);

    assertThat(ended).isInstanceOf(Demo.StoppedWhileStarting.class)
        .hasMessage("stopped (signal received) while starting Kafka: nothing was replayed");
  }

  /** A failure of the broker's own that a stop happens to meet is told as itself, not hidden as the stop. */
  @Test
  void aBrokerFailureOfItsOwnIsToldWhetherAStopCameOrNot() {
    IllegalStateException broken = new IllegalStateException("the broker's log folder cannot be written");
    Demo stopped = demo(d -> {
      d.stop();
      throw broken;
    });
    Demo running = demo(d -> {
      throw broken;
    });

    assertThat(catchThrowable(stopped::run)).isSameAs(broken);
    assertThat(catchThrowable(running::run)).isSameAs(broken);
  }
}
