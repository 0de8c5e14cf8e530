package dev.advmon.topology;

import dev.advmon.campaign.CameraDirectory;
import dev.advmon.campaign.CameraStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Interactive queries of the per-camera state store. Answers from this instance's partitions only: with
 * several monitor instances, each serves the cameras whose partitions it owns.
 */
public final class CameraQueries implements CameraDirectory, AutoCloseable {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CameraQueries.class);

  /**
   * How long one reading of the whole store answers {@link #top} at least. Every open dashboard asks every 1.5 s (and
   * each other instance's dashboards ask this one): they share a reading instead of each reading every camera.
   */
  static final long SHARED_FOR_MS = 1_000;

  /**
   * A reading is shared for this many times as long as it took, where that is longer than {@link #SHARED_FOR_MS}: the
   * store holds every camera of the last campaign.idle-retention-ms, and one of 200,000 takes about a second to read
   * (it was read for each question, on the cores that score frames).
   */
  static final int SHARED_FOR_TIMES_READ = 20;

  /**
   * A reading older than this share of its sharing period is read again in the background by the first question that
   * finds it so, while it keeps answering: a reading of 200,000 cameras takes about 2 s, and the question that found
   * the reading aged out read the store itself, holding every other question (and each other instance's, which gives
   * up after 2 s) until it was done. Started before the period ends, the new reading is normally there before the old
   * one may no longer answer, so an answer is never older than the period. A question that finds the reading past its
   * period (nobody asked in the last quarter of it) still reads the store itself.
   */
  static final double REFRESH_DUE_AT = 0.75;

  private final java.util.function.Supplier<ReadOnlyKeyValueStore<String, CameraStatus>> store;
  private final LongSupplier clockMs;
  private final java.util.function.Supplier<Object> assignment;
  /**
   * The latest reading of the whole store (null: none yet), the client and partitions it was read from, when it was
   * taken, and for how long it answers.
   */
  private Top shared;
  private Object sharedAssignment;
  private long sharedAt;
  private long sharedFor;
  /** Where a reading due again is taken, one at a time, off the asking thread. */
  private final java.util.concurrent.Executor refresher;
  private final AutoCloseable closeRefresher;
  /** Whether a background reading was handed to {@link #refresher} and has not ended. */
  private boolean refreshing;
  /** {@link #stale()}: set by the constructor over a client only. */
  private CameraQueries stale;
  /**
   * Set on the stale reading: one with no camera is refused as unavailable. Walking a scale-down, a remaining
   * instance's stale stores held none for 3 to 4 s while its tasks moved, and "0 cameras" read as "holds none".
   */
  private boolean saysNothingWhenEmpty;
  /**
   * Whether the client runs with no task on any thread (more instances than partitions): Kafka Streams then refuses
   * the store for as long as it runs, and the instance was said to be "still taking up the partitions" for good (its
   * peers listed it as missing, every merged /cameras said complete: false). It holds no camera. Set over a client only.
   */
  private java.util.function.BooleanSupplier holdsNoTask = () -> false;

  /** @param streams the current Kafka Streams client (the monitor replaces it when it restarts in place) */
  public CameraQueries(java.util.function.Supplier<KafkaStreams> streams) {
    this(streams, java.util.Optional.empty());
  }

  /**
   * @param streams the current Kafka Streams client (the monitor replaces it when it restarts in place)
   * @param self this instance's {@code application.server}, by which it finds itself in the group's metadata; empty
   *     when it advertises none
   */
  public CameraQueries(java.util.function.Supplier<KafkaStreams> streams,
      java.util.Optional<org.apache.kafka.streams.state.HostInfo> self) {
    this(() -> whileRunning(streams.get(), s -> s.store(cameraStore())),
        () -> System.nanoTime() / 1_000_000, () -> whileRunning(streams.get(), CameraQueries::assignment));
    // its own readings: one taken from stale stores is never shared as a current one
    this.stale = new CameraQueries(() -> whileRunning(streams.get(), s -> s.store(cameraStore().enableStaleStores())),
        () -> System.nanoTime() / 1_000_000, () -> whileRunning(streams.get(), CameraQueries::assignment));
    this.stale.saysNothingWhenEmpty = true;
    this.holdsNoTask = () -> holdsNoTask(streams.get(), self);
  }

  private static boolean holdsNoTask(KafkaStreams streams,
      java.util.Optional<org.apache.kafka.streams.state.HostInfo> self) {
    try {
      var threads = streams.metadataForLocalThreads();
      return streams.state() == KafkaStreams.State.RUNNING && !threads.isEmpty() && threads.stream()
          .allMatch(t -> t.threadState().equals("RUNNING") && t.activeTasks().isEmpty())
          && !namedForCameras(streams, self);
    } catch (RuntimeException e) {
      return false; // stopping or stopped: the refusal stands
    }
  }

  /**
   * Whether the group's metadata names this instance ({@code self}) for partitions of the camera store. That metadata
   * is the assignment the rebalance aims at: in cooperative rebalancing a partition that moves is first revoked from
   * its old owner and given to the new one only in a second rebalance, so for that gap (0.3-0.4 s of a scale-out,
   * walked) a new instance runs with no task while the metadata already names it. Taken for "holds none", its
   * "0 cameras" made the merged /cameras list 1 of 4 cameras as complete. Without an application.server nothing is
   * named: a client with no task then holds none.
   */
  private static boolean namedForCameras(KafkaStreams streams,
      java.util.Optional<org.apache.kafka.streams.state.HostInfo> self) {
    return self.isPresent() && streams.metadataForAllStreamsClients().stream().anyMatch(
        m -> self.get().equals(m.hostInfo()) && m.stateStoreNames().contains(MonitorTopology.CAMERA_STORE));
  }

  private static StoreQueryParameters<ReadOnlyKeyValueStore<String, CameraStatus>> cameraStore() {
    return StoreQueryParameters.fromNameAndType(MonitorTopology.CAMERA_STORE,
        QueryableStoreTypes.<String, CameraStatus>keyValueStore());
  }

  /**
   * The same store read from tasks Kafka Streams still restores or is about to hand over; null over a store given
   * directly. Kafka Streams refuses such stores too once the client is stopping (then 503, as before).
   */
  @Override
  public CameraDirectory stale() {
    return stale;
  }

  /**
   * {@code query} of {@code streams}, where a client that is stopping or stopped (PENDING_SHUTDOWN, NOT_RUNNING,
   * ERROR) counts as a store not available, as a rebalancing one does: Kafka Streams refuses it with a plain
   * IllegalStateException, which made /cameras of an instance being scaled down answer 500 (and log a stack trace)
   * where its peers and the dashboard needed a 503 naming the state.
   */
  private static <T> T whileRunning(KafkaStreams streams, java.util.function.Function<KafkaStreams, T> query) {
    try {
      return query.apply(streams);
    } catch (InvalidStateStoreException e) {
      throw e;
    } catch (IllegalStateException e) {
      KafkaStreams.State state = streams.state();
      if (state.isRunningOrRebalancing()) {
        throw e; // not the refusal of a stopped client: a real failure, for the log
      }
      throw new InvalidStateStoreException("Kafka Streams is " + state + ": " + e.getMessage(), e);
    }
  }

  /**
   * Over a store given directly (tests), with the clock that ages the shared listing and what says which partitions
   * the store holds: a reading is not shared once that changes.
   */
  CameraQueries(java.util.function.Supplier<ReadOnlyKeyValueStore<String, CameraStatus>> store,
      LongSupplier clockMs, java.util.function.Supplier<Object> assignment) {
    this(store, clockMs, assignment, refresherThread());
  }

  private CameraQueries(java.util.function.Supplier<ReadOnlyKeyValueStore<String, CameraStatus>> store,
      LongSupplier clockMs, java.util.function.Supplier<Object> assignment,
      java.util.concurrent.ExecutorService refresher) {
    this(store, clockMs, assignment, refresher, refresher::shutdownNow);
  }

  /** As above, with where background readings run (tests run them when they choose) and what closes it. */
  CameraQueries(java.util.function.Supplier<ReadOnlyKeyValueStore<String, CameraStatus>> store,
      LongSupplier clockMs, java.util.function.Supplier<Object> assignment, java.util.concurrent.Executor refresher,
      AutoCloseable closeRefresher) {
    this.store = store;
    this.clockMs = clockMs;
    this.assignment = assignment;
    this.refresher = refresher;
    this.closeRefresher = closeRefresher;
  }

  /** One daemon thread, so that a monitor that is not closed (a test, a failed start) still lets the JVM exit. */
  private static java.util.concurrent.ExecutorService refresherThread() {
    return java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "camera-listing-refresh");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * The client and the tasks it holds: after a restart in place (a new client) or a rebalance, the cameras of the
   * partitions that moved away were listed for the rest of the sharing period (up to 45 s with 200,000 cameras),
   * beside the instance that holds them now, and those that moved here were missing.
   */
  private static Object assignment(KafkaStreams streams) {
    // KafkaStreams is equal only to itself; a task's other metadata (offsets) changes all the time
    return List.of(streams, streams.metadataForLocalThreads().stream()
        .flatMap(t -> t.activeTasks().stream()).map(org.apache.kafka.streams.TaskMetadata::taskId)
        .collect(java.util.stream.Collectors.toSet()));
  }

  public CameraQueries(KafkaStreams streams) {
    this(() -> streams);
  }

  /**
   * The cameras this instance knows, by id, at most {@link #MAX_LISTED} (the first in the store's key order);
   * throws InvalidStateStoreException while not RUNNING (e.g. rebalancing).
   */
  @Override
  public List<CameraStatus> all() {
    return orNone(this::readAll, List.of());
  }

  private List<CameraStatus> readAll() {
    List<CameraStatus> out = new ArrayList<>();
    try (KeyValueIterator<String, CameraStatus> it = store().all()) {
      while (it.hasNext() && out.size() < MAX_LISTED) {
        out.add(it.next().value);
      }
    }
    out.sort(java.util.Comparator.comparing(CameraStatus::cameraId));
    return nothingSaid(out.isEmpty(), out);
  }

  private <T> T nothingSaid(boolean empty, T reading) {
    if (empty && saysNothingWhenEmpty) {
      throw new InvalidStateStoreException("the stores Kafka Streams holds during the rebalance have no camera yet");
    }
    return reading;
  }

  /**
   * The first {@code limit} of every camera this instance holds by {@link #MOST_INTERESTING}, and their number: from a
   * reading of the whole store shared by every question asked within {@link #SHARED_FOR_MS} of it (longer for a store
   * that takes long to read, see {@link #SHARED_FOR_TIMES_READ}), read again in the background once
   * {@link #REFRESH_DUE_AT} of that has passed. Questions asked while there is none to share (none yet, past its
   * period, or read before a rebalance or a restart in place) read the store, and wait for each other. Throws
   * InvalidStateStoreException while not RUNNING, as {@link #all}, whatever was read before.
   */
  @Override
  public synchronized Top top(int limit) {
    return orNone(() -> topOf(limit), new Top(List.of(), 0));
  }

  private Top topOf(int limit) {
    ReadOnlyKeyValueStore<String, CameraStatus> now = store();
    Object holding = assignment.get();
    long start = clockMs.getAsLong();
    if (shared == null || start - sharedAt >= sharedFor || start < sharedAt || !holding.equals(sharedAssignment)) {
      Top read = read(now);
      keep(read, holding, start, clockMs.getAsLong());
    } else if (start - sharedAt >= (long) (sharedFor * REFRESH_DUE_AT) && !refreshing) {
      refreshing = true;
      try {
        Top before = shared;
        refresher.execute(() -> refresh(now, holding, before));
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        refreshing = false; // closed: the reading answers until its period ends, as before
      }
    }
    List<CameraStatus> first = shared.cameras();
    return nothingSaid(shared.known() == 0, new Top(first.subList(0, Math.min(limit, first.size())), shared.known()));
  }

  /**
   * A background reading, kept where it replaces {@code before}: a question that read the store itself meanwhile (after
   * a rebalance, say) has a newer one.
   */
  private void refresh(ReadOnlyKeyValueStore<String, CameraStatus> from, Object holding, Top before) {
    try {
      long start = clockMs.getAsLong();
      Top read = read(from);
      long end = clockMs.getAsLong();
      synchronized (this) {
        if (shared == before) {
          keep(read, holding, start, end);
        }
      }
    } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
      // the store went away (a rebalance, a restart in place): the next question finds out and reads again
    } catch (RuntimeException e) {
      // said here: the thread's uncaught-exception handler would log that the thread ended, which it does not
      LOG.warn("reading the camera store for /cameras?limit failed; the previous reading answers meanwhile and the "
          + "next question asks again: {}", e.toString(), e);
    } finally {
      synchronized (this) {
        refreshing = false;
      }
    }
  }

  private void keep(Top read, Object holding, long start, long end) {
    shared = read;
    sharedAssignment = holding;
    sharedAt = start;
    sharedFor = Math.max(SHARED_FOR_MS, SHARED_FOR_TIMES_READ * (end - start));
  }

  /** Stops the background reading thread (a reading under way ends with the store it reads). */
  @Override
  public void close() {
    if (stale != null) {
      stale.close();
    }
    try {
      closeRefresher.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing the camera listing's refresh thread", e);
    }
  }

  /** The {@link #MAX_LISTED} most interesting cameras of the whole store, in that order, and how many it holds. */
  private static Top read(ReadOnlyKeyValueStore<String, CameraStatus> store) {
    // the least interesting kept on top, to be dropped first
    PriorityQueue<CameraStatus> kept = new PriorityQueue<>(MOST_INTERESTING.reversed());
    int known = 0;
    try (KeyValueIterator<String, CameraStatus> it = store.all()) {
      while (it.hasNext()) {
        known++;
        kept.add(it.next().value);
        if (kept.size() > MAX_LISTED) {
          kept.poll();
        }
      }
    }
    List<CameraStatus> first = new ArrayList<>(kept);
    first.sort(MOST_INTERESTING);
    return new Top(List.copyOf(first), known);
  }

  @Override
  public Optional<CameraStatus> one(String cameraId) {
    return orNone(() -> Optional.ofNullable(store().get(cameraId)), Optional.empty());
  }

  /**
   * {@code read}, or {@code none} where the store refuses it because the client holds no task ({@link #holdsNoTask}).
   * Kafka Streams refuses on use (the store it hands out finds no task's store only when read), not when handed out.
   */
  private <T> T orNone(java.util.function.Supplier<T> read, T none) {
    try {
      return read.get();
    } catch (InvalidStateStoreException e) {
      if (holdsNoTask.getAsBoolean()) {
        return none;
      }
      throw e;
    }
  }

  private ReadOnlyKeyValueStore<String, CameraStatus> store() {
    return store.get();
  }
}
