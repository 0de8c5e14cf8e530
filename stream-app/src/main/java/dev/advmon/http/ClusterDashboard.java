package dev.advmon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.advmon.dashboard.FramePicture;
import dev.advmon.dashboard.RecentAlerts;
import dev.advmon.image.ImageDecodeException;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The dashboard's JSON for every instance at once: this instance's summary and alerts merged with each peer's
 * own ({@code ?scope=local}), and a peer's alert pictures fetched from that peer. Each answer lists the
 * instances asked under {@code instances}, with the reason for any that did not answer.
 */
final class ClusterDashboard {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> COUNTS = List.of("frames", "verdicts", "deadLetters", "alerts");
  private static final List<String> BREAKDOWNS = List.of("alertsByKind", "deadLettersByReason");

  private ClusterDashboard() {}

  /** Counters summed over the instances that answered; alerts per time bucket summed bucket by bucket. */
  static Object summary(Map<String, Object> mine, Peers peers) {
    ObjectNode out = JSON.valueToTree(mine);
    ArrayNode instances = out.putArray("instances");
    instances.addObject().put("server", peers.selfName()).put("local", true).put("streams", out.path("streams").asText());
    for (Peers.Answer a : peers.askAll("/api/summary?scope=local")) {
      JsonNode theirs = a.ok() ? parse(a) : null;
      ObjectNode instance = instances.addObject().put("server", a.server()).put("local", false);
      if (theirs == null) {
        instance.put("error", a.ok() ? "unreadable answer" : a.error());
        continue;
      }
      // the page trusts a summary's shape as it trusts an alert's: a peer's gets that of ours
      PeerSummary checked = new PeerSummary(a.server());
      checked.describe(theirs, instance);
      for (String c : COUNTS) {
        out.put(c, PeerSummary.plus(out.path(c).asLong(), checked.count(theirs, c)));
      }
      for (String b : BREAKDOWNS) {
        checked.addCounts(out.path(b) instanceof ObjectNode o ? o : out.putObject(b), theirs, b, PeerAlerts.MAX_ENTRIES,
            "");
      }
      addTimeline(out.path("timeline"), theirs.path("timeline"), checked);
      if (checked.problem() != null) {
        instance.put("problem", checked.problem());
      }
    }
    return out;
  }

  /**
   * Adds a peer's alerts per bucket to this instance's, bucket by bucket of the same start time. Index by index was
   * wrong whenever the two windows did not start together: a peer asked just after a 10 s boundary (or whose clock
   * is a few seconds ahead) starts one bucket later, and its counts were drawn 10 s early. Buckets older than this
   * window are left out; those newer than its last (a clock ahead of this one) are counted in its last, "now".
   */
  private static void addTimeline(JsonNode mine, JsonNode theirs, PeerSummary checked) {
    JsonNode counts = mine.path("counts");
    JsonNode other = theirs.path("counts");
    long bucketMs = mine.path("bucketMs").asLong();
    if (!(counts instanceof ArrayNode sums) || !other.isArray() || bucketMs <= 0
        || theirs.path("bucketMs").asLong() != bucketMs || !theirs.path("firstBucketStart").canConvertToLong()
        || !checked.timelineFits(other, sums.size())) {
      return;
    }
    long shift = Math.floorDiv(theirs.path("firstBucketStart").asLong() - mine.path("firstBucketStart").asLong(),
        bucketMs);
    for (int i = 0; i < other.size(); i++) {
      long at = Math.min(sums.size() - 1, i + shift);
      if (at >= 0) {
        sums.set((int) at, PeerSummary.plus(sums.get((int) at).asLong(), other.get(i).asLong()));
      }
    }
  }

