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

  @Test
  void aStartThatIsOnlyRebalancingIsInfoNotAWarning() {
    ReadinessChanges changes = new ReadinessChanges();
    assertThat(changes.next(down(State.CREATED, ReadinessChanges.stateReason(State.CREATED))))
        .as("not started yet").isEqualTo(Level.INFO);
    assertThat(changes.next(rebalancing())).as("first assignment").isEqualTo(Level.INFO);
    assertThat(changes.next(HealthReport.up("RUNNING"))).isEqualTo(Level.INFO);
  }

  @Test
  void aMonitorThatWasReadyAndIsNoLongerWarns() {
    ReadinessChanges changes = new ReadinessChanges();
    changes.next(rebalancing());
    changes.next(HealthReport.up("RUNNING"));
    assertThat(changes.next(rebalancing())).as("a rebalance after it was ready").isEqualTo(Level.WARN);
  }

  @Test
  void aProblemWhileStartingWarnsEvenBeforeTheFirstUp() {
    ReadinessChanges changes = new ReadinessChanges();
    assertThat(changes.next(down(State.REBALANCING, ReadinessChanges.stateReason(State.REBALANCING),
        "Kafka at 127.0.0.1:9092 unreachable for 3 s: timed out"))).as("the broker gone while starting")
        .isEqualTo(Level.WARN);
    assertThat(changes.next(down(State.REBALANCING,
        "Kafka Streams is restarting after a failure: RegistryUnavailableException: ...")))
        .as("a failure while starting").isEqualTo(Level.WARN);
  }

  @Test
  void theSameStoryIsLoggedOnceWhateverItsNumbersSay() {
    ReadinessChanges changes = new ReadinessChanges();
    changes.next(HealthReport.up("RUNNING"));
    assertThat(changes.next(down(State.RUNNING, "schema registry at x unreachable for 1 s"))).isEqualTo(Level.WARN);
    assertThat(changes.next(down(State.RUNNING, "schema registry at x unreachable for 12 s"))).isNull();
    assertThat(changes.next(HealthReport.up("RUNNING"))).isEqualTo(Level.INFO);
    assertThat(changes.next(HealthReport.up("RUNNING"))).isNull();
  }
}
