package dev.advmon.topology;

import dev.advmon.health.HealthReport;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.event.Level;

/**
 * Which readiness answers are logged, and at which level: each change (of UP/DOWN or of the reasons, not of the
 * numbers in them, so that "for 12 s" is not logged every second), UP at INFO and DOWN at WARN, except an expected
 * DOWN: while the only reason is that Kafka Streams has not started or is being assigned its partitions, it is INFO.
 * Every start and every in-place restart goes through it, and so does every ready instance whenever another one joins
 * or leaves the group (a rolling restart with streams.leave-group-on-close=auto gives each of them 3 to 9 s of it): a
 * newcomer reads a WARN as trouble, and an operator learns to ignore a WARN that every rollout brings. An expected DOWN
 * that lasts is trouble, though: once it has lasted {@code lastingMs} (streams.session-timeout-ms, the longest a group
 * join waits), one WARN says so. A DOWN with any other reason (the broker gone, a failure, a restart) warns at once.
 * One per checker.
 */
final class ReadinessChanges {

  /** A line to log: its level and its text. */
  record Line(Level level, String message) {}

  private static final long NONE = Long.MIN_VALUE;

  private final long lastingMs;
  private String lastLogged;
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

  /** The line to log for {@code ready}, answered at {@code nowMs}; null when it says what the last line logged said. */
  Line next(HealthReport ready, long nowMs) {
    String key = ready.up() + ":" + String.join(";", ready.reasons()).replaceAll("\\d+", "#");
    boolean changed = !key.equals(lastLogged);
    lastLogged = key;
    if (ready.up()) {
      expectedSince = NONE;
      return changed ? new Line(Level.INFO, "readiness " + ready) : null;
    }
    if (!expected(ready)) {
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

  /** Only starting or joining its group: a start, a restart in place, or another instance joining or leaving. */
  private static boolean expected(HealthReport ready) {
    return ready.reasons().equals(List.of(stateReason(KafkaStreams.State.CREATED)))
        || ready.reasons().equals(List.of(stateReason(KafkaStreams.State.REBALANCING)));
  }
}
