package dev.advmon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.campaign.CameraDirectory;
import dev.advmon.campaign.CameraStatus;
import dev.advmon.topology.RecordLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A peer's cameras read field by field with the types and bounds of this instance's own state store
 * ({@link CameraStatus}, written by {@code CampaignTracker}) before they are merged: at most
 * {@link CameraDirectory#MAX_LISTED} cameras, ids of at most {@link RecordLimits#MAX_ID_CHARS} characters, a status
 * NORMAL or CAMPAIGN, counts and streaks whole numbers of 0 or more, times whole numbers of -1 or more, at most
 * {@link CameraStatus#MAX_REASONS} window reasons (names of at most {@link PeerAlerts#MAX_ID_CHARS} characters) and
 * {@link CameraStatus#MAX_EXAMPLES} example frame ids (cut to {@link RecordLimits#MAX_ID_CHARS}). Fields a monitor
 * does not send are dropped, lists cut; a camera whose id, status or numbers do not fit is left out (its numbers
 * rank it and are merged by: none can stand in for them), and the rest of the peer's cameras still count. A missing
 * field reads as a monitor's earlier versions wrote it (0, empty, nothing carried). What was changed is collected
 * for the peer's entry.
 */
final class PeerCameras extends PeerJson {

  private static final List<String> COUNTS = List.of("windowFrames", "windowFlagged", "lastWindowFrames",
      "lastWindowFlagged", "totalFrames", "totalFlagged", "pooledFrames", "hotStreak", "coolStreak");
  private static final List<String> TIMES = List.of("windowStart", "lastWindowStart", "campaignSince", "pooledSince");

  PeerCameras(String server) {
    super(server);
  }

  /** A peer's {@code /cameras} list, at most {@link CameraDirectory#MAX_LISTED} cameras, each rebuilt or left out. */
  List<CameraStatus> list(JsonNode cameras) {
    List<CameraStatus> out = new ArrayList<>();
    for (JsonNode c : cameras) {
      if (out.size() == CameraDirectory.MAX_LISTED) {
        problems.add("cameras has " + cameras.size() + " entries (cut to " + CameraDirectory.MAX_LISTED
            + ", the most one instance lists)");
        break;
      }
      CameraStatus camera = camera(c);
      if (camera != null) {
        out.add(camera);
      }
    }
    return out;
  }

  /** One camera as this instance's store could hold it, or null (left out, saying why). */
  CameraStatus camera(JsonNode c) {
    return counted(() -> read(c));
  }

  /** What the peer sent that did not fit, for its entry under {@code instances}; null when nothing. */
  String problem() {
    return problem("cameras");
  }

  private CameraStatus read(JsonNode c) {
    if (!c.isObject() || !c.path("cameraId").isTextual()) {
      problems.add(c.isObject() ? "a camera without a cameraId (left out)" : "a camera that is not an object: "
          + cut(c) + " (left out)");
      return null;
    }
    String id = c.get("cameraId").asText();
    if (id.length() > RecordLimits.MAX_ID_CHARS) {
      problems.add("a camera whose cameraId has " + id.length() + " characters (left out; at most "
          + RecordLimits.MAX_ID_CHARS + ")");
      return null;
    }
    String at = "camera " + cut(NODES.textNode(id)) + ": ";
    String status = c.path("status").asText(null);
    if (!c.path("status").isTextual() || !(CameraStatus.NORMAL.equals(status) || CameraStatus.CAMPAIGN.equals(status))) {
      problems.add(at + "status is " + cut(c.path("status")) + ", not NORMAL or CAMPAIGN (left out)");
      return null;
    }
    Map<String, Long> n = new TreeMap<>();
    for (String field : COUNTS) {
      if (!number(c, field, 0, field.endsWith("Streak") ? Integer.MAX_VALUE : Long.MAX_VALUE, at, n)) {
        return null;
      }
    }
    for (String field : TIMES) {
      if (!number(c, field, -1, Long.MAX_VALUE, at, n)) {
        return null;
      }
    }
    // -1 when missing: an older monitor does not keep where a streak began, and 0 would name the epoch
    Map<String, Long> since = new TreeMap<>();
    if (c.has("streakSince") && !c.get("streakSince").isNull()
        && !number(c, "streakSince", -1, Long.MAX_VALUE, at, since)) {
      return null;
    }
    ObjectNode reasons = NODES.objectNode();
    addCounts(reasons, c, "windowReasons", CameraStatus.MAX_REASONS, at);
    Map<String, Long> windowReasons = new TreeMap<>();
    reasons.properties().forEach(e -> windowReasons.put(e.getKey(), e.getValue().asLong()));
    List<String> examples = new ArrayList<>();
    strings(c.get("windowExamples"), "windowExamples", at, CameraStatus.MAX_EXAMPLES, RecordLimits.MAX_ID_CHARS)
        .forEach(e -> examples.add(e.asText()));
    return new CameraStatus(id, status, n.get("windowStart"), n.get("windowFrames"), n.get("windowFlagged"),
        n.get("lastWindowStart"), n.get("lastWindowFrames"), n.get("lastWindowFlagged"),
        n.get("hotStreak").intValue(), n.get("coolStreak").intValue(), n.get("campaignSince"), n.get("totalFrames"),
        n.get("totalFlagged"), windowReasons, examples, n.get("pooledSince"), n.get("pooledFrames"),
        // false when missing or not a boolean: an older monitor, or a streak without a pooled span
        c.path("streakPooled").isBoolean() && c.get("streakPooled").booleanValue(),
        since.getOrDefault("streakSince", -1L));
  }

  /** {@code field} into {@code out} when it is a whole number {@code min..max} (missing: 0); false, saying so, if not. */
  private boolean number(JsonNode c, String field, long min, long max, String at, Map<String, Long> out) {
    JsonNode v = c.get(field);
    if (v == null || v.isNull()) {
      out.put(field, 0L);
      return true;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
      problems.add(at + field + " is " + cut(v) + ", not a whole number of " + min + " or more"
          + (max < Long.MAX_VALUE ? " up to " + max : "") + " (left out)");
      return false;
    }
    out.put(field, v.asLong());
    return true;
  }
}
