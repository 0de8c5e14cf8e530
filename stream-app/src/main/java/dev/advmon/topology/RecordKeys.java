package dev.advmon.topology;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Whether a camera's frames come from one frames partition, as producers that key them by {@code cameraId} (README,
 * What it does, "Writing frames (a camera's producer)") make them: a camera's frames read from several partitions
 * reach its campaign window in no fixed order. What puts them there is a record key that is not stable per camera (no
 * key, or the frame id), a producer that picks partitions itself, or partitions added to the topic; a key that is
 * stable per camera but not its id (a site, a gateway) keeps them on one partition and is harmless, so the key itself
 * is not judged: the partition is. A frame whose partition differs from its camera's previous one is still scored
 * (its verdict is as good), and its verdict says so, as a captureTime read in another unit does
 * ({@link CaptureTimeUnits}).
 *
 * <p>One per topology, shared by its tasks and stream threads (a camera's frames on two partitions are in two tasks):
 * the last partition of at most {@value #MAX_CAMERAS} cameras, the least recently seen forgotten first (a forgotten
 * camera is only judged again from its next frame: never a false report). Frames sent back by {@code redrive} are
 * neither judged nor remembered: they are late by nature. The warning in the log is limited to one line a minute,
 * not one per frame: such a producer writes every frame so.
 */
final class RecordKeys {

  /** The longest key quoted in a verdict or a log line: a key is not bounded, and a verdict's attributes are. */
  static final int QUOTED_KEY_CHARS = 100;
  /** At most one warning line in this time; the counter counts every frame meanwhile. */
  static final long WARNING_INTERVAL_MS = 60_000;
  /** Cameras whose last partition is remembered: about 6 MB at the longest camera ids. */
  static final int MAX_CAMERAS = 10_000;

  private final AtomicLong nextWarningMs = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong unwarned = new AtomicLong();
  /** camera id -> its last frame's partition, in access order; guarded by itself. */
  private final Map<String, Integer> lastPartition = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
      return size() > MAX_CAMERAS;
    }
  };

  /**
   * What a verdict says of frame {@code f} when its camera's previous frame came from another partition of the frames
   * topic: the two partitions and the record key (quoted, cut to {@value #QUOTED_KEY_CHARS} characters, or that there
   * was none, or that it was the camera id: then the topic grew or the producer ignores keys); null when the camera
   * is on the partition it was, or is new here.
   */
  String partitionChanged(DecodedFrame f) {
    if (f.redriven()) {
      return null;
    }
    String camera = f.frame().getCameraId();
    Integer before;
    synchronized (lastPartition) {
      before = lastPartition.put(camera, f.partition());
    }
    if (before == null || before == f.partition()) {
      return null;
    }
    return "partition " + f.partition() + " after partition " + before + " of " + f.topic() + "; "
        + key(f.originalKey(), camera);
  }

  private static String key(byte[] key, String camera) {
    if (key == null) {
      return "no record key";
    }
    if (Arrays.equals(key, camera.getBytes(StandardCharsets.UTF_8))) {
      // keyed as asked and moved all the same: the topic grew, or the producer does not partition by key
      return "record key = cameraId (were partitions added, or does the producer pick partitions itself: "
          + "partitioner.ignore.keys, a custom partitioner, an explicit partition?)";
    }
    return "record key \"" + DeadLetters.bounded(new String(key, StandardCharsets.UTF_8), QUOTED_KEY_CHARS) + "\"";
  }

  /**
   * Logs that {@code camera}'s frame at {@code where} came from another partition than its previous one
   * ({@code change}), unless a line was logged less than {@value #WARNING_INTERVAL_MS} ms before {@code nowMs}; then
   * it is only counted, and the next line says how many.
   */
  void warn(Logger log, String camera, String change, String where, long nowMs) {
    long next = nextWarningMs.get();
    if (nowMs < next || !nextWarningMs.compareAndSet(next, nowMs + WARNING_INTERVAL_MS)) {
      unwarned.incrementAndGet();
      return;
    }
    long before = unwarned.getAndSet(0);
    log.warn("frame record {} of camera {} came from {}: it is scored, but a camera's frames read from several "
        + "partitions reach its campaign window in no fixed order; key them by a value that is the same for every "
        + "frame of a camera, its cameraId, and let the producer partition by that key ("
        + dev.advmon.model.ModelDocs.projectReadme("What it does") + ", \"Writing frames (a camera's producer)\"). "
        + "advmon_camera_partition_changes_total counts them, the verdicts' attribute {} names the partitions and the "
        + "key; at most one such line a minute{}", where, LogText.of(DeadLetters.bounded(camera, QUOTED_KEY_CHARS)),
        LogText.of(change), VerdictMapper.PARTITION_CHANGED,
        before == 0 ? "" : " (" + before + " more such frames since the last line)");
  }

  /**
   * Logs the frames counted since the last line, if any: they reached the log only with the next line, so an
   * instance that stopped within the minute lost them from it (the counter kept them). Called as each task's verdict
   * writer closes (this object is the topology's, which has no close of its own): the first logs them, the others find
   * none unless frames came in between.
   */
  void warnUnlogged(Logger log) {
    long left = unwarned.getAndSet(0);
    if (left > 0) {
      log.warn("{} more frames came from another partition than their camera's previous one since the last such line "
          + "(logged as a task closes, before the minute is up); advmon_camera_partition_changes_total counts them, "
          + "the verdicts' attribute {} names the partitions and the key", left, VerdictMapper.PARTITION_CHANGED);
    }
  }
}
