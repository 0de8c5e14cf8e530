package dev.advmon.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RestoreProgressTest {

  private final RestoreProgress restores = new RestoreProgress();
  private final TopicPartition changelog = new TopicPartition("advmon-camera-status-changelog", 2);

  @Test
  void countsEveryRecordAnActiveTaskRestoresAndEachEnd() {
    assertThat(restores.steps()).isZero();
    restores.onRestoreStart(changelog, "camera-status", 0, 300);
    assertThat(restores.steps()).as("a start restores nothing yet").isZero();
    restores.onBatchRestored(changelog, "camera-status", 99, 100);
    restores.onBatchRestored(changelog, "camera-status", 299, 200);
    assertThat(restores.steps()).isEqualTo(300);
    restores.onRestoreEnd(changelog, "camera-status", 300);
    assertThat(restores.steps()).as("one that ends is a step, so that many empty stores restored are progress too")
        .isEqualTo(301);
  }

  @Test
  void aRestoreSuspendedAndStartedAgainIsNoStepAndNothingEverCountsBackwards() {
    restores.onRestoreStart(changelog, "camera-status", 0, 300);
    restores.onRestoreSuspended(changelog, "camera-status", 0);
    restores.onRestoreStart(changelog, "camera-status", 0, 300);
    restores.onBatchRestored(changelog, "camera-status", 0, -1);
    assertThat(restores.steps()).isZero();
  }
}
