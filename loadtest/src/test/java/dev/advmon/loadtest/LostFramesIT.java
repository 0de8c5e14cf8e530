package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.demo.EmbeddedKafka;
import dev.advmon.registry.InMemorySchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A frame the monitor never answers is lost whichever part of the run it was sent in. A real session (the sender
 * and the reader against a real broker) with no monitor behind it: the test answers the frames itself, handing
 * their outcomes to the reader, all but one sent during the warm-up.
 */
@ExtendWith(EmbeddedKafkaPerClass.class)
class LostFramesIT {

  @Test
  void aWarmUpFrameWithoutAnyOutcomeIsMissingInTheReportAndFailsTheRun(EmbeddedKafka kafka) throws Exception {
    Path home = Path.of(System.getProperty("advmon.home", ".."));
    Map<String, String> settings = EmbeddedTarget.settings(kafka.bootstrapServers(), 1, Map.of());
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin.createTopics(List.of("topics.frames", "topics.verdicts", "topics.dead-letter").stream()
          .map(k -> new NewTopic(settings.get(k), 1, (short) 1)).toList()).all().get(30, TimeUnit.SECONDS);
    }
    PrintStream console = new PrintStream(new ByteArrayOutputStream());
    try (EmbeddedTarget target = new EmbeddedTarget(kafka, false, settings, home, new InMemorySchemaRegistry(), null);
        Session session = new Session(target, new FrameSource(home.resolve("models/eval/fashion-mnist-test"),
            null, "lost"), 2, console)) {
      session.warmUp(20, 1, 1); // nothing answers: it does not settle, and goes on to the step after 1 s
      // The warm-up's frames go on until the step's take over: wait for two of them, so that the warm-up has one to
      // lose. Its 1 s alone was no bound: the sender thread of a loaded machine may not have sent one by then.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (session.generator().nextSequence() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(session.generator().nextSequence()).as("frames sent in the warm-up within a minute")
          .isGreaterThanOrEqualTo(2);
      StepResult measured = session.step("measured", 20, 1);
      session.generator().stop(); // nothing more is sent; what was sent is acknowledged
      long sent = session.generator().nextSequence();
      long lostInWarmUp = measured.firstSequence() / 2;
      assertThat(lostInWarmUp).as("a frame of the warm-up").isLessThan(measured.firstSequence());
      assertThat(session.generator().failed()).isZero();
      assertThat(session.generator().acked()).isEqualTo(sent);
      for (long seq = 0; seq < sent; seq++) {
        if (seq != lostInWarmUp) {
          session.collector().outcome(seq, 30, 1, null, System.nanoTime() / 1_000_000);
        }
      }
      boolean drained = session.drain(Duration.ofSeconds(1));

      Report rep = LoadTestCommand.completedReport("t", Map.of(), 2, false, session, List.of(measured), drained,
          "unknown", Clocks.SYSTEM.start());
      assertThat(drained).as("one confirmed frame has no outcome").isFalse();
      assertThat(rep.missing()).as("the warm-up frame that never got an outcome").isEqualTo(1);
      assertThat(rep.verdicts()).as("the measured frames' verdicts only").isEqualTo(measured.endSequence()
          - measured.firstSequence());
      assertThat(LoadTestCommand.exitStatus(rep)).as("a lost frame fails the run").isEqualTo(1);
    }
  }
}
