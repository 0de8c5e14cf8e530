package dev.advmon.topology;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * A frame's {@code captureTime} in the epoch milliseconds Frame asks for, where a producer wrote another unit as a
 * plain {@code long} (or declared {@code timestamp-millis}, the generated classes' type, and wrote micros): read as
 * milliseconds, microseconds of any time since 1978 and nanoseconds of any time since 1970 are past the year 9999,
 * which no camera's clock can say. A value outside the years 0000-9999 as milliseconds is therefore read as
 * microseconds, or as nanoseconds when it is outside them as microseconds too (every long is inside them as
 * nanoseconds: 1677-2262); for a time since 1978 the unit is therefore not a guess (nanoseconds of 1970-1977, from a
 * clock that started at 0, are inside those years as microseconds: the one overlap, read as microseconds). The verdict
 * says so in its attributes. Corrected rather than dead-lettered: no detection or campaign window reads {@code captureTime} (the
 * record's timestamp drives them), so refusing the frame would leave every frame of such a producer unscored for a
 * field that is only carried through. A value inside those years is kept as written, however odd (0 from a camera
 * without a clock, 2100): any of them can be milliseconds, and only the producer knows which is wrong.
 */
final class CaptureTimeUnits {

  private CaptureTimeUnits() {}

  private static final long FIRST_MS = LocalDate.of(0, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
  private static final long END_MS = LocalDate.of(10_000, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();

  /** The time the verdict carries, and what was read in another unit ({@code note}), or null when read as written. */
  record Read(Instant time, String note) {}

  static Read read(Instant written) {
    long ms = written.toEpochMilli();
    if (plausible(ms)) {
      return new Read(written, null);
    }
    long micros = Math.floorDiv(ms, 1_000); // truncated toward the past, as a declared timestamp-micros is
    boolean asMicros = plausible(micros);
    long time = asMicros ? micros : Math.floorDiv(ms, 1_000_000);
    return new Read(Instant.ofEpochMilli(time), ms + " (read as " + (asMicros ? "microseconds" : "nanoseconds")
        + ": as milliseconds it is the year " + written.atOffset(ZoneOffset.UTC).getYear() + ")");
  }

  private static boolean plausible(long ms) {
    return ms >= FIRST_MS && ms < END_MS;
  }
}
