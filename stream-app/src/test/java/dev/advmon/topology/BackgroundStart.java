package dev.advmon.topology;

import dev.advmon.cli.Wiring;
import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.health.StartupWaits;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.testing.TestData;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * {@link StreamingMonitor#start} on {@code starter}, as {@code run} starts it (the real registry client, the bundled
 * model's preparer, no scorer yet), for tests of the start-up waits: the test decides when to look, or to interrupt.
 */
final class BackgroundStart {

  private BackgroundStart() {}

  static Future<StreamingMonitor> on(ExecutorService starter, MonitorConfig config, MonitorMetrics metrics)
      throws Exception {
    return on(starter, config, metrics, new StartupWaits());
  }

  /** As above, telling {@code waits} what start-up waits for (readiness's reasons while starting). */
  static Future<StreamingMonitor> on(ExecutorService starter, MonitorConfig config, MonitorMetrics metrics,
      StartupWaits waits) throws Exception {
    return starter.submit(start(config, new HttpSchemaRegistryClient(Wiring.registrySettings(config)), metrics, waits));
  }

  /** The start as above, with {@code registry} in place of the real client, for a test to run on its own thread. */
  static Callable<StreamingMonitor> start(MonitorConfig config, SchemaRegistry registry, MonitorMetrics metrics,
      StartupWaits waits) throws Exception {
    FramePreparer preparer = FramePreparer.forModel(ImageLimits.defaults(),
        ModelBundle.load(TestData.defaultBundle()).manifest());
    return () -> StreamingMonitor.start(config, registry, true, preparer, () -> (FrameScorer) null, metrics,
        AlertListener.NONE, waits);
  }

  /** What a test does while the start runs, given the start and the thread it runs on. */
  interface WhileStarting {
    void run(FutureTask<StreamingMonitor> start, Thread starter) throws Exception;
  }

  /**
   * Starts with {@code registry} on a thread of its own, does {@code meanwhile}, and returns what the start failed
   * with; null when it started (the monitor is then closed). The thread is interrupted at the end, as run's stop does,
   * so that a start still waiting (should an assertion have failed first) does not outlive the test.
   */
  static Throwable failure(MonitorConfig config, SchemaRegistry registry, MonitorMetrics metrics,
      WhileStarting meanwhile) throws Exception {
    return failure(config, registry, metrics, new StartupWaits(), meanwhile);
  }

  /** As above, the start telling {@code waits} how its checks go. */
  static Throwable failure(MonitorConfig config, SchemaRegistry registry, MonitorMetrics metrics, StartupWaits waits,
      WhileStarting meanwhile) throws Exception {
    FutureTask<StreamingMonitor> start = new FutureTask<>(start(config, registry, metrics, waits));
    Thread starter = new Thread(start, "test-starter");
    starter.setDaemon(true);
    starter.start();
    try {
      meanwhile.run(start, starter);
      start.get(60, TimeUnit.SECONDS).close();
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } finally {
      starter.interrupt();
    }
  }
}
