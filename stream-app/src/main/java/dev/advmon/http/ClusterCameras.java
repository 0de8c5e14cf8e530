package dev.advmon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.campaign.CameraDirectory;
import dev.advmon.campaign.CameraStatus;
import dev.advmon.health.HealthReport;
import dev.advmon.topology.UnaskedCameras;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Every camera of the application, whichever instance holds its partition: this instance's own state store plus
 * each peer's (asked over its HTTP port, {@code /cameras?scope=local}). A peer that does not answer is named in
 * the listing, and the cameras of those that did still come back. With no peers it is the local directory.
 */
public final class ClusterCameras implements CameraDirectory {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** The states an instance passes through on its way to serving its cameras, restarts and rebalances included. */
  private static final Set<String> NOT_YET = Set.of("STARTING", "CREATED", "REBALANCING", "RUNNING");
  /** The entry under {@code instances} of partitions whose owner advertises no server ({@link Peers#unasked}). */
  static final String UNASKED = "(instances without streams.application-server)";

  private final CameraDirectory local;
  private final Peers peers;
  /**
   * Readiness now: Kafka Streams' state (REBALANCING, PENDING_SHUTDOWN...) and whether a restart is under way, named
   * when this instance's own part is missing.
   */
  private final java.util.function.Supplier<HealthReport> readiness;

  public ClusterCameras(CameraDirectory local, Peers peers, java.util.function.Supplier<HealthReport> readiness) {
    this.local = local;
    this.peers = peers;
    this.readiness = readiness;
  }

  /**
   * Why this instance cannot read its camera state in Kafka Streams state {@code state}, {@code restarting} when the
   * monitor replaces its client in place: a stopping instance (a scale-down, a rollout) was said to be "rebalancing",
   * and an operator waited on an instance that was going away.
   */
  static String unavailable(String state, boolean restarting) {
    if (restarting) {
      // the old client is ERROR or NOT_RUNNING until the new one starts (1 s, doubling): "this instance is stopping:
      // ask another instance" sent operators away from an instance that was back a few seconds later
      return "camera state is not available while Kafka Streams restarts in place (its client is " + state + " until "
          + "a new one runs; /health/ready says why); retry in a few seconds";
    }
    if (state.equals("RUNNING")) {
      // the client turns RUNNING before each stream thread has taken up the partitions a rebalance gave it (seen for
      // about a second on an instance just started): "not available while RUNNING" read as a fault
      return "camera state is not available yet: Kafka Streams is RUNNING, but its stream threads are still taking up "
          + "the partitions of the last rebalance; retry in a few seconds";
    }
    if (state.equals("STARTING")) {
      // run's own state before Kafka Streams exists: waiting for the broker, the registry or the model load
      return "camera state is not available yet: this instance is still starting (what it waits for: /health/ready); "
          + "ask another instance of the group, or retry once it is ready";
    }
    boolean stopping = state.equals("PENDING_SHUTDOWN") || state.equals("NOT_RUNNING");
    return "camera state is not available while Kafka Streams is " + state
        + (stopping ? "; this instance is stopping: ask another instance of the group" : "; retry in a few seconds");
  }

  /**
   * The 503 answer of {@link #unavailable} for {@code readiness}, with the state and whether the cameras come by
   * themselves ({@code notYet}: starting, rebalancing, threads taking up their partitions, a restart in place) rather
   * than only from another instance (stopping, or in ERROR with no restart under way). The dashboard read every 503 as
   * a failure: a normal start showed "update failed ... 503" for as long as the broker, the registry and the model
   * were waited for. {@code restarting}: a restart in place, so that the dashboard says "restarting" rather than
   * "it is ERROR" of the old client.
   */
  static Map<String, Object> unavailableAnswer(HealthReport readiness) {
    String state = readiness.state();
    return Map.of("error", unavailable(state, readiness.restarting()), "state", state,
        "notYet", readiness.restarting() || NOT_YET.contains(state), "restarting", readiness.restarting());
  }

  @Override
  public CameraDirectory local() {
    return local;
  }

  @Override
  public List<CameraStatus> all() {
    return listing().cameras();
  }

  @Override
  public Listing listing() {
    return listing(null);
  }

