package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.FramePreparer;
import dev.advmon.registry.InMemorySchemaRegistry;
import dev.advmon.testing.Await;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.PixelModel;
import dev.advmon.testing.TestData;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start that fails after the shared batcher was made (here: a state folder that cannot be created, as with a
 * read-only volume) stops the batcher's inference workers: they were left running, idle, for the rest of the JVM
 * (the run command's model is closed next, and an embedding or a test that starts again piles them up).
 */
class FailedStartStopsInferenceWorkersTest {

  @TempDir
  Path dir;

  @Test
  void aStartThatFailsBeforeKafkaStreamsStartsLeavesNoInferenceWorkerRunning() throws Exception {
    // a folder under a file, which cannot be created: the file is made after the settings' check, which refuses it
    // (as a disk changed since config --check)
    Path aFile = dir.resolve("state");
    Map<String, String> settings = MonitorSettings.of("127.0.0.1:1", "http://127.0.0.1:1", "failed-start", dir);
    settings.put("streams.state-dir", aFile.resolve("stores").toString());
    settings.put("streams.num-threads", "2");
    settings.put("model.batch.max-frames", "2"); // a shared batcher, with its worker threads
    settings.put("model.batch.workers", "2");
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    Files.writeString(aFile, "a file where the state folder's parent should be");
    PixelModel model = PixelModel.open();
    FrameScorer scorer = new FrameScorer(model, List.of(), 8);
    FramePreparer preparer = FramePreparer.forModel(ImageLimits.defaults(), model.manifest());
    List<Thread> before = inferenceWorkers();
    try (MonitorMetrics metrics = MonitorMetrics.inMemory()) {
      assertThatThrownBy(() -> StreamingMonitor.startUnchecked(config, new InMemorySchemaRegistry(), preparer, scorer,
          metrics, AlertListener.NONE))
          .isInstanceOf(UncheckedIOException.class).hasMessageContaining("streams.state-dir");
    }
    assertThat(Await.until(() -> inferenceWorkers().stream().allMatch(before::contains), Duration.ofMinutes(2)))
        .as("the failed start's inference workers stopped (still running: %s)", inferenceWorkers()).isTrue();
  }

  /**
   * A state folder another instance holds (two pods on one volume, a process still closing) makes the Kafka Streams
   * client fail to be made after the monitor made its health checker: that checker's admin client, connecting to
   * the broker with its own thread, was left for the rest of the JVM, as was a Kafka Streams client whose start
   * failed.
   */
  @Test
  void aStartWhoseKafkaStreamsClientCannotBeMadeLeavesNoKafkaClientThreadOfItsOwn() throws Exception {
    Map<String, String> settings = MonitorSettings.of("127.0.0.1:1", "http://127.0.0.1:1", "locked-start", dir);
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    String applicationId = config.string("streams.application-id");
    Path appDir = Path.of(settings.get("streams.state-dir"), applicationId);
    Files.createDirectories(appDir);
    PixelModel model = PixelModel.open();
    FrameScorer scorer = new FrameScorer(model, List.of(), 8);
    FramePreparer preparer = FramePreparer.forModel(ImageLimits.defaults(), model.manifest());
    // a lock file Kafka Streams cannot open (a folder by that name): the monitor's own check of a lock held by another
    // process cannot tell and lets it through, so the failure comes where it came for a held lock, from Kafka Streams
    Files.createDirectories(appDir.resolve(".lock"));
    try (MonitorMetrics metrics = MonitorMetrics.inMemory()) {
      assertThatThrownBy(() -> StreamingMonitor.startUnchecked(config, new InMemorySchemaRegistry(), preparer, scorer,
          metrics, AlertListener.NONE)).hasMessageNotContaining("locked by another process");
    }
    assertThat(Await.until(() -> clientThreadsOf(applicationId).isEmpty(), Duration.ofMinutes(2)))
        .as("the failed start's Kafka clients were closed (still running: %s)", clientThreadsOf(applicationId)).isTrue();
  }

  /** Threads of Kafka clients whose client id begins with the application id (the monitor's all do). */
  private static List<String> clientThreadsOf(String applicationId) {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.contains(applicationId)).toList();
  }

  private static List<Thread> inferenceWorkers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("advmon-inference") && t.isAlive()).toList();
  }
}
