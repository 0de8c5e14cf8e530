package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.advmon.schema.Frame;
import dev.advmon.schema.ImageEncoding;
import dev.advmon.testing.Await;
import dev.advmon.testing.BreakableClassifier;
import dev.advmon.testing.Footprint;
import dev.advmon.testing.KafkaBroker;
import dev.advmon.testing.RealKafkaAndRegistry;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.TestData;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.StreamingMonitor;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pod lives for weeks and restarts its Kafka Streams client in place after every registry, broker or model
 * outage: nothing may pile up per restart. Forces {@value #RESTARTS} restarts (scoring broken for one frame and the
 * guard's canary each time) and compares what the monitor holds after the second with what it holds after the
 * last: its threads, its Kafka client MBeans, its meters, the files it keeps open in the state folder, and the
 * closed clients themselves (each must become garbage).
 */
@RealKafkaAndRegistry
class InPlaceRestartLeakIT {

  private static final int RESTARTS = 8;
  /** Restarts before the baseline: lazily created, process-wide things (RocksDB's environment) come with the first. */
  private static final int WARM_UP = 2;

  @TempDir
  Path stateDir;

  @Test
  void restartingKafkaStreamsInPlaceLeavesNoThreadsMBeansMetersFilesOrClientsBehind(KafkaBroker.Info broker,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = dev.advmon.testing.MonitorSettings.ofQuickStart(
        broker.bootstrapServers(), registryServer.url(),
        "leak", stateDir);
    settings.put("streams.num-threads", "2"); // two: model calls go through the shared batcher's workers
    settings.put("streams.restart-backoff-max-ms", "200"); // the default (60 s, doubling from 1 s) would take minutes
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    String appId = config.string("streams.application-id");
    Path state = Path.of(settings.get("streams.state-dir"));
    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    AtomicInteger failingCalls = new AtomicInteger();
    List<WeakReference<KafkaStreams>> closedClients = new ArrayList<>();
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME)) {
      BreakableClassifier breakable = new BreakableClassifier(classifier);
      breakable.fault = BreakableClassifier.Fault.failingWhileCounting(failingCalls);
      MonitorMetrics metrics = MonitorMetrics.inMemory();
      try (StreamingMonitor monitor = StreamingMonitor.start(config, registry, true,
          FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(breakable, List.of(), 64),
          metrics, AlertListener.NONE);
          KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
              broker.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
        assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();
        AvroSerde<Frame> serde = AvroSerde.forClass(Frame.class, registry);
        String topic = config.string("topics.frames");
        Footprint baseline = null;
        for (int restart = 1; restart <= RESTARTS; restart++) {
          closedClients.add(restartOnce(restart, monitor, metrics, failingCalls, producer, serde, topic));
          if (restart == WARM_UP) {
            baseline = Footprint.take(appId, state, metrics, 0);
          }
        }
        assertThat(metrics.registry().get("advmon.streams.restarts").counter().count()).isEqualTo(RESTARTS);

        Footprint first = baseline;
        Footprint[] last = {null};
        // closing threads and files may lag the new client's start by a moment: wait for them, but not forever
        boolean noGrowth = Await.until(() -> {
          last[0] = Footprint.take(appId, state, metrics, 0);
          return last[0].noMoreThan(first);
        }, Duration.ofSeconds(30));
        assertThat(noGrowth).as("after restart %d vs after restart %d:%n%s", RESTARTS, WARM_UP, last[0].diff(first)).isTrue();

        assertThat(Await.until(() -> {
          System.gc();
          return closedClients.stream().allMatch(r -> r.get() == null);
        }, Duration.ofSeconds(30))).as("every closed Kafka Streams client became garbage; still reachable: restarts %s",
            java.util.stream.IntStream.range(0, closedClients.size()).filter(i -> closedClients.get(i).get() != null)
                .mapToObj(i -> Integer.toString(i + 1)).toList()).isTrue();
      }
    }
  }

  /**
   * Breaks scoring for one frame and its canary, sends the frame and waits until a new client runs and scored it;
   * returns the failed client weakly (a method of its own so that no local variable of the test keeps it).
   */
  private static WeakReference<KafkaStreams> restartOnce(int restart, StreamingMonitor monitor, MonitorMetrics metrics,
      AtomicInteger failingCalls, KafkaProducer<byte[], byte[]> producer, AvroSerde<Frame> serde, String topic)
      throws Exception {
    KafkaStreams before = monitor.streams();
    failingCalls.set(2); // the frame and the guard's canary: scoring is broken, so Kafka Streams is restarted
    byte[] png = Files.readAllBytes(TestData.evalSet().get(restart % TestData.evalSet().size()).file());
    producer.send(new ProducerRecord<>(topic, "cam-1".getBytes(), serde.serializer().serialize(topic,
        Frame.newBuilder().setFrameId("leak-" + restart).setCameraId("cam-1").setCaptureTime(Instant.now())
            .setEncoding(ImageEncoding.PNG).setImage(ByteBuffer.wrap(png)).build()))).get();
    assertThat(Await.until(() -> monitor.streams() != before
        && monitor.streams().state() == KafkaStreams.State.RUNNING
        && metrics.counts().verdicts() >= restart, Duration.ofSeconds(60)))
        .as("restart %d: a new client runs and scored the frame again", restart).isTrue();
    assertThat(before.state()).as("the failed client was closed (ERROR: it shut itself down after the failure)")
        .isIn(KafkaStreams.State.ERROR, KafkaStreams.State.NOT_RUNNING);
    return new WeakReference<>(before);
  }
}
