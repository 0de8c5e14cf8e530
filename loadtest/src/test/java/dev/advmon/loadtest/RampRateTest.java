package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RampRateTest {

  @Test
  void eachStepOffersMoreThanTheOneBeforeEvenWhereTheFactorRoundsAway() {
    // rounded to a tenth alone, these came back unchanged: every step of the ramp at the first rate
    assertThat(LoadTestCommand.nextRampRate(0.2, 1.2)).isEqualTo(0.3);
    assertThat(LoadTestCommand.nextRampRate(2, 1.02)).isEqualTo(2.1);
    assertThat(LoadTestCommand.nextRampRate(0.1, 1.25)).isEqualTo(0.2);
    assertThat(LoadTestCommand.nextRampRate(12.34, 1.001)).isEqualTo(12.4);
    // where the factor shows, it is the factor, to a tenth
    assertThat(LoadTestCommand.nextRampRate(100, 1.25)).isEqualTo(125.0);
    assertThat(LoadTestCommand.nextRampRate(125, 1.25)).isEqualTo(156.3);
    double r = 1;
    for (int i = 0; i < 100; i++) {
      double next = LoadTestCommand.nextRampRate(r, 1.01);
      assertThat(next).as("after %s", r).isGreaterThan(r);
      r = next;
    }
  }
}
