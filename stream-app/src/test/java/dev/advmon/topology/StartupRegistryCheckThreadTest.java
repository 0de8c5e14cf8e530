package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.health.StartupWaits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.registry.RegisteredSchema;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.TestData;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry's start-up wait runs on a thread of its own (advmon-registry-check) beside the topic check, so that
 * whichever fails first ends the start. It ran on the thread that calls {@link StreamingMonitor#start}, and what that
 * gave it must still hold: an Error ends the start as itself (its stack trace logged), not wrapped in an
 * IllegalStateException whose message is the Error's class name (exit status 2, as if refused at start-up).
 */
class StartupRegistryCheckThreadTest {

  @TempDir
  Path dir;

  @Test
  void anErrorInTheRegistrysCheckEndsTheStartAsItself() throws Exception {
    Error broken = new NoClassDefFoundError("com/fasterxml/jackson/databind/ObjectMapper (a broken class path)");
    Throwable ended = startEndingWith(new TestRegistry(() -> {
      throw broken;
    }), null);

    assertThat(ended).isSameAs(broken);
  }

  /** What the test does while the start runs, given the start and the thread it runs on. */
  private interface WhileStarting {
    void run(FutureTask<StreamingMonitor> start, Thread starter) throws Exception;
  }

  /** Starts against {@code registry} and a broker that refuses connections; what the start ended with. */
  private Throwable startEndingWith(SchemaRegistry registry, WhileStarting meanwhile) throws Exception {
    int noBroker;
    try (ServerSocket s = new ServerSocket(0)) {
      noBroker = s.getLocalPort();
    }
    Map<String, String> settings = MonitorSettings.of("127.0.0.1:" + noBroker, "http://127.0.0.1:1", "check-thread",
        dir);
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    try (MonitorMetrics metrics = MonitorMetrics.inMemory()) {
      FutureTask<StreamingMonitor> start = new FutureTask<>(BackgroundStart.start(config, registry, metrics,
          new StartupWaits()));
      Thread starter = new Thread(start, "test-starter");
      starter.setDaemon(true);
      starter.start();
      try {
        if (meanwhile != null) {
          meanwhile.run(start, starter);
        }
        start.get(60, TimeUnit.SECONDS).close();
        return null;
      } catch (ExecutionException e) {
        return e.getCause();
      } finally {
        starter.interrupt(); // a start still waiting for the broker, should an assertion have failed first
      }
    }
  }

  /** A registry whose every registration does what {@code register} does. */
  private static final class TestRegistry implements SchemaRegistry {
    private final Supplier<Integer> register;

    TestRegistry(Supplier<Integer> register) {
      this.register = register;
    }

    @Override
    public int register(String subject, Schema schema) {
      return register.get();
    }

    @Override
    public int idOf(String subject, Schema schema) {
      return register.get();
    }

    @Override
    public Schema byId(int id) {
      throw new UnsupportedOperationException("not asked at start-up");
    }

    @Override
    public RegisteredSchema latest(String subject) {
      throw new UnsupportedOperationException("not asked at start-up");
    }

    @Override
    public String describe() {
      return "test registry";
    }
  }
}
