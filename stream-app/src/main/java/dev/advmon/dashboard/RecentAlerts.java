package dev.advmon.dashboard;

import dev.advmon.image.ImageLimits;
import dev.advmon.schema.Alert;
import dev.advmon.schema.Frame;
import dev.advmon.topology.AlertListener;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's memory: the latest alerts with a picture of their frame, and alerts per time bucket.
 *
 * <p>Fed by the topology ({@link AlertListener}) rather than by a consumer of the alerts topic: only the
 * topology still has the frame, and no second consumer, group or deserializer is needed. The price: like
 * {@code /cameras}, each monitor instance shows the alerts of its own partitions, and an alert can appear
 * here moments before its transaction commits. Replays after a task restart are dropped by alert id.
 *
 * <p>Bounded: {@code capacity} alerts, each picture at most {@code maxSide} pixels a side. Thread-safe.
 */
public final class RecentAlerts implements AlertListener {

  private static final Logger log = LoggerFactory.getLogger(RecentAlerts.class);

  public static final int DEFAULT_CAPACITY = 50;
  public static final int DEFAULT_MAX_SIDE = 320;
  public static final long BUCKET_MS = 10_000;
  public static final int BUCKETS = 60;

  /** One kept alert. {@code picture} is null for camera-level alerts; {@code overlayProblem} names a bad overlay. */
  public record Entry(long seq, long receivedAt, Alert alert, FramePicture picture, EvidenceOverlay overlay,
      String overlayProblem) {}

  /** Alerts per {@code bucketMs}, oldest first; the last bucket holds {@code end}. */
  public record Timeline(long bucketMs, long firstBucketStart, long[] counts) {}

  private final int capacity;
  private final ImageLimits limits;
  private final int maxSide;
  private final LongSupplier clock;
  private final Deque<Entry> entries = new ArrayDeque<>();
  private final Set<String> ids = new HashSet<>();
  private final long[] bucketIds = new long[BUCKETS];
  private final long[] bucketCounts = new long[BUCKETS];
  private long nextSeq = 1;

  public RecentAlerts(ImageLimits limits) {
    this(DEFAULT_CAPACITY, limits, DEFAULT_MAX_SIDE, System::currentTimeMillis);
  }

  public RecentAlerts(int capacity, ImageLimits limits, int maxSide, LongSupplier clock) {
    if (capacity < 1 || maxSide < 1) {
      throw new IllegalArgumentException("capacity and maxSide must be positive");
    }
    this.capacity = capacity;
    this.limits = limits;
    this.maxSide = maxSide;
    this.clock = clock;
    java.util.Arrays.fill(bucketIds, -1);
  }

  public int capacity() {
    return capacity;
  }

  @Override
  public void onAlert(Alert alert, Frame frame) {
    synchronized (this) {
      if (ids.contains(alert.getAlertId())) {
        return; // the same alert again, after a task restart
      }
    }
    // Decoding happens outside the lock, so that HTTP reads never wait for it.
    FramePicture picture = null;
    try {
      picture = frame != null ? FramePicture.of(frame, limits, maxSide)
          : alert.getEvidenceImage() != null
              ? FramePicture.of(FramePicture.bytes(alert.getEvidenceImage()), null, null, null, limits, maxSide)
              : null;
    } catch (RuntimeException e) {
      log.debug("no picture for alert {}: {}", alert.getAlertId(), e.toString()); // the alert is kept without one
    }
    EvidenceOverlay overlay = null;
    String problem = null;
    try {
      overlay = EvidenceOverlay.from(alert.getEvidence());
    } catch (IllegalArgumentException e) {
      problem = e.getMessage();
    }
    long now = clock.getAsLong();
    synchronized (this) {
      if (!ids.add(alert.getAlertId())) {
        return;
      }
      entries.addFirst(new Entry(nextSeq++, now, alert, picture, overlay, problem));
      if (entries.size() > capacity) {
        ids.remove(entries.removeLast().alert().getAlertId());
      }
      long bucket = now / BUCKET_MS;
      int slot = (int) (bucket % BUCKETS);
      if (bucketIds[slot] != bucket) {
        bucketIds[slot] = bucket;
        bucketCounts[slot] = 0;
      }
      bucketCounts[slot]++;
    }
  }

  /** The kept alerts, newest first. */
  public synchronized List<Entry> latest() {
    return new ArrayList<>(entries);
  }

  public synchronized Optional<Entry> bySeq(long seq) {
    return entries.stream().filter(e -> e.seq() == seq).findFirst();
  }

  /** Alerts per bucket over the last {@code BUCKETS * BUCKET_MS} (10 minutes), the current bucket last. */
  public synchronized Timeline timeline() {
    long current = clock.getAsLong() / BUCKET_MS;
    long[] counts = new long[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) {
      long bucket = current - (BUCKETS - 1) + i;
      int slot = (int) Math.floorMod(bucket, (long) BUCKETS);
      counts[i] = bucketIds[slot] == bucket ? bucketCounts[slot] : 0;
    }
    return new Timeline(BUCKET_MS, (current - (BUCKETS - 1)) * BUCKET_MS, counts);
  }
}
