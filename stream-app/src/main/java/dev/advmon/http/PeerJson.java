package dev.advmon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What a peer sent, rebuilt field by field with the types and bounds of this instance's own answer
 * ({@link PeerAlerts}, {@link PeerSummary}), and what did not fit, for the peer's entry under {@code instances}.
 */
abstract class PeerJson {

  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  final String server;
  final List<String> problems = new ArrayList<>();

  PeerJson(String server) {
    this.server = server;
  }

  /** The first three problems, and how many more. */
  String listed() {
    return problems.size() > 3 ? String.join("; ", problems.subList(0, 3)) + "; and " + (problems.size() - 3)
        + " more" : String.join("; ", problems);
  }

  static boolean side(JsonNode n, int max) {
    return n != null && n.isIntegralNumber() && n.canConvertToInt() && n.asInt() >= 1 && n.asInt() <= max;
  }

  static String cut(JsonNode n) {
    String s = n.toString();
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }

  void text(ObjectNode out, JsonNode a, String field, int max, String at) {
    JsonNode n = a.get(field);
    if (n == null || n.isNull()) {
      out.putNull(field);
    } else if (!n.isTextual()) {
      problems.add(at + field + " is not a string (null instead)");
      out.putNull(field);
    } else {
      out.put(field, bounded(n.asText(), max, at + field));
    }
  }

  String bounded(String s, int max, String what) {
    if (s.length() <= max) {
      return s;
    }
    problems.add(what + " has " + s.length() + " characters (cut to " + max + ")");
    return s.substring(0, max) + "…";
  }

  void whole(ObjectNode out, JsonNode a, String field, String at) {
    JsonNode n = a.get(field);
    if (n != null && n.isIntegralNumber() && n.canConvertToLong()) {
      out.put(field, n.asLong());
      return;
    }
    if (n != null && !n.isNull()) {
      problems.add(at + field + " is not a whole number (null instead)");
    }
    out.putNull(field);
  }

  void number(ObjectNode out, JsonNode a, String field, String at) {
    JsonNode n = a.get(field);
    if (n != null && n.isNumber()) {
      out.put(field, n.asDouble());
      return;
    }
    if (n != null && !n.isNull()) {
      problems.add(at + field + " is not a number (null instead)");
    }
    out.putNull(field);
  }

  /** A list of strings, each cut to {@link PeerAlerts#MAX_TEXT_CHARS}, at most {@link PeerAlerts#MAX_ENTRIES}. */
  ArrayNode strings(JsonNode n, String field, String at) {
    ArrayNode out = NODES.arrayNode();
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isArray()) {
      problems.add(at + field + " is not a list (empty instead)");
      return out;
    }
    for (JsonNode r : n) {
      if (out.size() == PeerAlerts.MAX_ENTRIES) {
        problems.add(at + field + " has " + n.size() + " entries (cut to " + PeerAlerts.MAX_ENTRIES + ")");
        break;
      }
      if (r.isTextual()) {
        out.add(bounded(r.asText(), PeerAlerts.MAX_TEXT_CHARS, at + "an entry of " + field));
      } else {
        problems.add(at + "an entry of " + field + " is not a string (left out)");
      }
    }
    return out;
  }
}
