package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.detect.Detector;
import dev.advmon.detect.FrameScorer;
import dev.advmon.image.FloatImage;
import dev.advmon.image.ImageLimits;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.InMemorySchemaRegistry;
import dev.advmon.registry.RegisteredSchema;
import dev.advmon.registry.RegistryRequestException;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.schema.Alert;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import dev.advmon.schema.ImageEncoding;
import dev.advmon.testing.BreakableClassifier;
import dev.advmon.testing.LogLines;
import dev.advmon.testing.TestData;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every record ends somewhere within a bounded number of tries: the topology with the monitor's error handlers
 * under TopologyTestDriver (exactly-once), the real tiny model, and faults made on purpose.
 */
class FailureHandlingTopologyTest {

  @org.junit.jupiter.api.io.TempDir java.nio.file.Path stateDir;

  private static DjlClassifier model;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> frames;
  private TestOutputTopic<String, FrameVerdict> verdicts;
  private TestOutputTopic<String, DeadLetter> deadLetters;
  private AvroSerde<Frame> frameSerde;
  private volatile boolean modelBroken;
  /** What the registry throws when asked for a schema by id; null: it answers. */
  private volatile RuntimeException byIdFault;
  /** Whether a model call on these images fails as if the frame among them broke it; the others still score. */
  private volatile java.util.function.Predicate<List<FloatImage>> frameBreaksModel = images -> false;
  /**
   * The class score the model returns for an image instead of its real one (NaN, an infinity: an FP16 engine beyond
   * its range), or null for the real scores; the rest of the call's rows stay as the model returned them.
   */
  private volatile java.util.function.Function<FloatImage, Float> overflowsOn = image -> null;

  /** A detector with a bug: on frames whose first pixel is pure red it returns a result without a name. */
  private static final class BuggyDetector implements Detector {
    @Override
    public String name() {
      return "buggy";
    }

    @Override
    public String reason() {
      return "PERTURBATION";
    }

    @Override
    public List<FloatImage> probes(FloatImage frame) {
      return List.of();
    }

    @Override
    public Detection evaluate(FloatImage frame, BatchOutput out, int frameRow, int firstProbeRow, int probeCount) {
      boolean red = frame.get(0, 0, 0) == 1f && frame.get(1, 0, 0) == 0f;
      return new Detection(red ? null : "buggy", reason(), 0.1, 0.5, null);
    }
  }

