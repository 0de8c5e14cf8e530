package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM while the packaged tester connects to a monitor elsewhere (--config) whose broker accepts connections but
 * does not answer: before, the topic lookup went on for its minute, the shutdown hook gave up after its 60 s, and
 * the JVM exited without a report, leaving the --report folder it had made empty. Now the lookup ends at once and
 * the run writes its (empty) report marked interrupted while connecting.
 */
class ConnectInterruptIT {

  @TempDir
  Path dir;

  @Test
  void sigtermWhileConnectingWritesTheInterruptedReportAtOnce() throws Exception {
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(silent.accept()); // held open, never answered
          }
        } catch (java.io.IOException e) {
          // closed at the end of the test
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      Path config = Files.writeString(dir.resolve("monitor.properties"), "kafka.bootstrap.servers=127.0.0.1:"
          + silent.getLocalPort() + "\nregistry.url=http://127.0.0.1:1/apis/ccompat/v7\n");
      Path report = dir.resolve("new/report");
      Path home = Path.of(System.getProperty("advmon.home"));
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process p = new ProcessBuilder(java, "-Dadvmon.home=" + home, "-Djava.awt.headless=true", "-jar",
          home.resolve("loadtest/target/loadtest.jar").toString(), "--config", config.toString(),
          "--report", report.toString())
          .redirectOutput(dir.resolve("stdout.txt").toFile()).redirectError(dir.resolve("stderr.txt").toFile())
          .start();
      try {
        // the quick check's connection, then the Kafka client's: the reader waits for the topic lookup's answer
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (held.size() < 2 && p.isAlive() && System.nanoTime() < guard) {
          Thread.sleep(20);
        }
        assertThat(held).as("connections; stderr:%n%s", Files.readString(dir.resolve("stderr.txt"))).hasSizeGreaterThanOrEqualTo(2);
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      } finally {
        p.destroyForcibly();
        for (Socket s : held) {
          s.close();
        }
      }
      String err = Files.readString(dir.resolve("stderr.txt"));
      assertThat(p.exitValue()).as("exit status; stderr:%n%s", err).isEqualTo(143);
      assertThat(err).doesNotContain("did not finish within");
      JsonNode json = new ObjectMapper().readTree(report.resolve(Report.JSON_FILE).toFile());
      assertThat(json.path("interrupted").asBoolean()).isTrue();
      assertThat(json.path("interrupted_during").asText()).startsWith("connecting to the monitor");
      assertThat(Files.readString(dir.resolve("stdout.txt"))).contains("INTERRUPTED during connecting to the monitor");
    }
  }
}
