package dev.advmon.topology;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Whether a frame record was keyed by its {@code cameraId}, as producers are asked to (README, What it does,
 * "Writing frames (a camera's producer)"): keyed otherwise, or not at all, a camera's frames may be spread over the frames partitions and
 * scored out of order, which nothing else shows. Such a frame is still scored (its verdict is as good; only the order
 * among its camera's frames is at risk), and its verdict says so, as a captureTime read in another unit does
 * ({@link CaptureTimeUnits}). The warning in the log is limited to one line a minute per monitor, not one per frame or
 * per camera: a misconfigured producer keys every frame so, and a fleet of cameras would fill a per-camera memory.
 */
final class RecordKeys {

  /** The longest key quoted in a verdict or a log line: a key is not bounded, and a verdict's attributes are. */
  static final int QUOTED_KEY_CHARS = 100;
  /** At most one warning line in this time; the counter counts every frame meanwhile. */
  static final long WARNING_INTERVAL_MS = 60_000;

  private final AtomicLong nextWarningMs = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong unwarned = new AtomicLong();

  /**
   * What a verdict says of a record {@code key} that is not {@code cameraId} in UTF-8: the key as written (quoted, cut
   * to {@value #QUOTED_KEY_CHARS} characters, bytes that are not UTF-8 replaced), or that there was none; null when the
   * key is the camera id.
   */
  static String mismatch(byte[] key, String cameraId) {
    if (key == null) {
      return "no key (not the cameraId)";
    }
    if (cameraId != null && Arrays.equals(key, cameraId.getBytes(StandardCharsets.UTF_8))) {
      return null;
    }
    return "\"" + DeadLetters.bounded(new String(key, StandardCharsets.UTF_8), QUOTED_KEY_CHARS) + "\" (not the cameraId)";
  }

  /**
   * Logs that {@code camera}'s frame had the key described by {@code mismatch}, unless a line was logged less than
   * {@value #WARNING_INTERVAL_MS} ms before {@code nowMs}; then it is only counted, and the next line says how many.
   */
  void warn(Logger log, String camera, String mismatch, String where, long nowMs) {
    long next = nextWarningMs.get();
    if (nowMs < next || !nextWarningMs.compareAndSet(next, nowMs + WARNING_INTERVAL_MS)) {
      unwarned.incrementAndGet();
      return;
    }
    long before = unwarned.getAndSet(0);
    log.warn("frame record {} of camera {} has the key {}: it is scored, but a camera's frames keyed otherwise than by "
        + "their cameraId (UTF-8, Kafka's StringSerializer) may be spread over partitions and scored out of order; "
        + "key them by cameraId in the camera's producer (README, What it does, \"Writing frames (a camera's producer)\"). "
        + "advmon_record_key_not_camera_total counts them, the verdicts' attribute {} names the key; at most one "
        + "such line a minute{}", where, LogText.of(DeadLetters.bounded(camera, QUOTED_KEY_CHARS)), LogText.of(mismatch),
        VerdictMapper.RECORD_KEY_WRITTEN, before == 0 ? "" : " (" + before + " more such frames since the last line)");
  }
}
