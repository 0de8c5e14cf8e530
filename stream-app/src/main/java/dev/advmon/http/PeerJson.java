package dev.advmon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a peer sent, rebuilt field by field with the types and bounds of this instance's own answer
 * ({@link PeerAlerts}, {@link PeerSummary}, {@link PeerCameras}), and what did not fit, for the peer's entry under
 * {@code instances}.
 */
abstract class PeerJson {

  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  final String server;
  final List<String> problems = new ArrayList<>();

  private int changed;
  private int leftOut;

  PeerJson(String server) {
    this.server = server;
  }

  /** One entry (an alert, a camera) as {@code read} rebuilds it, or null; counted as cut, or left out when null. */
  <T> T counted(Supplier<T> read) {
    int before = problems.size();
    T out = read.get();
    if (out == null) {
      leftOut++;
    } else if (problems.size() > before) {
      changed++;
    }
    return out;
  }

  /** What the peer sent of {@code what} ("alerts") that did not fit, for its entry under {@code instances}; or null. */
  String problem(String what) {
    if (problems.isEmpty()) {
      return null;
    }
    String counts = (changed > 0 ? "cut " + changed : "") + (changed > 0 && leftOut > 0 ? ", " : "")
        + (leftOut > 0 ? "left out " + leftOut : "");
    return "sent " + what + " that do not fit what a monitor sends" + (counts.isEmpty() ? "" : " (" + counts + ")")
        + ": " + listed();
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
    return strings(n, field, at, PeerAlerts.MAX_ENTRIES, PeerAlerts.MAX_TEXT_CHARS);
  }

  /** A list of at most {@code maxEntries} strings, each cut to {@code maxChars}. */
  ArrayNode strings(JsonNode n, String field, String at, int maxEntries, int maxChars) {
    ArrayNode out = NODES.arrayNode();
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isArray()) {
      problems.add(at + field + " is not a list (empty instead)");
      return out;
    }
    for (JsonNode r : n) {
      if (out.size() == maxEntries) {
        problems.add(at + field + " has " + n.size() + " entries (cut to " + maxEntries + ")");
        break;
      }
      if (r.isTextual()) {
        out.add(bounded(r.asText(), maxChars, at + "an entry of " + field));
      } else {
        problems.add(at + "an entry of " + field + " is not a string (left out)");
      }
    }
    return out;
  }

  /**
   * Adds the peer's counts by name ({@code alertsByKind}, a camera's {@code windowReasons}) to {@code sum}, which holds
   * at most {@code maxNames} names of at most {@link PeerAlerts#MAX_ID_CHARS} characters.
   */
  void addCounts(ObjectNode sum, JsonNode theirs, String field, int maxNames, String at) {
    JsonNode n = theirs.get(field);
    if (n == null || n.isNull()) {
      return;
    }
    if (!n.isObject()) {
      problems.add(at + field + " is not an object of counts by name (left out)");
      return;
    }
    int seen = 0;
    for (Map.Entry<String, JsonNode> e : n.properties()) {
      if (++seen > maxNames) {
        problems.add(at + field + " has " + n.size() + " names (only the first " + maxNames + " counted)");
        break;
      }
      String name = e.getKey();
      if (name.length() > PeerAlerts.MAX_ID_CHARS) {
        problems.add(at + field + " has a name of " + name.length() + " characters (left out; at most "
            + PeerAlerts.MAX_ID_CHARS + ")");
      } else if (!isCount(e.getValue())) {
        problems.add(at + field + " " + cut(NODES.textNode(name)) + " is " + cut(e.getValue())
            + ", not a whole number of 0 or more (left out)");
      } else if (!sum.has(name) && sum.size() >= maxNames) {
        problems.add(at + field + " " + cut(NODES.textNode(name)) + " left out: all instances together have "
            + maxNames + " names already");
      } else {
        sum.put(name, plus(sum.path(name).asLong(), e.getValue().asLong()));
      }
    }
  }

  static boolean isCount(JsonNode n) {
    return n.isIntegralNumber() && n.canConvertToLong() && n.asLong() >= 0;
  }

  /** Counts summed, stopping at the largest long rather than turning negative. */
  static long plus(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }
}
