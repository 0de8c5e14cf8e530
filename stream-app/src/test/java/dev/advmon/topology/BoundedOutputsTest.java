package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** What a frame can make the monitor write is bounded, whatever the frame carries. */
class BoundedOutputsTest {

  @Test
  void attributesThatFitAVerdictAreCopiedAsTheyAre() {
    Map<String, String> small = Map.of("gps", "52.1,4.3", "exposure", "1/250");
    assertThat(VerdictMapper.boundedAttributes(small)).isSameAs(small);
  }

  @Test
  void tooManyOrTooLargeAttributesAreDroppedWholeAndCounted() {
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      many.put(String.format("a%03d", i), "v".repeat(200));
    }
    many.put("huge", "x".repeat(VerdictMapper.MAX_ATTRIBUTE_VALUE_CHARS + 1));
    Map<String, String> kept = VerdictMapper.boundedAttributes(many);
    int chars = kept.entrySet().stream().mapToInt(e -> e.getKey().length() + e.getValue().length()).sum();
    assertThat(kept.size()).isLessThanOrEqualTo(VerdictMapper.MAX_ATTRIBUTES);
    assertThat(chars).isLessThanOrEqualTo(VerdictMapper.MAX_ATTRIBUTES_CHARS + 64);
    assertThat(kept).doesNotContainKey("huge").containsKey("a000");
    int dropped = Integer.parseInt(kept.get(VerdictMapper.DROPPED_ATTRIBUTES));
    assertThat(dropped + kept.size() - 1).isEqualTo(many.size());
    assertThat(kept.values()).allSatisfy(v -> assertThat(v.length()).isLessThanOrEqualTo(VerdictMapper.MAX_ATTRIBUTE_VALUE_CHARS));
    assertThat(VerdictMapper.boundedAttributes(many)).as("the same ones on a replay").isEqualTo(kept);
  }

  @Test
  void theMonitorsOwnAttributeIsKeptWithinTheSameBounds() {
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      many.put(String.format("a%03d", i), "v".repeat(200));
    }
    many.put(VerdictMapper.CAPTURE_TIME_WRITTEN, "the producer's");
    Map<String, String> kept = VerdictMapper.boundedAttributes(many, VerdictMapper.CAPTURE_TIME_WRITTEN, "the monitor's");
    int chars = kept.entrySet().stream().mapToInt(e -> e.getKey().length() + e.getValue().length()).sum();
    assertThat(kept.size()).isLessThanOrEqualTo(VerdictMapper.MAX_ATTRIBUTES);
    assertThat(chars).isLessThanOrEqualTo(VerdictMapper.MAX_ATTRIBUTES_CHARS + 64);
    assertThat(kept).containsEntry(VerdictMapper.CAPTURE_TIME_WRITTEN, "the monitor's").containsKey("a000");
    // the frame's own entry of that name is one of the dropped: the monitor's prefix is its own
    assertThat(Integer.parseInt(kept.get(VerdictMapper.DROPPED_ATTRIBUTES)) + kept.size() - 2).isEqualTo(301);
    assertThat(VerdictMapper.boundedAttributes(null, "k", "v")).isEqualTo(Map.of("k", "v"));
  }

  @Test
  void aFramesOwnAttributesUnderTheMonitorsPrefixAreDroppedAndCountedSoThatAConsumerCanTrustThem() {
    Map<String, String> forged = Map.of("gps", "52.1,4.3", VerdictMapper.CAPTURE_TIME_WRITTEN, "forged",
        VerdictMapper.DROPPED_ATTRIBUTES, "0", "advmon.anything", "x");
    assertThat(VerdictMapper.boundedAttributes(forged)).isEqualTo(Map.of("gps", "52.1,4.3",
        VerdictMapper.DROPPED_ATTRIBUTES, "3"));
    assertThat(VerdictMapper.boundedAttributes(forged, VerdictMapper.CAPTURE_TIME_WRITTEN, "the monitor's"))
        .isEqualTo(Map.of("gps", "52.1,4.3", VerdictMapper.CAPTURE_TIME_WRITTEN, "the monitor's",
            VerdictMapper.DROPPED_ATTRIBUTES, "3"));
    Map<String, String> lookalike = Map.of("advmonitor", "kept", "ADVMON.x", "kept too");
    assertThat(VerdictMapper.boundedAttributes(lookalike)).as("only the exact prefix").isSameAs(lookalike);
  }

  @Test
  void aDeadLetterKeepsAtMostTheLargestFrameAndSaysHowLargeTheRecordWas() {
    RecordLimits limits = new RecordLimits(1_000);
    byte[] value = new byte[(int) limits.maxFrameRecordBytes() + 10];
    byte[] key = new byte[RecordLimits.MAX_KEY_BYTES * 2];
    var letter = DeadLetters.of("frames", 0, 5, key, value, "RECORD_TOO_LARGE", new RuntimeException("x".repeat(10_000)),
        null, null, 0, limits);
    assertThat(letter.getValue().remaining()).isEqualTo((int) limits.maxFrameRecordBytes());
    assertThat(letter.getValueSize()).isEqualTo(value.length);
    assertThat(letter.getKey().remaining()).isEqualTo(RecordLimits.MAX_KEY_BYTES);
    assertThat(letter.getErrorMessage().length()).isLessThan(RecordLimits.MAX_MESSAGE_CHARS + 50);

    var whole = DeadLetters.of("frames", 0, 5, null, new byte[100], "BAD_AVRO", new RuntimeException("m"), null, null,
        0, limits);
    assertThat(whole.getValue().remaining()).isEqualTo(100);
    assertThat(whole.getValueSize()).as("only set when the value was cut").isNull();
  }

  @Test
  void theDeadLetterTopicAcceptsTheLargestDeadLetterAndTheDefaultFrameFitsIt() {
    RecordLimits limits = new RecordLimits(8 * 1024 * 1024);
    assertThat(limits.maxMessageBytes()).isGreaterThan(limits.maxDeadLetterBytes())
        .isGreaterThan(limits.maxFrameRecordBytes()).isGreaterThan(8L * 1024 * 1024);
    assertThat(limits.maxFrameMessageBytes()).isLessThan(limits.maxMessageBytes());
  }

  @Test
  void aRecordWithoutAValidTimestampGetsThePartitionTimeOrTheClock() {
    FrameTimestampExtractor extractor = new FrameTimestampExtractor();
    ConsumerRecord<Object, Object> stamped = new ConsumerRecord<>("frames", 0, 0, 1_234L,
        org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0, 0, null, null, new org.apache.kafka.common.header.internals.RecordHeaders(),
        java.util.Optional.empty());
    ConsumerRecord<Object, Object> unstamped = new ConsumerRecord<>("frames", 0, 1, -1L,
        org.apache.kafka.common.record.TimestampType.NO_TIMESTAMP_TYPE, 0, 0, null, null,
        new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
    assertThat(extractor.extract(stamped, 99L)).isEqualTo(1_234L);
    assertThat(extractor.extract(unstamped, 99L)).isEqualTo(99L);
    long before = System.currentTimeMillis();
    assertThat(extractor.extract(unstamped, -1L)).isGreaterThanOrEqualTo(before);
  }

  @Test
  void aRecordStampedFarAheadOfTheClockGetsTheClocksTimeSoThatItsOutputsAreNotRefused() {
    long now = 1_800_000_000_000L;
    FrameTimestampExtractor extractor = new FrameTimestampExtractor(() -> now);
    java.util.function.LongFunction<ConsumerRecord<Object, Object>> stamped = t -> new ConsumerRecord<>("frames", 0, 0,
        t, org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0, 0, null, null,
        new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
    long ahead = FrameTimestampExtractor.MAX_AHEAD_MS;
    assertThat(extractor.extract(stamped.apply(now + ahead), 0L)).as("a clock a little ahead: kept").isEqualTo(now + ahead);
    assertThat(extractor.extract(stamped.apply(now - 86_400_000L), 0L)).as("the past: kept").isEqualTo(now - 86_400_000L);
    // past what a Kafka 4 broker takes on the monitor's topics by default (an hour ahead of its clock)
    assertThat(extractor.extract(stamped.apply(now + ahead + 1), 0L)).isEqualTo(now);
    assertThat(extractor.extract(stamped.apply(Long.MAX_VALUE), 0L)).isEqualTo(now);
  }

  @Test
  void aRecordOlderThanTheOutputTopicsAcceptGetsTheClocksTimeOnlyWhereTheyHaveALimit() {
    long now = 1_800_000_000_000L;
    long day = 86_400_000L;
    java.util.function.LongFunction<ConsumerRecord<Object, Object>> stamped = t -> new ConsumerRecord<>("frames", 0, 0,
        t, org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0, 0, null, null,
        new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
    FrameTimestampExtractor unlimited = new FrameTimestampExtractor(() -> now);
    unlimited.configure(java.util.Map.of(FrameTimestampExtractor.MAX_AGE_MS, Long.toString(Long.MAX_VALUE)));
    assertThat(unlimited.extract(stamped.apply(0L), 0L)).as("no limit: even 1970 is kept").isZero();

    FrameTimestampExtractor dayLimit = new FrameTimestampExtractor(() -> now);
    dayLimit.configure(java.util.Map.of(FrameTimestampExtractor.MAX_AGE_MS, Long.toString(day)));
    long kept = day - FrameTimestampExtractor.AGE_MARGIN_MS;
    assertThat(dayLimit.extract(stamped.apply(now - kept), 0L)).as("inside the limit less the margin").isEqualTo(now - kept);
    assertThat(dayLimit.extract(stamped.apply(now - kept - 1), 0L)).as("within the margin of the limit").isEqualTo(now);
    assertThat(dayLimit.extract(stamped.apply(now - 2 * day), 0L)).isEqualTo(now);
    assertThat(dayLimit.extract(stamped.apply(1L), 0L)).isEqualTo(now);
    // a limit shorter than twice the margin keeps half of it
    assertThat(FrameTimestampExtractor.keptAgeMs(60_000L)).isEqualTo(30_000L);
  }

  @Test
  void aRecordFurtherAheadThanTheOutputTopicsAcceptGetsTheClocksTimeWithinTheFiveMinutes() {
    long now = 1_800_000_000_000L;
    java.util.function.LongFunction<ConsumerRecord<Object, Object>> stamped = t -> new ConsumerRecord<>("frames", 0, 0,
        t, org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0, 0, null, null,
        new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
    // 5 minutes under Kafka 4's default hour; an output limit shorter than that keeps less
    long ahead = 4 * 60_000L;
    FrameTimestampExtractor unlimited = new FrameTimestampExtractor(() -> now);
    unlimited.configure(java.util.Map.of());
    assertThat(unlimited.extract(stamped.apply(now + ahead), 0L)).as("inside the 5 minutes").isEqualTo(now + ahead);
    FrameTimestampExtractor hourAhead = new FrameTimestampExtractor(() -> now);
    hourAhead.configure(java.util.Map.of(FrameTimestampExtractor.MAX_AHEAD_LIMIT_MS, "3600000"));
    assertThat(hourAhead.extract(stamped.apply(now + ahead), 0L)).isEqualTo(now + ahead);
    assertThat(hourAhead.extract(stamped.apply(now + FrameTimestampExtractor.MAX_AHEAD_MS + 1), 0L))
        .as("the 5 minutes stay the bound").isEqualTo(now);
    FrameTimestampExtractor minuteAhead = new FrameTimestampExtractor(() -> now);
    minuteAhead.configure(java.util.Map.of(FrameTimestampExtractor.MAX_AHEAD_LIMIT_MS, "60000"));
    assertThat(minuteAhead.extract(stamped.apply(now + ahead), 0L)).as("outside a minute's limit").isEqualTo(now);
    assertThat(minuteAhead.extract(stamped.apply(now + 30_000L), 0L)).as("within half of it").isEqualTo(now + 30_000L);
    assertThat(minuteAhead.extract(stamped.apply(now + 30_001L), 0L)).isEqualTo(now);
    // campaign flags and alerts, which this extractor does not read, by the same rule
    assertThat(minuteAhead.accepted(now + ahead)).isEqualTo(now);
  }
}
