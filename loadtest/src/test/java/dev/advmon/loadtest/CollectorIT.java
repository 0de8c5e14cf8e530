package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.demo.EmbeddedKafka;
import dev.advmon.registry.InMemorySchemaRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reader against a real broker whose topics are not the monitor's: a load test pointed (--config) at a broker
 * where the monitor has not started, or at the wrong topic names, stops before sending anything, naming the topic.
 * The in-process broker creates topics on first use, as many brokers do: the reader must not create the one it
 * looks for.
 */
@ExtendWith(EmbeddedKafkaPerClass.class)
class CollectorIT {

  private static Path home() {
    return Path.of(System.getProperty("advmon.home", ".."));
  }

  /** A target with fresh topic names on the broker, of which all but {@code absent} (a topics.* setting) exist. */
  private static EmbeddedTarget targetWithout(EmbeddedKafka kafka, String absent) throws Exception {
    Map<String, String> settings = EmbeddedTarget.settings(kafka.bootstrapServers(), 1, Map.of());
    EmbeddedTarget target = new EmbeddedTarget(kafka, false, settings, home(), new InMemorySchemaRegistry(), null);
    List<NewTopic> topics = List.of("topics.frames", "topics.verdicts", "topics.dead-letter").stream()
        .filter(k -> !k.equals(absent)).map(k -> new NewTopic(settings.get(k), 1, (short) 1)).toList();
    try (Admin admin = admin(kafka)) {
      admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
    }
    return target;
  }

  private static Admin admin(EmbeddedKafka kafka) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
  }

  private static FrameSource frames() throws Exception {
    return new FrameSource(home().resolve("models/eval/fashion-mnist-test"), null, "cit");
  }

  @ParameterizedTest
  @ValueSource(strings = {"topics.frames", "topics.verdicts", "topics.dead-letter"})
  void aTopicMissingOnTheBrokerStopsTheRunAtOnceNamingItAndWhatToDo(String setting, EmbeddedKafka kafka)
      throws Exception {
    try (EmbeddedTarget target = targetWithout(kafka, setting); Admin admin = admin(kafka)) {
      String topic = switch (setting) {
        case "topics.frames" -> target.framesTopic();
        case "topics.verdicts" -> target.verdictsTopic();
        default -> target.deadLetterTopic();
      };
      FrameSource frames = frames();
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> new Collector(target, frames, new Pacer(Clocks.SYSTEM), Clocks.SYSTEM).close())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(topic + " (" + setting + ")")
          .hasMessageContaining(kafka.bootstrapServers())
          .hasMessageContaining("start the monitor first")
          .hasMessageContaining("create");
      // at once: not after the 60 s the metadata look-up may take
      assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until it stopped").isLessThan(30_000);
      Set<String> onBroker = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      assertThat(onBroker).as("looking it up did not create it with the broker's defaults").doesNotContain(topic);
    }
  }

  @Test
  void withTheMonitorsTopicsPresentTheReaderStarts(EmbeddedKafka kafka) throws Exception {
    try (EmbeddedTarget target = targetWithout(kafka, "none");
        Collector c = new Collector(target, frames(), new Pacer(Clocks.SYSTEM), Clocks.SYSTEM)) {
      assertThat(c.failure()).isNull();
      assertThat(c.outcomes()).isZero();
    }
  }

  @Test
  void aBrokerThatDoesNotAnswerIsNamedWithWhatToCheck(EmbeddedKafka kafka) throws Exception {
    try (EmbeddedTarget target = targetWithout(kafka, "none");
        org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> deaf = new org.apache.kafka.clients.consumer.KafkaConsumer<>(
            Map.<String, Object>of("bootstrap.servers", "127.0.0.1:1", "allow.auto.create.topics", false),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      // Kafka's own words would be "Timeout expired while fetching topic metadata", naming neither broker nor fix
      assertThatThrownBy(() -> Collector.requireTopics(deaf, target, java.time.Duration.ofSeconds(2)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no answer from Kafka at " + kafka.bootstrapServers())
          .hasMessageContaining(target.framesTopic() + " (topics.frames)")
          .hasMessageContaining("kafka.bootstrap.servers");
    }
  }

  @Test
  void everyFrameGoesOutUnderTheCameraPrefixAsKeyAndCameraId(EmbeddedKafka kafka) throws Exception {
    // --camera-prefix: against a real monitor, the load test's cameras must not be real cameras (cam-01...)
    try (EmbeddedTarget target = targetWithout(kafka, "none");
        Generator g = new Generator(target, frames(), 2, "lt-it-cam-", new Pacer(Clocks.SYSTEM));
        org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]> frames =
            new org.apache.kafka.clients.consumer.KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers",
                kafka.bootstrapServers(), "auto.offset.reset", "earliest"),
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      frames.assign(List.of(new org.apache.kafka.common.TopicPartition(target.framesTopic(), 0)));
      g.offer(50, null);
      java.util.Set<String> keys = new java.util.TreeSet<>();
      int read = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (read < 6 && System.nanoTime() < deadline) {
        for (var r : frames.poll(java.time.Duration.ofMillis(200))) {
          keys.add(r.key());
          // the Frame's cameraId, an Avro string: the key's UTF-8 bytes inside the record
          assertThat(new String(r.value(), java.nio.charset.StandardCharsets.ISO_8859_1)).contains(r.key());
          read++;
        }
      }
      assertThat(read).as("frames read").isGreaterThanOrEqualTo(6);
      assertThat(keys).containsExactly("lt-it-cam-01", "lt-it-cam-02");
    }
  }
}
