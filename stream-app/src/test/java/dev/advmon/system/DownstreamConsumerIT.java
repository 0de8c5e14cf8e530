package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.FramePreparer;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.registry.SchemaRegistry;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A downstream service's view, through a real broker and registry: it knows only README ("What a consumer of the
 * outputs can rely on") and the .avsc files, none of the monitor's classes. It reads verdicts and alerts with a plain
 * consumer (read_committed, string keys), finds their schemas by the id in the Confluent wire format, and checks
 * what README promises it: the subjects, the keys and partitions, the ids that remove repeats, and which time is which.
 */
@RealKafkaAndRegistry
class DownstreamConsumerIT {

  private static final List<String> CAMERAS = List.of("cam-a", "cam-b");
  private static final int FRAMES_PER_CAMERA = 5;

  @TempDir
  Path stateDir;

  @Test
  void aConsumerKnowingOnlyTheReadmeAndTheSchemasReadsWhatItIsPromised(KafkaBroker.Info broker,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = MonitorSettings.ofQuickStart(
        broker.bootstrapServers(), registryServer.url(), "downstream",
        stateDir);
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    ImageLimits limits = new ImageLimits(100_000, 1_000_000, 4096);
    // the camera's clock and its gateway's differ: the record is stamped an hour after the capture
    long recordTime = Instant.now().minusSeconds(3600).toEpochMilli();
    Instant captureTime = Instant.ofEpochMilli(recordTime).minusSeconds(3600);
    try (StreamingMonitor monitor = StreamingMonitor.start(config, registry, true,
        FramePreparer.forModel(limits, SharedCnn.get().manifest()),
        // every frame flagged (no Fashion-MNIST frame is all black), so that every verdict has its alert
        new FrameScorer(SharedCnn.get(), List.of(new MeanBrightnessDetector("bright", 0.0)), 64),
        MonitorMetrics.inMemory(), AlertListener.NONE)) {
      assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();
      produce(broker.bootstrapServers(), registry, config.string("topics.frames"), recordTime, captureTime);

      String verdictsTopic = config.string("topics.verdicts");
      String alertsTopic = config.string("topics.alerts");
      int frames = CAMERAS.size() * FRAMES_PER_CAMERA;
      Reader reader = new Reader(registryServer.url());
      List<Read> verdicts = reader.readAll(broker.bootstrapServers(), verdictsTopic, schema("FrameVerdict"), frames);
      List<Read> alerts = reader.readAll(broker.bootstrapServers(), alertsTopic, schema("Alert"), frames);

      // README: "The output subjects" are the topics' value subjects; keys are plain strings, with no subject
      Set<String> subjects = reader.subjects();
      assertThat(subjects).contains(verdictsTopic + "-value", alertsTopic + "-value")
          .doesNotContain(verdictsTopic + "-key", alertsTopic + "-key");

      assertThat(verdicts).as("one verdict per frame (read_committed: no repeats)").hasSize(frames);
      assertThat(alerts).as("one alert per flagged verdict").hasSize(frames);
      Map<String, GenericRecord> verdictByFrame = new HashMap<>();
      for (Read v : verdicts) {
        String camera = v.value().get("cameraId").toString();
        // keyed by the frame's cameraId whatever key the producer used (here the frame id), default partitioner
        assertThat(v.key()).isEqualTo(camera);
        assertThat(v.partition()).isEqualTo(defaultPartition(camera, v.partitions()));
        // the record keeps the frame record's time; the camera's clock is in captureTime, the monitor's in scoredTime
        assertThat(v.timestamp()).as("verdict record time").isEqualTo(recordTime);
        assertThat(v.value().get("captureTime")).isEqualTo(captureTime.toEpochMilli());
        assertThat((Long) v.value().get("scoredTime")).isGreaterThan(recordTime);
        assertThat(verdictByFrame.put(camera + "/" + v.value().get("frameId"), v.value()))
            .as("cameraId and frameId name one verdict").isNull();
      }
      // README, "Writing frames": keyed per frame, a camera's frames came from several partitions, and its verdicts say
      // so (the first frame of each camera has nothing to compare with; which later ones are marked depends on the
      // order the partitions are read in, so at least one of each such camera)
      int framesPartitions;
      try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> c = new org.apache.kafka.clients.consumer
          .KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
              new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
              new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
        framesPartitions = c.partitionsFor(config.string("topics.frames")).size();
      }
      for (String camera : CAMERAS) {
        long spread = java.util.stream.IntStream.range(0, FRAMES_PER_CAMERA)
            .map(i -> defaultPartition(camera + ":frame-" + i, framesPartitions)).distinct().count();
        List<String> marks = verdicts.stream().filter(v -> v.value().get("cameraId").toString().equals(camera))
            .map(v -> ((Map<?, ?>) v.value().get("attributes")).entrySet().stream()
                .filter(e -> e.getKey().toString().equals("advmon.partitionChanged"))
                .map(e -> e.getValue().toString()).findFirst().orElse(null))
            .filter(java.util.Objects::nonNull).toList();
        if (spread > 1) {
          assertThat(marks).as("camera %s's frames came from %d partitions", camera, spread).isNotEmpty()
              .allSatisfy(m -> assertThat(m).matches("partition \\d+ after partition \\d+ of .*; record key \".*\""));
        } else {
          assertThat(marks).as("camera %s's frames came from one partition", camera).isEmpty();
        }
      }
      for (Read a : alerts) {
        GenericRecord alert = a.value();
        String camera = alert.get("cameraId").toString();
        assertThat(a.key()).isEqualTo(camera);
        assertThat(a.partition()).isEqualTo(defaultPartition(camera, a.partitions()));
        assertThat(a.timestamp()).as("frame alert record time").isEqualTo(recordTime);
        GenericRecord verdict = verdictByFrame.get(camera + "/" + alert.get("frameId"));
        assertThat(verdict).as("alert %s has its verdict", alert.get("alertId")).isNotNull();
        assertThat(alert.get("alertId").toString())
            .isEqualTo(camera + "/" + alert.get("frameId") + "/" + alert.get("kind"));
        assertThat(alert.get("time")).as("a frame alert's time is its verdict's scoredTime")
            .isEqualTo(verdict.get("scoredTime"));
        assertThat(alert.get("severity").toString()).as("one reason: WARNING").isEqualTo("WARNING");
      }
    }
  }

  /** Kafka's default partitioner for a string key: murmur2 of its UTF-8 bytes. */
  private static int defaultPartition(String key, int partitions) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /** The record schema {@code name} from the .avsc files, as a consumer outside the project would parse them. */
  private static Schema schema(String name) throws Exception {
    Schema.Parser parser = new Schema.Parser();
    Path dir = TestData.repoRoot().resolve("schemas/src/main/avro");
    parser.parse(Files.readString(dir.resolve("DetectorScore.avsc"))); // named by the others
    return parser.parse(Files.readString(dir.resolve(name + ".avsc")));
  }

  /** Each camera's frames, keyed by frame id (not by camera) so that they spread over the frames partitions. */
  private static void produce(String bootstrap, SchemaRegistry registry, String topic, long recordTime,
      Instant captureTime) throws Exception {
    AvroSerde<Frame> serde = AvroSerde.forClass(Frame.class, registry);
    List<TestData.Labelled> images = TestData.evalSet();
    Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
        new ByteArraySerializer())) {
      for (String camera : CAMERAS) {
        for (int i = 0; i < FRAMES_PER_CAMERA; i++) {
          String frameId = "frame-" + i; // the same frame ids on every camera, as fleets number them
          Frame frame = Frame.newBuilder().setFrameId(frameId).setCameraId(camera).setCaptureTime(captureTime)
              .setEncoding(ImageEncoding.PNG)
              .setImage(ByteBuffer.wrap(Files.readAllBytes(images.get(i).file()))).build();
          producer.send(new ProducerRecord<>(topic, null, recordTime, camera + ":" + frameId,
              serde.serializer().serialize(topic, frame)));
        }
      }
      producer.flush();
    }
  }

  /** One record as the consumer saw it. */
  private record Read(String key, int partition, int partitions, long timestamp, GenericRecord value) {}

  /** Confluent wire format (magic 0, 4-byte schema id, Avro body), schemas fetched by id over the REST API. */
  private static final class Reader {
    private final String registryUrl;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final Map<Integer, Schema> writers = new HashMap<>();

    Reader(String registryUrl) {
      this.registryUrl = registryUrl;
    }

    Set<String> subjects() throws Exception {
      Set<String> subjects = new HashSet<>();
      get("/subjects").forEach(s -> subjects.add(s.asText()));
      return subjects;
    }

    private JsonNode get(String path) throws Exception {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(registryUrl + path)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
      return json.readTree(r.body());
    }

    private GenericRecord decode(byte[] bytes, Schema reader) throws Exception {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      assertThat(b.get()).as("magic byte").isEqualTo((byte) 0);
      int id = b.getInt();
      Schema writer = writers.get(id);
      if (writer == null) {
        writer = new Schema.Parser().parse(get("/schemas/ids/" + id).get("schema").asText());
        writers.put(id, writer);
      }
      return new GenericDatumReader<GenericRecord>(writer, reader)
          .read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
    }

    /** Every committed record of {@code topic}, once at least {@code expected} are read and the end is reached. */
    List<Read> readAll(String bootstrap, String topic, Schema reader, int expected) throws Exception {
      Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      List<Read> read = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
          new ByteArrayDeserializer())) {
        int partitions = consumer.partitionsFor(topic).size();
        List<TopicPartition> all = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
          all.add(new TopicPartition(topic, p));
        }
        consumer.assign(all);
        consumer.seekToBeginning(all);
        while (System.nanoTime() < deadline) {
          for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            read.add(new Read(r.key(), r.partition(), partitions, r.timestamp(), decode(r.value(), reader)));
          }
          if (read.size() >= expected && atEnd(consumer, all)) {
            break;
          }
        }
      }
      return read;
    }

    /** Whether the consumer has read up to the last stable offset of every partition. */
    private static boolean atEnd(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> all) {
      Map<TopicPartition, Long> ends = consumer.endOffsets(all);
      return all.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
    }
  }
}
