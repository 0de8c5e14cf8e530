package dev.advmon.topology;

import dev.advmon.health.HealthReport;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.event.Level;

/**
 * Which readiness answers are logged, and at which level: each change (of UP/DOWN or of the reasons, not of the
 * numbers in them, so that "for 12 s" is not logged every second), UP at INFO and DOWN at WARN, except an expected
 * DOWN: while the only reason is that Kafka Streams has not started or is being assigned its partitions, and the
 * client is not the one that was last UP (a start, before the first UP; or a client restarted in place, whose restart
 * StreamingMonitor has already logged at WARN and ERROR), it is INFO. Every start and every restart goes through it,
 * and a newcomer reads a WARN as trouble. An expected DOWN that lasts is trouble, though: once it has lasted
 * {@code lastingMs} (streams.session-timeout-ms, the longest a group join waits), one WARN says so. A DOWN with any
 * other reason (the broker gone, a failure, a restart), or a rebalance of the client that was UP, still warns.
 * One per checker.
 */
final class ReadinessChanges {

  /** A line to log: its level and its text. */
  record Line(Level level, String message) {}

  private static final long NONE = Long.MIN_VALUE;

  private final long lastingMs;
  private String lastLogged;
  // the Kafka Streams client of the last UP (none before the first); weakly: a client closed by a restart is not kept
  private java.lang.ref.WeakReference<Object> upClient = new java.lang.ref.WeakReference<>(null);
  private long expectedSince = NONE; // when the expected DOWN under way began
  private boolean lastingSaid;

  /** @param lastingMs how long an expected DOWN may last before it warns (streams.session-timeout-ms) */
  ReadinessChanges(long lastingMs) {
    this.lastingMs = lastingMs;
  }

  /** The reason readiness gives for a Kafka Streams client that is not RUNNING and not failing or restarting. */
  static String stateReason(KafkaStreams.State state) {
    return "Kafka Streams is " + state + (state == KafkaStreams.State.REBALANCING
        ? " (partitions are being assigned or restored)" : "");
  }

  /**
   * The line to log for {@code ready}, answered while {@code client} was the monitor's Kafka Streams client (another
   * after an in-place restart), at {@code nowMs}; null when it says what the last line logged said.
   */
  Line next(HealthReport ready, Object client, long nowMs) {
    String key = ready.up() + ":" + String.join(";", ready.reasons()).replaceAll("\\d+", "#");
    boolean changed = !key.equals(lastLogged);
    lastLogged = key;
    if (ready.up()) {
      upClient = new java.lang.ref.WeakReference<>(client);
      expectedSince = NONE;
      return changed ? new Line(Level.INFO, "readiness " + ready) : null;
    }
    if (!expected(ready, client)) {
      expectedSince = NONE;
      return changed ? new Line(Level.WARN, "readiness " + ready) : null;
    }
    if (expectedSince == NONE) {
      expectedSince = nowMs;
      lastingSaid = false;
    }
    if (!lastingSaid && nowMs - expectedSince >= lastingMs) {
      lastingSaid = true;
      return new Line(Level.WARN, "readiness still DOWN after " + (nowMs - expectedSince) / 1000 + " s (longer than"
          + " streams.session-timeout-ms=" + lastingMs + ", the longest a group join waits; a state restore may take"
          + " longer, and one that restores nothing for health.rebalance-timeout-ms is restarted): " + ready);
    }
    return changed ? new Line(Level.INFO, "readiness " + ready) : null;
  }

  /** Only starting or joining its group, and not the client that was last UP: a start, or a restart in place. */
  private boolean expected(HealthReport ready, Object client) {
    boolean joining = ready.reasons().equals(List.of(stateReason(KafkaStreams.State.CREATED)))
        || ready.reasons().equals(List.of(stateReason(KafkaStreams.State.REBALANCING)));
    return joining && client != upClient.get();
  }
}
