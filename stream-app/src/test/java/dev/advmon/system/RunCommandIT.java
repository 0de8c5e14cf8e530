package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.testing.ChildProcess;
import dev.advmon.testing.KafkaBroker;
import dev.advmon.testing.MonitorProcess;
import dev.advmon.testing.RealKafkaAndRegistry;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.TestData;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `monitor run` as a real process (the packaged jar): it waits for an unreachable registry with log lines,
 * becomes ready against the real broker and registry, creates its topics, and stops cleanly on SIGTERM.
 */
@RealKafkaAndRegistry
class RunCommandIT {

  @TempDir
  Path dir;

  private Process start(Path config, Path log) throws IOException {
    Path jar = TestData.repoRoot().resolve("stream-app/target/stream-app.jar");
    assertThat(jar).as("the packaged monitor (mvn package runs before the integration tests)").exists();
    String java = ProcessHandle.current().info().command().orElse("java");
    return new ProcessBuilder(java, "-Xmx512m", "-Dadvmon.home=" + TestData.repoRoot(), "-jar", jar.toString(),
        "run", "--config", config.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static boolean waitFor(Path log, String text, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains(text)) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
  }

  @Test
  void startsAgainstRealKafkaAndRegistryIsReadyAndStopsCleanlyOnSigterm(KafkaBroker.Info broker,
      SchemaRegistryServer.Info registry) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> settings = new java.util.LinkedHashMap<>();
    settings.put("kafka.bootstrap.servers", broker.bootstrapServers());
    settings.put("registry.url", registry.url());
    settings.put("topics.frames", "run-frames-" + run);
    settings.put("topics.verdicts", "run-verdicts-" + run);
    settings.put("topics.alerts", "run-alerts-" + run);
    settings.put("topics.dead-letter", "run-dlq-" + run);
    settings.put("streams.application-id", "run-it-" + run);
    settings.put("streams.instance-id", "pod-7");
    settings.put("streams.state-dir", dir.resolve("state").toString());
    settings.put("http.timeout-ms", "2000");
    try (MonitorProcess p = MonitorProcess.start("run", dir.resolve("run"), settings)) {
      assertThat(p.awaitHttp(Duration.ofSeconds(90))).as("serves HTTP; log:%n%s", p.process().tail(40)).isTrue();
      // the answer that said ready is the one checked: asking again could find no answer within MonitorProcess's 3 s
      // on a loaded machine (null, and a NullPointerException instead of a failed check)
      MonitorProcess.Http[] answer = {null};
      assertThat(p.process().await(() -> {
        answer[0] = p.readiness();
        return answer[0] != null && answer[0].status() == 200;
      }, Duration.ofSeconds(90))).as("becomes ready; log:%n%s", p.process().tail(40)).isTrue();
      MonitorProcess.Http ready = answer[0];
      assertThat(ready.body()).contains("\"status\":\"UP\"").contains("\"state\":\"RUNNING\"").contains("\"reasons\":[]");
      assertThat(p.process().output()).contains("Kafka Streams REBALANCING -> RUNNING")
          .contains("group.instance.id run-it-" + run + "-pod-7");
      // the health checker logs the change at its next look (every health.check-interval-ms)
      assertThat(p.process().awaitLog("readiness UP", Duration.ofSeconds(30))).as("readiness logged; log:%n%s",
          p.process().tail(20)).isTrue();
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        assertThat(admin.listTopics().names().get())
            .contains("run-frames-" + run, "run-verdicts-" + run, "run-alerts-" + run, "run-dlq-" + run);
      }

      // a client that sends half a request and waits: the connection is closed after http.timeout-ms
      try (java.net.Socket slow = new java.net.Socket("127.0.0.1", p.httpPort())) {
        slow.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".getBytes(
            java.nio.charset.StandardCharsets.US_ASCII));
        slow.getOutputStream().flush();
        slow.setSoTimeout(60_000); // a generous bound: the server closes it after 2 s (plus its 1 s timer)
        assertThat(slow.getInputStream().read()).as("the server closed the stalled connection").isEqualTo(-1);
      }
      // still serving after it closed the stalled connection: waited for, as an answer can take longer than
      // MonitorProcess's 3 s on a loaded machine
      assertThat(p.process().await(() -> {
        answer[0] = p.readiness();
        return answer[0] != null;
      }, Duration.ofSeconds(60))).as("answers after closing the stalled connection; log:%n%s", p.process().tail(40))
          .isTrue();
      assertThat(answer[0].status()).isEqualTo(200);

      assertThat(p.stop(Duration.ofSeconds(60))).as("exits after SIGTERM").isTrue();
      assertThat(p.process().process().exitValue()).isIn(0, 143);
      assertThat(p.process().output()).contains("stopping (signal received)").contains("-> NOT_RUNNING");
    }
  }

  /**
   * RocksDB's JNI library (15 MB) used to be extracted into java.io.tmpdir at each start and removed only at a normal
   * exit, so every monitor killed with kill -9 (a fault test, the OOM killer) left one behind (84 of them, 1.2 GB,
   * after two .ci/run rounds of FaultToleranceIT's kills). ONNX Runtime made a new onnxruntime-java* folder there at
   * each start and left it even at a normal exit (109 in /tmp of a development machine). Both are now loaded from
   * one shared copy in the cache folder.
   */
  @Test
  void aMonitorKilledWithSigkillLeavesNoNativeLibraryCopiesInItsTempFolder(KafkaBroker.Info broker,
      SchemaRegistryServer.Info registry) throws Exception {
    Path maps = Path.of("/proc/self/maps");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(maps), "needs Linux /proc to see loaded libraries");
    Map<String, String> settings = dev.advmon.testing.MonitorSettings.ofQuickStart(
        broker.bootstrapServers(), registry.url(),
        "tmp", dir.resolve("state"));
    Path own = dir.resolve("tmp-run");
    try (MonitorProcess p = MonitorProcess.start("tmp-run", own, settings)) {
      Path childMaps = Path.of("/proc/" + p.process().pid() + "/maps");
      // RocksDB is loaded before Kafka Streams starts, once the model (ONNX Runtime) is loaded and warmed up
      assertThat(p.process().await(() -> loaded(childMaps, "librocksdbjni").isPresent(), Duration.ofSeconds(120)))
          .as("RocksDB loaded; log:%n%s", p.process().tail(40)).isTrue();
      assertThat(loaded(childMaps, "librocksdbjni").orElseThrow()).startsWith(MonitorProcess.nativeCache().toString());
      assertThat(loaded(childMaps, "libonnxruntime.so")).as("ONNX Runtime's library, from the cache")
          .hasValueSatisfying(f -> assertThat(f).startsWith(MonitorProcess.nativeCache().toString()));
      assertThat(loaded(childMaps, "libonnxruntime4j_jni")).as("ONNX Runtime's JNI library, from the cache")
          .hasValueSatisfying(f -> assertThat(f).startsWith(MonitorProcess.nativeCache().toString()));
      p.kill();
      try (var files = Files.walk(own)) {
        assertThat(files.map(Path::toString).filter(f -> f.contains("librocksdbjni") || f.contains("onnxruntime"))
            .toList()).as("native library files or folders left in the killed monitor's temp folder").isEmpty();
      }
    }
  }

  /** The file of the first library mapped by a process whose name contains {@code name}. */
  private static java.util.Optional<String> loaded(Path maps, String name) {
    try {
      return Files.readAllLines(maps).stream().filter(l -> l.contains(name))
          .map(l -> l.substring(l.indexOf('/'))).findFirst();
    } catch (IOException e) {
      return java.util.Optional.empty(); // not started yet, or gone
    }
  }

  @Test
  void waitsForAnUnreachableRegistryWithClearLogLinesLiveButNotReadyUntilStopped(KafkaBroker.Info broker)
      throws Exception {
    Path config = dir.resolve("monitor.properties");
    int deadPort = freePort();
    Path log = dir.resolve("wait.log");
    int httpPort = 0;
    Process p = null;
    // http.port found free below the kernel's ephemeral ports (ServerSocket(0)'s are any outgoing connection's), and
    // another one should another process take it before the monitor binds it: it then exits, saying so
    for (int attempt = 1; p == null; attempt++) {
      httpPort = ChildProcess.freePort();
      Files.writeString(config, String.join("\n",
          "kafka.bootstrap.servers=" + broker.bootstrapServers(),
          "registry.url=http://127.0.0.1:" + deadPort,
          "registry.retries=0",
          "startup.retry-interval-ms=300",
          "http.port=" + httpPort, ""));
      Process started = start(config, log);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (started.isAlive() && !Files.readString(log).contains("(attempt 2") && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      if (attempt < 3 && !started.isAlive() && Files.readString(log).contains("Address already in use")) {
        continue;
      }
      p = started;
    }
    try {
      assertThat(waitFor(log, "(attempt 2", Duration.ofSeconds(60)))
          .as("logs its retries; log:%n%s", Files.exists(log) ? Files.readString(log) : "").isTrue();
      assertThat(p.isAlive()).isTrue();
      assertThat(Files.readString(log)).contains("waiting for the schema registry").contains("127.0.0.1:" + deadPort);
      // probes are answered while it waits: alive (no restart loop), not ready, and why
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + httpPort + "/health/ready")).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(503);
      // the reason too, not only that it waits: what to check, which URL, and what came back (the client's words)
      assertThat(ready.body()).contains("\"status\":\"DOWN\"").contains("STARTING")
          .contains("schema registry: waited").contains("): nothing accepts connections there; check that the registry"
              + " runs and that registry.url names its host and port (registry client: ")
          .contains("127.0.0.1:" + deadPort);
      HttpResponse<String> live = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + httpPort + "/health/live")).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(live.statusCode()).isEqualTo(200);
      p.destroy();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("SIGTERM ends the start-up wait").isTrue();
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void refusesToStartNamingTheMissingTopicsWhenItMayNotCreateThem(KafkaBroker.Info broker,
      SchemaRegistryServer.Info registry) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    Path config = dir.resolve("monitor.properties");
    Files.writeString(config, String.join("\n",
        "kafka.bootstrap.servers=" + broker.bootstrapServers(),
        "registry.url=" + registry.url(),
        "topics.frames=absent-frames-" + run,
        "topics.create=false",
        "http.port=0", ""));
    Path log = dir.resolve("missing.log");
    Process p = start(config, log);
    try {
      assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isNotZero();
      List<String> lines = new ArrayList<>(Files.readAllLines(log));
      assertThat(String.join("\n", lines)).contains("topics missing").contains("absent-frames-" + run)
          .contains("topics.create=true")
          .as("no signal came: the error, not the shutdown hook, ended it").doesNotContain("signal received");
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void exitsAtOnceNamingTheModelFolderWhenItIsMissing(KafkaBroker.Info broker, SchemaRegistryServer.Info registry)
      throws Exception {
    Path absent = dir.resolve("no-such-model");
    Path config = dir.resolve("monitor.properties");
    Files.writeString(config, String.join("\n",
        "kafka.bootstrap.servers=" + broker.bootstrapServers(),
        "registry.url=" + registry.url(),
        "model.dir=" + absent,
        "http.port=0", ""));
    Path log = dir.resolve("no-model.log");
    Process p = start(config, log);
    try {
      // the shutdown hook waits up to 45 s for a started monitor to close; an error before start-up must not
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exited well before the shutdown hook's 45 s").isTrue();
      assertThat(p.exitValue()).isEqualTo(2);
      assertThat(Files.readString(log)).contains("error: ").contains(absent.toString());
    } finally {
      p.destroyForcibly();
    }
  }
}
