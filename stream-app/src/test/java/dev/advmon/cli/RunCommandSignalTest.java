package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hook {@code run} installs for SIGTERM: {@link SignalStopTest} tests {@link SignalStop} itself, so {@code run}
 * installing a hook of its own (no bound, no WARN when the close is cut off) left every test passing.
 */
class RunCommandSignalTest {

  @TempDir
  Path dir;

  /** Ends {@code run} where the hook is installed, before the model loads or anything is waited for. */
  private static final class Installed extends RuntimeException {
    Installed() {
      super("hook installed", null, false, false);
    }
  }

  @Test
  void runStopsOnASignalThroughSignalStopWithinTheStopBound() throws Exception {
    Path file = dir.resolve("monitor.properties");
    Files.writeString(file, "kafka.bootstrap.servers=127.0.0.1:9\nregistry.url=http://127.0.0.1:9\n"
        + "model.dir=" + TestData.defaultBundle() + "\n");
    AtomicReference<Runnable> hook = new AtomicReference<>();
    RunCommand run = new RunCommand();
    run.config = file;
    run.onSignal = stop -> {
      hook.set(stop);
      throw new Installed();
    };
    assertThatThrownBy(run::call).isInstanceOf(Installed.class);
    assertThat(hook.get()).isInstanceOf(SignalStop.class)
        .extracting("bound").isEqualTo(RunCommand.STOP_BOUND);
  }
}
