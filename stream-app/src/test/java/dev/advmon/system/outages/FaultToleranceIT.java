package dev.advmon.system.outages;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.schema.Frame;
import dev.advmon.schema.ImageEncoding;
import dev.advmon.testing.ChildProcess;
import dev.advmon.testing.FrameTraffic;
import dev.advmon.testing.MonitorProcess;
import dev.advmon.testing.OutcomeReader;
import dev.advmon.testing.OutcomeReader.Outcome;
import dev.advmon.testing.ReadinessLog;
import dev.advmon.testing.ReliabilityReport;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.StandaloneKafka;
import dev.advmon.testing.TempTree;
import dev.advmon.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.LoggerFactory;

/**
 * The monitor under faults, as an operator meets them: a real Kafka broker as a child process (killable), a real
 * Apicurio registry as a child process (freezable), and {@code monitor run} as a child process, fed by a steady
 * stream of frames through each fault. Every test checks exact counts on what a downstream consumer reads
 * (read_committed): verdicts + dead letters = frames sent, no frame twice, each dead letter with its reason. How
 * long the monitor went without a verdict, how long a restart took to its first verdict, and how readiness moved,
 * are measured (never asserted: this machine is shared) and written to RELIABILITY.md.
 *
 * <p>About 3 to 4 minutes on a loaded 2-core machine: one broker and one registry for the class, a monitor (JVM,
 * model, group join) per fault.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultToleranceIT {

  private static final double RATE = 20; // frames per second, through the faults
  private static final Duration OUTCOMES_TIMEOUT = Duration.ofMinutes(4);
  private static final ReliabilityReport REPORT = new ReliabilityReport();

  private static Path dir;
  private static StandaloneKafka kafka;
  private static SchemaRegistryServer.Running registryServer;
  private static SchemaRegistry registry;
  private static List<byte[]> pngs;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("advmon-faults-");
    // frozen by one test: not the registry others share; it boots while the broker starts (neither needs the other)
    registryServer = SchemaRegistryServer.launchDedicated();
    kafka = StandaloneKafka.start(dir.resolve("kafka"));
    registryServer.ready();
    registry = new HttpSchemaRegistryClient(RegistrySettings.builder(registryServer.url()).build());
    pngs = new ArrayList<>();
    for (TestData.Labelled l : TestData.evalSet().subList(0, 50)) {
      pngs.add(Files.readAllBytes(l.file()));
    }
  }

  @AfterAll
  static void stop() {
    try {
      REPORT.write(TestData.repoRoot().resolve("RELIABILITY.md"), String.join("\n",
          "Each fault hits `./monitor run` (the launcher on the packaged jar, with the build's class-data archive; bundled model and detectors) while frames arrive at "
              + (int) RATE + " a second from 4 cameras, on a standalone Kafka 4.3.1 broker (one KRaft node, production "
              + "defaults, group.initial.rebalance.delay.ms 3 s) and Apicurio Registry 2.4.2, all child processes on "
              + "this machine. Monitor settings are the defaults except a health check every second. `mvn verify` "
              + "runs this test beside the other system tests (three at a time): each row's load average says how "
              + "busy the machine was, and recovery times grow with it.",
          "",
          "- **frames**: records written to the frames topic; **verdicts**, **dead letters**: what a read_committed "
              + "consumer reads; **lost** = frames without either; **duplicated** = frames with more than one.",
          "- **seconds without a verdict**: the longest time between two consecutive outcomes (verdict or dead "
              + "letter, by the monitor's own time on them) while frames were arriving.",
          "- **recovery**: from the fault's end (the restart of the process, the broker back, the registry thawed) "
              + "to the first verdict after it."), faultTests());
    } finally {
      if (registryServer != null) {
        registryServer.close();
      }
      if (kafka != null) {
        kafka.close();
      }
      TempTree.delete(dir);
    }
  }

  /** How many fault tests this class has: the report is written only when all of them ran. */
  private static int faultTests() {
    return (int) Arrays.stream(FaultToleranceIT.class.getDeclaredMethods())
        .filter(m -> m.isAnnotationPresent(Test.class)).count();
  }

  /** One fault's setting: its topics, its monitor, its expectations. */
  private static final class Run implements AutoCloseable {
    final String name;
    final String frames;
    final String verdicts;
    final String deadLetters;
    // frame id -> "VERDICT" or dead-letter reason; filled as records are made (by the traffic's thread)
    final Map<String, String> expected = new java.util.concurrent.ConcurrentHashMap<>();
    final Map<String, String> settings = new LinkedHashMap<>();
    MonitorProcess monitor;
    OutcomeReader reader;
    ReadinessLog readiness;
    long t0;
    final List<Map.Entry<Long, String>> marks = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Notes what the test did now, for the readiness timeline. */
    void mark(String what) {
      marks.add(Map.entry(System.currentTimeMillis(), what));
    }

    void mark(long atMs, String what) {
      marks.add(Map.entry(atMs, what));
    }

    Run(String name) {
      this.name = name;
      this.frames = name + "-frames";
      this.verdicts = name + "-verdicts";
      this.deadLetters = name + "-dlq";
      settings.put("kafka.bootstrap.servers", kafka.bootstrapServers());
      settings.put("registry.url", registryServer.url());
      settings.put("topics.frames", frames);
      settings.put("topics.verdicts", verdicts);
      settings.put("topics.alerts", name + "-alerts");
      settings.put("topics.dead-letter", deadLetters);
      settings.put("streams.application-id", "advmon-" + name);
      settings.put("streams.instance-id", "it-0");
      settings.put("streams.state-dir", dir.resolve(name + "-state").toString());
      settings.put("health.check-interval-ms", "1000");
    }

    /** Starts the monitor and waits until it is ready, then starts reading its outputs. */
    void start() throws Exception {
      monitor = MonitorProcess.start(name, dir.resolve(name), settings);
      assertThat(monitor.awaitHttp(Duration.ofMinutes(3))).as("%s serves HTTP; log:%n%s", name,
          monitor.process().tail(40)).isTrue();
      assertThat(monitor.process().await(() -> {
        MonitorProcess.Http r = monitor.readiness();
        return r != null && r.status() == 200;
      }, Duration.ofMinutes(2))).as("%s becomes ready; log:%n%s", name, monitor.process().tail(40)).isTrue();
      readiness = new ReadinessLog(() -> monitor.readiness());
      reader = new OutcomeReader(kafka.bootstrapServers(), verdicts, deadLetters);
      t0 = System.currentTimeMillis();
    }

    /** The first outcome the monitor made after {@code sinceMs}; waits for it. */
    long firstOutcomeAfter(long sinceMs, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        long first = reader.outcomes().stream().mapToLong(Outcome::madeAtMs).filter(t -> t > sinceMs).min().orElse(-1);
        if (first > 0) {
          return first;
        }
        Thread.sleep(100);
      }
      throw new AssertionError(name + ": no verdict after " + Instant.ofEpochMilli(sinceMs) + " within " + timeout
          + "; monitor log:\n" + monitor.process().tail(60));
    }

    /**
     * Waits for every frame's outcome, stops the monitor, reads everything committed, checks the exact counts and
     * each outcome against {@link #expected}, and adds the report row.
     */
    List<Outcome> finish(String fault, String recovery) throws Exception {
      assertThat(reader.awaitCount(expected.size(), OUTCOMES_TIMEOUT)).as("%s: all %d outcomes (have %d); log:%n%s",
          name, expected.size(), reader.count(), monitor.process().tail(60)).isTrue();
      readiness.close();
      reader.close();
      assertThat(monitor.stop(Duration.ofSeconds(60))).as("%s stops on SIGTERM", name).isTrue();
      List<Outcome> all = OutcomeReader.readAll(kafka.bootstrapServers(), verdicts, deadLetters, Duration.ofMinutes(1));
      Map<String, Integer> duplicates = OutcomeReader.duplicates(all);
      Map<String, String> got = new HashMap<>();
      for (Outcome o : all) {
        got.put(o.frameId(), o.verdict() ? "VERDICT" : o.reason());
      }
      int lost = (int) expected.keySet().stream().filter(id -> !got.containsKey(id)).count();
      int verdictCount = (int) all.stream().filter(Outcome::verdict).count();
      REPORT.add(new ReliabilityReport.Row(fault, expected.size(), verdictCount, all.size() - verdictCount, lost,
          duplicates.size(), ReliabilityReport.longestGapSeconds(all.stream().map(Outcome::madeAtMs).toList()),
          recovery + " (machine load " + ReliabilityReport.loadAverage() + ")", timeline()));
      // also in the build log: RELIABILITY.md is rewritten only when all five faults ran
      LoggerFactory.getLogger(FaultToleranceIT.class).info("{}: {} frames, {} verdicts, {} lost, {} duplicated; {}",
          fault, expected.size(), verdictCount, lost, duplicates.size(), recovery);

      assertThat(duplicates).as("%s: frames with more than one outcome", name).isEmpty();
      if (lost > 0) { // tell "not written" from "not visible yet" (an open transaction holds read_committed back)
        Thread.sleep(45_000);
        List<Outcome> later = OutcomeReader.readAll(kafka.bootstrapServers(), verdicts, deadLetters, Duration.ofMinutes(1));
        java.util.Set<String> laterIds = new java.util.HashSet<>();
        later.forEach(o -> laterIds.add(o.frameId()));
        long stillLost = expected.keySet().stream().filter(id -> !laterIds.contains(id)).count();
        throw new AssertionError(name + ": " + lost + " frames without an outcome, e.g. "
            + expected.keySet().stream().filter(id -> !got.containsKey(id)).sorted().limit(10).toList()
            + "; 45 s later " + stillLost + " still without; live reader saw " + reader.count() + " records");
      }
      assertThat(all).as("%s: verdicts + dead letters = frames sent", name).hasSize(expected.size());
      assertThat(got).as("%s: each frame's outcome", name).containsExactlyInAnyOrderEntriesOf(expected);
      return all;
    }

    /** Readiness changes and the test's own marks (in italics), by time from the start of the stream. */
    List<String> timeline() {
      List<Map.Entry<Long, String>> lines = new ArrayList<>();
      for (ReadinessLog.Change c : readiness.changes()) {
        String reasons = c.body().contains("\"reasons\":[") ? c.body().substring(c.body().indexOf("\"reasons\":[") + 10)
            .replaceAll("[}\\]]+$", "]") : "";
        lines.add(Map.entry(c.atMs(), "readiness " + c.status()
            + (reasons.equals("[]") || reasons.isEmpty() ? "" : " " + abbreviate(reasons))));
      }
      marks.forEach(m -> lines.add(Map.entry(m.getKey(), "*" + m.getValue() + "*")));
      lines.sort(Map.Entry.comparingByKey());
      return lines.stream().map(l -> String.format(Locale.ROOT, "%+.1f s: %s", (l.getKey() - t0) / 1000.0,
          l.getValue())).toList();
    }

    @Override
    public void close() throws Exception {
      if (readiness != null) {
        readiness.close();
      }
      if (reader != null) {
        reader.close();
      }
      if (monitor != null) {
        monitor.close();
      }
    }
  }

  private static String abbreviate(String s) {
    String one = s.replace("|", "/");
    return one.length() <= 300 ? one : one.substring(0, 300) + "...";
  }

  private static String seconds(long ms) {
    return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }

  /** A good frame from one of 4 cameras, keyed by its camera. */
  private static FrameTraffic.Record frame(Run run, AvroSerde<Frame> serde, int n) {
    String id = run.name + "-" + n;
    String camera = "cam-" + n % 4;
    run.expected.put(id, "VERDICT");
    Frame f = Frame.newBuilder().setFrameId(id).setCameraId(camera).setCaptureTime(Instant.now())
        .setEncoding(ImageEncoding.PNG).setImage(ByteBuffer.wrap(pngs.get(n % pngs.size()))).build();
    return new FrameTraffic.Record(camera.getBytes(StandardCharsets.UTF_8), serde.serializer().serialize(run.frames, f),
        null);
  }

  /** Good frames without end, made as they are sent; the test stops the traffic when it has seen enough. */
  private static IntFunction<FrameTraffic.Record> endlessFrames(Run run) {
    AvroSerde<Frame> serde = AvroSerde.forClass(Frame.class, registry);
    return n -> frame(run, serde, n);
  }

  @Test
  @Order(1)
  void killedThreeTimesAndRestartedCleanlyTwiceDuringAStreamTheMonitorLosesAndRepeatsNothing() throws Exception {
    try (Run run = new Run("kill")) {
      run.start();
      List<String> recovery = new ArrayList<>();
      try (FrameTraffic traffic = new FrameTraffic(kafka.bootstrapServers(), run.frames, Integer.MAX_VALUE, RATE,
          endlessFrames(run))) {
        // three kill -9, then SIGTERM with the default (auto: alone in the group, so it stays a static member),
        // then SIGTERM forced to leave the group (what leaving costs a lone instance's next start)
        String[] faults = {"kill -9 #1", "kill -9 #2", "kill -9 #3", "SIGTERM (default: alone, stays in the group)",
            "SIGTERM (streams.leave-group-on-close=true: leaves the group)"};
        for (int i = 0; i < faults.length; i++) {
          int before = run.reader.count();
          assertThat(run.monitor.process().await(() -> run.reader.count() >= before + 60, Duration.ofMinutes(2)))
              .as("outcomes keep coming before %s", faults[i]).isTrue();
          long at = System.currentTimeMillis();
          run.mark(faults[i]);
          boolean clean = faults[i].startsWith("SIGTERM");
          if (clean) {
            assertThat(run.monitor.stop(Duration.ofSeconds(60))).as("SIGTERM ends the monitor").isTrue();
            // 143 = 128 + SIGTERM: the JVM's status after its shutdown hooks ran; a crash would be 134 (SIGABRT)
            assertThat(run.monitor.process().process().exitValue()).as("exit status after SIGTERM (log: %s)",
                run.monitor.process().tail(20)).isIn(0, 143);
            assertThat(run.monitor.process().output()).contains(i == 3 ? "not leaving the consumer group: no other instance"
                : "leaving the consumer group: streams.leave-group-on-close=true");
          } else {
            run.monitor.kill();
          }
          long restartAt = System.currentTimeMillis();
          if (i == 3) {
            run.monitor.settings().put("streams.leave-group-on-close", "true"); // read by the next process
          }
          run.mark("new process started");
          run.monitor.restart();
          long first = run.firstOutcomeAfter(restartAt, Duration.ofMinutes(2));
          run.mark(first, "first verdict");
          recovery.add(String.format(Locale.ROOT, "%s: first verdict %s after the new process started (%s after the %s)",
              faults[i], seconds(first - restartAt), seconds(first - at), clean ? "signal" : "kill"));
        }
        int before = run.reader.count();
        assertThat(run.monitor.process().await(() -> run.reader.count() >= before + 40, Duration.ofMinutes(2))).isTrue();
        traffic.stopAndAwaitAcked(Duration.ofMinutes(2));
      }
      run.finish("`kill -9` three times, then two clean restarts (SIGTERM), during one stream", String.join("; ", recovery));
    }
  }

  @Test
  @Order(2)
  void aBrokerStoppedFor20SecondsAndRestartedLosesAndRepeatsNothing() throws Exception {
    try (Run run = new Run("broker")) {
      run.start();
      String recovery;
      try (FrameTraffic traffic = new FrameTraffic(kafka.bootstrapServers(), run.frames, Integer.MAX_VALUE, RATE,
          endlessFrames(run))) {
        assertThat(run.monitor.process().await(() -> run.reader.count() >= 100, Duration.ofMinutes(2))).isTrue();
        long stoppedAt = System.currentTimeMillis();
        run.mark("broker stopped (SIGTERM)");
        kafka.stop();
        while (System.currentTimeMillis() - stoppedAt < 20_000) {
          Thread.sleep(200); // the outage itself: 20 s without a broker
        }
        long backAt = System.currentTimeMillis();
        run.mark("broker restarting");
        kafka.restart();
        long readyAt = System.currentTimeMillis();
        run.mark("broker answers");
        long first = run.firstOutcomeAfter(readyAt, Duration.ofMinutes(3));
        run.mark(first, "first verdict");
        int before = run.reader.count();
        assertThat(run.monitor.process().await(() -> run.reader.count() >= before + 40, Duration.ofMinutes(2))).isTrue();
        traffic.stopAndAwaitAcked(Duration.ofMinutes(3));
        // from the restart's start: the monitor can see the broker (and turn UP) before kafka.restart() returns
        run.monitor.process().await(() -> run.readiness.firstUpAfter(backAt) > 0, Duration.ofMinutes(1));
        long upAgain = run.readiness.firstUpAfter(backAt);
        String up = upAgain < 0 ? "(not seen)"
            : upAgain >= readyAt ? seconds(upAgain - readyAt) + " after it answered"
            : seconds(readyAt - upAgain) + " before the test's own check saw it answer";
        recovery = String.format(Locale.ROOT, "broker down %s; first verdict %s after the broker answered again "
            + "(%s after its restart began); readiness UP again %s", seconds(backAt - stoppedAt),
            seconds(first - readyAt), seconds(first - backAt), up);
        assertThat(run.readiness.sawDown("Kafka at", stoppedAt)).as("readiness DOWN naming the broker; timeline %s",
            run.timeline()).isTrue();
      }
      run.finish("broker stopped (SIGTERM) for 20 s, then restarted", recovery);
    }
  }

  @Test
  @Order(3)
  void aRegistryFrozenWhileFramesWithANewSchemaIdArriveLosesNothingAndDeadLettersNothing() throws Exception {
    try (Run run = new Run("registry")) {
      int v1 = 150;
      AvroSerde<Frame> serde = AvroSerde.forClass(Frame.class, registry);
      // the frames schema, one optional field later: a compatible new version, hence a new id to fetch
      Schema v2 = new Schema.Parser().parse(Frame.getClassSchema().toString().replaceFirst("\"fields\":\\[",
          "\"fields\":[{\"name\":\"exposureUs\",\"type\":[\"null\",\"long\"],\"default\":null},"));
      List<FrameTraffic.Record> first = new ArrayList<>();
      for (int n = 0; n < v1; n++) {
        first.add(frame(run, serde, n)); // registers the current schema first: v2 is its next version
      }
      int v2Id = registry.register(run.frames + "-value", v2);
      IntFunction<FrameTraffic.Record> records = n -> n < v1 ? first.get(n) : frameV2(run, v2, v2Id, n);
      run.start();
      String recovery;
      try (FrameTraffic traffic = new FrameTraffic(kafka.bootstrapServers(), run.frames, Integer.MAX_VALUE, RATE,
          records)) {
        assertThat(run.monitor.process().await(() -> traffic.handedOver() >= v1 - 20, Duration.ofMinutes(2))).isTrue();
        long frozenAt = System.currentTimeMillis();
        ChildProcess.signal(registryServer.pid(), "STOP");
        run.mark("registry frozen (SIGSTOP); frames with the new schema id follow");
        try {
          while (System.currentTimeMillis() - frozenAt < 25_000) {
            Thread.sleep(200); // frames with the new id arrive while the registry cannot answer
          }
        } finally {
          ChildProcess.signal(registryServer.pid(), "CONT");
        }
        long thawedAt = System.currentTimeMillis();
        run.mark("registry thawed (SIGCONT)");
        long firstAfter = run.firstOutcomeAfter(thawedAt, Duration.ofMinutes(3));
        run.mark(firstAfter, "first verdict");
        int before = run.reader.count();
        assertThat(run.monitor.process().await(() -> run.reader.count() >= before + 40, Duration.ofMinutes(2))).isTrue();
        traffic.stopAndAwaitAcked(Duration.ofMinutes(2));
        run.monitor.process().await(() -> run.readiness.firstUpAfter(thawedAt) > 0, Duration.ofMinutes(1));
        long upAgain = run.readiness.firstUpAfter(thawedAt);
        recovery = String.format(Locale.ROOT, "registry frozen %s; first verdict %s after it was thawed; readiness UP "
            + "again %s after", seconds(thawedAt - frozenAt), seconds(firstAfter - thawedAt),
            upAgain < 0 ? "(not seen)" : seconds(upAgain - thawedAt));
        assertThat(run.readiness.sawDown("schema registry", frozenAt)).as("readiness DOWN naming the registry; "
            + "timeline %s", run.timeline()).isTrue();
      }
      assertThat(run.monitor.process().output()).as("every registry retry is logged")
          .contains("schema registry: GET /schemas/ids/" + v2Id + " failed (attempt 1 of");
      run.finish("registry frozen (SIGSTOP) for 25 s while frames with a new schema id arrive, then thawed", recovery);
    }
  }

  /** Frame {@code n} written with the newer schema {@code v2} (id {@code id}), without asking the registry. */
  private static FrameTraffic.Record frameV2(Run run, Schema v2, int id, int n) {
    String frameId = run.name + "-" + n;
    String camera = "cam-" + n % 4;
    run.expected.put(frameId, "VERDICT");
    GenericRecord r = new GenericData.Record(v2);
    r.put("frameId", frameId);
    r.put("cameraId", camera);
    r.put("captureTime", System.currentTimeMillis());
    r.put("encoding", new GenericData.EnumSymbol(v2.getField("encoding").schema(), "PNG"));
    r.put("image", ByteBuffer.wrap(pngs.get(n % pngs.size())));
    r.put("attributes", Map.of());
    r.put("exposureUs", 8_000L + n);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    try {
      new GenericDatumWriter<GenericRecord>(v2).write(r, encoder);
      encoder.flush();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return new FrameTraffic.Record(camera.getBytes(StandardCharsets.UTF_8), out.toByteArray(), null);
  }

  @Test
  @Order(4)
  void poisonRecordsEachEndAsOneVerdictOrOneDeadLetterAndTheStreamGoesOn() throws Exception {
    try (Run run = new Run("poison")) {
      // 1 MiB images here, so that a record beyond the largest accepted frame fits the frames topic
      run.settings.put("image.max-encoded-bytes", Integer.toString(1024 * 1024));
      int total = 300;
      AvroSerde<Frame> serde = AvroSerde.forClass(Frame.class, registry);
      List<FrameTraffic.Record> records = new ArrayList<>();
      for (int n = 0; n < total; n++) {
        String id = run.name + "-" + n;
        FrameTraffic.Record r = switch (n) {
          case 40 -> { // a camera id that would make every verdict and alert of it huge
            run.expected.put(id, "INVALID_FRAME");
            yield new FrameTraffic.Record(id.getBytes(StandardCharsets.UTF_8), serde.serializer().serialize(run.frames,
                Frame.newBuilder().setFrameId(id).setCameraId("c".repeat(300_000)).setCaptureTime(Instant.now())
                    .setEncoding(ImageEncoding.PNG).setImage(ByteBuffer.wrap(pngs.get(0))).build()), null);
          }
          case 80 -> { // a tombstone: no frame at all
            run.expected.put(id, "BAD_MAGIC_BYTE");
            yield new FrameTraffic.Record(id.getBytes(StandardCharsets.UTF_8), null, null);
          }
          case 120 -> { // beyond the largest accepted frame (image.max-encoded-bytes + 256 KiB)
            run.expected.put(id, "RECORD_TOO_LARGE");
            byte[] huge = new byte[1024 * 1024 + 260 * 1024]; // and within the topic's limit (+ 16 KiB more)
            new Random(n).nextBytes(huge);
            yield new FrameTraffic.Record(id.getBytes(StandardCharsets.UTF_8), huge, null);
          }
          case 160 -> { // 300 attributes of 2 KB: more than a verdict carries
            run.expected.put(id, "VERDICT");
            Map<String, String> attributes = new HashMap<>();
            for (int a = 0; a < 300; a++) {
              attributes.put("a" + a, "v".repeat(2_000));
            }
            yield new FrameTraffic.Record("cam-0".getBytes(StandardCharsets.UTF_8), serde.serializer().serialize(
                run.frames, Frame.newBuilder().setFrameId(id).setCameraId("cam-0").setCaptureTime(Instant.now())
                    .setEncoding(ImageEncoding.PNG).setImage(ByteBuffer.wrap(pngs.get(1))).setAttributes(attributes)
                    .build()), null);
          }
          case 200 -> { // stamped 50 minutes ahead (the broker refuses more than an hour): must not freeze its camera
            FrameTraffic.Record f = frame(run, serde, n);
            yield new FrameTraffic.Record(f.key(), f.value(), System.currentTimeMillis() + 50 * 60_000L);
          }
          case 240 -> { // stamped 1970
            FrameTraffic.Record f = frame(run, serde, n);
            yield new FrameTraffic.Record(f.key(), f.value(), 1L);
          }
          default -> frame(run, serde, n);
        };
        records.add(r);
      }
      run.start();
      try (FrameTraffic traffic = new FrameTraffic(kafka.bootstrapServers(), run.frames, total, RATE, records::get)) {
        assertThat(traffic.awaitAllAcked(Duration.ofMinutes(2))).isTrue();
      }
      run.finish("poison records: a 300,000-character camera id, a tombstone, a record beyond the largest frame "
          + "(image.max-encoded-bytes 1 MiB here), 300 attributes of 2 KB, timestamps 50 minutes ahead and in 1970",
          "none needed: no restart, no stall");
      assertThat(run.monitor.process().output()).as("no stream thread failed").doesNotContain("stream thread failed");
    }
  }

  @Test
  @Order(5)
  void aDeadLetterLargerThanOneMebibyteIsWrittenWithAllItsBytes() throws Exception {
    try (Run run = new Run("large")) {
      int total = 120;
      AvroSerde<Frame> serde = AvroSerde.forClass(Frame.class, registry);
      byte[] notAnImage = new byte[1536 * 1024]; // 1.5 MiB that claim to be a PNG: read, refused, dead-lettered
      new Random(7).nextBytes(notAnImage);
      System.arraycopy(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, 0, notAnImage, 0, 8);
      List<FrameTraffic.Record> records = new ArrayList<>();
      int[] sizes = new int[total];
      for (int n = 0; n < total; n++) {
        if (n % 40 == 20) {
          String id = run.name + "-" + n;
          run.expected.put(id, "UNDECODABLE_IMAGE");
          byte[] value = serde.serializer().serialize(run.frames, Frame.newBuilder().setFrameId(id).setCameraId("cam-1")
              .setCaptureTime(Instant.now()).setEncoding(ImageEncoding.PNG).setImage(ByteBuffer.wrap(notAnImage)).build());
          sizes[n] = value.length;
          records.add(new FrameTraffic.Record("cam-1".getBytes(StandardCharsets.UTF_8), value, null));
        } else {
          records.add(frame(run, serde, n));
        }
      }
      run.start();
      try (FrameTraffic traffic = new FrameTraffic(kafka.bootstrapServers(), run.frames, total, RATE, records::get)) {
        assertThat(traffic.awaitAllAcked(Duration.ofMinutes(2))).isTrue();
      }
      List<Outcome> all = run.finish("dead letters of 1.5 MiB (three frames whose 1.5 MiB image does not decode)",
          "none needed: no restart, no stall");
      for (Outcome o : all) {
        if (!o.verdict()) {
          int n = Integer.parseInt(o.frameId().substring(run.name.length() + 1));
          assertThat(sizes[n]).as("the original record").isGreaterThan(1024 * 1024);
          assertThat(o.valueBytes()).as("dead letter of %s keeps all its original bytes", o.frameId()).isEqualTo(sizes[n]);
        }
      }
    }
  }
}
