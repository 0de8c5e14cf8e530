package dev.advmon.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A child process of the test JVM that a test can kill the hard way ({@code kill -9}), stop cleanly
 * ({@code SIGTERM}), freeze ({@code SIGSTOP}) and thaw ({@code SIGCONT}); its output goes to a log file that a
 * test can wait on. Destroyed by a shutdown hook if the test JVM dies first. Used for the standalone broker,
 * the monitor and the registry of the fault tests.
 */
public final class ChildProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path log;
  private final Thread hook;
  private final long startedAtMs;

  private ChildProcess(String name, Process process, Path log, long startedAtMs) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.startedAtMs = startedAtMs;
    this.hook = new Thread(process::destroyForcibly, name + "-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Starts {@code command} in {@code dir}, output (both streams) appended to {@code log}. */
  public static ChildProcess start(String name, List<String> command, Path dir, Path log, Map<String, String> env) {
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(log, "=== " + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().putAll(env);
      long t0 = System.currentTimeMillis();
      return new ChildProcess(name, pb.start(), log, t0);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + name + ": " + command, e);
    }
  }

  /** The test JVM's own java, so that children run on the same Java. */
  public static String java() {
    return ProcessHandle.current().info().command()
        .orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** The test classpath as written by the build ({@code target/test-classpath.txt}) plus the test classes. */
  public static String testClasspath() {
    Path file = TestData.repoRoot().resolve("stream-app/target/test-classpath.txt");
    try {
      return Files.readString(file).trim() + java.io.File.pathSeparator
          + TestData.repoRoot().resolve("stream-app/target/test-classes");
    } catch (IOException e) {
      throw new UncheckedIOException(file + " is missing: it is written by the build (mvn verify, phase "
          + "generate-test-resources of stream-app)", e);
    }
  }

  /**
   * A port free now, for a child to bind in a moment (a registry's JVM binds it seconds later). Not one the kernel
   * hands out itself (ServerSocket(0)): those are its ephemeral ports, which every outgoing connection of a test
   * running beside this one takes as its local port, and one did in that window ("Port 34331 seems to be in use",
   * CI 2026-12-06). A random port below that range, free when looked at, is taken by nothing unasked; another process
   * may still take it in between (callers that can start the child again on another port do so).
   */
  public static int freePort() {
    int below = ephemeralPortsFrom();
    java.util.Random random = java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; below - LOWEST_CHOSEN_PORT > 1000 && attempt < 50; attempt++) {
      int port = LOWEST_CHOSEN_PORT + random.nextInt(below - LOWEST_CHOSEN_PORT);
      try (java.net.ServerSocket s = new java.net.ServerSocket()) {
        s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException taken) {
        // another one
      }
    }
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) { // no room below the range: the kernel's choice
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What binds a port (a server of the test's own, in this JVM): throws {@link java.net.BindException} if taken. */
  @FunctionalInterface
  public interface OnPort<T> {
    T start(int port) throws Exception;
  }

  /**
   * {@code start} on a port found free ({@link #freePort}), and on another should another process take the port
   * before {@code start} binds it (a {@link java.net.BindException}), up to three ports.
   */
  public static <T> T onFreePort(OnPort<T> start) throws Exception {
    return onFreePort(ChildProcess::freePort, start);
  }

  /** As {@link #onFreePort(OnPort)}, its ports from {@code ports} (a test's, to hand it a taken one). */
  static <T> T onFreePort(java.util.function.IntSupplier ports, OnPort<T> start) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return start.start(ports.getAsInt());
      } catch (java.net.BindException taken) {
        if (attempt == 3) {
          throw taken;
        }
      }
    }
  }

  /** The lowest port {@link #freePort} chooses: above the registered services' usual ports. */
  static final int LOWEST_CHOSEN_PORT = 20_000;

  /** The first of the kernel's ephemeral ports (Linux's ip_local_port_range; 32768, its default, elsewhere). */
  static int ephemeralPortsFrom() {
    try {
      // readAllLines, not readString: this JDK's readString gave "3" of "32768\t60999" (a /proc file sized 0)
      return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim()
          .split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  public long startedAtMs() {
    return startedAtMs;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Process process() {
    return process;
  }

  /** kill -9: no shutdown hook, no clean close, nothing flushed. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, then waits up to {@code timeout} for the exit; returns whether it exited. */
  public boolean stop(Duration timeout) throws InterruptedException {
    process.destroy();
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** SIGSTOP: the process stops running but keeps its sockets open (what a hung registry looks like). */
  public void freeze() {
    signal("STOP");
  }

  /** SIGCONT after {@link #freeze()}. */
  public void thaw() {
    signal("CONT");
  }

  private void signal(String signal) {
    signal(process.pid(), signal);
  }

  /** Sends {@code SIG<signal>} (STOP, CONT, ...) to a process of this user. */
  public static void signal(long pid, String signal) {
    try {
      // through sh: its built-in kill is there wherever a shell is, a kill binary (procps) not always
      Process kill = new ProcessBuilder("sh", "-c", "kill -" + signal + " " + pid).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The log so far. */
  public String output() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** The last {@code lines} lines of the log, for failure messages. */
  public String tail(int lines) {
    List<String> all = new ArrayList<>(output().lines().toList());
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /** Waits until the log contains {@code text} after the part written before {@code fromOffset}; false on timeout. */
  public boolean awaitLog(String text, Duration timeout) throws InterruptedException {
    return await(() -> output().contains(text), timeout);
  }

  /** Polls {@code condition} every 100 ms until it holds; false on timeout or when the process died. */
  public boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (!process.isAlive()) {
        return condition.getAsBoolean();
      }
      Thread.sleep(100);
    }
    return condition.getAsBoolean();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      thawQuietly();
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }

  private void thawQuietly() {
    try {
      thaw(); // a frozen process cannot act on SIGTERM
    } catch (RuntimeException e) {
      // best effort
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }
}
