package dev.advmon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.dashboard.RecentAlerts;
import dev.advmon.image.EvidenceOverlay;
import dev.advmon.topology.RecordLimits;
import java.util.Iterator;
import java.util.Map;

/**
 * A peer's alert rebuilt with the fields, types and bounds of this instance's own ({@code DashboardRoutes.alertJson}),
 * before the page gets it: the page trusts that shape (it sizes a canvas by {@code overlay.rows/cols} and loops over
 * its cells), and a broken or hostile peer could otherwise freeze the operator's browser or fill the answer with
 * megabytes. Fields a monitor does not send are dropped, strings and lists cut to their bound, a field of the wrong
 * type is null, an overlay that does not fit is left out (saying why in {@code overlayProblem}); an alert without a
 * whole {@code seq} and {@code receivedAt} is left out. What was changed is collected for the peer's entry.
 */
final class PeerAlerts extends PeerJson {

  /** Kind, severity, label, detector, evidence key: names, far shorter than a camera id may be. */
  static final int MAX_ID_CHARS = 2 * RecordLimits.MAX_ID_CHARS;
  /**
   * An alert id: camera id and frame id (each at most {@link RecordLimits#MAX_ID_CHARS}) and kind, with every
   * character of the camera id escaped to up to three ({@code %2F}, {@code %25}: {@code AlertIds}), so that no alert a
   * monitor writes is cut.
   */
  static final int MAX_ALERT_ID_CHARS =
      3 * RecordLimits.MAX_ID_CHARS + 1 + RecordLimits.MAX_ID_CHARS + 1 + MAX_ID_CHARS;
  /** Explanation, a reason, an evidence value, an overlay problem: all of an alert fits 64 KiB (the alerts topic). */
  static final int MAX_TEXT_CHARS = RecordLimits.MAX_MESSAGE_CHARS;
  /** Reasons, scores and evidence entries, each. */
  static final int MAX_ENTRIES = 64;

  PeerAlerts(String server) {
    super(server);
  }

  /** The alert as the page may get it (without {@code instance}, {@code key} and the image's url), or null. */
  ObjectNode clean(JsonNode a) {
    return counted(() -> clean(a, a.path("seq").canConvertToLong() && a.path("seq").isIntegralNumber()
        ? a.path("seq").asLong() : -1));
  }

  private ObjectNode clean(JsonNode a, long seq) {
    if (seq < 0 || !a.path("receivedAt").isIntegralNumber() || !a.path("receivedAt").canConvertToLong()) {
      problems.add("an alert without a whole seq >= 0 and receivedAt (left out)");
      return null;
    }
    String at = "alert " + seq + ": ";
    ObjectNode out = NODES.objectNode();
    out.put("seq", seq);
    text(out, a, "alertId", MAX_ALERT_ID_CHARS, at);
    text(out, a, "kind", MAX_ID_CHARS, at);
    text(out, a, "severity", MAX_ID_CHARS, at);
    text(out, a, "cameraId", RecordLimits.MAX_ID_CHARS, at);
    text(out, a, "frameId", RecordLimits.MAX_ID_CHARS, at);
    text(out, a, "sourceId", RecordLimits.MAX_ID_CHARS, at);
    whole(out, a, "time", at);
    out.put("receivedAt", a.path("receivedAt").asLong());
    text(out, a, "predictedLabel", MAX_ID_CHARS, at);
    number(out, a, "confidence", at);
    text(out, a, "explanation", MAX_TEXT_CHARS, at);
    out.set("reasons", strings(a.get("reasons"), "reasons", at));
    out.set("scores", scores(a.get("scores"), at));
    out.set("evidence", evidence(a.get("evidence"), at));
    out.set("image", image(a.get("image"), at));
    JsonNode overlay = a.get("overlay");
    String overlayProblem = overlay == null || overlay.isNull() ? null : overlayProblem(overlay);
    out.set("overlay", overlay == null || overlay.isNull() || overlayProblem != null ? NODES.nullNode()
        : NODES.objectNode().put("rows", overlay.get("rows").asInt()).put("cols", overlay.get("cols").asInt())
            .put("cells", overlay.get("cells").asText()).put("selected", overlay.get("selected").asInt()));
    if (overlayProblem != null) {
      problems.add(at + overlayProblem + " (overlay left out)");
      out.put("overlayProblem", "instance " + server + " sent an overlay that does not fit: " + overlayProblem);
    } else {
      text(out, a, "overlayProblem", MAX_TEXT_CHARS, at);
    }
    return out;
  }

