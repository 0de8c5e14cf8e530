package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.health.HealthReport;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class ReadinessChangesTest {

  private static HealthReport down(State state, String... reasons) {
    return new HealthReport(false, state.name(), List.of(reasons));
  }

  private static HealthReport rebalancing() {
    return down(State.REBALANCING, ReadinessChanges.stateReason(State.REBALANCING));
  }

  /** The level of {@code line}, null when nothing is logged. */
  private static Level level(ReadinessChanges.Line line) {
    return line == null ? null : line.level();
  }

  @Test
  void aStartThatIsOnlyRebalancingIsInfoNotAWarning() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    assertThat(level(changes.next(down(State.CREATED, ReadinessChanges.stateReason(State.CREATED)), "c", 0)))
        .as("not started yet").isEqualTo(Level.INFO);
    assertThat(level(changes.next(rebalancing(), "c", 0))).as("first assignment").isEqualTo(Level.INFO);
    assertThat(level(changes.next(HealthReport.up("RUNNING"), "c", 0))).isEqualTo(Level.INFO);
  }

  @Test
  void aMonitorThatWasReadyAndIsNoLongerWarns() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    changes.next(rebalancing(), "c", 0);
    changes.next(HealthReport.up("RUNNING"), "c", 0);
    assertThat(level(changes.next(rebalancing(), "c", 0))).as("a rebalance after it was ready").isEqualTo(Level.WARN);
  }

  /**
   * After an in-place restart (a task failed, the monitor had been ready), the new client's REBALANCING was a second
   * WARN: the restart had warned already (StreamingMonitor), and every restart goes through it. INFO now, as at a
   * start.
   */
  @Test
  void theRebalanceOfARestartedClientIsInfoNotASecondWarning() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    Object failed = new Object();
    Object restarted = new Object();
    changes.next(HealthReport.up("RUNNING"), failed, 0);
    assertThat(changes.next(down(State.REBALANCING,
        "Kafka Streams is restarting after a failure: RegistryUnavailableException: ..."), failed, 1_000).level())
        .as("the restart itself").isEqualTo(Level.WARN);
    assertThat(changes.next(rebalancing(), restarted, 3_000).level()).as("the new client joining its group")
        .isEqualTo(Level.INFO);
    assertThat(changes.next(HealthReport.up("RUNNING"), restarted, 4_000).level()).isEqualTo(Level.INFO);
    assertThat(changes.next(rebalancing(), restarted, 9_000).level()).as("a rebalance of the client that was ready")
        .isEqualTo(Level.WARN);
  }

  /** The health checker may not sample the restart itself (a 2 s interval, a 1 s backoff): UP, then the new client. */
  @Test
  void theRebalanceOfARestartedClientIsInfoAlsoWhenTheRestartWasNotSampled() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    changes.next(HealthReport.up("RUNNING"), "failed", 0);
    assertThat(changes.next(rebalancing(), "restarted", 2_000).level()).isEqualTo(Level.INFO);
  }

  /**
   * An expected DOWN, logged at INFO, must not hide one that lasts: once it has lasted the bound (streams.session-
   * timeout-ms, the longest a group join waits), one WARN says so, with how long; then nothing until it changes.
   */
  @Test
  void anExpectedDownThatLastsWarnsOnceAfterTheBound() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    changes.next(HealthReport.up("RUNNING"), "failed", 0);
    assertThat(changes.next(rebalancing(), "restarted", 2_000).level()).isEqualTo(Level.INFO);
    assertThat(changes.next(rebalancing(), "restarted", 31_999)).as("within the bound").isNull();
    ReadinessChanges.Line lasting = changes.next(rebalancing(), "restarted", 32_000);
    assertThat(lasting.level()).isEqualTo(Level.WARN);
    assertThat(lasting.message())
        .startsWith("readiness still DOWN after 30 s (longer than streams.session-timeout-ms=30000")
        .contains("Kafka Streams is REBALANCING").contains("health.rebalance-timeout-ms");
    assertThat(changes.next(rebalancing(), "restarted", 60_000)).as("said once").isNull();
    assertThat(changes.next(HealthReport.up("RUNNING"), "restarted", 61_000).level()).isEqualTo(Level.INFO);
  }

  @Test
  void aStartThatStaysDownPastTheBoundWarnsToo() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    assertThat(changes.next(down(State.CREATED, ReadinessChanges.stateReason(State.CREATED)), "c", 0).level())
        .isEqualTo(Level.INFO);
    assertThat(changes.next(rebalancing(), "c", 2_000).level()).as("still the same DOWN").isEqualTo(Level.INFO);
    assertThat(changes.next(rebalancing(), "c", 30_000).level()).as("counted from the first").isEqualTo(Level.WARN);
  }

  @Test
  void aProblemWhileStartingWarnsEvenBeforeTheFirstUp() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    assertThat(level(changes.next(down(State.REBALANCING, ReadinessChanges.stateReason(State.REBALANCING),
        "Kafka at 127.0.0.1:9092 unreachable for 3 s: timed out"), "c", 0))).as("the broker gone while starting")
        .isEqualTo(Level.WARN);
    assertThat(level(changes.next(down(State.REBALANCING,
        "Kafka Streams is restarting after a failure: RegistryUnavailableException: ..."), "c", 0)))
        .as("a failure while starting").isEqualTo(Level.WARN);
  }

  @Test
  void theSameStoryIsLoggedOnceWhateverItsNumbersSay() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    changes.next(HealthReport.up("RUNNING"), "c", 0);
    assertThat(level(changes.next(down(State.RUNNING, "schema registry at x unreachable for 1 s"), "c", 0)))
        .isEqualTo(Level.WARN);
    assertThat(level(changes.next(down(State.RUNNING, "schema registry at x unreachable for 12 s"), "c", 0)))
        .isNull();
    assertThat(level(changes.next(HealthReport.up("RUNNING"), "c", 0))).isEqualTo(Level.INFO);
    assertThat(level(changes.next(HealthReport.up("RUNNING"), "c", 0))).isNull();
  }
}
