package dev.advmon.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RestoreProgressTest {

  private final RestoreProgress restores = new RestoreProgress();
  private final TopicPartition changelog = new TopicPartition("advmon-camera-status-changelog", 2);

  @Test
  void countsEveryRecordAnActiveTaskRestoresAndEachStartAndEnd() {
    assertThat(restores.steps()).isZero();
    restores.onRestoreStart(changelog, "camera-status", 0, 300);
    assertThat(restores.steps()).as("a restore that starts is a step").isEqualTo(1);
    restores.onBatchRestored(changelog, "camera-status", 99, 100);
    restores.onBatchRestored(changelog, "camera-status", 299, 200);
    assertThat(restores.steps()).isEqualTo(301);
    restores.onRestoreEnd(changelog, "camera-status", 300);
    assertThat(restores.steps()).as("and one that ends, so that many empty stores restored are progress too")
        .isEqualTo(302);
  }

  @Test
  void aSuspendedRestoreIsAStepAndNothingEverCountsBackwards() {
    restores.onRestoreStart(changelog, "camera-status", 0, 300);
    restores.onRestoreSuspended(changelog, "camera-status", 0);
    restores.onBatchRestored(changelog, "camera-status", 0, -1);
    assertThat(restores.steps()).isEqualTo(2);
  }
}