  @Override
  public Listing listing(Integer limit) {
    // meanwhile, read the local store
    List<Peers.Answer> answers = peers.askAll("/cameras?scope=local" + (limit == null ? "" : "&limit=" + limit));
    TreeMap<String, CameraStatus> byId = new TreeMap<>();
    List<Instance> instances = new ArrayList<>();
    boolean readOwn = false;
    try {
      mine(local, limit, byId, instances, null);
      readOwn = true;
    } catch (InvalidStateStoreException e) {
      if (answers.isEmpty()) {
        throw e; // alone: the caller answers from stale stores or 503 naming the state
      }
      HealthReport now = readiness.get();
      try {
        CameraDirectory stale = local.stale();
        if (stale == null) {
          throw e;
        }
        mine(stale, limit, byId, instances, CameraDirectory.staleNote(now.state()));
      } catch (InvalidStateStoreException refused) {
        instances.add(new Instance(peers.selfName(), true, null, unavailable(now.state(), now.restarting())));
      }
    }
    for (Peers.Answer a : answers) {
      try {
        JsonNode body = a.ok() ? JSON.readTree(a.body()) : null;
        PeerCameras checked = new PeerCameras(a.server());
        List<CameraStatus> theirs = body != null ? parse(body, checked) : null;
        if (theirs == null) {
          instances.add(new Instance(a.server(), false, null, a.error()));
        } else {
          // during a rebalance two instances may briefly both report a camera: keep the most recent state
          theirs.forEach(c -> byId.merge(c.cameraId(), c, (listed, other) -> newer(other, listed) ? other : listed));
          // asked for its first `limit`, a peer says how many it holds: that is what counts towards its limit
          int holds = body.path("known").canConvertToInt() ? Math.max(theirs.size(), body.path("known").asInt())
              : theirs.size();
          instances.add(new Instance(a.server(), false, holds, null, checked.problem(), staleOf(body)));
        }
      } catch (IOException | RuntimeException e) {
        instances.add(new Instance(a.server(), false, null, "unreadable answer: " + e.getMessage()));
      }
    }
    String unasked = peers.unasked(null);
    if (unasked != null) {
      // an instance without a server holds some partitions: its cameras are missing, and the answer is not complete
      instances.add(new Instance(UNASKED, false, null, unasked));
    }
    // where an instance did not answer or answered stale, what the others' standby replicas hold of its cameras
    StandbyCameras.fillIn(local, readOwn, peers, answers, limit, byId, instances);
    List<CameraStatus> cameras = new ArrayList<>(byId.values());
    cameras.sort(Comparator.comparing(CameraStatus::cameraId));
    return new Listing(cameras, instances);
  }

  /**
   * Whether {@code copy} of a camera is more recent than {@code listed} (null: none listed yet), the one rule for two
   * copies of one camera (two instances during a rebalance, an active store and a standby replica): the copy that has
   * counted more frames. An active store's copy is never behind its replica, but one read stale (a store restoring
   * from the changelog on its new owner) may be far behind. On a tie the copy listed first stays.
   */
  static boolean newer(CameraStatus copy, CameraStatus listed) {
    return listed == null || copy.totalFrames() > listed.totalFrames();
  }

  /** This instance's cameras from {@code from} into {@code byId}, and its entry ({@code stale}: why they may be). */
  private void mine(CameraDirectory from, Integer limit, TreeMap<String, CameraStatus> byId, List<Instance> instances,
      String stale) {
    // asked for the first `limit`, this instance's are ranked among all its cameras, and it counts them all
    CameraDirectory.Top top = limit == null ? null : from.top(limit);
    List<CameraStatus> mine = top == null ? from.all() : top.cameras();
    mine.forEach(c -> byId.put(c.cameraId(), c));
    instances.add(new Instance(peers.selfName(), true, top == null ? mine.size() : top.known(), null, null, stale));
  }

  /**
   * A peer's note that its cameras were read from stores that may be stale: cut, control characters as '?'. Any note
   * but null or false counts: one of another shape (a later version's) was taken for a current answer.
   */
  private static String staleOf(JsonNode body) {
    JsonNode stale = body.path("stale");
    if (stale.isMissingNode() || stale.isNull() || (stale.isBoolean() && !stale.asBoolean())) {
      return null;
    }
    return stale.isTextual() && !stale.asText().isBlank() ? Peers.printable(stale.asText())
        : "its cameras may be stale (its note, " + Peers.printable(stale.toString()) + ", is not one this version reads)";
  }

  @Override
  public Optional<CameraStatus> one(String cameraId) {
    return reading(cameraId).map(Reading::camera);
  }

