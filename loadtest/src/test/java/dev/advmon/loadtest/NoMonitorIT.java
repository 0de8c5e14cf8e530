package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.demo.EmbeddedKafka;
import dev.advmon.registry.InMemorySchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * --config at a broker whose topics exist (the monitor ran there once) but where no monitor reads them now: the run
 * stops after the warm-up, saying so, instead of measuring, waiting out its drain and reporting every frame as lost
 * by a monitor (exit 1).
 */
@ExtendWith(EmbeddedKafkaPerClass.class)
class NoMonitorIT {

  @Test
  void aWarmUpWithoutAnyOutcomeStopsTheRunNamingTheTopicsAndWhatToDo(EmbeddedKafka kafka) throws Exception {
    Path home = Path.of(System.getProperty("advmon.home", ".."));
    Map<String, String> settings = EmbeddedTarget.settings(kafka.bootstrapServers(), 1, Map.of());
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin.createTopics(List.of("topics.frames", "topics.verdicts", "topics.dead-letter").stream()
          .map(k -> new NewTopic(settings.get(k), 1, (short) 1)).toList()).all().get(30, TimeUnit.SECONDS);
    }
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream console = new PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8);
    try (EmbeddedTarget target = new EmbeddedTarget(kafka, false, settings, home, new InMemorySchemaRegistry(), null);
        Session session = new Session(target, new FrameSource(home.resolve("models/eval/fashion-mnist-test"),
            null, "none"), 2, console)) {
      // nothing answers: it does not settle, even at a rate whose few frames sit within the backlog a settled
      // warm-up allows (10), where it once read as settled and the run measured every frame as lost
      assertThat(session.warmUp(2, 1, 2)).isFalse();
      // the run stops next: no "measuring anyway" just before the error that says it will not
      assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("measuring anyway");
      assertThatThrownBy(() -> session.requireOutcomes("the 2 s warm-up"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no verdict or dead letter came back")
          .hasMessageContaining("during the 2 s warm-up")
          .hasMessageContaining(target.framesTopic())
          .hasMessageContaining(target.verdictsTopic())
          .hasMessageContaining("the embedded monitor scored none of them"); // --config's words: NoOutcomeMessageTest
      session.collector().outcome(0, 30, 1, null, System.nanoTime() / 1_000_000);
      session.requireOutcomes("the 2 s warm-up"); // one answer: a monitor is there, however slow
    }
  }

  /**
   * A first frame not yet confirmed by the broker when the shortest warm-up has passed (a remote cluster's TLS and
   * SASL handshakes, its metadata): nothing sent yet is no answer either, so the warm-up does not settle. Before, no
   * frame confirmed read as settled, and the run measured every frame as lost.
   */
  @Test
  void aWarmUpBeforeTheFirstFrameIsConfirmedDoesNotSettle(EmbeddedKafka kafka) throws Exception {
    Path home = Path.of(System.getProperty("advmon.home", ".."));
    Map<String, String> settings = EmbeddedTarget.settings(kafka.bootstrapServers(), 1,
        Map.of("topics.frames", "unconfirmed-frames", "topics.verdicts", "unconfirmed-verdicts",
            "topics.dead-letter", "unconfirmed-dead-letters"));
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin.createTopics(List.of("topics.frames", "topics.verdicts", "topics.dead-letter").stream()
          .map(k -> new NewTopic(settings.get(k), 1, (short) 1)).toList()).all().get(30, TimeUnit.SECONDS);
    }
    java.util.concurrent.CountDownLatch confirm = new java.util.concurrent.CountDownLatch(1);
    PrintStream console = new PrintStream(new ByteArrayOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8);
    try (EmbeddedTarget embedded = new EmbeddedTarget(kafka, false, settings, home, new InMemorySchemaRegistry(),
        null)) {
      Target target = new Target() { // the embedded one, its first frame held back until the warm-up has answered
        @Override
        public Map<String, Object> clientProperties() {
          return embedded.clientProperties();
        }

        @Override
        public String framesTopic() {
          return embedded.framesTopic();
        }

        @Override
        public String verdictsTopic() {
          return embedded.verdictsTopic();
        }

        @Override
        public String deadLetterTopic() {
          return embedded.deadLetterTopic();
        }

        @Override
        public org.apache.kafka.common.serialization.Serializer<dev.advmon.schema.Frame> frameSerializer() {
          var real = embedded.frameSerializer();
          return (topic, frame) -> {
            try {
              confirm.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return real.serialize(topic, frame);
          };
        }

        @Override
        public org.apache.kafka.common.serialization.Deserializer<dev.advmon.schema.FrameVerdict>
            verdictDeserializer() {
          return embedded.verdictDeserializer();
        }

        @Override
        public org.apache.kafka.common.serialization.Deserializer<dev.advmon.schema.DeadLetter>
            deadLetterDeserializer() {
          return embedded.deadLetterDeserializer();
        }

        @Override
        public long commitIntervalMs() {
          return embedded.commitIntervalMs();
        }

        @Override
        public Map<String, Object> describe() {
          return embedded.describe();
        }

        @Override
        public void close() {}
      };
      try (Session session = new Session(target,
          new FrameSource(home.resolve("models/eval/fashion-mnist-test"), null, "none"), 2, console)) {
        try {
          assertThat(session.warmUp(2, 1, 2)).as("nothing confirmed, nothing answered").isFalse();
        } finally {
          confirm.countDown();
        }
      }
    }
  }
}
