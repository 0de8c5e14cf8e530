package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import dev.advmon.testing.Await;
import dev.advmon.testing.KafkaBroker;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.RealKafkaAndRegistry;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.TestData;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.StreamingMonitor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Producers that registered their own Frame on the real registry (Apicurio's Confluent API, BACKWARD): one writes
 * {@code captureTime} in {@code timestamp-micros}, one made it {@code ["null", "long"]}. Through a real broker and the
 * running monitor, each frame's verdict carries its capture time in milliseconds, and a frame without one is a dead
 * letter naming it, the schema id and the field.
 */
@RealKafkaAndRegistry
class ProducerCaptureTimeIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void framesWithTheirProducersOwnCaptureTimeTypeGetVerdictsInMillisecondsAndANullTimeADeadLetterNamingTheFrame(
      KafkaBroker.Info kafka, SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = MonitorSettings.ofQuickStart(
        kafka.bootstrapServers(), registryServer.url(), "capture-time",
        dir);
    settings.put("topics.partitions", "1");
    settings.put("streams.num-threads", "1");
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    String frames = config.string("topics.frames");
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(frames, 1, (short) 1))).all().get();
    }
    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    // as the producers register them, in turn, under the topic's subject (the registry checks each with BACKWARD)
    Schema micros = frameWithTime("{\"type\": \"long\", \"logicalType\": \"timestamp-micros\"}");
    int microsId = registry.register(frames + "-value", micros);
    Schema nullable = frameWithTime("[\"null\", \"long\"]");
    int nullableId = registry.register(frames + "-value", nullable);
    long captured = 1_764_000_000_123L;
    try (KafkaProducer<byte[], byte[]> camera = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (byte[] frame : List.of(frame(microsId, micros, "micros", captured * 1_000 + 999),
          frame(nullableId, nullable, "with-time", captured), frame(nullableId, nullable, "without-time", null))) {
        camera.send(new ProducerRecord<>(frames, 0, System.currentTimeMillis(), "cam-1".getBytes(), frame)).get();
      }
    }

    Map<String, FrameVerdict> verdicts = new ConcurrentHashMap<>();
    Map<String, DeadLetter> deadLetters = new ConcurrentHashMap<>();
    var verdictReader = AvroSerde.forClass(FrameVerdict.class, registry).deserializer();
    var deadLetterReader = AvroSerde.forClass(DeadLetter.class, registry).deserializer();
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
        StreamingMonitor monitor = StreamingMonitor.start(config, registry, true,
            FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(classifier, List.of(), 64),
            MonitorMetrics.inMemory(), AlertListener.NONE);
        KafkaConsumer<byte[], byte[]> outputs = committed(kafka, config.string("topics.verdicts"),
            config.string("topics.dead-letter"))) {
      Await.until(() -> {
        for (ConsumerRecord<byte[], byte[]> r : outputs.poll(Duration.ofMillis(200))) {
          if (r.topic().equals(config.string("topics.verdicts"))) {
            FrameVerdict v = verdictReader.deserialize(r.topic(), r.value());
            verdicts.put(v.getFrameId(), v);
          } else {
            DeadLetter d = deadLetterReader.deserialize(r.topic(), r.value());
            deadLetters.put(String.valueOf(d.getFrameId()), d);
          }
        }
        return verdicts.size() + deadLetters.size() >= 3;
      }, Duration.ofSeconds(120));
    }

    assertThat(verdicts).containsOnlyKeys("micros", "with-time");
    assertThat(verdicts.values()).allSatisfy(v -> assertThat(v.getCaptureTime().toEpochMilli()).isEqualTo(captured));
    assertThat(deadLetters).containsOnlyKeys("without-time");
    DeadLetter d = deadLetters.get("without-time");
    assertThat(d.getReason()).isEqualTo("BAD_AVRO");
    assertThat(d.getCameraId()).isEqualTo("cam-1");
    assertThat(d.getErrorMessage()).contains("frame without-time from camera cam-1",
        "writer schema id " + nullableId + " (", "captureTime", "holds null", "a time is required");
  }

  /** Frame with {@code captureTime} of {@code timeType} (JSON). */
  private static Schema frameWithTime(String timeType) throws Exception {
    ObjectNode json = (ObjectNode) JSON.readTree(Frame.getClassSchema().toString());
    for (var f : json.get("fields")) {
      if (f.get("name").asText().equals("captureTime")) {
        ((ObjectNode) f).set("type", JSON.readTree(timeType));
      }
    }
    return new Schema.Parser().parse(json.toString());
  }

  /** A PNG frame of camera cam-1 in the Confluent wire format, written with {@code writer}. */
  private static byte[] frame(int id, Schema writer, String frameId, Long captureTime) throws Exception {
    GenericData.Record rec = new GenericData.Record(writer);
    rec.put("frameId", frameId);
    rec.put("cameraId", "cam-1");
    rec.put("captureTime", captureTime);
    rec.put("encoding", new GenericData.EnumSymbol(writer.getField("encoding").schema(), "PNG"));
    rec.put("image", ByteBuffer.wrap(Files.readAllBytes(TestData.evalSet().get(0).file())));
    rec.put("attributes", Map.of());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericData.Record>(writer).write(rec, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  /** A read_committed reader of partition 0 of {@code topics}, from their first records. */
  private static KafkaConsumer<byte[], byte[]> committed(KafkaBroker.Info kafka, String... topics) {
    KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    c.assign(java.util.Arrays.stream(topics).map(t -> new TopicPartition(t, 0)).toList());
    c.seekToBeginning(c.assignment());
    return c;
  }
}
