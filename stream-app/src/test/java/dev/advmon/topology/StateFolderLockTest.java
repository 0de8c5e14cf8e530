package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.FramePreparer;
import dev.advmon.registry.InMemorySchemaRegistry;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.PixelModel;
import dev.advmon.testing.TestData;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateFolderLockTest {

  @TempDir
  Path dir;

  /**
   * A second ./monitor run on the same machine (its own http.port, the rest as the first's) stopped with Kafka
   * Streams' "Unable to initialize state ... multiple instances of Kafka Streams are running in the same state
   * directory": no setting named, and nothing said of the instance id, which must differ too.
   */
  @Test
  void aStateFolderAnotherMonitorHoldsIsRefusedNamingTheSettingsToChange() throws Exception {
    Map<String, String> settings = MonitorSettings.of("127.0.0.1:1", "http://127.0.0.1:1", "second-run", dir);
    settings.put("streams.instance-id", "box-1");
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    String applicationId = config.string("streams.application-id");
    Path folder = Files.createDirectories(Path.of(settings.get("streams.state-dir"), applicationId));
    PixelModel model = PixelModel.open();
    FrameScorer scorer = new FrameScorer(model, List.of(), 8);
    FramePreparer preparer = FramePreparer.forModel(ImageLimits.defaults(), model.manifest());
    try (FileChannel channel = FileChannel.open(folder.resolve(StateFolderLock.LOCK_FILE), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
        FileLock held = channel.lock();
        MonitorMetrics metrics = MonitorMetrics.inMemory()) {
      assertThatThrownBy(() -> StreamingMonitor.startUnchecked(config, new InMemorySchemaRegistry(), preparer, scorer,
          metrics, AlertListener.NONE))
          .hasMessageContaining("the state folder " + folder)
          .hasMessageContaining("streams.state-dir = '" + settings.get("streams.state-dir") + "'")
          .hasMessageContaining("another monitor with streams.application-id '" + applicationId + "'")
          .hasMessageContaining("its own streams.instance-id (now 'box-1'");
    }
  }

  /**
   * A process's locks on a file are dropped when it closes any channel to that file (POSIX record locks): the check,
   * refusing a lock that a Kafka Streams client of this JVM holds, closed its own channel, which freed the running
   * monitor's state folder for any other process.
   */
  @Test
  void refusingALockThisJvmHoldsLeavesItHeldForOtherProcesses() throws Exception {
    Map<String, String> settings = MonitorSettings.of("127.0.0.1:1", "http://127.0.0.1:1", "same-jvm", dir);
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    Path state = Path.of(settings.get("streams.state-dir"));
    Path lockFile = Files.createDirectories(state.resolve(config.string("streams.application-id")))
        .resolve(StateFolderLock.LOCK_FILE);
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = channel.lock()) {
      assertThat(anotherProcessLocks(lockFile)).as("held, before the check").isFalse();
      assertThatThrownBy(() -> StateFolderLock.requireFree(config, state)).hasMessageContaining("is locked");
      assertThat(anotherProcessLocks(lockFile)).as("still held after the check").isFalse();
    }
  }

  private static boolean anotherProcessLocks(Path lockFile) throws Exception {
    String launcher = ProcessHandle.current().info().command().orElse("java");
    String classes = Path.of(TryLock.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    Process p = new ProcessBuilder(launcher, "-cp", classes, TryLock.class.getName(), lockFile.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("the other process: %s", out).isZero();
    return out.contains("LOCKED");
  }

  /** The other process: says whether it could lock the file. */
  public static final class TryLock {
    public static void main(String[] args) throws Exception {
      try (FileChannel c = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE)) {
        System.out.println(c.tryLock() != null ? "LOCKED" : "HELD");
      }
    }
  }

  /** A lock file left by a monitor that has stopped (Kafka Streams never deletes it) is no reason to refuse. */
  @Test
  void aLockFileNobodyHoldsIsNoReasonToRefuse() throws Exception {
    Map<String, String> settings = MonitorSettings.of("127.0.0.1:1", "http://127.0.0.1:1", "stopped-run", dir);
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    Path state = Path.of(settings.get("streams.state-dir"));
    assertThatCode(() -> StateFolderLock.requireFree(config, state)).doesNotThrowAnyException();
    Files.createFile(Files.createDirectories(state.resolve(config.string("streams.application-id")))
        .resolve(StateFolderLock.LOCK_FILE));
    assertThatCode(() -> StateFolderLock.requireFree(config, state)).doesNotThrowAnyException();
  }
}
