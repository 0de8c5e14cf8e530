package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.schema.FrameVerdict;
import dev.advmon.testing.KafkaBroker;
import dev.advmon.testing.Outcomes;
import dev.advmon.testing.RealKafkaAndRegistry;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.SteadyFrames;
import dev.advmon.testing.TestData;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor as a real process ({@code monitor run}, the packaged jar), batching frames across three stream threads,
 * killed with SIGKILL while frames keep arriving, then started again: every frame comes out exactly once
 * (read_committed), none lost, none twice. The frames waiting in a batch when the process died had not been
 * committed (their stream threads were still processing them), so they are read and scored again after the restart.
 *
 * <p>To make the kill land while frames wait in the batcher, batches wait up to 1 s for all three threads' frames,
 * and the kill follows a scrape of {@code /metrics} that shows frames pending in the batcher
 * ({@code advmon_batch_pending}); verdicts with {@code batchFrames} above 1 show batching was on.
 */
@RealKafkaAndRegistry
class KillUnderLoadIT {

  private static final int FRAMES = 600;
  private static final Pattern PENDING = Pattern.compile("(?m)^advmon_batch_pending(?:\\{[^}]*\\})? ([0-9.eE+-]+)$");

  @TempDir
  Path dir;

  private Process start(Path config, Path log) throws IOException {
    Path jar = TestData.repoRoot().resolve("stream-app/target/stream-app.jar");
    assertThat(jar).as("the packaged monitor (mvn package runs before the integration tests)").exists();
    String java = ProcessHandle.current().info().command().orElse("java");
    return new ProcessBuilder(java, "-Xmx512m", "-Dadvmon.home=" + TestData.repoRoot(), "-jar", jar.toString(),
        "run", "--config", config.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }

  private static String text(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Test
  void framesWaitingInABatchWhenTheMonitorIsKilledAreScoredAfterTheRestartExactlyOnce(KafkaBroker.Info broker,
      SchemaRegistryServer.Info registryServer) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path config = dir.resolve("monitor.properties");
    Files.writeString(config, String.join("\n",
        "kafka.bootstrap.servers=" + broker.bootstrapServers(),
        "registry.url=" + registryServer.url(),
        "topics.frames=kill-frames-" + run,
        "topics.verdicts=kill-verdicts-" + run,
        "topics.alerts=kill-alerts-" + run,
        "topics.dead-letter=kill-dlq-" + run,
        "topics.partitions=3",
        "streams.application-id=kill-it-" + run,
        "streams.state-dir=" + dir.resolve("state"),
        "streams.num-threads=3",
        "model.batch.max-frames=3",
        "model.batch.max-wait-ms=1000",
        "model.batch.workers=1", // one worker that waits for all three threads: frames sit in batches
        "model.intra-op-threads=1",
        // the killed member leaves the group after 6 s instead of 45 s (the broker's minimum session timeout)
        "kafka.session.timeout.ms=6000",
        "kafka.heartbeat.interval.ms=1000",
        "http.port=" + port, ""));
    Path log = dir.resolve("monitor.log");
    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());

    Process first = start(config, log);
    Process second = null;
    try {
      assertThat(Outcomes.await(() -> text(log).contains("REBALANCING -> RUNNING"), Duration.ofSeconds(120)))
          .as("the first monitor reaches RUNNING; log:%n%s", text(log)).isTrue();
      try (SteadyFrames frames = new SteadyFrames(broker.bootstrapServers(), registry, "kill-frames-" + run, "f", 6, 30,
              FRAMES);
          Outcomes outcomes = new Outcomes(broker.bootstrapServers(), registry, "kill-verdicts-" + run,
              "kill-dlq-" + run)) {
        assertThat(Outcomes.await(() -> outcomes.frames() >= 120
                && outcomes.verdicts().stream().anyMatch(v -> v.getBatchFrames() > 1), Duration.ofSeconds(180)))
            .as("verdicts scored in batches of several frames before the kill (%d so far); log:%n%s", outcomes.frames(),
                text(log)).isTrue();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build();
        double[] pendingAtKill = {0};
        assertThat(Outcomes.await(() -> {
          try {
            Matcher m = PENDING.matcher(http.send(scrape, HttpResponse.BodyHandlers.ofString()).body());
            pendingAtKill[0] = m.find() ? Double.parseDouble(m.group(1)) : 0;
          } catch (IOException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
          return pendingAtKill[0] >= 1;
        }, Duration.ofSeconds(60))).as("frames pending in the batcher").isTrue();
        int beforeKill = outcomes.frames();
        first.destroyForcibly(); // SIGKILL: no shutdown hook, no commit, no leaving the group
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        int sentAtKill = frames.sent();
        assertThat(sentAtKill).as("frames kept coming").isLessThan(FRAMES);
        System.out.printf("killed with %.0f frame(s) pending in the batcher, %d outcomes read, %d frames sent%n",
            pendingAtKill[0], beforeKill, sentAtKill);
        Files.writeString(log, "\n----- killed; starting again -----\n", java.nio.file.StandardOpenOption.APPEND);

        second = start(config, log);
        frames.awaitDone(TimeUnit.MINUTES.toMillis(3));
        assertThat(frames.sent()).isEqualTo(FRAMES);
        assertThat(Outcomes.await(() -> outcomes.frames() >= FRAMES, Duration.ofSeconds(240)))
            .as("every frame has its outcome after the restart (%d of %d; %d before the kill); log:%n%s",
                outcomes.frames(), FRAMES, beforeKill, text(log)).isTrue();
        Thread.sleep(2_000); // a duplicate, if any, would arrive right behind
        assertThat(outcomes.duplicates()).as("frames that came out twice").isEmpty();
        assertThat(outcomes.frames()).isEqualTo(FRAMES);
        for (int i = 0; i < FRAMES; i++) {
          assertThat(outcomes.has("f-" + i)).as("frame f-%d", i).isTrue();
        }
        assertThat(outcomes.deadLetters()).as("readable frames are never dead-lettered").isEmpty();
        assertThat(outcomes.verdicts()).extracting(FrameVerdict::getBatchFrames).allMatch(n -> n >= 1 && n <= 3)
            .anyMatch(n -> n > 1);
      }
    } finally {
      first.destroyForcibly();
      if (second != null) {
        second.destroy();
        if (!second.waitFor(60, TimeUnit.SECONDS)) {
          second.destroyForcibly();
        }
      }
    }
  }
}
