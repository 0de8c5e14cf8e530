package dev.advmon.dashboard;

import dev.advmon.image.EvidenceOverlay;
import dev.advmon.image.ImageLimits;
import dev.advmon.schema.Alert;
import dev.advmon.schema.Frame;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.LogText;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>Out of the data path: {@link #onAlert} runs on a stream thread, so it only hands the alert and its frame to
 * a thread of its own, which decodes and shrinks the picture and then adds the alert (an alert shows up on the
 * dashboard a moment after its verdict is written). While more than {@link #MAX_PENDING_BYTES} of frames wait
 * for that thread, further alerts are kept without a picture rather than held.
 *
 * <p>Bounded: {@code capacity} alerts, each picture at most {@code maxSide} pixels a side. Thread-safe.
 */
public final class RecentAlerts implements AlertListener, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RecentAlerts.class);

  public static final int DEFAULT_CAPACITY = 50;
  public static final int DEFAULT_MAX_SIDE = 320;
  public static final long BUCKET_MS = 10_000;
  public static final int BUCKETS = 60;
  /** Most encoded frame bytes waiting for the picture thread. */
  public static final long MAX_PENDING_BYTES = 64L << 20;

  /** One kept alert. {@code picture} is null for camera-level alerts; {@code overlayProblem} names a bad overlay. */
  public record Entry(long seq, long receivedAt, Alert alert, FramePicture picture, EvidenceOverlay overlay,
      String overlayProblem) {}

  /** Alerts per {@code bucketMs}, oldest first; the last bucket holds {@code end}. */
  public record Timeline(long bucketMs, long firstBucketStart, long[] counts) {}

  private final int capacity;
  private final ImageLimits limits;
  private final int maxSide;
  private final LongSupplier clock;
  private final Executor renderer;
  private final ExecutorService ownRenderer;
  private final AtomicLong pendingBytes = new AtomicLong();
  private final long maxPendingBytes;
  private final Deque<Entry> entries = new ArrayDeque<>();
  private final Set<String> ids = new HashSet<>();
  private final long[] bucketIds = new long[BUCKETS];
  private final long[] bucketCounts = new long[BUCKETS];
  private long nextSeq;

  /** The monitor's: pictures are made on a daemon thread of this object's own (stopped by {@link #close()}). */
  public RecentAlerts(ImageLimits limits) {
    this(DEFAULT_CAPACITY, limits, DEFAULT_MAX_SIDE, System::currentTimeMillis, null);
  }

  /** Pictures made on the calling thread: for tests of what is kept. */
  public RecentAlerts(int capacity, ImageLimits limits, int maxSide, LongSupplier clock) {
    this(capacity, limits, maxSide, clock, Runnable::run);
  }

  /** @param renderer where pictures are made; null = a daemon thread of this object's own */
  public RecentAlerts(int capacity, ImageLimits limits, int maxSide, LongSupplier clock, Executor renderer) {
    this(capacity, limits, maxSide, clock, renderer, MAX_PENDING_BYTES);
  }

  RecentAlerts(int capacity, ImageLimits limits, int maxSide, LongSupplier clock, Executor renderer,
      long maxPendingBytes) {
    if (capacity < 1 || maxSide < 1) {
      throw new IllegalArgumentException("capacity and maxSide must be positive");
    }
    this.capacity = capacity;
    this.limits = limits;
    this.maxSide = maxSide;
    this.clock = clock;
    this.maxPendingBytes = maxPendingBytes;
    this.ownRenderer = renderer == null ? Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "advmon-dashboard-pictures");
      t.setDaemon(true);
      return t;
    }) : null;
    this.renderer = renderer == null ? ownRenderer : renderer;
    java.util.Arrays.fill(bucketIds, -1);
    // Numbered from the start time (ms x 1000), not from 1: a restarted monitor (or peer) would otherwise give its
    // first alert the number of the old process's first, and an open page would keep the old card, and the browser
    // its cached picture, for another camera's alert. A later process starts above every number an earlier one can
    // have reached (it would need 1,000 alerts per millisecond of its life); still exact in JavaScript (< 2^53).
    this.nextSeq = clock.getAsLong() * 1000 + 1;
  }

  public int capacity() {
    return capacity;
  }

  /** Called on a stream thread: no decoding here, only a hand-over to the picture thread. */
  @Override
  public void onAlert(Alert alert, Frame frame) {
    synchronized (this) {
      if (ids.contains(key(alert))) {
        return; // the same alert again, after a task restart
      }
    }
    long receivedAt = clock.getAsLong();
    long bytes = frame != null ? frame.getImage().remaining()
        : alert.getEvidenceImage() != null ? alert.getEvidenceImage().remaining() : 0;
    Frame kept = frame;
    if (pendingBytes.addAndGet(bytes) > maxPendingBytes && bytes > 0) {
      log.debug("alert {} kept without a picture: {} bytes of frames already wait for the picture thread",
          LogText.of(alert.getAlertId()), pendingBytes.get() - bytes);
      pendingBytes.addAndGet(-bytes);
      bytes = 0;
      kept = null;
    }
    Frame frameToDraw = kept;
    long held = bytes;
    boolean drawEvidence = bytes > 0 && frame == null;
    // An alert's own picture (alerts.evidence-image, up to 768 KiB) is handed over only to be drawn, and then counted
    // above; otherwise (the page's picture made from the frame, or none) it is left behind here, or the alert waiting
    // for the picture thread would hold it outside the pending bound, which counts frames.
    Alert handed = drawEvidence || alert.getEvidenceImage() == null ? alert : withoutPicture(alert);
    try {
      renderer.execute(() -> {
        try {
          keep(handed, frameToDraw, drawEvidence, receivedAt);
        } finally {
          pendingBytes.addAndGet(-held);
        }
      });
    } catch (RejectedExecutionException e) { // closed: the monitor is stopping
      pendingBytes.addAndGet(-held);
    }
  }

  /** Makes the picture (on the picture thread) and keeps the alert. */
  private void keep(Alert alert, Frame frame, boolean drawEvidence, long receivedAt) {
    FramePicture picture = null;
    try {
      picture = frame != null ? FramePicture.of(frame, limits, maxSide)
          : drawEvidence ? FramePicture.of(FramePicture.bytes(alert.getEvidenceImage()), null, null, null, limits, maxSide)
              : null;
    } catch (RuntimeException e) {
      log.debug("no picture for alert {}: {}", LogText.of(alert.getAlertId()), e.toString()); // kept without one
    }
    EvidenceOverlay overlay = null;
    String problem = null;
    try {
      overlay = EvidenceOverlay.from(alert.getEvidence());
    } catch (IllegalArgumentException e) {
      problem = e.getMessage();
    }
    // The page shows `picture` (made above, at most maxSide a side): an alert's own picture (alerts.evidence-image,
    // up to 768 KiB) kept with it would only hold memory, capacity times over. A copy: the stream thread's alert may
    // still be on its way to the alerts topic.
    Alert kept = alert.getEvidenceImage() == null ? alert : withoutPicture(alert);
    synchronized (this) {
      if (!ids.add(key(kept))) {
        return;
      }
      entries.addFirst(new Entry(nextSeq++, receivedAt, kept, picture, overlay, problem));
      if (entries.size() > capacity) {
        ids.remove(key(entries.removeLast().alert()));
      }
      long bucket = receivedAt / BUCKET_MS;
      int slot = (int) (bucket % BUCKETS);
      if (bucketIds[slot] != bucket) {
        bucketIds[slot] = bucket;
        bucketCounts[slot] = 0;
      }
      bucketCounts[slot]++;
    }
  }

  private static final int PICTURE_FIELD = Alert.getClassSchema().getField("evidenceImage").pos();

  /**
   * {@code alert} without its picture, sharing its other fields (nothing changes an alert once it is handed to
   * listeners). Not {@code Alert.newBuilder(alert)}: that copies the picture, and Avro's copy of a ByteBuffer moves the
   * buffer's position while it reads it, which on the picture thread could meet the stream thread's serializer writing
   * that same buffer to the alerts topic.
   */
  static Alert withoutPicture(Alert alert) {
    Alert copy = new Alert();
    for (org.apache.avro.Schema.Field f : Alert.getClassSchema().getFields()) {
      copy.put(f.pos(), f.pos() == PICTURE_FIELD ? null : alert.get(f.pos()));
    }
    return copy;
  }

  /**
   * What makes an alert the same one again: its camera and its id. A frame's alert id is its frame id and kind, and
   * two cameras that both number their frames from 1 would otherwise hide each other's alerts from the page.
   */
  private static String key(Alert alert) {
    return alert.getCameraId() + '\u0000' + alert.getAlertId();
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

  /** Stops the picture thread (when this object owns one); alerts after that are not kept. */
  @Override
  public void close() {
    if (ownRenderer != null) {
      ownRenderer.shutdownNow();
    }
  }
}
