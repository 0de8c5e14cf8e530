package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Which captureTime values are read as milliseconds, and how the others are read (README, "What it does"). */
class CaptureTimeUnitsTest {

  private static CaptureTimeUnits.Read read(long written) {
    return CaptureTimeUnits.read(Instant.ofEpochMilli(written));
  }

  @Test
  void everyTimeOfTheYears0000To9999IsMilliseconds() {
    for (String kept : new String[] {"0000-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00Z",
        "2100-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z"}) {
      CaptureTimeUnits.Read r = CaptureTimeUnits.read(Instant.parse(kept));
      assertThat(r.time()).as(kept).isEqualTo(Instant.parse(kept));
      assertThat(r.note()).as(kept).isNull();
    }
  }

  @Test
  void justPastTheYear9999ItIsMicrosecondsAndBeforeTheYear0000Too() {
    long end = Instant.parse("+10000-01-01T00:00:00Z").toEpochMilli();
    assertThat(read(end).time()).isEqualTo(Instant.ofEpochMilli(end / 1_000));
    assertThat(read(end).note()).isEqualTo(end + " (read as microseconds: as milliseconds it is the year 10000)");
    long first = Instant.parse("0000-01-01T00:00:00Z").toEpochMilli();
    assertThat(read(first - 1).time()).as("truncated toward the past")
        .isEqualTo(Instant.ofEpochMilli(Math.floorDiv(first - 1, 1_000)));
    assertThat(read(first - 1).note()).contains("microseconds", "the year -1");
  }

  @Test
  void whatIsPastTheYear9999AsMicrosecondsTooIsNanoseconds() {
    long nanos = 1_764_000_000_123_456_789L;
    assertThat(read(nanos).time()).isEqualTo(Instant.ofEpochMilli(1_764_000_000_123L));
    assertThat(read(nanos).note()).startsWith(nanos + " (read as nanoseconds: as milliseconds it is the year ");
    assertThat(read(Long.MAX_VALUE).time()).isEqualTo(Instant.parse("2262-04-11T23:47:16.854Z"));
    assertThat(read(Long.MIN_VALUE).time()).isEqualTo(Instant.parse("1677-09-21T00:12:43.145Z"));
  }
}
