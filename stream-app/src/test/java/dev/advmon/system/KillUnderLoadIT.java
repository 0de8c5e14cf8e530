package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.testing.Await;
import dev.advmon.testing.FrameTraffic;
import dev.advmon.testing.KafkaBroker;
import dev.advmon.testing.MonitorProcess;
import dev.advmon.testing.OutcomeReader;
import dev.advmon.testing.OutcomeReader.Outcome;
import dev.advmon.testing.RealKafkaAndRegistry;
import dev.advmon.testing.SchemaRegistryServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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

  @Test
  void framesWaitingInABatchWhenTheMonitorIsKilledAreScoredAfterTheRestartExactlyOnce(KafkaBroker.Info broker,
      SchemaRegistryServer.Info registryServer) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String frames = "kill-frames-" + run;
    String verdicts = "kill-verdicts-" + run;
    String deadLetters = "kill-dlq-" + run;
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("kafka.bootstrap.servers", broker.bootstrapServers());
    settings.put("registry.url", registryServer.url());
    settings.put("topics.frames", frames);
    settings.put("topics.verdicts", verdicts);
    settings.put("topics.alerts", "kill-alerts-" + run);
    settings.put("topics.dead-letter", deadLetters);
    settings.put("topics.partitions", "3");
    settings.put("streams.application-id", "kill-it-" + run);
    settings.put("streams.instance-id", "kill-0"); // the restart is the same static member: no rebalance wait
    settings.put("streams.state-dir", dir.resolve("state").toString());
    settings.put("streams.num-threads", "3");
    settings.put("model.batch.max-frames", "3");
    settings.put("model.batch.max-wait-ms", "1000");
    settings.put("model.batch.workers", "1"); // one worker that waits for all three threads: frames sit in batches
    settings.put("model.intra-op-threads", "1");
    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());

    try (MonitorProcess monitor = MonitorProcess.start("kill", dir.resolve("monitor"), settings)) {
      assertThat(monitor.process().await(() -> ready(monitor), Duration.ofSeconds(180)))
          .as("the first monitor gets ready; log:%n%s", monitor.process().tail(60)).isTrue();
      try (FrameTraffic traffic = new FrameTraffic(broker.bootstrapServers(), frames, FRAMES, 30,
              FrameTraffic.cameraFrames(registry, frames, "f", 6));
          OutcomeReader reader = new OutcomeReader(broker.bootstrapServers(), verdicts, deadLetters)) {
        assertThat(Await.until(() -> reader.count() >= 120
                && reader.outcomes().stream().anyMatch(o -> o.batchFrames() > 1), Duration.ofSeconds(180)))
            .as("verdicts scored in batches of several frames before the kill (%d so far); log:%n%s", reader.count(),
                monitor.process().tail(60)).isTrue();
        double[] pendingAtKill = {0};
        String[] lastScrape = {""};
        assertThat(Await.until(() -> {
          MonitorProcess.Http scrape = monitor.get("/metrics");
          lastScrape[0] = scrape == null ? lastScrape[0] : scrape.body();
          Matcher m = scrape == null ? null : PENDING.matcher(scrape.body());
          pendingAtKill[0] = m != null && m.find() ? Double.parseDouble(m.group(1)) : 0;
          return pendingAtKill[0] >= 1;
        }, Duration.ofSeconds(60))).as("frames pending in the batcher").isTrue();
        assertThat(lastScrape[0]).as("/metrics names the bundled model and its calibrated detectors")
            .containsPattern("(?m)^advmon_model_info\\{detectors=\"[a-z]+(,[a-z]+)+\",engine=\"OnnxRuntime\","
                + "model=\"fashion-mnist-cnn\",version=\"[^\"]+\"} 1");
        int beforeKill = reader.count();
        monitor.kill(); // SIGKILL: no shutdown hook, no commit, no leaving the group
        int sentAtKill = traffic.handedOver();
        assertThat(sentAtKill).as("frames kept coming").isLessThan(FRAMES);
        System.out.printf("killed with %.0f frame(s) pending in the batcher, %d outcomes read, %d frames sent%n",
            pendingAtKill[0], beforeKill, sentAtKill);

        monitor.restart();
        assertThat(traffic.awaitAllAcked(Duration.ofMinutes(3))).as("all %d frames written", FRAMES).isTrue();
        assertThat(reader.awaitCount(FRAMES, Duration.ofSeconds(240)))
            .as("every frame has its outcome after the restart (%d of %d; %d before the kill); log:%n%s",
                reader.count(), FRAMES, beforeKill, monitor.process().tail(60)).isTrue();
      }
      // Judged on everything committed once the monitor has stopped: a late duplicate cannot hide.
      assertThat(monitor.stop(Duration.ofSeconds(60))).as("the restarted monitor stops on SIGTERM").isTrue();
      List<Outcome> all = OutcomeReader.readAll(broker.bootstrapServers(), verdicts, deadLetters, Duration.ofMinutes(1));
      assertThat(OutcomeReader.duplicates(all)).as("frames that came out twice").isEmpty();
      Set<String> ids = all.stream().map(Outcome::frameId).collect(Collectors.toSet());
      for (int i = 0; i < FRAMES; i++) {
        assertThat(ids).as("frame f-%d", i).contains("f-" + i);
      }
      assertThat(all).hasSize(FRAMES);
      assertThat(all).as("readable frames are never dead-lettered").allMatch(Outcome::verdict);
      assertThat(all).extracting(Outcome::batchFrames).allMatch(n -> n >= 1 && n <= 3).anyMatch(n -> n > 1);
    }
  }

  private static boolean ready(MonitorProcess monitor) {
    MonitorProcess.Http r = monitor.readiness();
    return r != null && r.status() == 200;
  }
}
