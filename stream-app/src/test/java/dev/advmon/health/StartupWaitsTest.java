package dev.advmon.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StartupWaitsTest {

  @Test
  void listsEachDependencyStillWaitedForWithItsLatestFailureInAStableOrder() {
    StartupWaits waits = new StartupWaits();
    assertThat(waits.reasons()).singleElement().asString().startsWith("starting:");

    waits.waiting("schema registry", "HTTP 401");
    waits.waiting("Kafka", "no answer");
    waits.waiting("schema registry", "connection refused");

    assertThat(waits.reasons()).containsExactly(waits.reasons().get(0), "Kafka: no answer",
        "schema registry: connection refused");
  }

  @Test
  void dropsADependencyOnceItAnswered() {
    StartupWaits waits = new StartupWaits();
    waits.waiting("model", "loading");
    waits.waiting("Kafka", "no answer");

    waits.reached("model");
    waits.reached("schema registry"); // never waited for: nothing to drop

    assertThat(waits.reasons()).hasSize(2).last().isEqualTo("Kafka: no answer");
  }
}
