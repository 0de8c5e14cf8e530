package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.schema.FrameVerdict;
import java.time.Instant;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class CollectorTest {

  @Test
  void verdictLatencyRunsFromTheCaptureTimeItCarries() {
    FrameVerdict v = new FrameVerdict();
    v.setCaptureTime(Instant.ofEpochMilli(1_000_000));
    assertThat(Collector.latencyMs(v, 1_000_250)).isEqualTo(250);
  }

  @Test
  void aDeadLetterStampedByTheBrokerHasNoLatency() {
    assertThat(Collector.deadLetterLatencyMs(TimestampType.CREATE_TIME, 1_000_000, 1_000_040)).isEqualTo(40);
    assertThat(Collector.deadLetterLatencyMs(TimestampType.LOG_APPEND_TIME, 1_000_030, 1_000_040)).isEqualTo(-1);
    assertThat(Collector.deadLetterLatencyMs(TimestampType.NO_TIMESTAMP_TYPE, -1, 1_000_040)).isEqualTo(-1);
  }

  @Test
  void aFrameWhoseSendFailedIsASendFailureNotAMissingFrame() {
    java.util.BitSet seen = new java.util.BitSet();
    seen.set(0);
    seen.set(1);
    seen.set(3);
    java.util.BitSet notSent = new java.util.BitSet();
    notSent.set(2); // the producer reported it failed: it never reached the frames topic
    notSent.set(9); // outside the range asked about
    assertThat(Collector.missing(seen, notSent, 0, 5)).as("only frame 4 is missing").isEqualTo(1);
    assertThat(Collector.missing(seen, new java.util.BitSet(), 0, 5)).isEqualTo(2);
    assertThat(Collector.missing(seen, notSent, 1, 4)).isZero();
    assertThat(Collector.missing(seen, notSent, 5, 5)).isZero();
  }
}