  @BeforeAll
  static void load() throws Exception {
    model = DjlClassifier.load(ModelBundle.load(TestData.repoRoot().resolve("stream-app/src/test/resources/models/tiny-rgb")),
        EngineChoice.ONNX_RUNTIME);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private void start(ImageLimits limits) {
    InMemorySchemaRegistry inMemory = new InMemorySchemaRegistry();
    SchemaRegistry registry = new SchemaRegistry() {
      @Override
      public int register(String subject, Schema schema) {
        return inMemory.register(subject, schema);
      }

      @Override
      public int idOf(String subject, Schema schema) {
        return inMemory.idOf(subject, schema);
      }

      @Override
      public Schema byId(int id) {
        if (byIdFault != null) {
          throw byIdFault;
        }
        return inMemory.byId(id);
      }

      @Override
      public RegisteredSchema latest(String subject) {
        return inMemory.latest(subject);
      }

      @Override
      public String describe() {
        return inMemory.describe();
      }
    };
    frameSerde = AvroSerde.forClass(Frame.class, registry);
    AvroSerde<DeadLetter> dlqSerde = AvroSerde.forClass(DeadLetter.class, registry);
    Topics topics = Topics.of("frames", frameSerde, "verdicts", AvroSerde.forClass(FrameVerdict.class, registry),
        "alerts", AvroSerde.forClass(Alert.class, registry), "dlq", dlqSerde);
    BreakableClassifier breakable = new BreakableClassifier(model);
    breakable.fault = images -> modelBroken ? new IllegalStateException("CUDA error: out of memory")
        : frameBreaksModel.test(images) ? new IllegalArgumentException("this frame breaks the model") : null;
    FrameScorer scorer = new FrameScorer(overflowing(breakable), List.of(new BuggyDetector()), 16);
    Properties props = TopologyTestProps.exactlyOnce("failure-test", stateDir, topics, dlqSerde.serializer(),
        limits.maxEncodedBytes());
    driver = new TopologyTestDriver(MonitorTopology.buildTopology(new StreamsBuilder(),
        TopologySettings.of(topics, FramePreparer.forModel(limits, model.manifest()), scorer)), props);
    frames = driver.createInputTopic("frames", Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
    verdicts = driver.createOutputTopic("verdicts", Serdes.String().deserializer(), topics.verdicts().valueSerde().deserializer());
    deadLetters = driver.createOutputTopic("dlq", Serdes.String().deserializer(), topics.deadLetters().valueSerde().deserializer());
  }

  /**
   * {@code real}, whose first class score of each image {@link #overflowsOn} names is that value: the rows go through
   * BatchOutput.fromModel, as an engine's outputs do.
   */
  private dev.advmon.model.BatchClassifier overflowing(dev.advmon.model.BatchClassifier real) {
    return new dev.advmon.testing.ScoreOverridingClassifier(real, image -> overflowsOn.apply(image));
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.close();
    }
  }

  private byte[] rgb(String id, String camera, int r, int g, int b) {
    byte[] pixels = new byte[16 * 16 * 3];
    for (int i = 0; i < pixels.length; i += 3) {
      pixels[i] = (byte) r;
      pixels[i + 1] = (byte) g;
      pixels[i + 2] = (byte) b;
    }
    return frameSerde.serializer().serialize("frames", Frame.newBuilder().setFrameId(id).setCameraId(camera)
        .setCaptureTime(Instant.ofEpochMilli(1_000)).setEncoding(ImageEncoding.RGB8).setWidth(16).setHeight(16)
        .setImage(ByteBuffer.wrap(pixels)).build());
  }

  @Test
  void anUnexpectedFailureDeadLettersTheFrameOnceAsProcessingFailedAndTheStreamGoesOn() {
    start(new ImageLimits(100_000, 1_000_000, 4096));
    byte[] poison = rgb("red", "cam-1", 255, 0, 0);
    frames.pipeInput("cam-1".getBytes(), rgb("before", "cam-1", 10, 200, 10));
    frames.pipeInput("cam-1".getBytes(), poison);
    frames.pipeInput("cam-1".getBytes(), rgb("after", "cam-1", 10, 10, 200));

    assertThat(verdicts.readValuesToList()).extracting(FrameVerdict::getFrameId).containsExactly("before", "after");
    List<DeadLetter> dead = deadLetters.readValuesToList();
    assertThat(dead).singleElement().satisfies(d -> {
      assertThat(d.getReason()).isEqualTo("PROCESSING_FAILED");
      assertThat(d.getValue().array()).isEqualTo(poison);
      assertThat(d.getKey().array()).isEqualTo("cam-1".getBytes());
      assertThat(d.getSourceTopic()).isEqualTo("frames");
      assertThat(d.getErrorMessage()).isNotBlank();
    });
  }

  /**
   * A frame redrive sent back that fails so again: the handler's dead letter names the dead letter it came from, as
   * the topology's own do, although the record past decoding has no headers (the handler reads the decoded frame).
   */
  @Test
  void aRedrivenFramesProcessingFailedDeadLetterNamesTheDeadLetterItCameFrom() {
    start(new ImageLimits(100_000, 1_000_000, 4096));
    org.apache.kafka.common.header.internals.RecordHeaders headers =
        new org.apache.kafka.common.header.internals.RecordHeaders();
    headers.add(RedrivenFrames.HEADER, "PROCESSING_FAILED".getBytes());
    headers.add(RedrivenFrames.FROM_HEADER, "frames-dlq-0@5".getBytes());
    frames.pipeInput(new org.apache.kafka.streams.test.TestRecord<>("cam-1".getBytes(), rgb("red", "cam-1", 255, 0, 0),
        headers, Instant.ofEpochMilli(1_000)));

    assertThat(deadLetters.readRecordsToList()).singleElement().satisfies(r -> {
      assertThat(r.value().getReason()).isEqualTo("PROCESSING_FAILED");
      assertThat(r.headers().lastHeader(RedrivenFrames.FROM_HEADER)).isNotNull()
          .extracting(h -> new String(h.value())).isEqualTo("frames-dlq-0@5");
    });
  }

  @Test
  void whenScoringFailsForEveryFrameTheTaskFailsAndNothingIsWrittenForTheFrame() {
    start(new ImageLimits(100_000, 1_000_000, 4096));
    frames.pipeInput("cam-1".getBytes(), rgb("ok", "cam-1", 10, 200, 10));
    modelBroken = true;
    assertThatThrownBy(() -> frames.pipeInput("cam-1".getBytes(), rgb("waits", "cam-1", 10, 10, 200)))
        .hasRootCauseMessage("CUDA error: out of memory")
        .satisfies(e -> assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.SYSTEMIC));
    assertThat(verdicts.readValuesToList()).extracting(FrameVerdict::getFrameId).containsExactly("ok");
    assertThat(deadLetters.isEmpty()).as("no dead letter for a frame the model could not score").isTrue();
  }

