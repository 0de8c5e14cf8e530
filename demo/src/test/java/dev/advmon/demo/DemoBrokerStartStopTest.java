package dev.advmon.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    return demo(HOME.resolve("models/eval/fashion-mnist-test"), start);
  }

  /** As {@link #demo(java.util.function.Function)}, replaying the labelled images of {@code images}. */
  private Demo demo(Path images, java.util.function.Function<Demo, EmbeddedKafka> start) {
    AtomicReference<Demo> self = new AtomicReference<>();
    Demo demo = new Demo(new Demo.Options(20, 2, 0, 0, images, 7, false, null),
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

  /**
   * --images of a folder labelled by class name, as calibrate reads it: the demo reads it through the model it runs
   * (the bundled one here) before the broker starts; it refused it, "'Ankle boot' is not a class index".
   */
  @Test
  void readsAnImagesFolderLabelledByNameThroughTheModelItRunsBeforeTheBroker(@TempDir Path dir) throws Exception {
    Path eval = HOME.resolve("models/eval/fashion-mnist-test");
    Files.copy(eval.resolve("test-00000.png"), dir.resolve("boot.png"));
    Files.copy(eval.resolve("test-00001.png"), dir.resolve("pullover.png"));
    Files.writeString(dir.resolve("labels.csv"), "file,label\nboot.png,Ankle boot\npullover.png,Pullover\n");
    Demo demo = demo(dir, d -> {
      d.stop(); // the images were read: stop where the broker would start
      throw new ExceptionInInitializerError(new IllegalStateException("Shutdown in progress"));
    });

    assertThat(catchThrowable(demo::run)).isInstanceOf(Demo.StoppedWhileStarting.class);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("2 evaluation images; starting Kafka");
  }
}
