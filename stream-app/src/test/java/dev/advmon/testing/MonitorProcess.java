package dev.advmon.testing;

import dev.advmon.model.NativeLibraryCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code monitor run} as a real process, started by the {@code ./monitor} launcher on the packaged jar
 * ({@code stream-app/target/stream-app.jar}, which must be newer than the sources: mvn verify packages it) with a
 * configuration file written from {@code settings}. {@link #kill()} is {@code kill -9}; {@link #restart()} starts
 * a new process on the same configuration (same instance id, same state folder), as a supervisor would.
 *
 * <p>The HTTP port is found free here and bound by the child a moment later; should it be taken in between, the
 * monitor exits at once (its log says so) and is started again on another port, so that tests do not flake on it.
 */
public final class MonitorProcess implements AutoCloseable {

  private final String name;
  private final Path dir;
  private final Map<String, String> settings;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private ChildProcess process;
  private int httpPort;
  private int starts;

  private MonitorProcess(String name, Path dir, Map<String, String> settings) {
    this.name = name;
    this.dir = dir;
    this.settings = new LinkedHashMap<>(settings);
  }

  /** Starts the monitor with {@code settings} (monitor settings, kafka.*); returns once the process runs. */
  public static MonitorProcess start(String name, Path dir, Map<String, String> settings) throws InterruptedException {
    MonitorProcess m = new MonitorProcess(name, dir, settings);
    m.launch();
    return m;
  }

  private void launch() throws InterruptedException {
    Path jar = TestData.repoRoot().resolve("stream-app/target/stream-app.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: the fault tests run the packaged monitor (mvn verify "
          + "packages it before the integration tests)");
    }
    httpPort = ChildProcess.freePort();
    settings.put("http.port", Integer.toString(httpPort));
    Path config = dir.resolve("monitor.properties");
    // The child's temp folder inside this test's: should a native library be extracted there after all (RocksDB's
    // 15 MB, ONNX Runtime's onnxruntime-java* folder), it is left in the test's folder, not in /tmp, and a test can
    // count it.
    Path tmp = dir.resolve("tmp");
    try {
      Files.createDirectories(tmp);
      StringBuilder text = new StringBuilder();
      settings.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
      Files.writeString(config, text.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    starts++;
    // through the launcher a user runs (./monitor execs the JVM, so the pid is the monitor's): the same JVM flags,
    // the build's class-data archive included
    process = ChildProcess.start(name + "#" + starts, List.of(TestData.repoRoot().resolve("monitor").toString(), "run",
        "--config", config.toString()), dir, dir.resolve("monitor-" + starts + ".log"),
        Map.of("ADVMON_LOG_LEVEL", "INFO", "ADVMON_JAVA_OPTS", "-Xmx768m '-Djava.io.tmpdir=" + tmp + "' '-D"
            + NativeLibraryCache.CACHE_PROPERTY + "=" + nativeCache() + "'",
            // the launcher's `java` is the test JVM's own, as the build's class archive was made by it
            "PATH", Path.of(ChildProcess.java()).getParent() + java.io.File.pathSeparator + System.getenv("PATH")));
  }

  /**
   * Where the monitors of the tests keep RocksDB's and ONNX Runtime's native libraries: one copy in the build folder
   * for all of them.
   */
  public static Path nativeCache() {
    return TestData.repoRoot().resolve("stream-app/target/native-cache");
  }

  /** Whether the monitor's HTTP server is up; it starts once Kafka Streams was started. */
  public boolean awaitHttp(Duration timeout) throws InterruptedException {
    boolean up = process.await(() -> readiness() != null, timeout);
    if (!up && process.output().contains("Address already in use") && !process.isAlive()) {
      launch(); // the port was taken between finding it free and binding it
      return process.await(() -> readiness() != null, timeout);
    }
    return up;
  }

  /** {@code /health/ready}: status code and body; null when the server does not answer. */
  public Http readiness() {
    return get("/health/ready");
  }

  public Http get(String path) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
          .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
      return new Http(r.statusCode(), r.body());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** One HTTP answer. */
  public record Http(int status, String body) {}

  public ChildProcess process() {
    return process;
  }

  /** The settings the next {@link #restart()} writes (change them between restarts). */
  public Map<String, String> settings() {
    return settings;
  }

  public int httpPort() {
    return httpPort;
  }

  /** kill -9 of the current process. */
  public void kill() throws InterruptedException {
    process.kill();
  }

  /** SIGTERM; true when it exited within the time. */
  public boolean stop(Duration timeout) throws InterruptedException {
    return process.stop(timeout);
  }

  /** A new process on the same configuration, after {@link #kill()} or {@link #stop}. */
  public void restart() throws InterruptedException {
    if (process.isAlive()) {
      throw new IllegalStateException(process + " still runs");
    }
    process.close();
    launch();
  }



  @Override
  public void close() {
    if (process != null) {
      process.close();
    }
  }
}
