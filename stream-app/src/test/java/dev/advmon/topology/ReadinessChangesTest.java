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
    assertThat(level(changes.next(down(State.CREATED, ReadinessChanges.stateReason(State.CREATED)), 0)))
        .as("not started yet").isEqualTo(Level.INFO);
    assertThat(level(changes.next(rebalancing(), 0))).as("first assignment").isEqualTo(Level.INFO);
    assertThat(level(changes.next(HealthReport.up("RUNNING"), 0))).isEqualTo(Level.INFO);
  }

  /**
   * A rebalance of a monitor that was ready (another pod left or joined the group: with leave-group-on-close=auto, a
   * rolling restart gives every other pod 3 to 9 s of it) warned each time: as expected as a start's, so INFO while it
   * lasts less than the bound, and one WARN once it lasts past it.
   */
  @Test
  void aRebalanceOfAMonitorThatWasReadyIsInfoUntilItLastsPastTheBound() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    changes.next(rebalancing(), 0);
    changes.next(HealthReport.up("RUNNING"), 0);
    assertThat(level(changes.next(rebalancing(), 1_000))).as("a rebalance after it was ready").isEqualTo(Level.INFO);
    assertThat(changes.next(rebalancing(), 30_999)).as("within the bound").isNull();
    ReadinessChanges.Line lasting = changes.next(rebalancing(), 31_000);
    assertThat(lasting.level()).isEqualTo(Level.WARN);
    assertThat(lasting.message()).startsWith("readiness still DOWN after 30 s").contains("Kafka Streams is REBALANCING");
    assertThat(changes.next(rebalancing(), 40_000)).as("said once").isNull();
    assertThat(level(changes.next(HealthReport.up("RUNNING"), 41_000))).isEqualTo(Level.INFO);
  }

  @Test
  void aMonitorThatWasReadyAndIsDownForAnotherReasonWarnsAtOnce() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    changes.next(HealthReport.up("RUNNING"), 0);
    assertThat(level(changes.next(down(State.REBALANCING, ReadinessChanges.stateReason(State.REBALANCING),
        "Kafka at 127.0.0.1:9092 unreachable for 3 s: timed out"), 1_000))).as("a rebalance and the broker gone")
        .isEqualTo(Level.WARN);
    changes.next(HealthReport.up("RUNNING"), 2_000);
    assertThat(level(changes.next(down(State.RUNNING, "scoring fails"), 3_000))).isEqualTo(Level.WARN);
  }

  /**
   * After an in-place restart (a task failed, the monitor had been ready), the new client's REBALANCING was a second
   * WARN: the restart had warned already (StreamingMonitor), and every restart goes through it. INFO now, as at a
   * start.
   */
  @Test
  void theRebalanceOfARestartedClientIsInfoNotASecondWarning() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    changes.next(HealthReport.up("RUNNING"), 0);
    assertThat(changes.next(down(State.REBALANCING,
        "Kafka Streams is restarting after a failure: RegistryUnavailableException: ..."), 1_000).level())
        .as("the restart itself").isEqualTo(Level.WARN);
    assertThat(changes.next(rebalancing(), 3_000).level()).as("the new client joining its group")
        .isEqualTo(Level.INFO);
    assertThat(changes.next(HealthReport.up("RUNNING"), 4_000).level()).isEqualTo(Level.INFO);
    assertThat(changes.next(rebalancing(), 9_000).level()).as("a rebalance of the client that was ready")
        .isEqualTo(Level.INFO);
  }

  /** The health checker may not sample the restart itself (a 2 s interval, a 1 s backoff): UP, then the new client. */
  @Test
  void theRebalanceOfARestartedClientIsInfoAlsoWhenTheRestartWasNotSampled() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    changes.next(HealthReport.up("RUNNING"), 0);
    assertThat(changes.next(rebalancing(), 2_000).level()).isEqualTo(Level.INFO);
  }

  /**
   * An expected DOWN, logged at INFO, must not hide one that lasts: once it has lasted the bound (streams.session-
   * timeout-ms, the longest a group join waits), one WARN says so, with how long; then nothing until it changes.
   */
  @Test
  void anExpectedDownThatLastsWarnsOnceAfterTheBound() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    changes.next(HealthReport.up("RUNNING"), 0);
    assertThat(changes.next(rebalancing(), 2_000).level()).isEqualTo(Level.INFO);
    assertThat(changes.next(rebalancing(), 31_999)).as("within the bound").isNull();
    ReadinessChanges.Line lasting = changes.next(rebalancing(), 32_000);
    assertThat(lasting.level()).isEqualTo(Level.WARN);
    assertThat(lasting.message())
        .startsWith("readiness still DOWN after 30 s (longer than streams.session-timeout-ms=30000")
        .contains("Kafka Streams is REBALANCING").contains("health.rebalance-timeout-ms");
    assertThat(changes.next(rebalancing(), 60_000)).as("said once").isNull();
    assertThat(changes.next(HealthReport.up("RUNNING"), 61_000).level()).isEqualTo(Level.INFO);
  }

  @Test
  void aStartThatStaysDownPastTheBoundWarnsToo() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    assertThat(changes.next(down(State.CREATED, ReadinessChanges.stateReason(State.CREATED)), 0).level())
        .isEqualTo(Level.INFO);
    assertThat(changes.next(rebalancing(), 2_000).level()).as("still the same DOWN").isEqualTo(Level.INFO);
    assertThat(changes.next(rebalancing(), 30_000).level()).as("counted from the first").isEqualTo(Level.WARN);
  }

  @Test
  void aProblemWhileStartingWarnsEvenBeforeTheFirstUp() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    assertThat(level(changes.next(down(State.REBALANCING, ReadinessChanges.stateReason(State.REBALANCING),
        "Kafka at 127.0.0.1:9092 unreachable for 3 s: timed out"), 0))).as("the broker gone while starting")
        .isEqualTo(Level.WARN);
    assertThat(level(changes.next(down(State.REBALANCING,
        "Kafka Streams is restarting after a failure: RegistryUnavailableException: ..."), 0)))
        .as("a failure while starting").isEqualTo(Level.WARN);
  }

  @Test
  void theSameStoryIsLoggedOnceWhateverItsNumbersSay() {
    ReadinessChanges changes = new ReadinessChanges(30_000);
    changes.next(HealthReport.up("RUNNING"), 0);
    assertThat(level(changes.next(down(State.RUNNING, "schema registry at x unreachable for 1 s"), 0)))
        .isEqualTo(Level.WARN);
    assertThat(level(changes.next(down(State.RUNNING, "schema registry at x unreachable for 12 s"), 0)))
        .isNull();
    assertThat(level(changes.next(HealthReport.up("RUNNING"), 0))).isEqualTo(Level.INFO);
    assertThat(level(changes.next(HealthReport.up("RUNNING"), 0))).isNull();
  }
}
