package dev.advmon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

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

  /**
   * The peer's {@code streams}, {@code ready} with its {@code readyReasons}, and {@code restarting} (a restart in place
   * under way), each when it says, into its entry.
   */
  void describe(JsonNode theirs, ObjectNode instance) {
    text(instance, theirs, "streams", PeerAlerts.MAX_ID_CHARS, "");
    // RUNNING is not ready: a peer that cannot reach the registry or has stalled says so only in these
    if (theirs.path("ready").isBoolean()) {
      instance.put("ready", theirs.path("ready").asBoolean());
      instance.set("readyReasons", strings(theirs.get("readyReasons"), "readyReasons", ""));
    }
    // a peer's restart in place read as its old client's ERROR in the page's note on the counts
    if (theirs.path("restarting").isBoolean()) {
      instance.put("restarting", theirs.path("restarting").asBoolean());
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
}
