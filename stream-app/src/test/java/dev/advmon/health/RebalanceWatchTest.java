package dev.advmon.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RebalanceWatchTest {

  private static final long TIMEOUT = 300_000;
  private final RebalanceWatch watch = new RebalanceWatch(TIMEOUT);
  private final Object client = new Object();

  @Test
  void aRebalanceThatRestoresNothingWithTheBrokerUpIsDueForARestartOnceAfterTheTimeout() {
    assertThat(watch.sample(new RebalanceWatch.Sample(0, true, 0, true, client))).isNull();
    assertThat(watch.sample(new RebalanceWatch.Sample(TIMEOUT - 1, true, 0, true, client))).isNull();

    assertThat(watch.sample(new RebalanceWatch.Sample(TIMEOUT, true, 0, true, client)))
        .contains("REBALANCING for 300 s").contains("health.rebalance-timeout-ms=300000");
    assertThat(watch.sample(new RebalanceWatch.Sample(TIMEOUT + 2_000, true, 0, true, client)))
        .as("one restart per client").isNull();
  }

  @Test
  void aLongRestoreThatReadsRecordsIsProgressNotAStall() {
    for (long t = 0; t <= 3 * TIMEOUT; t += 10_000) {
      assertThat(watch.sample(new RebalanceWatch.Sample(t, true, t / 10_000, true, client))).isNull();
    }
  }

  @Test
  void waitingForAnUnreachableBrokerIsNotAStallAndTheClockStartsWhenItAnswers() {
    watch.sample(new RebalanceWatch.Sample(0, true, 0, true, client));
    for (long t = 10_000; t <= 2 * TIMEOUT; t += 10_000) {
      assertThat(watch.sample(new RebalanceWatch.Sample(t, true, 0, false, client))).isNull();
    }
    long lastAway = 2 * TIMEOUT; // the clock starts at the last sample that saw the broker away
    assertThat(watch.sample(new RebalanceWatch.Sample(lastAway + 10_000, true, 0, true, client))).isNull();
    assertThat(watch.sample(new RebalanceWatch.Sample(lastAway + TIMEOUT - 1, true, 0, true, client))).isNull();
    assertThat(watch.sample(new RebalanceWatch.Sample(lastAway + TIMEOUT, true, 0, true, client))).isNotNull();
  }

  @Test
  void runningInBetweenOrANewClientStartsTheClockAgain() {
    watch.sample(new RebalanceWatch.Sample(0, true, 0, true, client));
    watch.sample(new RebalanceWatch.Sample(TIMEOUT / 2, false, 0, true, client));
    assertThat(watch.sample(new RebalanceWatch.Sample(TIMEOUT, true, 0, true, client))).isNull();
    assertThat(watch.sample(new RebalanceWatch.Sample(TIMEOUT / 2 + TIMEOUT, true, 0, true, client))).isNotNull();

    Object next = new Object();
    long t = 2 * TIMEOUT;
    assertThat(watch.sample(new RebalanceWatch.Sample(t, true, 0, true, next))).isNull();
    assertThat(watch.sample(new RebalanceWatch.Sample(t + TIMEOUT, true, 0, true, next)))
        .as("a replacement client that stalls too is due again").isNotNull();
  }

  @Test
  void anActiveRestoreThatStopsMovingIsStalledAfterTheTimeoutWhateverItRestoredBefore() {
    RestoreProgress restores = new RestoreProgress();
    TopicPartition changelog = new TopicPartition("advmon-camera-status-changelog", 0);
    restores.onRestoreStart(changelog, "camera-status", 0, 9_000);
    restores.onBatchRestored(changelog, "camera-status", 4_999, 5_000);
    for (long t = 0; t < TIMEOUT; t += 2_000) {
      assertThat(watch.sample(new RebalanceWatch.Sample(t, true, restores.steps(), true, client))).isNull();
    }
    assertThat(watch.sample(new RebalanceWatch.Sample(TIMEOUT, true, restores.steps(), true, client)))
        .as("a count that exists but does not move is no progress").contains("REBALANCING for 300 s");
  }

  @Test
  void aStuckRestoreThatIsSuspendedAndStartedAgainOnEveryRebalanceIsStillStalled() {
    // Kafka Streams 4.3 (StoreChangelogReader) calls onRestoreSuspended when an active task that is restoring is
    // removed (revoked on a rebalance, corrupted, closed) and onRestoreStart when it is assigned again: a restore stuck
    // at position 0 through repeated rebalances calls both every time and restores nothing
    RestoreProgress restores = new RestoreProgress();
    TopicPartition changelog = new TopicPartition("advmon-camera-status-changelog", 0);
    for (long t = 0; t < TIMEOUT; t += 60_000) {
      restores.onRestoreStart(changelog, "camera-status", 0, 9_000);
      assertThat(watch.sample(new RebalanceWatch.Sample(t, true, restores.steps(), true, client))).isNull();
      restores.onRestoreSuspended(changelog, "camera-status", 0);
    }
    restores.onRestoreStart(changelog, "camera-status", 0, 9_000);
    assertThat(watch.sample(new RebalanceWatch.Sample(TIMEOUT, true, restores.steps(), true, client)))
        .as("starting and suspending the same restore over and over is no progress").contains("REBALANCING for 300 s");
  }

  @Test
  void onlyRestoreConsumersLagIsLeftOutEvenWhenTheApplicationIdSaysRestore() {
    assertThat(RebalanceWatch.ofRestoreConsumer(lag("restore-lab-vm-StateUpdater-1-restore-consumer"))).isTrue();
    assertThat(RebalanceWatch.ofRestoreConsumer(lag("restore-lab-vm-StreamThread-1-consumer")))
        .as("so the health checker keeps the main consumer's lag for the stall detector").isFalse();
  }

  private static MetricName lag(String clientId) {
    return new MetricName("records-lag", "consumer-fetch-manager-metrics", "",
        Map.of("client-id", clientId, "topic", "frames", "partition", "0"));
  }
}
