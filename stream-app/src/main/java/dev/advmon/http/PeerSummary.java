package dev.advmon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * A peer's summary taken with the types and bounds of this instance's own ({@code DashboardRoutes.summary}) before it
 * is merged: its readiness reasons are a list of at most {@link PeerAlerts#MAX_ENTRIES} strings, its counts whole
 * numbers of 0 or more, its counts by kind and by reason at most {@link PeerAlerts#MAX_ENTRIES} names (over all
 * instances) of at most {@link PeerAlerts#MAX_ID_CHARS} characters, its timeline no more buckets than this
 * instance's. What did not fit is left out (a count that is not one counts 0) and said in the peer's entry.
 */
final class PeerSummary extends PeerJson {

  PeerSummary(String server) {
    super(server);
  }

  /** The peer's {@code streams}, and {@code ready} with its {@code readyReasons} when it says, into its entry. */
  void describe(JsonNode theirs, ObjectNode instance) {
    text(instance, theirs, "streams", PeerAlerts.MAX_ID_CHARS, "");
    // RUNNING is not ready: a peer that cannot reach the registry or has stalled says so only in these
    if (theirs.path("ready").isBoolean()) {
      instance.put("ready", theirs.path("ready").asBoolean());
      instance.set("readyReasons", strings(theirs.get("readyReasons"), "readyReasons", ""));
    }
  }

  /** The peer's count {@code field}: a whole number of 0 or more; anything else counts 0, and is said. */
  long count(JsonNode theirs, String field) {
    JsonNode n = theirs.get(field);
    if (n == null || n.isNull()) {
      return 0;
    }
    if (!isCount(n)) {
      problems.add(field + " is " + cut(n) + ", not a whole number of 0 or more (counted 0)");
      return 0;
    }
    return n.asLong();
  }

  /** Adds the peer's counts by name ({@code alertsByKind}, {@code deadLettersByReason}) to {@code sum}. */
  void addCounts(ObjectNode sum, JsonNode theirs, String field) {
    JsonNode n = theirs.get(field);
    if (n == null || n.isNull()) {
      return;
    }
    if (!n.isObject()) {
      problems.add(field + " is not an object of counts by name (left out)");
      return;
    }
    int seen = 0;
    for (Map.Entry<String, JsonNode> e : n.properties()) {
      if (++seen > PeerAlerts.MAX_ENTRIES) {
        problems.add(field + " has " + n.size() + " names (only the first " + PeerAlerts.MAX_ENTRIES + " counted)");
        break;
      }
      String name = e.getKey();
      if (name.length() > PeerAlerts.MAX_ID_CHARS) {
        problems.add(field + " has a name of " + name.length() + " characters (left out; at most "
            + PeerAlerts.MAX_ID_CHARS + ")");
      } else if (!isCount(e.getValue())) {
        problems.add(field + " " + cut(NODES.textNode(name)) + " is " + cut(e.getValue())
            + ", not a whole number of 0 or more (left out)");
      } else if (!sum.has(name) && sum.size() >= PeerAlerts.MAX_ENTRIES) {
        problems.add(field + " " + cut(NODES.textNode(name)) + " left out: all instances together have "
            + PeerAlerts.MAX_ENTRIES + " names already");
      } else {
        sum.put(name, plus(sum.path(name).asLong(), e.getValue().asLong()));
      }
    }
  }

  /** Whether the peer's {@code timeline.counts} can be added to {@code buckets} buckets; if not, says why. */
  boolean timelineFits(JsonNode counts, int buckets) {
    if (counts.size() > buckets) {
      problems.add("timeline.counts has " + counts.size() + " buckets, more than this instance's " + buckets
          + " (timeline left out)");
      return false;
    }
    for (JsonNode c : counts) {
      if (!isCount(c)) {
        problems.add("timeline.counts holds " + cut(c) + ", not a whole number of 0 or more (timeline left out)");
        return false;
      }
    }
    return true;
  }

  /** What the peer sent that did not fit, for its entry under {@code instances}; null when nothing. */
  String problem() {
    return problems.isEmpty() ? null : "sent a summary that does not fit what a monitor sends: " + listed();
  }

  /** Counts summed, stopping at the largest long rather than turning negative. */
  static long plus(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  private static boolean isCount(JsonNode n) {
    return n.isIntegralNumber() && n.canConvertToLong() && n.asLong() >= 0;
  }
}