  @Override
  public Optional<Reading> reading(String cameraId) {
    Optional<CameraStatus> mine;
    InvalidStateStoreException unavailable = null;
    try {
      mine = local.one(cameraId);
    } catch (InvalidStateStoreException e) {
      if (peers.alone()) {
        throw e;
      }
      unavailable = e;
      mine = Optional.empty();
    }
    // only where the camera's partition is unasked: an unknown id of a partition an instance that answered holds: 404
    String unasked = mine.isPresent() ? null : peers.unasked(cameraId);
    if (mine.isPresent() || (peers.alone() && unasked == null)) {
      return mine.map(c -> new Reading(c, null));
    }
    String path = "/cameras/" + pathSegment(cameraId) + "?scope=local";
    List<CompletableFuture<Peers.Answer>> calls = peers.others().stream().map(p -> peers.ask(p, path)).toList();
    // Only a 404 says "not here": an instance that did not answer, or answered something else, may hold the camera,
    // and "no camera on any instance" would then be false (a script would take a known camera for an unknown one).
    List<String> silent = new ArrayList<>();
    if (unasked != null) {
      silent.add(UNASKED + " (" + unasked + ")");
    }
    List<HostInfo> holdNone = new ArrayList<>();
    for (CompletableFuture<Peers.Answer> call : calls) {
      Peers.Answer a = call.join();
      if (a.ok()) {
        PeerCameras checked = new PeerCameras(a.server());
        CameraStatus theirs = readable(a.body(), cameraId, checked);
        if (theirs != null) {
          return Optional.of(new Reading(theirs, null));
        }
        // one peer's garbage must not hide another's answer
        silent.add(a.server() + " (unreadable answer" + (checked.problems.isEmpty() ? "" : ": " + checked.listed())
            + ")");
      } else if (a.status() != 404) {
        silent.add(a.server() + " (" + a.error() + ")");
      } else {
        holdNone.add(a.peer());
      }
    }
    if (unavailable != null || !silent.isEmpty()) {
      // as the listing does: the camera may be one of the instance that cannot say, and a replica may hold it
      Optional<Reading> replica = StandbyCameras.one(local, peers, holdNone, cameraId,
          unavailable == null && unasked != null && silent.size() == 1 && !UnaskedCameras.passes(unasked));
      if (replica.isPresent()) {
        return replica;
      }
    }
    if (unavailable != null) {
      throw unavailable; // it may be this instance's, which cannot say just now
    }
    if (unasked != null && silent.size() == 1 && UnaskedCameras.passes(unasked)) {
      // the partition count is not known yet (or the broker refuses it): the reason says when to retry, or what ACL
      throw new InstancesDidNotAnswer("camera '" + cameraId + "' is on none of the instances that answered, but "
          + unasked);
    }
    if (unasked != null && silent.size() == 1) {
      // never asked, not a gap of a moment: "retry in a few seconds" had a script retry for ever
      throw new InstancesDidNotAnswer("camera '" + cameraId + "' is on none of the instances that answered, but "
          + silent.get(0) + " cannot be asked, and may hold it: a retry answers the same until every instance has an "
          + "http.port (or a streams.application-server) that the others reach");
    }
    if (!silent.isEmpty()) {
      throw new InstancesDidNotAnswer("camera '" + cameraId + "' is on none of the instances that answered, but "
          + String.join(", ", silent) + " did not say, and may hold it; retry in a few seconds");
    }
    return Optional.empty();
  }

  /** {@code cameraId} as one segment of a path to a peer. */
  static String pathSegment(String cameraId) {
    return URLEncoder.encode(cameraId, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * The state of camera {@code cameraId} as a peer wrote it, with the bounds of this instance's own ({@code checked}
   * says what did not fit); null when the body is not that. Any JSON object reads as a camera (missing fields are left
   * empty): another JSON service at a peer's address answered "{}", which was served as this camera with a null id,
   * ahead of the instance that holds it.
   */
  static CameraStatus readable(byte[] body, String cameraId, PeerCameras checked) {
    try {
      CameraStatus c = checked.camera(JSON.readTree(body));
      return c != null && cameraId.equals(c.cameraId()) ? c : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** {@link #one} cannot say whether the camera exists: an instance that may hold it did not answer. */
  static final class InstancesDidNotAnswer extends RuntimeException {
    InstancesDidNotAnswer(String message) {
      super(message);
    }
  }

  /**
   * A peer's cameras with the bounds of this instance's own store: one that cannot be read (without an id, which the
   * merge needs) is left out and said in the peer's entry, and its other cameras still count.
   */
  static List<CameraStatus> parse(JsonNode body, PeerCameras checked) throws IOException {
    JsonNode cameras = body.path("cameras");
    if (!cameras.isArray()) {
      throw new IOException("no \"cameras\" list");
    }
    return checked.list(cameras);
  }
}
