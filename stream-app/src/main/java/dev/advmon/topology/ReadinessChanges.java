package dev.advmon.topology;

import dev.advmon.health.HealthReport;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.event.Level;

/**
 * Which readiness answers are logged, and at which level: each change (of UP/DOWN or of the reasons, not of the
 * numbers in them, so that "for 12 s" is not logged every second), UP at INFO and DOWN at WARN, except a start's
 * expected DOWN: before the first UP, while the only reason is that Kafka Streams has not started or is being assigned
 * its partitions, it is INFO. Every normal start goes through it, and a newcomer reads a WARN as trouble; a DOWN with
 * any other reason (the broker gone, a failure, a restart) still warns, and so does any DOWN after the first UP.
 * One per checker.
 */
final class ReadinessChanges {

  private String lastLogged;
  private boolean beenUp;

  /** The reason readiness gives for a Kafka Streams client that is not RUNNING and not failing or restarting. */
  static String stateReason(KafkaStreams.State state) {
    return "Kafka Streams is " + state + (state == KafkaStreams.State.REBALANCING
        ? " (partitions are being assigned or restored)" : "");
  }

  /** The level to log {@code ready} at; null when it says what the last line logged said. */
  Level next(HealthReport ready) {
    String key = ready.up() + ":" + String.join(";", ready.reasons()).replaceAll("\\d+", "#");
    if (key.equals(lastLogged)) {
      return null;
    }
    lastLogged = key;
    beenUp |= ready.up();
    return ready.up() || !beenUp && starting(ready) ? Level.INFO : Level.WARN;
  }

  private static boolean starting(HealthReport ready) {
    return ready.reasons().equals(java.util.List.of(stateReason(KafkaStreams.State.CREATED)))
        || ready.reasons().equals(java.util.List.of(stateReason(KafkaStreams.State.REBALANCING)));
  }
}
