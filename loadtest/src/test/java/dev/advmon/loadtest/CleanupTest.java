package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.registry.InMemorySchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CleanupTest {

  @TempDir
  Path dir;

  @Test
  void theShutdownHookClosesWhatIsStillOpenNewestFirstEvenWhenOneFails() {
    List<String> closed = new ArrayList<>();
    AutoCloseable broker = () -> closed.add("broker");
    AutoCloseable target = () -> {
      closed.add("target");
      throw new IllegalStateException("boom");
    };
    AutoCloseable session = () -> {
      closed.add("session");
      ShutdownCleanup.unregister(broker); // as a target closes the broker it owns: not closed twice
      closed.add("broker (by its owner)");
    };
    AutoCloseable done = () -> closed.add("done");
    ShutdownCleanup.register(broker);
    ShutdownCleanup.register(target);
    ShutdownCleanup.register(done);
    ShutdownCleanup.register(session);
    ShutdownCleanup.unregister(done); // closed normally before the interruption
    ShutdownCleanup.closeAll();
    assertThat(closed).containsExactly("session", "broker (by its owner)", "target");
    assertThat(ShutdownCleanup.isRegistered(broker)).isFalse();
  }

  @Test
  void anInstanceThatFailsToStartLeavesNoStateFolder() throws Exception {
    Path states = Files.createDirectories(dir.resolve("states"));
    Map<String, String> settings = new HashMap<>(EmbeddedTarget.settings("localhost:1", 1, Map.of()));
    settings.put("model.dir", dir.resolve("no-model-here").toString());
    EmbeddedTarget target = new EmbeddedTarget(null, false, settings, dir, new InMemorySchemaRegistry(), states);
    try {
      assertThat(ShutdownCleanup.isRegistered(target)).as("closed on Ctrl-C").isTrue();
      PrintStream log = new PrintStream(new ByteArrayOutputStream());
      assertThatThrownBy(() -> target.addInstance(log)).hasMessageContaining("model bundle folder not found");
      try (Stream<Path> left = Files.list(states)) {
        assertThat(left.toList()).isEmpty();
      }
    } finally {
      target.close();
    }
    assertThat(ShutdownCleanup.isRegistered(target)).isFalse();
  }

  /**
   * {@code --set model.dir=my-bundle} was refused by ModelBundle.load alone, naming only {@code <home>/my-bundle}:
   * not the setting, where it came from, nor that a relative value resolves against the monitor's home, as the
   * monitor's own commands say (cli.BundleSetting).
   */
  @Test
  void aMissingModelFolderIsNamedAsTheMonitorsCommandsNameIt() throws Exception {
    Map<String, String> settings = new HashMap<>(EmbeddedTarget.settings("localhost:1", 1, Map.of()));
    settings.put("model.dir", "my-bundle");
    EmbeddedTarget target = new EmbeddedTarget(null, false, settings, dir, new InMemorySchemaRegistry(), dir);
    try {
      PrintStream log = new PrintStream(new ByteArrayOutputStream());
      assertThatThrownBy(() -> target.addInstance(log))
          .hasMessageContaining(dir.resolve("my-bundle") + ": model bundle folder not found")
          .hasMessageContaining("model.dir = 'my-bundle' (from command line)")
          .hasMessageContaining("relative to the monitor's home " + dir);
    } finally {
      target.close();
    }
  }

  @Test
  void oneInstanceFailingToCloseLeavesNoStateFolderBehindNorTheOthersOpen() throws Exception {
    Map<String, String> settings = new HashMap<>(EmbeddedTarget.settings("localhost:1", 1, Map.of()));
    EmbeddedTarget target = new EmbeddedTarget(null, false, settings, dir, new InMemorySchemaRegistry(), dir);
    List<String> closed = new ArrayList<>();
    Path older = Files.createTempDirectory(dir, "advmon-loadtest-state-");
    Path newer = Files.createTempDirectory(dir, "advmon-loadtest-state-");
    target.adopt(() -> closed.add("monitor 1"), () -> closed.add("classifier 1"), () -> closed.add("metrics 1"), older);
    target.adopt(() -> {
      throw new IllegalStateException("Kafka Streams did not close in time");
    }, () -> closed.add("classifier 2"), () -> closed.add("metrics 2"), newer);

    assertThatThrownBy(target::close).hasMessageContaining("closing embedded monitor instance 2 failed")
        .hasMessageContaining("did not close in time");
    assertThat(closed).containsExactly("classifier 2", "metrics 2", "monitor 1", "classifier 1", "metrics 1");
    assertThat(older).doesNotExist();
    assertThat(newer).doesNotExist();
    assertThat(ShutdownCleanup.isRegistered(target)).isFalse();
  }
}
