package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.health.RebalanceWatch;
import dev.advmon.image.ImageLimits;
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
import dev.advmon.schema.ImageEncoding;
import dev.advmon.testing.BreakableClassifier;
import dev.advmon.testing.KafkaBroker;
import dev.advmon.testing.RealKafkaAndRegistry;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.image.TestImages;
import dev.advmon.testing.TestData;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.MonitorTopology;
import dev.advmon.topology.StreamingMonitor;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole monitor on a real Kafka broker and a real schema registry (Apicurio, Confluent API): 1,000
 * frames in, 50 of them malformed in different ways; every frame comes out exactly once, as a verdict or a
 * dead letter with its reason, although the model fails for every frame once in the middle of a transaction
 * that already holds verdicts (so at-least-once processing would write those verdicts twice).
 */
@RealKafkaAndRegistry
class StreamingMonitorIT {

  @TempDir
  Path stateDir;

  private Map<String, String> settings(KafkaBroker.Info broker, String registryUrl, String name) {
    return dev.advmon.testing.MonitorSettings.ofQuickStart(broker.bootstrapServers(), registryUrl, name, stateDir);
  }

  @Test
  void everyFrameBecomesExactlyOneVerdictOrOneDeadLetterWithItsReason(KafkaBroker.Info broker,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = settings(broker, registryServer.url(), "it");
    settings.put("topics.partitions", "3");
    settings.put("image.max-encoded-bytes", "65536");
    // One stream thread: each model call is one frame (no calls merged across threads), so that the injected
    // failure hits exactly one frame's call and then the guard's canary, as FailsOnceMidTransaction counts on.
    settings.put("streams.num-threads", "1");
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();

    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME)) {
      FailsOnceMidTransaction model = new FailsOnceMidTransaction();
      BreakableClassifier breakable = new BreakableClassifier(classifier);
      breakable.fault = model;
      List<String> readiness = new java.util.concurrent.CopyOnWriteArrayList<>();
      try (StreamingMonitor monitor = StreamingMonitor.start(config, registry, true,
          FramePreparer.forModel(new ImageLimits(65536, 1_000_000, 4096), bundle.manifest()),
          new FrameScorer(breakable, List.of(), 64), MonitorMetrics.inMemory(), AlertListener.NONE)) {
        assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();
        model.commits = () -> commits(monitor);
        Thread poller = new Thread(() -> {
          while (!Thread.currentThread().isInterrupted()) {
            readiness.add(String.join("; ", monitor.health().readiness().reasons()));
            try {
              Thread.sleep(50);
            } catch (InterruptedException e) {
              return;
            }
          }
        });
        poller.setDaemon(true);
        poller.start();

        Map<String, String> expectedReason = produceFrames(broker.bootstrapServers(), registry, config);
        assertThat(expectedReason).hasSize(1000);

        List<FrameVerdict> verdicts = new ArrayList<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        consume(broker.bootstrapServers(), registry, config, verdicts, deadLetters, 1000, Duration.ofSeconds(180));
        poller.interrupt();
        check(expectedReason, verdicts, deadLetters, config);

        assertThat(model.failed).as("the model failed once, mid-transaction").isTrue();
        assertThat(model.scored.get()).as("frames scored again after the restart: their verdicts were in the "
            + "aborted transaction, which exactly-once hides and at-least-once would have written twice")
            .isGreaterThan(950);
        assertThat(readiness).as("readiness said why it was DOWN")
            .anySatisfy(r -> assertThat(r).containsAnyOf("scoring fails for every frame", "restarting after a failure"));
      }
    }
  }

  /**
   * A registry that stops accepting the monitor's credentials (revoked, rotated) would make every frame fail the
   * same way: the monitor stops with a message naming the setting, instead of dead-lettering the stream.
   */
  @Test
  void registryCredentialsRefusedMidStreamStopTheMonitorWithTheSettingToFixAndDeadLetterNothing(
      KafkaBroker.Info broker, SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = settings(broker, null, "auth");
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    // answers registrations (the start-up works), refuses to hand out schemas: credentials revoked meanwhile
    com.sun.net.httpserver.HttpServer refusing = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    java.util.concurrent.atomic.AtomicInteger ids = new java.util.concurrent.atomic.AtomicInteger(1000);
    refusing.createContext("/", ex -> {
      try (ex) {
        ex.getRequestBody().readAllBytes();
        String path = ex.getRequestURI().getPath();
        boolean register = ex.getRequestMethod().equals("POST") && path.endsWith("/versions");
        byte[] body = (register ? "{\"id\":" + ids.incrementAndGet() + "}"
            : "{\"error_code\":40101,\"message\":\"Unauthorized\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        ex.sendResponseHeaders(register || path.equals("/config") ? 200 : 401, body.length);
        ex.getResponseBody().write(body);
      }
    });
    refusing.start();
    SchemaRegistry real = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
        StreamingMonitor monitor = StreamingMonitor.start(config, new HttpSchemaRegistryClient(RegistrySettings
                .builder("http://127.0.0.1:" + refusing.getAddress().getPort()).build()), true,
            FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(classifier, List.of(), 64),
            MonitorMetrics.inMemory(), AlertListener.NONE)) {
      assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).isTrue();
      AvroSerde<Frame> serde = AvroSerde.forClass(Frame.class, real);
      byte[] png = Files.readAllBytes(TestData.evalSet().get(0).file());
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
          broker.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
        for (int i = 0; i < 20; i++) {
          producer.send(new ProducerRecord<>(config.string("topics.frames"), "cam-1".getBytes(), serde.serializer()
              .serialize(config.string("topics.frames"), frame("auth-" + i, "cam-1", ImageEncoding.PNG, png, null, null))));
        }
      }
      assertThat(monitor.awaitFailure(Duration.ofSeconds(90))).as("the monitor stops").isTrue();
      assertThat(monitor.failure()).hasValueSatisfying(f -> assertThat(f).contains("HTTP 401")
          .contains("registry.basic-auth.user-info"));
      assertThat(monitor.health().readiness().up()).isFalse();
      assertThat(monitor.health().liveness().reasons()).anySatisfy(r -> assertThat(r).contains("HTTP 401"));
      assertThat(dev.advmon.testing.OutcomeReader.readAll(broker.bootstrapServers(), config.string("topics.verdicts"),
          config.string("topics.dead-letter"), Duration.ofSeconds(60))).as("nothing verdicted or dead-lettered").isEmpty();
    } finally {
      refusing.stop(0);
    }
  }

  /**
   * After a failure the monitor starts a new Kafka Streams client in place; should that start itself keep failing
   * (here: the state folder's lock is held, as by a closed client that kept it), only a new process helps, so
   * liveness goes DOWN saying so; once a start succeeds it is UP again and the frame gets its one verdict.
   */
  @Test
  void livenessGoesDownWhileKafkaStreamsCannotBeStartedAgainInThisProcess(KafkaBroker.Info broker,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = settings(broker, registryServer.url(), "stuck");
    settings.put("streams.num-threads", "1");
    // every start 1 s after the last failure, as the first is: the default doubling (2, 4, then 8 s before the start
    // that succeeds) cost this test 11 s of nothing; how long the backoff is is not what it checks
    settings.put("streams.restart-backoff-max-ms", "1000");
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    Path lockFile = Path.of(settings.get("streams.state-dir"), settings.get("streams.application-id"), ".lock");
    java.util.concurrent.atomic.AtomicInteger failingCalls = new java.util.concurrent.atomic.AtomicInteger();
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME)) {
      BreakableClassifier breakable = new BreakableClassifier(classifier);
      breakable.fault = BreakableClassifier.Fault.failingWhileCounting(failingCalls);
      MonitorMetrics metrics = MonitorMetrics.inMemory();
      try (StreamingMonitor monitor = StreamingMonitor.start(config, registry, true,
          FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(breakable, List.of(), 64),
          metrics, AlertListener.NONE)) {
        assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();
        failingCalls.set(2); // the frame and the guard's canary: scoring is broken, so Kafka Streams is restarted
        AvroSerde<Frame> serde = AvroSerde.forClass(Frame.class, registry);
        byte[] png = Files.readAllBytes(TestData.evalSet().get(0).file());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
          producer.send(new ProducerRecord<>(config.string("topics.frames"), "cam-1".getBytes(), serde.serializer()
              .serialize(config.string("topics.frames"), frame("stuck-0", "cam-1", ImageEncoding.PNG, png, null, null))));
        }
        // the failed client is closed, releasing the lock, and the next start comes 1 s later: take the lock first
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(lockFile,
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
          java.nio.channels.FileLock lock = null;
          long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
          while (lock == null && System.nanoTime() < deadline) {
            try {
              lock = channel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException heldByTheRunningClient) {
              Thread.sleep(5);
            }
          }
          assertThat(lock).as("the failed client released the state folder's lock").isNotNull();
          assertThat(monitor.health().liveness().up()).as("one failed client alone is restarted in place").isTrue();
          // the restart held (no new client can lock the state folder): the old client is ERROR or NOT_RUNNING, and
          // /cameras answered "this instance is stopping: ask another instance" with notYet false
          dev.advmon.health.HealthReport held = monitor.health().readiness();
          assertThat(held.state()).isIn("PENDING_ERROR", "ERROR", "PENDING_SHUTDOWN", "NOT_RUNNING", "CREATED");
          assertThat(held.restarting()).as("readiness says a restart is under way: %s", held).isTrue();
          try (dev.advmon.http.MonitorHttpServer http = new dev.advmon.http.MonitorHttpServer(
              dev.advmon.http.HttpSettings.loopback("127.0.0.1", 0), monitor.health(), () -> "", monitor.cameras(),
              null, null)) {
            java.net.http.HttpResponse<String> cameras = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + http.port()
                    + "/cameras")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(cameras.statusCode()).isEqualTo(503);
            assertThat(cameras.body()).as("the cameras come back by themselves").contains("\"notYet\":true")
                .contains("restarts in place").doesNotContain("stopping");
          }

          long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
          while (monitor.health().liveness().up() && System.nanoTime() < until) {
            Thread.sleep(100);
          }
          assertThat(monitor.health().liveness().reasons()).as("liveness DOWN, saying why")
              .anySatisfy(r -> assertThat(r).contains("could not be started again")
                  .contains("restart the process"));
          lock.release();
        }
        assertThat(monitor.awaitRunning(Duration.ofSeconds(90))).as("a later start succeeds").isTrue();
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!monitor.health().liveness().up() && System.nanoTime() < until) {
          Thread.sleep(100);
        }
        assertThat(monitor.health().liveness().up()).as("liveness UP again").isTrue();
        assertThat(metrics.registry().get("advmon.streams.restarts").counter().count())
            .as("every restart attempt counted (Prometheus alerts on it): the failure and the three failed starts")
            .isGreaterThanOrEqualTo(4);
        List<dev.advmon.testing.OutcomeReader.Outcome> outcomes = new ArrayList<>();
        long readUntil = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (outcomes.isEmpty() && System.nanoTime() < readUntil) {
          Thread.sleep(200);
          outcomes = dev.advmon.testing.OutcomeReader.readAll(broker.bootstrapServers(), config.string("topics.verdicts"),
              config.string("topics.dead-letter"), Duration.ofSeconds(30));
        }
        assertThat(outcomes).as("the frame's one outcome").singleElement()
            .satisfies(o -> assertThat(o.frameId()).isEqualTo("stuck-0"))
            .satisfies(o -> assertThat(o.verdict()).as("a verdict, not a dead letter").isTrue());
      }
    }
  }

  /**
   * The rebalance watchdog (health.rebalance-timeout-ms) judges a restore by the steps the active tasks' restore has
   * made, counted by the monitor's restore listener ({@link dev.advmon.health.RestoreProgress}). On a live client that
   * count must rise while a real restore runs; else every restore longer than the timeout would be restarted (with a
   * wrong metric name an earlier version of this test saw the monitor restart the restore over and over, never
   * reaching RUNNING). The camera store's changelog holds records before the first start, so the monitor (fresh state
   * folder) restores them, in small fetches: seconds of restore, sampled as the health checker samples them.
   */
  @Test
  void aRealStateRestoreReadsAsProgressToTheRebalanceWatchdog(KafkaBroker.Info broker,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> settings = settings(broker, registryServer.url(), "replay");
    settings.put("topics.partitions", "1");
    settings.put("streams.num-threads", "1");
    // one producer batch per restore fetch: the restore takes seconds, not milliseconds
    settings.put("kafka.restore.consumer.fetch.max.bytes", "1");
    settings.put("kafka.restore.consumer.max.partition.fetch.bytes", "1");
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    String changelog = config.string("streams.application-id") + "-" + MonitorTopology.CAMERA_STORE + "-changelog";
    // one record per producer batch (batch.size 1), so one record per restore fetch: on the CI machine 6,000 records
    // in batches of three restored in 0.8 s, under the watchdog's timeout below, and the test proved nothing
    int records = 8_000;
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(changelog, 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
          .all().get();
    }
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        broker.bootstrapServers(), ProducerConfig.BATCH_SIZE_CONFIG, 1, ProducerConfig.LINGER_MS_CONFIG, 0),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < records; i++) {
        producer.send(new ProducerRecord<>(changelog, ("replay-cam-" + i).getBytes(), new byte[32]));
      }
    }
    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
        StreamingMonitor monitor = StreamingMonitor.start(config, registry, true,
            FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(classifier, List.of(), 64),
            MonitorMetrics.inMemory(), AlertListener.NONE)) {
      KafkaStreams client = monitor.streams();
      // the clock starts at the first record restored: the group join before it is not the restore under test
      long timeoutMs = 1_000;
      RebalanceWatch watch = new RebalanceWatch(timeoutMs);
      List<Long> duringRestore = new ArrayList<>();
      List<String> judged = new ArrayList<>();
      long firstMs = -1;
      long lastMs = -1;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (client.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
        long restored = monitor.restores().steps();
        if (client.state() == KafkaStreams.State.REBALANCING && restored > 0) {
          long now = System.currentTimeMillis();
          firstMs = firstMs < 0 ? now : firstMs;
          lastMs = now;
          if (duringRestore.isEmpty() || restored != duringRestore.get(duringRestore.size() - 1)) {
            duringRestore.add(restored);
          }
          String due = watch.sample(new RebalanceWatch.Sample(now, true, restored, true, client));
          if (due != null) {
            judged.add(due);
          }
        }
        Thread.sleep(20); // a sampling rate, not a wait: the loop ends on RUNNING
      }
      org.slf4j.LoggerFactory.getLogger(StreamingMonitorIT.class).info("restore steps {} in {} ms ({} readings)",
          duringRestore.isEmpty() ? 0 : duringRestore.get(duringRestore.size() - 1), lastMs - firstMs,
          duringRestore.size());
      assertThat(client.state()).as("the restore ends: Kafka Streams RUNNING").isEqualTo(KafkaStreams.State.RUNNING);
      assertThat(monitor.restores().steps()).as("the active task's restore steps, as the watchdog reads them, count "
          + "the whole changelog").isGreaterThanOrEqualTo(records);
      assertThat(duringRestore).as("the count rises while Kafka Streams is REBALANCING (restoring), not only at the end")
          .hasSizeGreaterThanOrEqualTo(3).isSorted();
      assertThat(lastMs - firstMs).as("the restore outlasted the watchdog's timeout, so its judgement mattered")
          .isGreaterThan(timeoutMs);
      assertThat(judged).as("the watchdog, fed the live metrics, judged the restore as progress").isEmpty();
      assertThat(monitor.streams()).as("and the monitor's own watchdog (5 min) did not replace the client")
          .isSameAs(client);
    }
  }

  /**
   * With standby replicas (kafka.num.standby.replicas=1) an instance's restore consumer never stops reading: it keeps
   * the standby copies of the other instance's stores up to date. The watchdog once counted the restore consumers'
   * records as restore progress, which would have hidden a stuck active restore for good. Two instances, two
   * partitions, one standby each: while frames flow, each instance's restore consumer reads records for its standby,
   * and the count the watchdog reads does not move.
   */
  @Test
  void standbyReplicasKeepingUpAreNoRestoreProgressToTheRebalanceWatchdog(KafkaBroker.Info broker,
      SchemaRegistryServer.Info registryServer) throws Exception {
    Map<String, String> a = settings(broker, registryServer.url(), "standby");
    a.put("topics.partitions", "2");
    a.put("streams.num-threads", "1");
    a.put("streams.session-timeout-ms", "6000");
    a.put("kafka.num.standby.replicas", "1");
    Map<String, String> b = new java.util.HashMap<>(a);
    a.put("streams.instance-id", "standby-a"); // two instances in one process: each its own static member id
    b.put("streams.instance-id", "standby-b");
    b.put("streams.state-dir", a.get("streams.state-dir") + "-b");
    SchemaRegistry registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
        StreamingMonitor ma = startWith(a, registry, classifier, bundle);
        StreamingMonitor mb = startWith(b, registry, classifier, bundle)) {
      assertThat(dev.advmon.testing.Await.until(() -> activeAndStandby(ma) && activeAndStandby(mb),
          Duration.ofSeconds(90))).as("both RUNNING, each with an active task and the other's standby; a: %s; b: %s",
          ma.streams().metadataForLocalThreads(), mb.streams().metadataForLocalThreads()).isTrue();
      KafkaStreams ca = ma.streams();
      KafkaStreams cb = mb.streams();
      long stepsA = ma.restores().steps();
      long stepsB = mb.restores().steps();
      double readA = restoreConsumerRecords(ca);
      double readB = restoreConsumerRecords(cb);
      String frames = a.get("topics.frames");
      try (dev.advmon.testing.FrameTraffic traffic = new dev.advmon.testing.FrameTraffic(broker.bootstrapServers(),
          frames, 200, 50, dev.advmon.testing.FrameTraffic.cameraFrames(registry, frames, "sb", 8))) {
        assertThat(dev.advmon.testing.Await.until(() -> restoreConsumerRecords(ca) >= readA + 20
            && restoreConsumerRecords(cb) >= readB + 20, Duration.ofSeconds(90)))
            .as("both standby copies are kept up to date: the restore consumers read records (a: %s -> %s, b: %s -> "
                + "%s)", readA, restoreConsumerRecords(ca), readB, restoreConsumerRecords(cb)).isTrue();
        assertThat(traffic.awaitAllAcked(Duration.ofSeconds(60))).isTrue();
      }
      assertThat(List.of(ma.streams(), mb.streams())).as("no client was replaced").containsExactly(ca, cb);
      assertThat(List.of(ca.state(), cb.state())).as("no rebalance in between, which could restore for real")
          .containsOnly(KafkaStreams.State.RUNNING);
      assertThat(List.of(ma.restores().steps(), mb.restores().steps()))
          .as("the watchdog's count did not move while only standby copies were updated")
          .containsExactly(stepsA, stepsB);
    }
  }

  private static StreamingMonitor startWith(Map<String, String> settings, SchemaRegistry registry,
      DjlClassifier classifier, ModelBundle bundle) throws InterruptedException {
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    return StreamingMonitor.start(config, registry, true,
        FramePreparer.forModel(ImageLimits.defaults(), bundle.manifest()), new FrameScorer(classifier, List.of(), 64),
        MonitorMetrics.inMemory(), AlertListener.NONE);
  }

  private static boolean activeAndStandby(StreamingMonitor monitor) {
    KafkaStreams client = monitor.streams();
    return client.state() == KafkaStreams.State.RUNNING && client.metadataForLocalThreads().stream()
        .anyMatch(t -> !t.activeTasks().isEmpty() && !t.standbyTasks().isEmpty());
  }

  /** Records the client's restore consumers have read (client level), the count the watchdog once took as progress. */
  private static double restoreConsumerRecords(KafkaStreams client) {
    return client.metrics().entrySet().stream()
        .filter(e -> RebalanceWatch.ofRestoreConsumer(e.getKey()) && !e.getKey().tags().containsKey("topic")
            && e.getKey().name().equals("records-consumed-total")
            && e.getKey().group().equals("consumer-fetch-manager-metrics"))
        .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
  }

  /** Sum of the stream threads' commits so far (a Kafka Streams metric). */
  private static double commits(StreamingMonitor monitor) {
    double sum = 0;
    for (var e : monitor.streams().metrics().entrySet()) {
      if (e.getKey().name().equals("commit-total") && e.getKey().group().equals("stream-thread-metrics")
          && e.getValue().metricValue() instanceof Number n) {
        sum += n.doubleValue();
      }
    }
    return sum;
  }

  /**
   * The real model, which fails for every frame once, after 300 frames, at a moment when the previous frame's
   * verdict is in the open transaction (no commit since it was scored): the failure then aborts a transaction
   * that holds verdicts, and their frames are scored again after the restart.
   */
  private static final class FailsOnceMidTransaction implements BreakableClassifier.Fault {
    final java.util.concurrent.atomic.AtomicInteger scored = new java.util.concurrent.atomic.AtomicInteger();
    volatile java.util.function.DoubleSupplier commits;
    volatile boolean failed;
    private double commitsAtLastFrame = -1;
    private int failingCalls;

    @Override
    public synchronized Throwable on(List<dev.advmon.image.FloatImage> images) {
      if (!failed && scored.get() >= 300 && commits != null) {
        double now = commits.getAsDouble();
        if (now == commitsAtLastFrame) {
          failed = true;
          failingCalls = 2; // this frame and the guard's canary: scoring is broken, not the frame
        }
        commitsAtLastFrame = now;
      }
      if (failingCalls > 0) {
        failingCalls--;
        return new IllegalStateException("injected: the accelerator went away");
      }
      scored.addAndGet(images.size()); // no detectors, so one image per frame
      return null;
    }
  }

  private static void check(Map<String, String> expectedReason, List<FrameVerdict> verdicts,
      List<DeadLetter> deadLetters, MonitorConfig config) {
    {
      {
      assertThat(verdicts.size() + deadLetters.size()).isEqualTo(1000);
      assertThat(deadLetters).hasSize(50);
      Set<String> seen = new HashSet<>();
      for (FrameVerdict v : verdicts) {
        assertThat(seen.add(v.getFrameId())).as("frame %s seen once", v.getFrameId()).isTrue();
        assertThat(expectedReason.get(v.getFrameId())).as("frame %s should have been scored", v.getFrameId()).isEqualTo("OK");
        assertThat(v.getModelName()).isEqualTo("fashion-mnist-cnn");
      }
      for (DeadLetter d : deadLetters) {
        String id = new String(d.getKey().array());
        assertThat(seen.add(id)).as("dead letter %s seen once", id).isTrue();
        assertThat(d.getReason()).as("reason of %s", id).isEqualTo(expectedReason.get(id));
        assertThat(d.getErrorMessage()).isNotBlank();
        assertThat(d.getSourceTopic()).isEqualTo(config.string("topics.frames"));
        assertThat(d.getOffset()).isGreaterThanOrEqualTo(0);
      }
      assertThat(seen).hasSize(1000);
    }
  }
  }

  /**
   * 950 good PNG frames from 5 cameras and 50 bad records in 10 different ways. Bad records are keyed by
   * their id so that the dead letter (which keeps the original key) can be matched back.
   */
  private static Map<String, String> produceFrames(String bootstrap, SchemaRegistry registry, MonitorConfig config)
      throws Exception {
    String topic = config.string("topics.frames");
    AvroSerde<Frame> serde = AvroSerde.forClass(Frame.class, registry);
    List<TestData.Labelled> eval = TestData.evalSet();
    byte[] png = Files.readAllBytes(eval.get(0).file());
    Map<String, String> expected = new HashMap<>();
    Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      int good = 0;
      for (int i = 0; i < 1000; i++) {
        if (i % 20 == 7) {
          String id = "bad-" + i;
          int kind = (i / 20) % 10;
          byte[] value = switch (kind) {
            case 0 -> "plain text, not avro".getBytes();
            case 1 -> new byte[] {0, 0x7f, 0x7f, 0x7f, 0x7f, 1, 2, 3};
            case 2 -> Arrays.copyOf(serde.serializer().serialize(topic, frame(id, "cam-x", ImageEncoding.PNG, png, null, null)), 9);
            case 3 -> serde.serializer().serialize(topic, frame(id, "cam-x", ImageEncoding.PNG, Arrays.copyOf(png, png.length / 2), null, null));
            case 4 -> serde.serializer().serialize(topic, frame(id, "cam-x", ImageEncoding.PNG, TestImages.handmadePng(50_000, 50_000), null, null));
            case 5 -> serde.serializer().serialize(topic, frame(id, "cam-x", ImageEncoding.GRAY8, new byte[100], 28, 28));
            case 6 -> serde.serializer().serialize(topic, frame(id, "cam-x", ImageEncoding.RGB8, new byte[100], null, null));
            case 7 -> serde.serializer().serialize(topic, frame(id, "", ImageEncoding.PNG, png, null, null));
            case 8 -> serde.serializer().serialize(topic, frame(id, "cam-x", ImageEncoding.JPEG, "no jpeg here".getBytes(), null, null));
            default -> serde.serializer().serialize(topic, frame(id, "cam-x", ImageEncoding.PNG, new byte[70_000], null, null));
          };
          expected.put(id, switch (kind) {
            case 0 -> "BAD_MAGIC_BYTE";
            case 1 -> "UNKNOWN_SCHEMA";
            case 2 -> "BAD_AVRO";
            case 3, 5, 8 -> "UNDECODABLE_IMAGE";
            case 4, 9 -> "IMAGE_TOO_LARGE";
            default -> "INVALID_FRAME";
          });
          producer.send(new ProducerRecord<>(topic, id.getBytes(), value));
        } else {
          String camera = "cam-" + (i % 5);
          String id = "frame-" + i;
          byte[] image = Files.readAllBytes(eval.get(good++ % eval.size()).file());
          expected.put(id, "OK");
          producer.send(new ProducerRecord<>(topic, camera.getBytes(),
              serde.serializer().serialize(topic, frame(id, camera, ImageEncoding.PNG, image, null, null))));
        }
      }
      producer.flush();
    }
    return expected;
  }

  private static void consume(String bootstrap, SchemaRegistry registry, MonitorConfig config,
      List<FrameVerdict> verdicts, List<DeadLetter> deadLetters, int expected, Duration timeout) {
    AvroSerde<FrameVerdict> verdictSerde = AvroSerde.forClass(FrameVerdict.class, registry);
    AvroSerde<DeadLetter> deadSerde = AvroSerde.forClass(DeadLetter.class, registry);
    Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, "it-reader-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    long deadline = System.nanoTime() + timeout.toNanos();
    long quietUntil = Long.MAX_VALUE;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(config.string("topics.verdicts"), config.string("topics.dead-letter")));
      // keep reading a little after reaching the count, so that a duplicate would be seen
      while (System.nanoTime() < deadline && System.nanoTime() < quietUntil) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.topic().equals(config.string("topics.verdicts"))) {
            verdicts.add(verdictSerde.deserializer().deserialize(r.topic(), r.value()));
          } else {
            deadLetters.add(deadSerde.deserializer().deserialize(r.topic(), r.value()));
          }
        }
        if (quietUntil == Long.MAX_VALUE && verdicts.size() + deadLetters.size() >= expected) {
          quietUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        }
      }
    }
  }

  private static Frame frame(String id, String camera, ImageEncoding encoding, byte[] image, Integer w, Integer h) {
    return Frame.newBuilder().setFrameId(id).setCameraId(camera).setCaptureTime(Instant.now())
        .setEncoding(encoding).setImage(ByteBuffer.wrap(image)).setWidth(w).setHeight(h).build();
  }
}
