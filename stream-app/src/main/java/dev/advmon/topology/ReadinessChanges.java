package dev.advmon.topology;

import dev.advmon.health.HealthReport;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.event.Level;

/**
 * Which readiness answers are logged, and at which level: each change (of UP/DOWN or of the reasons, not of the
 * numbers in them, so that "for 12 s" is not logged every second), UP at INFO and DOWN at WARN. One per checker.
 */
final class ReadinessChanges {

  private String lastLogged;

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
    return ready.up() ? Level.INFO : Level.WARN;
  }
}
