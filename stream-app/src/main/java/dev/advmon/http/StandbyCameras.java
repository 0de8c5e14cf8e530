package dev.advmon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.campaign.CameraDirectory;
import dev.advmon.campaign.CameraDirectory.Instance;
import dev.advmon.campaign.CameraStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The cameras of instances that do not answer (stopping, killed, their host gone), read from the standby replicas
 * ({@code kafka.num.standby.replicas}) that this instance and the peers that answered keep of their partitions. Until
 * the rebalance hands those partitions over (3-4 s after a SIGTERM, up to {@code streams.session-timeout-ms} after a
 * kill -9) the others read their active stores only, and the stopped instance's cameras were missing although a
 * replica of each was at hand. Read only while some instance does not answer or answers stale (a rebalance, when a
 * stopped instance may have left the group's metadata already): a replica trails its active task.
 */
final class StandbyCameras {

  /** {@code /cameras?scope=local&standby=true}: this instance's stale reading, standby replicas included. */
  static final String PARAMETER = "standby";

  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * How long a peer's standby answer is listed again without asking: a peer down for minutes made every poll (each
   * open dashboard, every 1.5 s) ask every answering peer a second time. The first round still asks every instance on
   * each poll, so a peer's return shows at once (its active cameras replace these copies); only the replicas' copies,
   * stale by nature, may be this much older.
   */
  static final Duration REUSE = Duration.ofSeconds(5);
  /** How long a replica's copy stands in for an instance without a server: it is not leaving, no rebalance ends it. */
  private static final String UNASKED_FOR = "(a replica trails its active task) for as long as the instance without a "
      + "server holds their partitions";

  private StandbyCameras() {}

  /**
   * This instance's cameras from its stale reading (active, restoring and standby stores; Kafka Streams reads standby
   * tasks only with {@code enableStaleStores()}); none where there is no such reading or Kafka Streams refuses it.
   */
  static List<CameraStatus> of(CameraDirectory local, Integer limit) {
    CameraDirectory stale = local.stale();
    if (stale == null) {
      return List.of();
    }
    try {
      return limit == null ? stale.all() : stale.top(limit).cameras();
    } catch (InvalidStateStoreException e) {
      return List.of(); // stopping, or a reading with no camera in it: nothing to add
    }
  }

  /**
   * Camera {@code cameraId} from this instance's stale reading (active, restoring and standby stores); empty where
   * there is no such reading, Kafka Streams refuses it, or it holds no such camera.
   */
  static Optional<CameraStatus> one(CameraDirectory local, String cameraId) {
    CameraDirectory stale = local.stale();
    if (stale == null) {
      return Optional.empty();
    }
    try {
      return stale.one(cameraId);
    } catch (InvalidStateStoreException e) {
      return Optional.empty(); // stopping, or a reading with no camera in it
    }
  }

  /**
   * For {@code /cameras/{id}} while an instance that may hold camera {@code cameraId} cannot say (it does not answer,
   * or it is this one and cannot read its stores): the newest copy ({@link ClusterCameras#newer}) of this instance's
   * stale reading and of the standby replicas of {@code holdNone} (the peers that answered that no active store of
   * theirs holds it), with a note naming where it came from; empty without replicas or where none holds it. The
   * listing filled such a camera in from the replicas and the one camera's answer said 503: the two disagreed.
   * {@code unaskedOnly}: the only one that cannot say is an instance without a server, which no rebalance replaces.
   */
  static Optional<CameraDirectory.Reading> one(CameraDirectory local, Peers peers, List<HostInfo> holdNone,
      String cameraId, boolean unaskedOnly) {
    if (!peers.standbys()) {
      return Optional.empty();
    }
    String path = "/cameras/" + ClusterCameras.pathSegment(cameraId) + "?scope=local&" + PARAMETER + "=true";
    List<CompletableFuture<Peers.Answer>> calls = holdNone.stream().map(p -> peers.ask(p, path)).toList();
    CameraStatus newest = one(local, cameraId).orElse(null);
    String from = newest == null ? null : peers.selfName();
    for (CompletableFuture<Peers.Answer> call : calls) {
      Peers.Answer a = call.join();
      CameraStatus theirs = a.ok() ? ClusterCameras.readable(a.body(), cameraId, new PeerCameras(a.server())) : null;
      if (theirs != null && ClusterCameras.newer(theirs, newest)) {
        newest = theirs;
        from = a.server();
      }
    }
    return newest == null ? Optional.empty() : Optional.of(new CameraDirectory.Reading(newest, "read from a standby "
        + "replica on " + from + " (kafka.num.standby.replicas) while the instance that holds it "
        + (unaskedOnly ? "cannot be asked: it may be stale " + UNASKED_FOR.replace("their partitions", "its partition")
            : "cannot answer: it may be stale until the rebalance hands its partition over")));
  }

  /** The note of a stale answer to {@link #PARAMETER}. */
  static String note() {
    return "read from this instance's stores with its standby replicas: these cameras may be stale";
  }

  /**
   * Where an entry of {@code instances} did not answer or answered stale, adds to {@code byId} the cameras it lacks
   * from the standby replicas of this instance ({@code readOwn}: its own reading was a current one, not already the
   * stale one) and of each peer that answered current, and notes how many came so and from where: on each silent
   * entry, or without one, on the entries of the instances they came from. {@code instances}: this instance's entry
   * and one per answer, found by its server.
   */
  static void fillIn(CameraDirectory local, boolean readOwn, Peers peers, List<Peers.Answer> answers, Integer limit,
      TreeMap<String, CameraStatus> byId, List<Instance> instances) {
    if (!peers.standbys()) {
      // no replica to read: each answering peer would send again what it just sent, on every poll while one is down
      return;
    }
    // this instance's own part counts too: unreadable even stale (stopping, restoring), its cameras are missing as a
    // silent peer's are, and a peer's replicas may hold them
    boolean silent = instances.stream().anyMatch(i -> i.error() != null);
    boolean ownUnreadable = instances.stream().anyMatch(i -> i.local() && i.error() != null);
    // an instance answering stale is in a rebalance: an instance that stopped may already be out of the group's
    // metadata (no longer asked, so not silent) while its partitions are still in flight
    if (!silent && instances.stream().noneMatch(i -> i.stale() != null)) {
      return;
    }
    String query = "/cameras?scope=local&" + PARAMETER + "=true" + (limit == null ? "" : "&limit=" + limit);
    List<CompletableFuture<Peers.Answer>> calls = new ArrayList<>();
    // each answer's entry by the server that answered, not by its place: another entry before them shifted them all
    Map<String, Instance> entries = new java.util.HashMap<>();
    instances.stream().filter(i -> !i.local()).forEach(i -> entries.putIfAbsent(i.server(), i));
    for (Peers.Answer a : answers) {
      Instance entry = entries.get(a.server());
      // a stale answer already holds its standby replicas
      if (entry != null && entry.error() == null && entry.stale() == null) {
        calls.add(peers.askReusing(a.peer(), query, REUSE));
      }
    }
    Map<String, CameraStatus> found = new TreeMap<>();
    Map<String, String> origin = new TreeMap<>(); // camera id -> the instance whose copy is in found
    List<String> asked = new ArrayList<>();
    if (readOwn) {
      add(of(local, limit), peers.selfName(), byId, found, origin);
      asked.add(peers.selfName());
    }
    for (CompletableFuture<Peers.Answer> call : calls) {
      Peers.Answer a = call.join();
      add(readable(a), a.server(), byId, found, origin);
      asked.add(a.server());
    }
    if (limit != null) {
      // asked for the first `limit`, a replica's copy beyond them is not listed, and may be a camera of an answering
      // peer outside that peer's first `limit`: it was counted as one of an instance that did not answer
      TreeMap<String, CameraStatus> merged = new TreeMap<>(byId);
      merged.putAll(found);
      Set<String> shown = new java.util.HashSet<>(merged.values().stream().sorted(CameraDirectory.MOST_INTERESTING)
          .limit(limit).map(CameraStatus::cameraId).toList());
      found.keySet().retainAll(shown);
      origin.keySet().retainAll(shown);
    }
    byId.putAll(found);
    if (found.isEmpty()) {
      return;
    }
    Set<String> from = new LinkedHashSet<>(asked);
    from.retainAll(origin.values());
    // an instance without a server is not going away: no rebalance ends its cameras' reading from replicas
    boolean unaskedOnly = silent && instances.stream().filter(i -> i.error() != null)
        .allMatch(i -> i.server().equals(ClusterCameras.UNASKED));
    String note = (found.size() == 1 ? "1 camera" : found.size() + " cameras") + " of "
        + (!silent ? "partitions moving between instances"
            : unaskedOnly ? "partitions held by an instance without streams.application-server"
            : ownUnreadable ? "instances that did not answer or could not read their stores"
            : "instances that did not answer")
        + (found.size() == 1 ? " is" : " are") + " listed from standby replicas on " + String.join(", ", from)
        + " (kafka.num.standby.replicas): they may be stale " + (unaskedOnly ? UNASKED_FOR
            : "until the rebalance hands their partitions over");
    // said on the silent instances' entries; without any, on those of the current instances whose replicas gave them
    instances.replaceAll(i -> i.stale() != null
        || (silent ? i.error() == null : !from.contains(i.server()))
        ? i : new Instance(i.server(), i.local(), i.cameras(), i.error(), i.problem(), note));
  }

  /**
   * Into {@code found}, the cameras of {@code theirs} that are {@link ClusterCameras#newer} than the copy listed and
   * than one found already (and into {@code origin}, {@code server} for each it gave).
   */
  private static void add(List<CameraStatus> theirs, String server, Map<String, CameraStatus> listed,
      Map<String, CameraStatus> found, Map<String, String> origin) {
    for (CameraStatus c : theirs) {
      if (ClusterCameras.newer(c, listed.get(c.cameraId())) && ClusterCameras.newer(c, found.get(c.cameraId()))) {
        found.put(c.cameraId(), c);
        origin.put(c.cameraId(), server);
      }
    }
  }

  /** A peer's standby answer, with the bounds of this instance's own cameras; none if it is not one. */
  private static List<CameraStatus> readable(Peers.Answer a) {
    try {
      List<CameraStatus> theirs = a.ok() ? ClusterCameras.parse(JSON.readTree(a.body()), new PeerCameras(a.server()))
          : null;
      return theirs == null ? List.of() : theirs;
    } catch (java.io.IOException | RuntimeException e) {
      return List.of(); // the first round already said what is wrong with this peer, if anything
    }
  }
}
