package dev.advmon.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoSummaryTest {

  private static DemoSummary summary(Double detectionRate, String attacksMadeFor, Double transferredFlagged) {
    return new DemoSummary(100, 4, "cam-04", 98, 2, 0, Map.of(), Map.of(), Map.of(),
        Map.of("clean", new DemoSummary.KindRow(60, 60, 1), "perturbation", new DemoSummary.KindRow(20, 20, 1)),
        Map.of(), List.of("stability"), detectionRate, 0.02, attacksMadeFor, transferredFlagged, List.of(), List.of(),
        10, 5, 20, Map.of(), false);
  }

  /** With a user's model, the replayed attacks (made for the bundled model) must not be read as its detection rate. */
  @Test
  void givesNoDetectionRateForAttacksMadeForAnotherModel() {
    String table = summary(null, "fashion-mnist-cnn", 0.05).table();
    assertThat(table).contains("n/a for this model: the attacks were made for fashion-mnist-cnn")
        .contains("5.0% of those frames flagged").doesNotContain("of attacked frames flagged");
  }

  @Test
  void givesTheDetectionRateForAttacksOnTheModelInUse() {
    assertThat(summary(0.8, null, null).table()).contains("80.0% of attacked frames flagged");
  }
}
