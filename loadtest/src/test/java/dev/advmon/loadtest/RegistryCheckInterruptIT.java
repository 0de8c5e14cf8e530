package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.advmon.demo.EmbeddedKafka;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(EmbeddedKafkaPerClass.class)
class RegistryCheckInterruptIT {

  @TempDir
  Path dir;

  /**
   * Ctrl-C while the load test command (--config) checks the registry, through the command as a user runs it: the
   * check ends at once (a command that checked without its stop would wait for the ping's 10 s and stop with the
   * registry's error), the run writes its report marked interrupted while connecting and exits 130, and the ping is
   * cancelled, not left asking on a thread of its own until its timeout. The registry takes the connection and never
   * answers while the test runs; the broker has the three topics, so that the command gets as far as the check.
   */
  @Test
  void ctrlCWhileTheCommandChecksTheRegistryEndsTheRunInterruptedAndCancelsThePing(EmbeddedKafka kafka)
      throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic("rci-frames", 1, (short) 1), new NewTopic("rci-verdicts", 1, (short) 1),
          new NewTopic("rci-dlq", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    CountDownLatch testOver = new CountDownLatch(1);
    CountDownLatch asked = new CountDownLatch(1);
    HttpServer registry = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    registry.createContext("/", ex -> {
      asked.countDown();
      try {
        testOver.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
    });
    registry.setExecutor(Executors.newCachedThreadPool());
    registry.start();
    Interruption stop = new Interruption(Duration.ofSeconds(60));
    try {
      Path config = Files.writeString(dir.resolve("monitor.properties"), "kafka.bootstrap.servers="
          + kafka.bootstrapServers() + "\nregistry.url=http://127.0.0.1:" + registry.getAddress().getPort()
          + "/apis/ccompat/v7\ntopics.frames=rci-frames\ntopics.verdicts=rci-verdicts\ntopics.dead-letter=rci-dlq\n");
      Path report = dir.resolve("report");
      CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> LoadTestCommand.commandLine(
          new LoadTestCommand(stop)).execute("--config", config.toString(), "--report", report.toString()));
      while (!asked.await(50, TimeUnit.MILLISECONDS)) {
        assertThat(run).as("the command ended before asking the registry").isNotDone();
      }
      CompletableFuture<Boolean> hook = CompletableFuture.supplyAsync(stop::onShutdown);
      // the registry answers only when the test is over: a run that waited for it meets this guard's limit
      assertThat(run.get(60, TimeUnit.SECONDS)).as("exit status").isEqualTo(LoadTestCommand.INTERRUPTED);
      assertThat(hook.get(60, TimeUnit.SECONDS)).as("the run finished within the hook's wait").isTrue();
      assertThat(Thread.getAllStackTraces().keySet()).as("the registry's ping, cancelled")
          .noneMatch(t -> t.getName().equals("advmon-loadtest-registry-check") && t.isAlive());
      JsonNode json = new ObjectMapper().readTree(report.resolve(Report.JSON_FILE).toFile());
      assertThat(json.path("interrupted").asBoolean()).isTrue();
      assertThat(json.path("interrupted_during").asText()).startsWith("connecting to the monitor");
    } finally {
      testOver.countDown();
      registry.stop(0);
    }
  }
}
