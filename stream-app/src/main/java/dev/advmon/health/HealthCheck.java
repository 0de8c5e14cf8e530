package dev.advmon.health;

import org.apache.kafka.streams.KafkaStreams;

/** What {@code /health/ready} and {@code /health/live} answer. */
public interface HealthCheck {

  /** Whether this instance should get traffic now: 200 only when UP. */
  HealthReport readiness();

  /** Whether this process should be left running: DOWN only when it is wedged (restart it). */
  HealthReport liveness();

  /**
   * The health of a Kafka Streams state alone, for callers that have nothing more (tests, tools): ready while
   * RUNNING, live unless NOT_RUNNING or ERROR.
   */
  static HealthCheck ofState(java.util.function.Supplier<KafkaStreams.State> state) {
    return new HealthCheck() {
      @Override
      public HealthReport readiness() {
        KafkaStreams.State s = state.get();
        return s == KafkaStreams.State.RUNNING ? HealthReport.up(s.name())
            : new HealthReport(false, String.valueOf(s), java.util.List.of("Kafka Streams is " + s + ", not RUNNING"));
      }

      @Override
      public HealthReport liveness() {
        KafkaStreams.State s = state.get();
        return s != KafkaStreams.State.NOT_RUNNING && s != KafkaStreams.State.ERROR ? HealthReport.up(String.valueOf(s))
            : new HealthReport(false, String.valueOf(s), java.util.List.of("Kafka Streams is " + s));
      }
    };
  }
}