  @Test
  void aRegistryThatAnswersNotAsARegistryStopsTheMonitorInsteadOfDeadLetteringEveryFrame() {
    // A registry moved behind an https redirect (or a proxy's login page) answers every new schema id alike: not the
    // frame's fault. Dead-lettered as REGISTRY_REQUEST_FAILED, every frame with that id was lost to the dead letters.
    start(new ImageLimits(100_000, 1_000_000, 4096));
    byte[] frame = rgb("new-schema", "cam-1", 10, 200, 10);
    for (RegistryRequestException answer : List.of(
        new RegistryRequestException("registry http://reg:8081 answered with a redirect (HTTP 308)", 308, null),
        new RegistryRequestException("registry http://reg:8081 answered with a body that is not JSON", 200, null))) {
      byIdFault = answer;

      assertThatThrownBy(() -> frames.pipeInput("cam-1".getBytes(), frame))
          .satisfies(e -> assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.FATAL))
          .satisfies(e -> assertThat(Failures.hint(e)).contains("registry.url"));
      assertThat(deadLetters.isEmpty()).as("no dead letter for a frame the registry could not be asked about").isTrue();
      driver.close();
      start(new ImageLimits(100_000, 1_000_000, 4096));
    }
  }

  @Test
  void aRecordLargerThanTheLargestFrameIsDeadLetteredWithItsBeginningAndItsSize() {
    ImageLimits limits = new ImageLimits(10_000, 1_000_000, 4096);
    start(limits);
    RecordLimits records = new RecordLimits(limits.maxEncodedBytes());
    byte[] huge = new byte[(int) records.maxFrameRecordBytes() + 5_000];
    Arrays.fill(huge, (byte) 7);
    frames.pipeInput("cam-9".getBytes(), huge);

    DeadLetter d = deadLetters.readValue();
    assertThat(d.getReason()).isEqualTo("RECORD_TOO_LARGE");
    assertThat(d.getValue().remaining()).isEqualTo((int) records.maxFrameRecordBytes());
    assertThat(d.getValueSize()).isEqualTo(huge.length);
    assertThat(d.getErrorMessage()).contains("image.max-encoded-bytes");
  }

  @Test
  void idsLongerThanAVerdictCarriesAreRefused() {
    start(new ImageLimits(100_000, 1_000_000, 4096));
    frames.pipeInput("k".getBytes(), rgb("f1", "c".repeat(RecordLimits.MAX_ID_CHARS + 1), 10, 200, 10));
    DeadLetter d = deadLetters.readValue();
    assertThat(d.getReason()).isEqualTo("INVALID_FRAME");
    assertThat(d.getErrorMessage()).contains("cameraId has 257 characters");
    assertThat(d.getCameraId()).hasSizeLessThan(300);
    assertThat(verdicts.isEmpty()).isTrue();
  }

  @Test
  void aDeadLetterForAHugeIdSaysWhatIsWrongWithinItsBoundedMessage() {
    start(new ImageLimits(100_000, 1_000_000, 4096));
    // the message is cut at MAX_MESSAGE_CHARS: an id quoted whole would push the problem itself out of it
    frames.pipeInput("k".getBytes(), rgb("f1", "c".repeat(20_000), 10, 200, 10));
    frames.pipeInput("k".getBytes(), rgb("f".repeat(20_000), "cam-1", 10, 200, 10));

    assertThat(deadLetters.readValuesToList()).extracting(DeadLetter::getErrorMessage).satisfiesExactly(
        m -> assertThat(m).contains("cameraId has 20000 characters").contains("frame f1"),
        m -> assertThat(m).contains("frameId has 20000 characters").contains("camera cam-1"));
    assertThat(verdicts.isEmpty()).isTrue();
  }

  @Test
  void aFrameThatFailsToScoreIsLoggedWithItsIdsEscapedSoTheyCannotForgeLogLines() {
    start(new ImageLimits(100_000, 1_000_000, 4096));
    // pure blue (a colour no other frame here has) breaks the model; the canary frame still scores
    frameBreaksModel = images -> images.stream().anyMatch(i -> i.get(2, 0, 0) == 1f && i.get(0, 0, 0) == 0f);
    String forged = "\n12:00:00.000 ERROR StreamingMonitor - forged\r\u001b[2J\u2028";
    List<String> logged;
    try (LogLines lines = LogLines.of(ScoreFrameProcessor.class)) {
      frames.pipeInput("k".getBytes(), rgb("f1" + forged, "cam" + forged, 0, 0, 255));
      logged = lines.messages();
    }

    assertThat(deadLetters.readValue()).satisfies(d -> {
      assertThat(d.getReason()).isEqualTo("SCORING_FAILED");
      assertThat(d.getFrameId()).isEqualTo("f1" + forged); // the record keeps the id as it was sent
    });
    assertThat(logged).singleElement().satisfies(m -> {
          assertThat(m).doesNotContain("\n", "\r", "\u001b", "\u2028");
          assertThat(m).contains("f1\\n12:00:00.000 ERROR", "cam\\n12:00:00.000 ERROR", "\\r\\u001b[2J\\u2028");
        });
  }

  /**
   * A frame sent back by redrive that fails scoring again is dead-lettered by the scorer, not by decoding or the
   * verdict writer: its dead letter names the dead letter it was sent back from (advmon.redrivenFrom), as those do,
   * so that the next operator sees it already failed after a redrive; a first failure's dead letter has no header.
   */
  @Test
  void aRedrivenFrameThatFailsToScoreAgainGetsADeadLetterNamingWhereItCameFrom() {
    start(new ImageLimits(100_000, 1_000_000, 4096));
    frameBreaksModel = images -> images.stream().anyMatch(i -> i.get(2, 0, 0) == 1f && i.get(0, 0, 0) == 0f);
    org.apache.kafka.common.header.internals.RecordHeaders redriven =
        new org.apache.kafka.common.header.internals.RecordHeaders();
    redriven.add(RedrivenFrames.HEADER, "SCORING_FAILED".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    redriven.add(RedrivenFrames.FROM_HEADER, "frames-dlq-3@17".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    frames.pipeInput(new org.apache.kafka.streams.test.TestRecord<>("k".getBytes(), rgb("again", "cam-1", 0, 0, 255),
        redriven, Instant.now()));
    frames.pipeInput("k".getBytes(), rgb("first", "cam-1", 0, 0, 255));

    // reason and header only: a failure then reads in one line, not in the dead letters' bytes
    assertThat(deadLetters.readRecordsToList()).extracting(r -> r.getValue().getReason() + " from " + java.util.Optional
        .ofNullable(r.getHeaders().lastHeader(RedrivenFrames.FROM_HEADER))
        .map(h -> new String(h.value(), java.nio.charset.StandardCharsets.UTF_8)).orElse("(no header)"))
        .containsExactly("SCORING_FAILED from frames-dlq-3@17", "SCORING_FAILED from (no header)");
  }

  /**
   * A model that returns NaN or an infinity for one frame (an FP16 engine beyond its range) must not give that frame a
   * verdict, where every "score > threshold" is false and it would read as clean, nor lose it: each such frame is a
   * SCORING_FAILED dead letter naming it and what the model returned, and the frames around it are scored.
   */
  @Test
  void aFrameTheModelScoresAsNanOrInfinityIsADeadLetterNamingItAndTheOthersAreScored() {
    start(new ImageLimits(100_000, 1_000_000, 4096));
    // pure blue overflows to NaN, pure green to +infinity; no other frame here has either colour
    overflowsOn = image -> image.get(0, 0, 0) != 0f ? null : image.get(2, 0, 0) == 1f ? Float.valueOf(Float.NaN)
        : image.get(1, 0, 0) == 1f ? Float.valueOf(Float.POSITIVE_INFINITY) : null;
    frames.pipeInput("cam-1".getBytes(), rgb("before", "cam-1", 10, 200, 10));
    frames.pipeInput("cam-1".getBytes(), rgb("nan", "cam-1", 0, 0, 255));
    frames.pipeInput("cam-1".getBytes(), rgb("between", "cam-1", 200, 10, 10));
    frames.pipeInput("cam-2".getBytes(), rgb("inf", "cam-2", 0, 255, 0));
    frames.pipeInput("cam-1".getBytes(), rgb("after", "cam-1", 10, 10, 200));

    assertThat(verdicts.readValuesToList()).extracting(FrameVerdict::getFrameId)
        .containsExactly("before", "between", "after");
    assertThat(deadLetters.readValuesToList()).satisfiesExactly(
        d -> assertThat(d.getFrameId() + " " + d.getCameraId() + " " + d.getReason() + ": " + d.getErrorMessage())
            .startsWith("nan cam-1 SCORING_FAILED: model returned a class score of NaN for this frame: "),
        d -> assertThat(d.getFrameId() + " " + d.getCameraId() + " " + d.getReason() + ": " + d.getErrorMessage())
            .startsWith("inf cam-2 SCORING_FAILED: model returned a class score of Infinity for this frame: "));
  }

  /**
   * A frame that fails unexpectedly past decoding (here a detector's bug while its verdict is made) is dead-lettered by
   * Kafka Streams' processing handler, which has the decoded frame in hand: its message named neither the frame nor
   * its camera ("Field detector type:STRING pos:0 does not accept null values"), although every dead letter the
   * topology writes after decoding does, and the record key is the producer's (here a site's). It now leads with them.
   */
  @Test
  void anUnexpectedFailureAfterDecodingIsADeadLetterWhoseMessageNamesTheFrameAndItsCamera() {
    start(new ImageLimits(100_000, 1_000_000, 4096));
    frames.pipeInput("site-7".getBytes(), rgb("red", "cam-1", 255, 0, 0));
    frames.pipeInput("site-7".getBytes(), "hello, not avro".getBytes());

    assertThat(deadLetters.readValuesToList()).satisfiesExactly(
        d -> assertThat(d.getReason() + ": " + d.getErrorMessage())
            .startsWith("PROCESSING_FAILED: frame red from camera cam-1: ").contains("does not accept null values"),
        d -> assertThat(d.getReason() + ": " + d.getErrorMessage()).startsWith("BAD_MAGIC_BYTE: byte 0 is 0x68"));
  }
}
