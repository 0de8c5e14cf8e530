package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The packaged tester ({@code target/loadtest.jar}, what {@code ./loadtest/run} runs) in a JVM of its own, sent SIGTERM
 * as soon as its stderr shows a line containing a given text, as an operator stops it. SIGTERM rather than SIGINT: a
 * JVM started from a non-interactive shell in the background inherits SIGINT ignored, and then never sees it; the
 * tester handles both the same way.
 */
final class SignalledTester {

  /** How it ended: its exit status and what it printed. */
  record Ended(int exit, String stdout, String stderr) {}

  private SignalledTester() {}

  /**
   * Runs the tester with {@code args} (its {@code java.io.tmpdir} is {@code tmp}, so what it leaves behind is
   * visible), waits up to {@code waitSeconds} for {@code signalAt} on its stderr, sends SIGTERM and waits for the exit.
   */
  static Ended run(Path dir, Path tmp, List<String> args, String signalAt, long waitSeconds) throws Exception {
    Path home = Path.of(System.getProperty("advmon.home"));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.io.tmpdir=" + tmp, "-Dadvmon.home=" + home, "-Dai.djl.offline=true", "-Djava.awt.headless=true",
        "-jar", home.resolve("loadtest/target/loadtest.jar").toString()));
    command.addAll(args);
    Process p = new ProcessBuilder(command).redirectOutput(dir.resolve("stdout.txt").toFile()).start();
    CountDownLatch seen = new CountDownLatch(1);
    StringBuilder err = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (err) {
            err.append(line).append('\n');
          }
          if (line.contains(signalAt)) {
            seen.countDown();
          }
        }
      } catch (java.io.IOException e) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      assertThat(seen.await(waitSeconds, TimeUnit.SECONDS)).as("'%s' printed; stderr:%n%s", signalAt, err).isTrue();
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("stopped; stderr:%n%s", err).isTrue();
    } finally {
      p.destroyForcibly();
    }
    reader.join(10_000);
    synchronized (err) {
      return new Ended(p.exitValue(), Files.readString(dir.resolve("stdout.txt")), err.toString());
    }
  }
}
