package dev.advmon.campaign;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Where the current per-camera state can be read: the topology's state store, in the running monitor; with
 * several instances, the stores of all of them.
 */
public interface CameraDirectory {

  /**
   * Most cameras one instance lists. Camera ids come from the producers, so a compromised one can invent millions;
   * a listing built in memory without a bound is then an OutOfMemoryError on the HTTP thread. 10,000 cameras
   * are a few megabytes of JSON.
   */
  int MAX_LISTED = 10_000;

  /** A directory without cameras: before the monitor runs, and where a tool or a test has none to show. */
  CameraDirectory EMPTY = new CameraDirectory() {
    @Override
    public List<CameraStatus> all() {
      return List.of();
    }

    @Override
    public Optional<CameraStatus> one(String cameraId) {
      return Optional.empty();
    }
  };

  /** Every known camera, by id; at most {@link #MAX_LISTED} of them. */
  List<CameraStatus> all();

  Optional<CameraStatus> one(String cameraId);

  /**
   * As {@link #one}, saying why the copy found may be stale: a directory that spans several instances reads a standby
   * replica's copy while the instance that holds the camera does not answer, as its listing does.
   */
  default Optional<Reading> reading(String cameraId) {
    return one(cameraId).map(c -> new Reading(c, null));
  }

  /** A camera, and why it may be stale ({@code stale}); null when read from the store that holds its partition. */
  record Reading(CameraStatus camera, String stale) {}

  /**
   * The first {@code limit} cameras by {@link #MOST_INTERESTING} of every camera this directory holds (not only of
   * the {@link #MAX_LISTED} that {@link #all} lists), and how many it holds; {@code limit} at most MAX_LISTED.
   */
  default Top top(int limit) {
    List<CameraStatus> all = all();
    return new Top(all.stream().sorted(MOST_INTERESTING).limit(limit).toList(), all.size());
  }

  /** The cameras that most need a look, first first, and how many cameras there are in all. */
  record Top(List<CameraStatus> cameras, int known) {}

  /**
   * This instance's own cameras only: what another instance asks for, so that a question never travels further.
   * The directory itself unless it spans several instances.
   */
  default CameraDirectory local() {
    return this;
  }

  /**
   * The same cameras read from stores Kafka Streams may still be restoring or be about to hand over
   * ({@code enableStaleStores()}): what answers, marked as possibly stale, while a rebalance makes the store refuse
   * ordinary queries (4 to 6 s of every scale-out and scale-in, when every instance listed no camera). Null where
   * there is no such reading.
   */
  default CameraDirectory stale() {
    return null;
  }

  /** What an answer read from {@link #stale()} says, naming Kafka Streams' {@code state}. */
  static String staleNote(String state) {
    // the store is refused while any stream thread still takes up its partitions, and the client may be RUNNING by
    // then: "read while Kafka Streams is RUNNING" named no reason for a stale reading
    String when = state.equals("RUNNING")
        ? "read while a stream thread was still taking up the partitions of the last rebalance "
            + "(Kafka Streams is RUNNING)"
        : "read while Kafka Streams is " + state;
    return when + ": these cameras may be stale (a store still restoring or about "
        + "to move), and cameras of partitions moving between instances may be missing or listed twice; a few seconds "
        + "after the rebalance the answer is whole again";
  }

  /** Every camera, with the instances asked and what each answered; one directory alone lists no instances. */
  default Listing listing() {
    return new Listing(all(), List.of());
  }

  /**
   * As {@link #listing()}, where only the first {@code limit} cameras by {@link #MOST_INTERESTING} are wanted: a
   * directory that asks other instances may ask each for that many only (each instance's count is then what it
   * holds, not what it sent). Null = all.
   */
  default Listing listing(Integer limit) {
    return listing();
  }

  /**
   * Cameras in a campaign first, then by the flag rate of their last complete window (of the window being counted
   * where none is complete yet), then by flagged frames, then by id, so that a cut list keeps what needs a look.
   */
  Comparator<CameraStatus> MOST_INTERESTING = Comparator
      .comparing((CameraStatus c) -> !c.inCampaign())
      .thenComparing(CameraDirectory::flagRate, Comparator.reverseOrder())
      .thenComparing(CameraStatus::totalFlagged, Comparator.reverseOrder())
      .thenComparing(CameraStatus::cameraId);

  private static double flagRate(CameraStatus c) {
    if (c.lastWindowStart() >= 0 && c.lastWindowFrames() > 0) {
      return (double) c.lastWindowFlagged() / c.lastWindowFrames();
    }
    return c.windowFrames() > 0 ? (double) c.windowFlagged() / c.windowFrames() : 0;
  }

  /** The cameras of all instances that answered, and each instance asked. */
  record Listing(List<CameraStatus> cameras, List<Instance> instances) {

    /**
     * True when every instance answered from its current state (so no camera is missing from {@code cameras}); one
     * read during a rebalance may miss those of partitions in flight.
     */
    public boolean complete() {
      return instances.stream().allMatch(i -> i.error() == null && i.stale() == null);
    }
  }

  /**
   * One instance asked: its advertised host:port, whether it is the one answering, how many cameras it holds,
   * or why it could not say; what it sent that does not fit what a monitor holds (left out or cut), if anything; and
   * whether its cameras were read from stores that may be stale ({@link #staleNote}), and why.
   */
  record Instance(String server, boolean local, Integer cameras, String error,
      @JsonInclude(JsonInclude.Include.NON_NULL) String problem,
      @JsonInclude(JsonInclude.Include.NON_NULL) String stale) {

    public Instance(String server, boolean local, Integer cameras, String error) {
      this(server, local, cameras, error, null, null);
    }

    public Instance(String server, boolean local, Integer cameras, String error, String problem) {
      this(server, local, cameras, error, problem, null);
    }
  }
}
