package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.FramePreparer;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.schema.Alert;
import dev.advmon.schema.Frame;
import dev.advmon.schema.ImageEncoding;
import dev.advmon.testing.KafkaBroker;
import dev.advmon.testing.MeanBrightnessDetector;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.RealKafkaAndRegistry;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.SharedCnn;
import dev.advmon.testing.TestData;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.StreamingMonitor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code alerts.evidence-image} through a real broker and registry: each flagged frame's alert carries its picture,
 * a PNG a consumer decodes, at the picture's side, with a frame limit ({@code image.max-encoded-bytes}) below the
 * picture's size (the producer's request size follows that limit, with a floor).
 */
@RealKafkaAndRegistry
class EvidencePictureIT {

  private static final int FRAMES = 4;

  @TempDir
  Path stateDir;

  @Test
  void flaggedFramesAlertsCarryTheirPictureThroughTheBroker(KafkaBroker.Info broker,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = MonitorSettings.ofQuickStart(
        broker.bootstrapServers(), registryServer.url(), "picture",
        stateDir);
    settings.put("image.max-encoded-bytes", "65536");
    settings.put("alerts.evidence-image", "true");
    settings.put("alerts.evidence-image-max-bytes", "786432");
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    ImageLimits limits = new ImageLimits(65536, 1_000_000, 4096);
    try (StreamingMonitor monitor = StreamingMonitor.start(config, registry, true,
        FramePreparer.forModel(limits, SharedCnn.get().manifest()),
        // every frame flagged: noise has a mean brightness near one half
        new FrameScorer(SharedCnn.get(), List.of(new MeanBrightnessDetector("bright", 0.1)), 64),
        MonitorMetrics.inMemory(), AlertListener.NONE)) {
      assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();
      List<Integer> frameBytes = produceNoiseFrames(broker.bootstrapServers(), registry, config);
      assertThat(frameBytes).allSatisfy(n -> assertThat(n).isLessThan(65536));

      List<Alert> alerts = readAlerts(broker.bootstrapServers(), registry, config, Duration.ofSeconds(120));
      assertThat(alerts).as("one alert per frame").hasSize(FRAMES);
      for (Alert a : alerts) {
        assertThat(a.getEvidence()).doesNotContainKey("evidence-image");
        ByteBuffer png = a.getEvidenceImage();
        assertThat(png).as("alert %s carries its picture", a.getAlertId()).isNotNull();
        byte[] bytes = new byte[png.remaining()];
        png.duplicate().get(bytes);
        assertThat(bytes.length).as("larger than the frame it shows").isGreaterThan(frameBytes.get(0));
        BufferedImage picture = ImageIO.read(new ByteArrayInputStream(bytes));
        assertThat(picture).as("a PNG a consumer decodes").isNotNull();
        assertThat(Math.max(picture.getWidth(), picture.getHeight())).isEqualTo(MonitorConfig.EVIDENCE_IMAGE_SIDE);
      }
    }
  }

  /** 128x128 RGB noise frames: under the 64 KiB frame limit; their 320-pixel pictures are larger. */
  private static List<Integer> produceNoiseFrames(String bootstrap, SchemaRegistry registry, MonitorConfig config)
      throws Exception {
    AvroSerde<Frame> serde = AvroSerde.forClass(Frame.class, registry);
    Random random = new Random(7);
    List<Integer> sizes = new ArrayList<>();
    Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
        new ByteArraySerializer())) {
      for (int i = 0; i < FRAMES; i++) {
        BufferedImage img = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 128; y++) {
          for (int x = 0; x < 128; x++) {
            img.setRGB(x, y, random.nextInt(1 << 24));
          }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        sizes.add(out.size());
        Frame frame = Frame.newBuilder().setFrameId("noise-" + i).setCameraId("cam-noise").setCaptureTime(Instant.now())
            .setEncoding(ImageEncoding.PNG).setImage(ByteBuffer.wrap(out.toByteArray())).build();
        String topic = config.string("topics.frames");
        producer.send(new ProducerRecord<>(topic, "cam-noise", serde.serializer().serialize(topic, frame)));
      }
      producer.flush();
    }
    return sizes;
  }

  private static List<Alert> readAlerts(String bootstrap, SchemaRegistry registry, MonitorConfig config,
      Duration timeout) {
    AvroSerde<Alert> serde = AvroSerde.forClass(Alert.class, registry);
    Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, "picture-reader-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<Alert> alerts = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    long quietUntil = Long.MAX_VALUE;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(config.string("topics.alerts")));
      // a little past the count, so that a repeated alert would be seen
      while (System.nanoTime() < deadline && System.nanoTime() < quietUntil) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          alerts.add(serde.deserializer().deserialize(r.topic(), r.value()));
        }
        if (quietUntil == Long.MAX_VALUE && alerts.size() >= FRAMES) {
          quietUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        }
      }
    }
    return alerts;
  }
}
