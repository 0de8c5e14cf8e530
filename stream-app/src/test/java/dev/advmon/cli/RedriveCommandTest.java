package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.cli.RedriveCommand.Decision;
import dev.advmon.cli.RedriveCommand.Selection;
import dev.advmon.cli.RedriveCommand.Summary;
import dev.advmon.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RedriveCommandTest {

  private static final Selection DEFAULTS = new Selection(RedriveCommand.TRANSIENT, Set.of(), null, null, "frames");
  /** For a run that must read no kept frame: none of its dead letters lacks its camera, or it chooses no camera. */
  private static final Deserializer<dev.advmon.schema.Frame> NO_FRAMES = (topic, bytes) -> {
    throw new AssertionError("a kept frame was read, though no selection chooses by it");
  };

  private static DeadLetter dl(String reason, String camera, String topic, Long valueSize, boolean value) {
    return DeadLetter.newBuilder().setKey(ByteBuffer.wrap("k".getBytes(StandardCharsets.UTF_8)))
        .setValue(value ? ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 1, 2}) : null).setValueSize(valueSize)
        .setSourceTopic(topic).setPartition(0).setOffset(7).setReason(reason).setErrorClass("E").setErrorMessage("m")
        .setCameraId(camera).setTime(Instant.EPOCH).build();
  }

  @Test
  void byDefaultOnlyTheTransientReasonsAreSent() {
    assertThat(RedriveCommand.TRANSIENT).containsExactlyInAnyOrder("REGISTRY_REQUEST_FAILED", "SCORING_FAILED",
        "OUTPUT_FAILED", "PROCESSING_FAILED");
    for (String r : RedriveCommand.TRANSIENT) {
      assertThat(DEFAULTS.decide(dl(r, "cam-1", "frames", null, true), 0, null)).as(r).isEqualTo(Decision.SEND);
    }
    for (String r : RedriveCommand.PERMANENT) {
      assertThat(DEFAULTS.decide(dl(r, "cam-1", "frames", null, true), 0, null)).as(r)
          .isEqualTo(Decision.REASON_NOT_CHOSEN);
    }
    assertThat(DEFAULTS.decide(dl("SOMETHING_NEW", "cam-1", "frames", null, true), 0, null))
        .isEqualTo(Decision.REASON_NOT_CHOSEN);
  }

  /**
   * A reason added to the monitor (and to DeadLetter.avsc's doc, which MonitorMetricsTest holds to the metrics' list)
   * must be sorted here too: left out of both sets, redrive would never send it by default and README's list of the
   * transient reasons would be silently incomplete.
   */
  @Test
  void everyReasonTheMonitorWritesIsEitherTransientOrPermanent() {
    for (String reason : dev.advmon.metrics.MonitorMetrics.DEAD_LETTER_REASONS) {
      assertThat(RedriveCommand.TRANSIENT.contains(reason) ^ RedriveCommand.PERMANENT.contains(reason))
          .as("%s in exactly one of RedriveCommand.TRANSIENT and PERMANENT", reason).isTrue();
    }
    assertThat(dev.advmon.metrics.MonitorMetrics.DEAD_LETTER_REASONS)
        .containsAll(RedriveCommand.TRANSIENT).containsAll(RedriveCommand.PERMANENT);
  }

  @Test
  void aNamedPermanentReasonIsSentButACutValueNever() {
    Selection s = new Selection(Set.of("RECORD_TOO_LARGE", "BAD_AVRO"), Set.of(), null, null, "frames");
    assertThat(s.decide(dl("BAD_AVRO", null, "frames", null, true), 0, null)).isEqualTo(Decision.SEND);
    assertThat(s.decide(dl("RECORD_TOO_LARGE", null, "frames", 20_000_000L, true), 0, null))
        .isEqualTo(Decision.VALUE_CUT);
    assertThat(s.decide(dl("SCORING_FAILED", null, "frames", null, true), 0, null))
        .as("naming a reason replaces the defaults").isEqualTo(Decision.REASON_NOT_CHOSEN);
    assertThat(s.decide(dl("BAD_AVRO", null, "frames", null, false), 0, null)).isEqualTo(Decision.NO_VALUE);
    assertThat(DEFAULTS.decide(dl("RECORD_TOO_LARGE", null, "frames", 20_000_000L, true), 0, null))
        .as("a cut value says so even when its reason was not chosen").isEqualTo(Decision.VALUE_CUT);
  }

  @Test
  void camerasTimesAndTopicsFilter() {
    Selection s = new Selection(RedriveCommand.TRANSIENT, Set.of("cam-1"), Instant.ofEpochMilli(1000),
        Instant.ofEpochMilli(2000), "frames");
    assertThat(s.decide(dl("SCORING_FAILED", "cam-1", "frames", null, true), 1000, null)).isEqualTo(Decision.SEND);
    assertThat(s.decide(dl("SCORING_FAILED", "cam-2", "frames", null, true), 1000, null))
        .isEqualTo(Decision.CAMERA_NOT_CHOSEN);
    assertThat(s.decide(dl("PROCESSING_FAILED", null, "frames", null, true), 1500, "cam-1".getBytes()))
        .as("no camera field: the producer's key").isEqualTo(Decision.SEND);
    assertThat(s.decide(dl("SCORING_FAILED", "cam-1", "frames", null, true), 999, null))
        .isEqualTo(Decision.OUT_OF_TIME_RANGE);
    assertThat(s.decide(dl("SCORING_FAILED", "cam-1", "frames", null, true), 2000, null))
        .as("--until excluded").isEqualTo(Decision.OUT_OF_TIME_RANGE);
    assertThat(s.decide(dl("SCORING_FAILED", "cam-1", "old-frames", null, true), 1000, null))
        .isEqualTo(Decision.OTHER_TOPIC);
    assertThat(s.decide(null, 1000, null)).isEqualTo(Decision.UNREADABLE);
  }

  /**
   * The dead letters Kafka Streams' error handlers write (PROCESSING_FAILED, an OUTPUT_FAILED found while writing) have
   * no camera field, though the frame was read: --camera took their record key for the camera id, and a producer that
   * keys frames by site hid them from it. Their camera is read from the frame they kept, as the monitor reads a frame;
   * the key only where that is no frame that reads. The next run knows what such a run chose and sent.
   */
  @Test
  void aDeadLetterWithoutItsCameraIsChosenByTheCameraOfTheFrameItKept() throws Exception {
    var frames = dev.advmon.registry.AvroSerde.forClass(dev.advmon.schema.Frame.class,
        new dev.advmon.registry.InMemorySchemaRegistry());
    byte[] cam1 = frames.serializer().serialize("frames", frame("f-1", "cam-1"));
    byte[] cam2 = frames.serializer().serialize("frames", frame("f-2", "cam-2"));
    byte[] noFrame = "not a frame".getBytes(StandardCharsets.UTF_8);
    List<DeadLetter> deadLetters = List.of(processingFailed(cam1), processingFailed(cam2), processingFailed(noFrame));
    List<String> keys = List.of("site-7", "site-7", "cam-1"); // the producer's keys: by site, but for the last
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata> group =
        new java.util.concurrent.atomic.AtomicReference<>();
    Selection camera1 = new Selection(RedriveCommand.TRANSIENT, Set.of("cam-1"), null, null, "frames");

    MockProducer<byte[], byte[]> first = producer();
    Summary chosen = new RedriveCommand().copy(keyedBy(group, tp, keys), first, List.of(tp), camera1,
        (topic, bytes) -> deadLetters.get(bytes[0]), frames.deserializer());

    assertThat(first.history()).extracting(org.apache.kafka.clients.producer.ProducerRecord::value)
        .as("cam-1's frame, and the value that is no frame, by its key").containsExactly(cam1, noFrame);
    assertThat(chosen.number("PROCESSING_FAILED", Decision.CAMERA_NOT_CHOSEN)).isEqualTo(1);
    group.set(lastCommitted(first, tp));

    MockProducer<byte[], byte[]> second = producer();
    Summary rest = new RedriveCommand().copy(keyedBy(group, tp, keys), second, List.of(tp), DEFAULTS,
        (topic, bytes) -> deadLetters.get(bytes[0]), frames.deserializer());

    assertThat(second.history()).extracting(org.apache.kafka.clients.producer.ProducerRecord::value)
        .as("only cam-2's: the first run's are remembered as sent").containsExactly(cam2);
    assertThat(rest.number("PROCESSING_FAILED", Decision.ALREADY_SENT)).isEqualTo(2);
  }

  /** A registry that answers a kept frame's schema lookup with a 4xx that is the record's (HTTP 422). */
  private static Deserializer<dev.advmon.schema.Frame> refusing99(Deserializer<dev.advmon.schema.Frame> others) {
    return (topic, bytes) -> {
      if (bytes[4] == 99) {
        throw new dev.advmon.registry.RegistryRequestException("registry http://registry:8081 could not look up"
            + " schema id 99 (HTTP 422)", 422, null);
      }
      return others.deserialize(topic, bytes);
    };
  }

  /**
   * Once one run by camera was remembered, every later run read the frames kept in camera-less dead letters, a plain
   * scheduled one too, and a REGISTRY_REQUEST_FAILED dead letter whose frame's schema the registry still refuses
   * stopped each of them until retention deleted it (found by review). Only the error handlers' dead letters have
   * their frame read; the others are chosen by their key, as before.
   */
  @Test
  void aPlainRunAfterARunByCameraIsNotStoppedByAKeptFrameTheRegistryRefuses() throws Exception {
    byte[] refused = new byte[] {0, 0, 0, 0, 99, 1, 2};
    DeadLetter registryFailed = DeadLetter.newBuilder(processingFailed(refused)).setReason("REGISTRY_REQUEST_FAILED")
        .build();
    List<DeadLetter> deadLetters = List.of(dl("SCORING_FAILED", "cam-9", "frames", null, true), registryFailed);
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    Selection camera9 = new Selection(RedriveCommand.TRANSIENT, Set.of("cam-9"), null, null, "frames");
    var group = new java.util.concurrent.atomic.AtomicReference<>(new org.apache.kafka.clients.consumer
        .OffsetAndMetadata(1, RedriveMemory.NONE.with(new RedriveMemory.Run(0, 1, camera9), 0).encode()));
    MockProducer<byte[], byte[]> producer = producer();

    new RedriveCommand().copy(keyedBy(group, tp, List.of("cam-9", "cam-1")), producer, List.of(tp), DEFAULTS,
        (topic, bytes) -> deadLetters.get(bytes[0]), refusing99(NO_FRAMES));

    assertThat(producer.history()).extracting(org.apache.kafka.clients.producer.ProducerRecord::value)
        .containsExactly(refused);
  }

  /**
   * A run by camera meets a REGISTRY_REQUEST_FAILED dead letter (no camera field: the monitor could not look its
   * frame's schema up) and an error handler's dead letter whose frame's schema the registry now refuses with a 4xx:
   * neither stops it (it said "run redrive again once the registry answers", which it did, and will again); both are
   * chosen by their key, and a handler's dead letter of cam-1 keyed by its site by its frame.
   */
  @Test
  void aRegistryRefusalOfOneKeptFrameDoesNotStopARunByCamera() throws Exception {
    var frames = dev.advmon.registry.AvroSerde.forClass(dev.advmon.schema.Frame.class,
        new dev.advmon.registry.InMemorySchemaRegistry());
    byte[] cam1 = frames.serializer().serialize("frames", frame("f-1", "cam-1"));
    byte[] refused = new byte[] {0, 0, 0, 0, 99, 1, 2};
    byte[] refusedToo = new byte[] {0, 0, 0, 0, 99, 3, 4};
    DeadLetter registryFailed = DeadLetter.newBuilder(processingFailed(refused)).setReason("REGISTRY_REQUEST_FAILED")
        .build();
    List<DeadLetter> deadLetters = List.of(registryFailed, processingFailed(refusedToo), processingFailed(cam1));
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    var group = new java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata>();
    MockProducer<byte[], byte[]> producer = producer();

    new RedriveCommand().copy(keyedBy(group, tp, List.of("cam-1", "cam-1", "site-7")), producer, List.of(tp),
        new Selection(RedriveCommand.TRANSIENT, Set.of("cam-1"), null, null, "frames"),
        (topic, bytes) -> deadLetters.get(bytes[0]), refusing99(frames.deserializer()));

    assertThat(producer.history()).extracting(org.apache.kafka.clients.producer.ProducerRecord::value)
        .as("both refused ones by their key cam-1, the handler's dead letter keyed site-7 by its frame's camera")
        .containsExactly(refused, refusedToo, cam1);
  }

  /**
   * A record written by a redrive that matched --camera against the record key alone keeps meaning what that run
   * chose and sent, so that a dead letter it sent by its key is not sent again, nor one it left out taken as sent;
   * a run of this version says in its record that it matched the kept frame's camera.
   */
  @Test
  void aRememberedRunOfAnEarlierVersionKeepsMatchingCamerasByTheRecordKey() {
    RedriveMemory earlier = RedriveMemory.decode("{\"redrive\":1,\"runs\":[{\"from\":0,\"to\":10,\"frames\":"
        + "\"frames\",\"reasons\":[\"PROCESSING_FAILED\"],\"cameras\":[\"cam-1\"]}]}");
    DeadLetter noCamera = dl("PROCESSING_FAILED", null, "frames", null, true);
    assertThat(earlier.sent(3, noCamera, 0, "cam-1".getBytes(StandardCharsets.UTF_8), "cam-2"))
        .as("sent by its key").isTrue();
    assertThat(earlier.sent(3, noCamera, 0, "site-7".getBytes(StandardCharsets.UTF_8), "cam-1"))
        .as("left out by its key").isFalse();

    Selection camera1 = new Selection(Set.of("PROCESSING_FAILED"), Set.of("cam-1"), null, null, "frames");
    RedriveMemory now = RedriveMemory.NONE.with(new RedriveMemory.Run(0, 10, camera1), 0);
    assertThat(now.encode()).contains("\"byFrame\":true");
    assertThat(RedriveMemory.decode(now.encode())).isEqualTo(now);
    assertThat(now.sent(3, noCamera, 0, "site-7".getBytes(StandardCharsets.UTF_8), "cam-1")).isTrue();
    assertThat(now.runs().get(0).includes(earlier.runs().get(0))).as("the two match cameras differently").isFalse();
  }

  private static dev.advmon.schema.Frame frame(String id, String camera) {
    return dev.advmon.schema.Frame.newBuilder().setFrameId(id).setCameraId(camera)
        .setCaptureTime(Instant.ofEpochMilli(1_000)).setEncoding(dev.advmon.schema.ImageEncoding.GRAY8)
        .setImage(ByteBuffer.wrap(new byte[4])).setWidth(2).setHeight(2).build();
  }

  /** As Kafka Streams' processing handler writes it: the frame's bytes, no frame or camera id. */
  private static DeadLetter processingFailed(byte[] frame) {
    return DeadLetter.newBuilder().setKey(ByteBuffer.wrap("site-7".getBytes(StandardCharsets.UTF_8)))
        .setValue(ByteBuffer.wrap(frame)).setSourceTopic("frames").setPartition(0).setOffset(7)
        .setReason("PROCESSING_FAILED").setErrorClass("E").setErrorMessage("m").setTime(Instant.EPOCH).build();
  }

  /** One poll of dead letters with these record keys, each value the index of its dead letter. */
  private static MockConsumer<byte[], byte[]> keyedBy(
      java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata> group,
      TopicPartition tp, List<String> keys) {
    MockConsumer<byte[], byte[]> consumer = readingFrom(group, tp);
    consumer.updateBeginningOffsets(Map.of(tp, 0L));
    consumer.updateEndOffsets(Map.of(tp, (long) keys.size()));
    consumer.schedulePollTask(() -> {
      for (int offset = 0; offset < keys.size(); offset++) {
        consumer.addRecord(new ConsumerRecord<>(tp.topic(), 0, offset, 1_000L + offset, TimestampType.CREATE_TIME, 1,
            1, keys.get(offset).getBytes(StandardCharsets.UTF_8), new byte[] {(byte) offset}, new RecordHeaders(),
            Optional.empty()));
      }
    });
    return consumer;
  }

  @Test
  void theSummaryCountsReadSentSkippedAndCutPerReason() {
    Summary s = new Summary();
    s.count("SCORING_FAILED", Decision.SEND);
    s.count("SCORING_FAILED", Decision.SEND);
    s.count("SCORING_FAILED", Decision.CAMERA_NOT_CHOSEN);
    s.count("RECORD_TOO_LARGE", Decision.VALUE_CUT);
    String text = s.asText(false, "frames", "frames-dlq");
    assertThat(text).containsPattern("SCORING_FAILED +3 +2 +1 +0  1 other camera")
        .containsPattern("RECORD_TOO_LARGE +1 +0 +1 +1  1 value cut")
        .containsPattern("total +4 +2 +2 +1")
        .contains("sent 2 of 4 dead letters of frames-dlq to frames");
    assertThat(s.asText(true, "frames", "frames-dlq")).contains("would send 2 of 4");
  }

  @Test
  void helpNamesTheDefaultReasons() {
    String help = new CommandLine(new RedriveCommand()).getUsageMessage().replaceAll("\\s+", " ");
    assertThat(help).contains("REGISTRY_REQUEST_FAILED, SCORING_FAILED, OUTPUT_FAILED and PROCESSING_FAILED")
        .contains("--dry-run").contains("--since");
  }

  /**
   * The frames redrive sends that fail again come back to the dead-letter topic while it reads: the end offsets
   * taken at its start bound the run, else a frame that keeps failing would be read and sent again and again.
   */
  @Test
  void deadLettersWrittenWhileItReadsAreNotReadInTheSameRun() throws Exception {
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    consumer.updateBeginningOffsets(Map.of(tp, 0L));
    consumer.updateEndOffsets(Map.of(tp, 3L));
    List<DeadLetter> written = new ArrayList<>();
    consumer.schedulePollTask(() -> {
      for (int offset = 0; offset < 5; offset++) { // 3 there at the start, then 2 re-failures of the first frames
        written.add(dl("SCORING_FAILED", "cam-" + offset % 3, "frames", null, true));
        consumer.addRecord(new ConsumerRecord<>(tp.topic(), 0, offset, 1_000L + offset, TimestampType.CREATE_TIME, 2,
            1, ("k" + offset).getBytes(StandardCharsets.UTF_8), String.valueOf(offset).getBytes(StandardCharsets.UTF_8),
            new RecordHeaders(), Optional.empty()));
      }
      consumer.updateEndOffsets(Map.of(tp, 5L));
    });
    MockProducer<byte[], byte[]> producer = producer();
    Deserializer<DeadLetter> values = (topic, bytes) -> written.get(Integer.parseInt(new String(bytes,
        StandardCharsets.UTF_8)));

    Summary summary = new RedriveCommand().copy(consumer, producer, List.of(tp), DEFAULTS, values, NO_FRAMES);

    assertThat(producer.history()).as("one frame sent per dead letter there at the start").hasSize(3)
        .allSatisfy(r -> assertThat(r.topic()).isEqualTo("frames"))
        // marked, so that the monitor's frame latency metric leaves out the dead letter's age
        .allSatisfy(r -> assertThat(new String(r.headers().lastHeader(dev.advmon.topology.RedrivenFrames.HEADER)
            .value(), StandardCharsets.UTF_8)).isEqualTo("SCORING_FAILED"))
        // and with the dead letter it came from, which its verdict names (advmon.redrivenFrom)
        .extracting(r -> new String(r.headers().lastHeader(dev.advmon.topology.RedrivenFrames.FROM_HEADER).value(),
            StandardCharsets.UTF_8)).containsExactly("dead-letters-0@0", "dead-letters-0@1", "dead-letters-0@2");
    assertThat(summary.number("SCORING_FAILED", Decision.SEND)).isEqualTo(3);
  }

  /**
   * The limit is the broker's (offset.metadata.max.bytes) and holds for every commit, not only the last. A run that
   * takes earlier runs in (the one the size error recommends: no --camera, --since or --until) only does so once it
   * has read past their offsets, so its first commits carry every earlier run next to its own. With the record filled
   * to the limit by narrow runs, it kept its batches in one transaction until the record fitted: as many dead letters
   * as the earlier runs had read, possibly all of them, in a transaction that the broker aborts after
   * transaction.timeout.ms (60 s by default; the run then said another redrive had stopped it, and the next run did
   * the same), and that holds back the monitor's read_committed reading of the frames partitions while it is open.
   * A narrow run is refused while the record still has room for the run that takes them all in, which then commits
   * every batch on its own.
   */
  @Test
  void narrowRunsLeaveRoomForTheRunThatTakesThemInWhichCommitsEachBatchOnItsOwn() throws Exception {
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata> group =
        new java.util.concurrent.atomic.AtomicReference<>();
    List<DeadLetter> deadLetters = List.of(dl("SCORING_FAILED", "cam-0", "frames", null, true),
        dl("SCORING_FAILED", "cam-x", "frames", null, true));
    NarrowRuns narrow = narrowRunsUntilRefused(tp, group, deadLetters);
    assertThat(narrow.commits()).as("narrow runs before the refusal, each with one commit per batch")
        .hasSizeGreaterThan(10).containsOnly(4);
    assertThat(narrow.refusal()).contains("nothing was sent").contains("dead-letters-0").contains("no --camera");

    MockProducer<byte[], byte[]> producer = run(tp, group, DEFAULTS, deadLetters);

    assertThat(producer.history()).as("both cameras' dead letters: no narrow run chose them").hasSize(200);
    assertThat(producer.consumerGroupOffsetsHistory()).as("one transaction per batch, not one until the record fits")
        .hasSize(4).allSatisfy(commit -> commit.values().forEach(offsets -> assertThat(
            offsets.get(tp).metadata().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(RedriveMemory.MAX_BYTES)));
    assertThat(RedriveMemory.decode(group.get().metadata()).runs()).as("the last commit took the narrower runs in")
        .containsExactly(new RedriveMemory.Run(0, 200, DEFAULTS));
  }

  /**
   * Retention deletes the start of the dead-letter topic (its purpose). The run the refusal names (no --camera, --since
   * or --until) reads from the new log start, so it must take in the narrow runs that began before it: they remember
   * nothing of a deleted offset that can ever be read again. Otherwise they stay beside it until retention passes their
   * last offset, the record keeps no room, and narrow runs stay refused however often that run is made.
   */
  @Test
  void theRunThatTakesNarrowRunsInDoesSoWhenRetentionDeletedTheirFirstOffsets() throws Exception {
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata> group =
        new java.util.concurrent.atomic.AtomicReference<>();
    List<DeadLetter> deadLetters = List.of(dl("SCORING_FAILED", "cam-0", "frames", null, true),
        dl("SCORING_FAILED", "cam-x", "frames", null, true));
    narrowRunsUntilRefused(tp, group, deadLetters);

    MockProducer<byte[], byte[]> producer = run(tp, group, DEFAULTS, deadLetters, 50);

    assertThat(producer.history()).as("offsets 50-199: no narrow run chose them").hasSize(150);
    assertThat(RedriveMemory.decode(group.get().metadata()).runs()).as("the narrow runs taken in")
        .containsExactly(new RedriveMemory.Run(50, 200, DEFAULTS));
    Selection again = new Selection(RedriveCommand.TRANSIENT, Set.of("camera-again"), null, null, "frames");
    assertThat(run(tp, group, again, deadLetters, 50).consumerGroupOffsetsHistory()).as("a narrow run is made again")
        .hasSize(3);
  }

  /** How many commits each narrow run made before one was refused, and that refusal's message. */
  private record NarrowRuns(List<Integer> commits, String refusal) {}

  /** Runs of one camera each (none of {@code deadLetters}' cameras) until one is refused for want of room. */
  private static NarrowRuns narrowRunsUntilRefused(TopicPartition tp,
      java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata> group,
      List<DeadLetter> deadLetters) throws Exception {
    List<Integer> commits = new ArrayList<>();
    while (true) {
      assertThat(commits.size()).as("narrow runs are refused at some point").isLessThan(100);
      Selection camera = new Selection(RedriveCommand.TRANSIENT, Set.of("camera-" + commits.size()), null, null,
          "frames");
      try {
        commits.add(run(tp, group, camera, deadLetters).consumerGroupOffsetsHistory().size());
      } catch (IllegalStateException e) {
        return new NarrowRuns(commits, e.getMessage());
      }
    }
  }

  /**
   * One run of redrive's copy over offsets 0-199 of {@code tp} (four polls, four batches), the group's committed offset
   * read from and written back to {@code group}; the dead letter at an offset is {@code deadLetters}' one of its parity.
   */
  private static MockProducer<byte[], byte[]> run(TopicPartition tp,
      java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata> group,
      Selection selection, List<DeadLetter> deadLetters) throws Exception {
    return run(tp, group, selection, deadLetters, 0);
  }

  /** As above, with retention having deleted the offsets before {@code logStart} (a multiple of 50). */
  private static MockProducer<byte[], byte[]> run(TopicPartition tp,
      java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata> group,
      Selection selection, List<DeadLetter> deadLetters, long logStart) throws Exception {
    return run(tp, group, selection, deadLetters, logStart, new RedriveCommand(), false).producer();
  }

  /** What one run of {@code command} sent (nothing for a dry run) and counted. */
  private record Ran(MockProducer<byte[], byte[]> producer, Summary summary) {
  }

  /** As above, by {@code command} (its --again), sending nothing when {@code dryRun}. */
  private static Ran run(TopicPartition tp,
      java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata> group,
      Selection selection, List<DeadLetter> deadLetters, long logStart, RedriveCommand command, boolean dryRun)
      throws Exception {
    MockConsumer<byte[], byte[]> consumer = readingFrom(group, tp);
    inPolls(consumer, tp, (int) logStart, 200, 50, offset -> offset % 2);
    MockProducer<byte[], byte[]> producer = producer();
    Summary summary = command.copy(consumer, dryRun ? null : producer, List.of(tp), selection,
        (topic, bytes) -> deadLetters.get(bytes[0]), NO_FRAMES);
    if (!producer.consumerGroupOffsetsHistory().isEmpty()) {
      group.set(lastCommitted(producer, tp));
    }
    return new Ran(producer, summary);
  }

  /**
   * One dead letter of another frames topic than topics.frames failed every later run with exit status 1 (dry, real,
   * with nothing new to send), so the scheduled Job failed each time until retention deleted it, and nothing let the
   * operator acknowledge it. It is refused, and fails, once: the run that refused it remembers so like what it sent,
   * and a later run counts it as refused by an earlier run, says so in a line, and exits 0; --again (which sends again
   * what was sent) and --dry-run (which predicts the real run) do the same.
   */
  @Test
  void aDeadLetterOfAnotherFramesTopicIsRefusedAndFailsOneRunOnly() throws Exception {
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    var group = new java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata>();
    List<DeadLetter> deadLetters = List.of(dl("SCORING_FAILED", "cam-0", "frames", null, true),
        dl("SCORING_FAILED", "cam-1", "old-frames", null, true));
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream log = new java.io.PrintStream(err, true, StandardCharsets.UTF_8);

    Ran dryFirst = run(tp, group, DEFAULTS, deadLetters, 0, new RedriveCommand(), true);
    assertThat(RedriveCommand.exitStatus(dryFirst.summary(), "frames", log)).as("the dry run predicts the real one")
        .isEqualTo(1);
    Ran first = run(tp, group, DEFAULTS, deadLetters, 0, new RedriveCommand(), false);
    assertThat(first.producer().history()).hasSize(100);
    assertThat(first.summary().number("SCORING_FAILED", Decision.OTHER_TOPIC)).isEqualTo(100);
    assertThat(RedriveCommand.exitStatus(first.summary(), "frames", log)).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("refused dead letters of old-frames");

    RedriveCommand again = new RedriveCommand();
    again.again = true;
    for (Ran later : List.of(run(tp, group, DEFAULTS, deadLetters, 0, new RedriveCommand(), true),
        run(tp, group, DEFAULTS, deadLetters, 0, new RedriveCommand(), false),
        run(tp, group, DEFAULTS, deadLetters, 0, again, true))) {
      err.reset();
      assertThat(later.summary().number("SCORING_FAILED", Decision.OTHER_TOPIC)).isZero();
      assertThat(later.summary().number("SCORING_FAILED", Decision.REFUSED_BEFORE)).isEqualTo(100);
      assertThat(later.summary().asText(false, "frames", "dead-letters"))
          .contains("100 not from the frames topic: refused by an earlier run");
      assertThat(RedriveCommand.exitStatus(later.summary(), "frames", log)).isZero();
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("100 dead letter(s) of old-frames")
          .contains("refused by an earlier run").contains("topics.frames").doesNotContain("error:");
    }
  }

  /**
   * A run that refused a dead letter of another frames topic in a batch it committed, then was stopped by an error
   * (exit status 2: a revoked ACL, a registry or broker that stopped answering, another redrive) never said it refused
   * it: its error is another one. Yet the refusal was remembered with the batch, so the next run (the Job's retry)
   * counted it as "refused by an earlier run" in a warning and exited 0: no run failed on it. A refusal is taken as
   * said only when the run that made it read to its end; until then the next run refuses it again.
   */
  @Test
  void aRefusalOfARunThatAnErrorStoppedIsRefusedAgainByTheNextRun() throws Exception {
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    var group = new java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata>();
    List<DeadLetter> deadLetters = anotherTopicsAtOffsetZero();
    MockProducer<byte[], byte[]> failing = refusingTheSecondCommit();
    assertThatThrownBy(() -> copyTwoBatches(tp, group, failing, deadLetters)).hasMessageContaining("not authorized");
    assertThat(failing.consumerGroupOffsetsHistory()).as("the first batch, its refusal in it, committed").hasSize(1);
    group.set(lastCommitted(failing, tp)); // its only commit

    MockProducer<byte[], byte[]> producer = producer();
    Summary next = copyTwoBatches(tp, group, producer, deadLetters);
    group.set(lastCommitted(producer, tp));
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    assertThat(next.number("SCORING_FAILED", Decision.OTHER_TOPIC)).as("refused again, not taken as said").isOne();
    assertThat(RedriveCommand.exitStatus(next, "frames", new java.io.PrintStream(err, true, StandardCharsets.UTF_8)))
        .isEqualTo(RedriveCommand.OTHER_TOPIC_REFUSED);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("error: refused dead letters of old-frames");

    // that run read to its end: the one after it skips the refusal with a warning
    Summary after = copyTwoBatches(tp, group, null, deadLetters);
    assertThat(after.number("SCORING_FAILED", Decision.REFUSED_BEFORE)).isOne();
  }

  /**
   * A run stopped by an error after its first batch, whose offsets an earlier run that read to its end had read with
   * the same selection: that earlier run's refusal stays said (before, the stopped run's record took the earlier one in
   * as not ended, and the next run refused the same dead letter again: exit status 1 a second time).
   */
  @Test
  void aRunStoppedByAnErrorLeavesAnEarlierRunsRefusalSaid() throws Exception {
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    var group = new java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata>();
    List<DeadLetter> deadLetters = anotherTopicsAtOffsetZero();
    MockProducer<byte[], byte[]> first = producer();
    Summary said = copyTwoBatches(tp, group, first, deadLetters);
    assertThat(said.number("SCORING_FAILED", Decision.OTHER_TOPIC)).as("refused by a run that read to its end").isOne();
    group.set(lastCommitted(first, tp));

    MockProducer<byte[], byte[]> failing = refusingTheSecondCommit();
    assertThatThrownBy(() -> copyTwoBatches(tp, group, failing, deadLetters)).hasMessageContaining("not authorized");
    assertThat(failing.consumerGroupOffsetsHistory()).as("its first batch committed").hasSize(1);
    group.set(lastCommitted(failing, tp)); // its only commit

    Summary next = copyTwoBatches(tp, group, null, deadLetters);
    assertThat(next.number("SCORING_FAILED", Decision.OTHER_TOPIC)).as("not refused a second time").isZero();
    assertThat(next.number("SCORING_FAILED", Decision.REFUSED_BEFORE)).isOne();
  }

  /**
   * The dead-letter topic is written in transactions (the monitor's exactly_once_v2): a commit marker can follow the
   * last dead letter, and the poll that reads past it returns nothing, so no batch says that the run read to its end.
   * The run then commits that on its own, or its refusals would be refused again by every run.
   */
  @Test
  void aRunWhoseLastBatchEndsBeforeACommitMarkerStillSaysItEnded() throws Exception {
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    var group = new java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata>();
    List<DeadLetter> deadLetters = anotherTopicsAtOffsetZero();
    MockConsumer<byte[], byte[]> consumer = twoBatches(tp, group);
    consumer.updateEndOffsets(Map.of(tp, 5L));
    consumer.schedulePollTask(() -> consumer.seek(tp, 5L)); // the marker at offset 4: read, nothing returned
    MockProducer<byte[], byte[]> producer = producer();

    new RedriveCommand().copy(consumer, producer, List.of(tp), DEFAULTS, (topic, bytes) -> deadLetters.get(bytes[0]),
        NO_FRAMES);

    assertThat(RedriveMemory.decode(lastCommitted(producer, tp).metadata()).runs()).containsExactly(new RedriveMemory.Run(0, 5, DEFAULTS, true));
  }

  /**
   * Offsets 0-3 of {@code tp} in two polls (the value: 0 at offset 0, else 1), the group's committed offset read from
   * {@code group} (the caller writes a run's last commit back to it).
   */
  private static MockConsumer<byte[], byte[]> twoBatches(TopicPartition tp,
      java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata> group) {
    MockConsumer<byte[], byte[]> consumer = readingFrom(group, tp);
    inPolls(consumer, tp, 0, 4, 2, offset -> offset == 0 ? 0 : 1);
    return consumer;
  }

  /** For {@link #twoBatches}: the dead letter at offset 0 is of another frames topic, those at 1-3 of this one. */
  private static List<DeadLetter> anotherTopicsAtOffsetZero() {
    return List.of(dl("SCORING_FAILED", "cam-1", "old-frames", null, true),
        dl("SCORING_FAILED", "cam-0", "frames", null, true));
  }

  /** One run of redrive's copy over {@link #twoBatches}, sending with {@code producer} (null: a dry run). */
  private static Summary copyTwoBatches(TopicPartition tp,
      java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata> group,
      MockProducer<byte[], byte[]> producer, List<DeadLetter> deadLetters) throws Exception {
    return new RedriveCommand().copy(twoBatches(tp, group), producer, List.of(tp), DEFAULTS,
        (topic, bytes) -> deadLetters.get(bytes[0]), NO_FRAMES);
  }

  /** A consumer whose group's committed offset for {@code tp} is what {@code group} holds (none while it is null). */
  private static MockConsumer<byte[], byte[]> readingFrom(
      java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata> group,
      TopicPartition tp) {
    return new MockConsumer<>("earliest") {
      @Override
      public synchronized Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed(
          Set<TopicPartition> partitions, java.time.Duration timeout) {
        // what the group holds (MockConsumer's own commits are cleared by the assign in copy)
        return group.get() == null ? Map.of() : Map.of(tp, group.get());
      }
    };
  }

  /**
   * Offsets {@code from} to {@code to} (exclusive) of {@code tp} in {@code consumer}, {@code perPoll} to a poll, the
   * value of each the one byte {@code valueAt} gives its offset; retention deleted the offsets before {@code from}.
   */
  private static void inPolls(MockConsumer<byte[], byte[]> consumer, TopicPartition tp, int from, int to, int perPoll,
      java.util.function.IntUnaryOperator valueAt) {
    consumer.updateBeginningOffsets(Map.of(tp, (long) from));
    consumer.updateEndOffsets(Map.of(tp, (long) to));
    for (int start = from; start < to; start += perPoll) {
      int first = start;
      consumer.schedulePollTask(() -> {
        for (int offset = first; offset < first + perPoll; offset++) {
          consumer.addRecord(new ConsumerRecord<>(tp.topic(), 0, offset, 1_000L + offset, TimestampType.CREATE_TIME,
              1, 1, "k".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) valueAt.applyAsInt(offset)},
              new RecordHeaders(), Optional.empty()));
        }
      });
    }
  }

  /** A producer that commits its transactions, as the broker does for a run with its ACLs. */
  private static MockProducer<byte[], byte[]> producer() {
    return new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /**
   * A refusal of the group or the transactional id at a later batch's commit (an ACL revoked mid-run) said "nothing
   * was sent" although the batches committed before it were sent and are remembered.
   */
  @Test
  void aGroupRefusedAfterCommittedBatchesSaysWhatWasSent() {
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    inPolls(consumer, tp, 0, 4, 2, offset -> 0); // two polls, two batches
    MockProducer<byte[], byte[]> producer = refusingTheSecondCommit();
    List<DeadLetter> deadLetters = List.of(dl("SCORING_FAILED", "cam-0", "frames", null, true));

    assertThatThrownBy(() -> new RedriveCommand().copy(consumer, producer, List.of(tp), DEFAULTS,
        (topic, bytes) -> deadLetters.get(bytes[0]), NO_FRAMES))
        .hasMessageContaining("not authorized")
        .hasMessageContaining("the 1 batch(es) this run committed before stay sent and remembered")
        .hasMessageNotContaining("nothing was sent");
  }

  /**
   * Ctrl-C or SIGTERM (an operator, the Job's activeDeadlineSeconds) ended the JVM in the middle of a batch: no
   * summary, and its open transaction, frames in it, held back the monitor's read_committed reading of those frames
   * partitions until the broker aborted it, transaction.timeout.ms later (60 s by default). A stop now lets the batch
   * in flight commit, reads no further, leaves no transaction open and says in the summary that the run ended early.
   */
  @Test
  void aStopEndsTheRunAfterTheBatchInFlightWithNoTransactionOpenAndTheSummarySaysSo() throws Exception {
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    inPolls(consumer, tp, 0, 4, 2, offset -> 0); // two polls, two batches
    RedriveCommand redrive = new RedriveCommand();
    MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
        new ByteArraySerializer()) {
      @Override
      public synchronized java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(
          org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> r) {
        redrive.stop(); // the signal comes while the first batch is being sent
        return super.send(r);
      }
    };
    List<DeadLetter> deadLetters = List.of(dl("SCORING_FAILED", "cam-0", "frames", null, true));

    Summary summary = redrive.copy(consumer, producer, List.of(tp), DEFAULTS,
        (topic, bytes) -> deadLetters.get(bytes[0]), NO_FRAMES);

    assertThat(producer.history()).as("the batch in flight, not the next").hasSize(2);
    assertThat(producer.transactionCommitted()).isTrue();
    assertThat(producer.transactionInFlight()).as("no transaction left for the broker to time out").isFalse();
    assertThat(summary.asText(false, "frames", "frames-dlq")).contains("sent 2 of 2 dead letters of frames-dlq")
        .contains("stopped before the end").contains("run redrive again");
  }

  /**
   * A record filled to the limit (by a redrive that kept no room) leaves no room even for the run that takes it in:
   * that run is refused before it sends anything, rather than holding its batches in one transaction, and says what is
   * left to do.
   */
  @Test
  void aRecordWithNoRoomForTheRunThatTakesItInIsRefusedBeforeAnythingIsSent() {
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    RedriveMemory full = fullRecord();
    assertThat(full.leavesRoomToTakeAllIn("frames")).as("precondition").isFalse();
    java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.OffsetAndMetadata> group =
        new java.util.concurrent.atomic.AtomicReference<>(new org.apache.kafka.clients.consumer.OffsetAndMetadata(100,
            full.encode()));

    assertThatThrownBy(() -> run(tp, group, DEFAULTS, List.of(dl("SCORING_FAILED", "cam-0", "frames", null, true))))
        .hasMessageContaining("nothing was sent").hasMessageContaining("--reason SCORING_FAILED")
        // that run sends every dead letter of those reasons no run has sent, of every camera: said before it is made
        .hasMessageContaining("every camera").hasMessageContaining("--dry-run")
        .hasMessageContaining("kafka-consumer-groups.sh --delete --group");
  }

  /**
   * A dry run is how an operator checks a run before making it: over a record with no room left it counted what it
   * "would send" and said nothing of the refusal the same run without --dry-run then met.
   */
  @Test
  void aDryRunSaysWhenTheSameRunWouldBeRefused() throws Exception {
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    String full = fullRecord().encode();
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
      @Override
      public synchronized Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed(
          Set<TopicPartition> partitions, java.time.Duration timeout) {
        return Map.of(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(100, full));
      }
    };
    consumer.updateBeginningOffsets(Map.of(tp, 0L));
    consumer.updateEndOffsets(Map.of(tp, 1L));
    consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(tp.topic(), 0, 0, 1_000L,
        TimestampType.CREATE_TIME, 1, 1, "k".getBytes(StandardCharsets.UTF_8), new byte[] {0}, new RecordHeaders(),
        Optional.empty())));
    DeadLetter deadLetter = dl("SCORING_FAILED", "cam-0", "frames", null, true);

    RedriveCommand.Summary summary = new RedriveCommand().copy(consumer, null, List.of(tp), DEFAULTS,
        (topic, bytes) -> deadLetter, NO_FRAMES);

    assertThat(summary.refusedForReal).as("what the dry run says of the real run").isNotNull()
        .contains("--reason SCORING_FAILED").doesNotStartWith("nothing was sent");
  }

  /**
   * The committed Job k8s/jobs/redrive runs --dry-run: over a record the real run would refuse, the dry run warned and
   * exited 0, so the Job showed complete, and an operator who checks the Job's status, not its log, went on to the real
   * run. It exits 3 now, a status of its own (an error that stopped the run is 2, dead letters of another topic 1),
   * with the warning as the reason; and the command's help lists them.
   */
  @Test
  void aDryRunWhoseRealRunWouldBeRefusedExitsWithAStatusOfItsOwn() {
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream log = new java.io.PrintStream(err, true, StandardCharsets.UTF_8);
    Summary fine = new Summary();
    assertThat(RedriveCommand.exitStatus(fine, "frames", log)).isZero();
    Summary refused = new Summary();
    refused.refusedForReal = "the record of the runs that sent --reason SCORING_FAILED leaves no room";
    assertThat(RedriveCommand.exitStatus(refused, "frames", log)).isEqualTo(3);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("without --dry-run this run would be refused")
        .contains(refused.refusedForReal);
    refused.otherTopics.add("other-frames");
    assertThat(RedriveCommand.exitStatus(refused, "frames", log)).as("nothing would be sent: that first").isEqualTo(3);
    Summary other = new Summary();
    other.otherTopics.add("other-frames");
    assertThat(RedriveCommand.exitStatus(other, "frames", log)).isEqualTo(1);

    String help = new CommandLine(new RedriveCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF);
    assertThat(help).contains("Exit status").containsPattern("(?m)^\\s+3\\s+.*--dry-run")
        .containsPattern("(?m)^\\s+1\\s+").containsPattern("(?m)^\\s+2\\s+");
  }

  /** As many one-camera runs as fit the broker's limit on commit metadata: a record filled by narrow runs. */
  static RedriveMemory fullRecord() {
    List<String> cameras = new ArrayList<>();
    while (oneCameraRuns(cameras, "cam-" + cameras.size()).encode().length() <= RedriveMemory.MAX_BYTES) {
      cameras.add("cam-" + cameras.size());
    }
    return oneCameraRuns(cameras);
  }

  /** One earlier run per camera, each over offsets 0-99 with the default reasons. */
  private static RedriveMemory oneCameraRuns(List<String> cameras, String... more) {
    RedriveMemory m = RedriveMemory.NONE;
    for (String camera : java.util.stream.Stream.concat(cameras.stream(), java.util.Arrays.stream(more)).toList()) {
      m = m.with(new RedriveMemory.Run(0, 100, new Selection(RedriveCommand.TRANSIENT, Set.of(camera), null, null,
          "frames")), 0);
    }
    return m;
  }

  /**
   * A newcomer's first redrive against a broker that is not there waited a minute and then printed only Kafka's
   * "Timeout expired while fetching topic metadata": no broker address, no setting, nothing to do. The error must name
   * the address it tried, the setting that gives it, and the topic it was looking up.
   */
  @Test
  void anUnreachableBrokerIsNamedWithItsSetting() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    RedriveCommand redrive = new RedriveCommand();
    redrive.metadataTimeout = java.time.Duration.ofSeconds(2);
    redrive.overrides = Map.of("kafka.bootstrap.servers", "127.0.0.1:" + port,
        "registry.url", "http://127.0.0.1:" + port, "topics.dead-letter", "my-dlq");
    java.io.StringWriter err = new java.io.StringWriter();
    CommandLine cl = new CommandLine(redrive).setExecutionExceptionHandler(Main.errorHandler())
        .setErr(new java.io.PrintWriter(err, true));

    int status = cl.execute("--dry-run");

    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).contains("127.0.0.1:" + port).contains("kafka.bootstrap.servers").contains("my-dlq")
        .contains("check that");
  }

  /**
   * A newcomer's {@code --reason BAD_MAGIC} (or {@code bad_magic_byte}) was taken for a reason a newer monitor may
   * write: the run chose none of the dead letters it read, the defaults it replaced were not sent either, and it exited
   * 0 having sent nothing. A name close to a reason the monitor writes is refused before anything connects, naming
   * the reason meant.
   */
  @Test
  void aMisspeltReasonIsRefusedBeforeConnectingNamingTheReasonMeant() throws Exception {
    Map<String, String> meant = Map.of("BAD_MAGIC", "BAD_MAGIC_BYTE", "bad_magic_byte", "BAD_MAGIC_BYTE",
        "Scoring-Failed", "SCORING_FAILED", "REGISTRY_REQUST_FAILED", "REGISTRY_REQUEST_FAILED",
        "UNDECODABLE", "UNDECODABLE_IMAGE");
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    for (var typo : meant.entrySet()) {
      java.io.StringWriter err = new java.io.StringWriter();
      int status = redriveAgainstNothing(port, err).execute("--dry-run", "--reason", "SCORING_FAILED",
          "--reason", typo.getKey());
      assertThat(status).as(typo.getKey()).isEqualTo(2);
      assertThat(err.toString()).as(typo.getKey()).contains("--reason " + typo.getKey())
          .contains("did you mean " + typo.getValue() + "?").doesNotContain("kafka.bootstrap.servers");
    }
  }

  /**
   * {@code --reason FOO}, like no reason the monitor writes, went on to the broker and read the whole topic to choose
   * nothing (and the defaults it replaced were not sent either), exiting 0, while a near miss was refused. Refused
   * too, before anything connects, naming every reason the monitor writes.
   */
  @Test
  void anUnknownReasonIsRefusedBeforeConnectingNamingTheReasonsTheMonitorWrites() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    java.io.StringWriter err = new java.io.StringWriter();
    int status = redriveAgainstNothing(port, err).execute("--dry-run", "--reason", "SCORING_FAILED",
        "--reason", "CAMERA_UNPLUGGED");
    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).contains("--reason CAMERA_UNPLUGGED is not a reason this monitor writes")
        .doesNotContain("did you mean").doesNotContain("kafka.bootstrap.servers");
    for (String known : dev.advmon.metrics.MonitorMetrics.DEAD_LETTER_REASONS) {
      assertThat(err.toString()).contains(known);
    }
  }

  /**
   * Walked by hand: frames written with a schema id the registry did not have yet were UNKNOWN_SCHEMA dead letters; the
   * schema was registered, redrive --reason UNKNOWN_SCHEMA ran at once, and every frame came back as UNKNOWN_SCHEMA,
   * "answer remembered for 60 s": the monitor remembers a missing id for registry.unknown-id-cache-ms. The warning now
   * says to wait that long after registering, with the monitor's own value.
   */
  @Test
  void theUnknownSchemaWarningSaysHowLongTheMonitorRemembersAMissingId() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    RedriveCommand redrive = new RedriveCommand();
    redrive.metadataTimeout = java.time.Duration.ofSeconds(1);
    redrive.overrides = Map.of("kafka.bootstrap.servers", "127.0.0.1:" + port, "registry.url",
        "http://127.0.0.1:" + port, "registry.unknown-id-cache-ms", "90000");
    java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
    redrive.err = new java.io.PrintStream(warnings, true, StandardCharsets.UTF_8);
    new CommandLine(redrive).setExecutionExceptionHandler(Main.errorHandler())
        .setErr(new java.io.PrintWriter(java.io.Writer.nullWriter()))
        .execute("--dry-run", "--reason", "UNKNOWN_SCHEMA"); // then refused: no broker there

    assertThat(warnings.toString(StandardCharsets.UTF_8)).contains("UNKNOWN_SCHEMA")
        .contains("registry.unknown-id-cache-ms (90 s)").contains("after registering");
  }

  /**
   * {@code --until} before {@code --since} (the two swapped) chooses no dead letter: it went on to the broker, waited
   * up to a minute there when it was down, and otherwise read the whole topic to send nothing. Refused before anything
   * connects, naming both.
   */
  @Test
  void anEmptyTimeWindowIsRefusedBeforeConnecting() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    for (String until : List.of("2026-12-05T10:00:00Z", "2026-12-06T10:00:00Z")) {
      java.io.StringWriter err = new java.io.StringWriter();
      int status = redriveAgainstNothing(port, err).execute("--dry-run", "--since", "2026-12-06T10:00:00Z",
          "--until", until);
      assertThat(status).as(until).isEqualTo(2);
      assertThat(err.toString()).as(until).contains("--until " + until + " is not after --since 2026-12-06T10:00:00Z")
          .doesNotContain("kafka.bootstrap.servers");
    }
  }

  /**
   * {@code --since 2026-12-06} (a date, or a time without its zone) was refused with java.time's exception
   * ("cannot convert ... to class java.time.Instant (java.time.format.DateTimeParseException: ...)"): no example of
   * what is accepted. The message names the value and gives one.
   */
  @Test
  void aTimeWithoutItsZoneIsRefusedWithAnExampleOfWhatIsAccepted() {
    for (String value : List.of("2026-12-06", "2026-12-06T10:00:00", "yesterday")) {
      java.io.StringWriter err = new java.io.StringWriter();
      int status = redriveAgainstNothing(0, err).execute("--dry-run", "--since", value);
      assertThat(status).as(value).isEqualTo(2);
      assertThat(err.toString()).as(value).contains("'" + value + "' is not an instant")
          .contains("2026-12-06T10:00:00Z").doesNotContain("java.time");
    }
    // an offset is accepted (and the window it gives is not empty)
    assertThat(new CommandLine(new RedriveCommand()).parseArgs("--since", "2026-12-06T11:00:00+01:00")
        .matchedOptionValue("--since", (Instant) null)).isEqualTo(Instant.parse("2026-12-06T10:00:00Z"));
  }

  /**
   * A value with its date, time and zone is taken however ISO 8601 writes it: "2026-12-06T10:00Z" (no seconds) and
   * a zone name after the offset were refused with "give a date and a time with its zone", which they have.
   */
  @Test
  void aTimeWithItsZoneIsTakenWithoutSecondsOrWithAZoneName() {
    for (String value : List.of("2026-12-06T10:00Z", "2026-12-06T11:00+01:00", "2026-12-06T11:00:00+01:00[Europe/Paris]")) {
      assertThat(new CommandLine(new RedriveCommand()).parseArgs("--until", value)
          .matchedOptionValue("--until", (Instant) null)).as(value).isEqualTo(Instant.parse("2026-12-06T10:00:00Z"));
    }
  }

  /**
   * A local time with a zone name and no offset ("2026-12-06T11:00[Europe/Paris]") was refused as a time without its
   * zone. It is taken in that zone; a local time the zone skips or has twice (clock changes) is refused naming the
   * offsets to choose from, not moved to another time without a word.
   */
  @Test
  void aLocalTimeWithAZoneNameIsTakenInThatZoneUnlessTheClockChangeMakesItAmbiguous() {
    assertThat(new CommandLine(new RedriveCommand()).parseArgs("--since", "2026-12-06T11:00[Europe/Paris]")
        .matchedOptionValue("--since", (Instant) null)).isEqualTo(Instant.parse("2026-12-06T10:00:00Z"));
    assertThat(new CommandLine(new RedriveCommand()).parseArgs("--until", "2026-07-01T12:30:15[Europe/Paris]")
        .matchedOptionValue("--until", (Instant) null)).isEqualTo(Instant.parse("2026-07-01T10:30:15Z"));
    Map<String, List<String>> refused = Map.of(
        "2026-10-25T02:30[Europe/Paris]", List.of("happens twice in Europe/Paris", "2026-10-25T02:30+02:00[Europe/Paris]",
            "2026-10-25T02:30+01:00[Europe/Paris]"),
        "2026-03-29T02:30[Europe/Paris]", List.of("does not exist in Europe/Paris"),
        "2026-12-06T11:00[Europe/Pariss]", List.of("'2026-12-06T11:00[Europe/Pariss]' is not an instant"));
    refused.forEach((value, says) -> {
      java.io.StringWriter err = new java.io.StringWriter();
      assertThat(redriveAgainstNothing(0, err).execute("--dry-run", "--since", value)).as(value).isEqualTo(2);
      assertThat(err.toString()).as(value).contains(says).doesNotContain("java.time");
    });
  }

  /**
   * A local time read in the zone's rules was resolved leniently: 2026-02-30T11:00[Europe/Paris] became 28 February
   * and T24:00 the next midnight, where the same times with an offset are refused. An offset that is not the zone's
   * at that time (+02:00[Europe/Paris] in December) was taken as written, the zone ignored: a window one hour off from
   * the zone's local time, with no word of which was meant.
   */
  @Test
  void aDateThatDoesNotExistOrAnOffsetThatIsNotTheZonesIsRefused() {
    Map<String, List<String>> refused = Map.of(
        "2026-02-30T11:00[Europe/Paris]", List.of("'2026-02-30T11:00[Europe/Paris]' is not an instant"),
        "2026-12-06T24:00[Europe/Paris]", List.of("'2026-12-06T24:00[Europe/Paris]' is not an instant"),
        "2026-12-06T11:00+02:00[Europe/Paris]", List.of("+02:00 is not Europe/Paris's offset at 2026-12-06T11:00 (+01:00)",
            "2026-12-06T11:00+01:00[Europe/Paris]", "2026-12-06T11:00[Europe/Paris]"),
        "2026-12-06T10:00Z[Europe/Paris]", List.of("Z is not Europe/Paris's offset at 2026-12-06T10:00 (+01:00)"));
    refused.forEach((value, says) -> {
      java.io.StringWriter err = new java.io.StringWriter();
      assertThat(redriveAgainstNothing(0, err).execute("--dry-run", "--since", value)).as(value).isEqualTo(2);
      assertThat(err.toString()).as(value).contains(says).doesNotContain("java.time");
    });
    // the zone's own offset, either offset of a time the clocks have twice, and the offset a skipped time's
    // refusal suggests are taken as they are written
    Map<String, String> taken = Map.of(
        "2026-12-06T11:00+01:00[Europe/Paris]", "2026-12-06T10:00:00Z",
        "2026-10-25T02:30+02:00[Europe/Paris]", "2026-10-25T00:30:00Z",
        "2026-10-25T02:30+01:00[Europe/Paris]", "2026-10-25T01:30:00Z",
        "2026-03-29T02:30+01:00[Europe/Paris]", "2026-03-29T01:30:00Z",
        "2026-12-06T10:00Z[UTC]", "2026-12-06T10:00:00Z",
        "2026-12-06T13:00+03:00[Etc/GMT-3]", "2026-12-06T10:00:00Z",
        "2026-12-06T11:00[GMT+01:00]", "2026-12-06T10:00:00Z");
    taken.forEach((value, instant) -> assertThat(new CommandLine(new RedriveCommand()).parseArgs("--since", value)
        .matchedOptionValue("--since", (Instant) null)).as(value).isEqualTo(Instant.parse(instant)));
  }

  /**
   * "2026-12-06T10:00[GMT+1]" and "[europe/paris]" were refused with the generic "give a date and a time with its
   * zone", though both name a zone: java.time reads a GMT offset only as GMT+01:00, and zone ids only in their own
   * case. The refusal now says which, and gives the value as it would be taken.
   */
  @Test
  void aZoneWrittenInAnotherCaseOrAGmtOffsetWithoutItsMinutesIsRefusedNamingHowToWriteIt() {
    Map<String, List<String>> refused = Map.of(
        "2026-12-06T10:00[GMT+1]", List.of("GMT+1", "GMT+01:00", "2026-12-06T10:00[GMT+01:00]"),
        "2026-12-06T11:00[europe/paris]", List.of("case", "Europe/Paris", "2026-12-06T11:00[Europe/Paris]"),
        "2026-12-06T11:00+01:00[EUROPE/PARIS]", List.of("case", "2026-12-06T11:00+01:00[Europe/Paris]"));
    refused.forEach((value, says) -> {
      java.io.StringWriter err = new java.io.StringWriter();
      assertThat(redriveAgainstNothing(0, err).execute("--dry-run", "--since", value)).as(value).isEqualTo(2);
      assertThat(err.toString()).as(value).contains("'" + value + "'").contains(says).doesNotContain("java.time.");
    });
    // what the refusals suggest is taken
    for (String value : List.of("2026-12-06T11:00[GMT+01:00]", "2026-12-06T11:00[Europe/Paris]",
        "2026-12-06T11:00+01:00[Europe/Paris]")) {
      assertThat(new CommandLine(new RedriveCommand()).parseArgs("--since", value)
          .matchedOptionValue("--since", (Instant) null)).as(value).isEqualTo(Instant.parse("2026-12-06T10:00:00Z"));
    }
  }

  private static CommandLine redriveAgainstNothing(int port, java.io.StringWriter err) {
    RedriveCommand redrive = new RedriveCommand();
    redrive.metadataTimeout = java.time.Duration.ofSeconds(2);
    redrive.overrides = Map.of("kafka.bootstrap.servers", "127.0.0.1:" + port, "registry.url",
        "http://127.0.0.1:" + port);
    redrive.err = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
    return new CommandLine(redrive).setExecutionExceptionHandler(Main.errorHandler())
        .setErr(new java.io.PrintWriter(err, true));
  }

  @Test
  void aBrokerThatStopsAnsweringBeforeTheEndOffsetsIsNamedAndNothingIsSent() {
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
      @Override
      public synchronized Map<TopicPartition, Long> endOffsets(java.util.Collection<TopicPartition> partitions,
          java.time.Duration timeout) {
        throw new org.apache.kafka.common.errors.TimeoutException("Timeout of 60000ms expired before the offsets");
      }
    };
    MockProducer<byte[], byte[]> producer = producer();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RedriveCommand().copy(consumer, producer, List.of(tp),
            DEFAULTS, (topic, bytes) -> null, NO_FRAMES))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("kafka.bootstrap.servers")
        .hasMessageContaining("end offsets of dead-letters").hasMessageContaining("nothing was sent");
    assertThat(producer.history()).isEmpty();
  }

  /**
   * With what was sent remembered, a dead letter that could not be read because the registry did not answer must not
   * be passed over: a later run would take it as read, and as sent if its selection chose it. The run stops instead.
   */
  @Test
  void aRegistryThatDoesNotAnswerStopsTheRunInsteadOfSkippingTheDeadLetter() {
    TopicPartition tp = new TopicPartition("dead-letters", 0);
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    consumer.updateBeginningOffsets(Map.of(tp, 0L));
    consumer.updateEndOffsets(Map.of(tp, 1L));
    consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(tp.topic(), 0, 0L, "k".getBytes(),
        new byte[] {0, 0, 0, 0, 1})));
    Deserializer<DeadLetter> values = (topic, bytes) -> {
      throw new dev.advmon.registry.RegistryUnavailableException("http://registry:8080", 3, "connection refused", null);
    };
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RedriveCommand().copy(consumer, null, List.of(tp),
            DEFAULTS, values, NO_FRAMES))
        .hasMessageContaining("dead-letters-0@0").hasMessageContaining("run redrive again once the registry answers")
        // walked by hand: a dry run said "what this run committed before is remembered, the rest was not sent"
        .hasMessageContaining("a dry run sends nothing").hasMessageNotContaining("committed");
  }

  /**
   * What a stopped run's record says was said survives its encoding, and a record that says only "ended": false (the
   * version before "said") says nothing was.
   */
  @Test
  void aStoppedRunsRecordKeepsWhatTheEndedRunItTookInSaid() {
    RedriveMemory ended = RedriveMemory.NONE.with(new RedriveMemory.Run(0, 10, DEFAULTS), 0);
    RedriveMemory stopped = ended.with(new RedriveMemory.Run(0, 12, DEFAULTS, false), 0);
    assertThat(stopped.runs()).containsExactly(new RedriveMemory.Run(0, 12, DEFAULTS, 10L));
    assertThat(RedriveMemory.decode(stopped.encode())).isEqualTo(stopped);
    DeadLetter other = dl("SCORING_FAILED", "cam-1", "old-frames", null, true);
    assertThat(stopped.refused(9, other, 0, null)).as("said by the ended run").isTrue();
    assertThat(stopped.refused(10, other, 0, null)).as("read only by the stopped run").isFalse();
    assertThat(RedriveMemory.decode("{\"redrive\":1,\"runs\":[{\"from\":0,\"to\":12,\"frames\":\"frames\","
        + "\"reasons\":[\"SCORING_FAILED\"],\"ended\":false}]}").refused(9, other, 0, null)).isFalse();
  }

  /**
   * A wider run stopped by an error after reading past a narrower ended run's offsets keeps that run beside it: taken
   * in, its refusal was no longer said, and the next run refused it again (exit status 1 a second time).
   */
  @Test
  void aStoppedWiderRunKeepsTheNarrowerEndedRunsRefusalSaid() {
    Selection cam1 = new Selection(RedriveCommand.TRANSIENT, Set.of("cam-1"), null, null, "frames");
    RedriveMemory ended = RedriveMemory.NONE.with(new RedriveMemory.Run(0, 10, cam1), 0);
    RedriveMemory stopped = ended.with(new RedriveMemory.Run(0, 12, DEFAULTS, false), 0);
    DeadLetter other = dl("SCORING_FAILED", "cam-1", "old-frames", null, true);
    assertThat(stopped.refused(5, other, 0, null)).as("said by the --camera cam-1 run").isTrue();
    assertThat(stopped.with(new RedriveMemory.Run(0, 12, DEFAULTS), 0).runs()).as("an ended wider run takes it in")
        .containsExactly(new RedriveMemory.Run(0, 12, DEFAULTS));
  }

  /** A wider run's record takes in a narrower one's only when it chose all the narrower one chose, over its offsets. */
  @Test
  void aRememberedRunIsReplacedOnlyByOneThatChoseAllItChose() {
    Selection cam1 = new Selection(RedriveCommand.TRANSIENT, Set.of("cam-1"), null, null, "frames");
    Selection until = new Selection(RedriveCommand.TRANSIENT, Set.of(), null, Instant.ofEpochMilli(5), "frames");
    RedriveMemory m = RedriveMemory.NONE.with(new RedriveMemory.Run(0, 10, cam1), 0)
        .with(new RedriveMemory.Run(0, 10, until), 0);
    assertThat(m.runs()).hasSize(2);
    assertThat(RedriveMemory.decode(m.encode())).isEqualTo(m);
    DeadLetter cam2 = dl("SCORING_FAILED", "cam-2", "frames", null, true);
    assertThat(m.sent(3, cam2, 4, null)).as("chosen by the --until run").isTrue();
    assertThat(m.sent(3, cam2, 6, null)).as("chosen by neither").isFalse();
    assertThat(m.sent(10, dl("SCORING_FAILED", "cam-1", "frames", null, true), 0, null)).as("not read").isFalse();
    assertThat(m.with(new RedriveMemory.Run(0, 8, DEFAULTS), 0).runs()).as("fewer offsets: both kept").hasSize(3);
    assertThat(m.with(new RedriveMemory.Run(0, 12, DEFAULTS), 0).runs()).containsExactly(
        new RedriveMemory.Run(0, 12, DEFAULTS));
    assertThat(m.with(new RedriveMemory.Run(10, 12, cam1), 10).runs()).as("retention deleted offsets 0-9")
        .containsExactly(new RedriveMemory.Run(10, 12, cam1));
    assertThat(RedriveMemory.decode("")).isEqualTo(RedriveMemory.NONE);
    assertThat(m.with(new RedriveMemory.Run(5, 14, cam1), 0).runs()).as("the same selection over touching offsets: one run")
        .containsExactly(new RedriveMemory.Run(0, 10, until), new RedriveMemory.Run(0, 14, cam1));
  }

  /** A producer whose second transaction commit the broker refuses, as it does once a group ACL is revoked. */
  private static MockProducer<byte[], byte[]> refusingTheSecondCommit() {
    return new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
      private int commits;

      @Override
      public synchronized void commitTransaction() {
        if (++commits == 2) {
          throw new org.apache.kafka.common.errors.GroupAuthorizationException("Not authorized to access group");
        }
        super.commitTransaction();
      }
    };
  }

  /** What the last offsets commit of {@code producer} gave {@code tp}: the record the next run reads. */
  private static org.apache.kafka.clients.consumer.OffsetAndMetadata lastCommitted(MockProducer<byte[], byte[]> producer,
      TopicPartition tp) {
    var commits = producer.consumerGroupOffsetsHistory();
    return commits.get(commits.size() - 1).values().iterator().next().get(tp);
  }
}