  /** The newest {@code capacity} alerts of all instances, newest first, each with its instance. */
  static Object alerts(Map<String, Object> mine, int capacity, Peers peers) {
    List<ObjectNode> all = new ArrayList<>();
    List<Map<String, Object>> instances = new ArrayList<>();
    for (JsonNode a : (JsonNode) JSON.valueToTree(mine).path("alerts")) {
      ((ObjectNode) a).put("instance", peers.selfName());
      all.add((ObjectNode) a);
    }
    instances.add(instance(peers.selfName(), true, null));
    for (Peers.Answer answer : peers.askAll("/api/alerts?scope=local")) {
      JsonNode theirs = answer.ok() ? parse(answer) : null;
      // every entry an object, or the answer is not a monitor's: one odd peer must not make the whole list a 500
      if (theirs == null || !theirs.path("alerts").isArray() || !allObjects(theirs.path("alerts"))) {
        instances.add(instance(answer.server(), false, answer.ok() ? "unreadable answer" : answer.error()));
        continue;
      }
      Map<String, Object> instance = instance(answer.server(), false, null);
      instances.add(instance);
      String server = URLEncoder.encode(answer.server(), StandardCharsets.UTF_8);
      // the page trusts an alert's shape (an overlay's rows and cols size a canvas): a peer's gets that of ours
      PeerAlerts checked = new PeerAlerts(answer.server());
      for (JsonNode a : theirs.path("alerts")) {
        ObjectNode alert = checked.clean(a);
        if (alert == null) {
          continue;
        }
        alert.put("instance", answer.server());
        alert.put("key", alert.path("seq").asText() + "@" + answer.server());
        if (alert.path("image").isObject()) {
          ((ObjectNode) alert.path("image")).put("url", "/api/alerts/" + alert.path("seq").asLong() + "/image.png?instance=" + server);
        }
        all.add(alert);
      }
      if (checked.problem() != null) {
        instance.put("problem", checked.problem());
      }
    }
    all.sort(Comparator.comparingLong((ObjectNode a) -> a.path("receivedAt").asLong()).reversed());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("capacity", capacity);
    out.put("alerts", all.subList(0, Math.min(capacity, all.size())));
    out.put("instances", instances);
    return out;
  }

  private static Map<String, Object> instance(String server, boolean local, String error) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("server", server);
    m.put("local", local);
    if (error != null) {
      m.put("error", error);
    }
    return m;
  }

  /** The {@code instance} query parameter, decoded; null when absent. */
  static String instanceParameter(HttpExchange ex) {
    return MonitorHttpServer.parameter(ex, "instance");
  }

  /**
   * Relays a peer's alert picture; only from instances of this application, and only PNGs of at most the size of
   * this instance's own, decoded here under limits checked from the header and written again.
   */
  static void proxyPicture(HttpExchange ex, Peers peers, String instance, String seq) throws IOException {
    Optional<HostInfo> peer = peers.find(instance);
    if (peer.isEmpty()) {
      // the ones there are, which the reader needs next (an instance gone after a scale-down, a URL edited by hand)
      List<String> there = peers.others().stream().map(Peers::serverName).sorted().toList();
      MonitorHttpServer.json(ex, 404, Map.of("error", "no instance '" + instance + "' in this application now ("
          + (there.isEmpty() ? "this instance is alone" : "the other instances now: "
              + String.join(", ", there.subList(0, Math.min(10, there.size())))
              + (there.size() > 10 ? " and " + (there.size() - 10) + " more" : "")) + ")"));
      return;
    }
    Peers.Answer a = peers.ask(peer.get(), "/api/alerts/" + seq + "/image.png").join();
    if (a.ok() && "image/png".equals(a.contentType())) {
      // the browser never decodes a camera's own bytes: nor a peer's, which a broken or hostile peer controls
      FramePicture picture;
      try {
        picture = FramePicture.ofPeer(a.body(), RecentAlerts.DEFAULT_MAX_SIDE);
      } catch (ImageDecodeException e) {
        MonitorHttpServer.json(ex, 502, Map.of("error", "instance " + instance + " sent a picture for alert " + seq
            + " that is not shown: " + e.getMessage() + " (a monitor's alert pictures are PNGs at most "
            + RecentAlerts.DEFAULT_MAX_SIDE + " px a side; is " + instance + " running this monitor?)"));
        return;
      }
      ex.getResponseHeaders().set("Cache-Control", "private, max-age=3600");
      MonitorHttpServer.reply(ex, 200, "image/png", picture.png());
    } else {
      MonitorHttpServer.json(ex, a.status() == 404 ? 404 : 502, Map.of("error", "instance " + instance
          + " has no picture for alert " + seq + ": " + (a.error() != null ? a.error() : "not a PNG")));
    }
  }

  private static boolean allObjects(JsonNode array) {
    for (JsonNode n : array) {
      if (!n.isObject()) {
        return false;
      }
    }
    return true;
  }

  private static JsonNode parse(Peers.Answer a) {
    try {
      JsonNode n = JSON.readTree(a.body());
      return n.isObject() ? n : null;
    } catch (IOException e) {
      return null;
    }
  }
}