  /** What the peer sent that did not fit, for its entry under {@code instances}; null when nothing. */
  String problem() {
    return problem("alerts");
  }

  private static String overlayProblem(JsonNode o) {
    int max = EvidenceOverlay.MAX_SIDE;
    if (!o.isObject() || !side(o.get("rows"), max) || !side(o.get("cols"), max)) {
      return "overlay.rows and overlay.cols must be whole numbers 1.." + max + ", not " + cut(o.path("rows"))
          + " and " + cut(o.path("cols"));
    }
    int n = o.get("rows").asInt() * o.get("cols").asInt();
    JsonNode cells = o.get("cells");
    if (cells == null || !cells.isTextual() || cells.asText().length() != n || !cells.asText().matches("[01]*")) {
      return "overlay.cells must be " + n + " characters 0 or 1";
    }
    JsonNode selected = o.get("selected");
    if (selected == null || !selected.isIntegralNumber() || !selected.canConvertToInt() || selected.asInt() < 0
        || selected.asInt() > n) {
      return "overlay.selected must be a whole number 0.." + n;
    }
    return null;
  }

  private ArrayNode scores(JsonNode n, String at) {
    ArrayNode out = NODES.arrayNode();
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isArray()) {
      problems.add(at + "scores is not a list (empty instead)");
      return out;
    }
    for (JsonNode s : n) {
      if (out.size() == MAX_ENTRIES) {
        problems.add(at + "scores has " + n.size() + " entries (cut to " + MAX_ENTRIES + ")");
        break;
      }
      if (!s.isObject()) {
        problems.add(at + "a score is not an object (left out)");
        continue;
      }
      ObjectNode score = out.addObject();
      text(score, s, "detector", MAX_ID_CHARS, at + "score ");
      number(score, s, "score", at + "score ");
      number(score, s, "threshold", at + "score ");
      if (s.path("flagged").isBoolean()) {
        score.put("flagged", s.get("flagged").asBoolean());
      } else {
        problems.add(at + "score flagged is not true or false (false instead)");
        score.put("flagged", false);
      }
    }
    return out;
  }

  private JsonNode evidence(JsonNode n, String at) {
    if (n == null || n.isNull()) {
      return NODES.nullNode();
    }
    ObjectNode out = NODES.objectNode();
    if (!n.isObject()) {
      problems.add(at + "evidence is not an object (empty instead)");
      return out;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      if (out.size() == MAX_ENTRIES) {
        problems.add(at + "evidence has " + n.size() + " entries (cut to " + MAX_ENTRIES + ")");
        break;
      }
      if (e.getValue().isTextual()) {
        out.put(bounded(e.getKey(), MAX_ID_CHARS, at + "an evidence key"),
            bounded(e.getValue().asText(), MAX_TEXT_CHARS, at + "evidence " + cut(NODES.textNode(e.getKey()))));
      } else {
        problems.add(at + "evidence " + cut(NODES.textNode(e.getKey())) + " is not a string (left out)");
      }
    }
    return out;
  }

  /** {@code width} and {@code height} as the dashboard's pictures have them; the url is the caller's. */
  private JsonNode image(JsonNode n, String at) {
    if (n == null || n.isNull()) {
      return NODES.nullNode();
    }
    int max = RecentAlerts.DEFAULT_MAX_SIDE;
    if (!n.isObject() || !side(n.get("width"), max) || !side(n.get("height"), max)) {
      problems.add(at + "image must have a width and height of 1.." + max + " px (no picture instead)");
      return NODES.nullNode();
    }
    return NODES.objectNode().put("url", "").put("width", n.get("width").asInt()).put("height", n.get("height").asInt());
  }
}
