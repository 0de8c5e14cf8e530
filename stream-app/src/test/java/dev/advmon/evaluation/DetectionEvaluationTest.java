package dev.advmon.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class DetectionEvaluationTest {

  @Test
  void theUpperBoundOfAFalseAlarmRateIsWilsonsAt95Percent() {
    // reference values of the Wilson score interval, z = 1.96
    assertThat(DetectionEvaluation.wilsonUpper(15, 174)).as("scratches: 8.6%% measured").isCloseTo(0.13735, offset(1e-5));
    assertThat(DetectionEvaluation.wilsonUpper(0, 100)).isCloseTo(0.03699, offset(1e-5));
    assertThat(DetectionEvaluation.wilsonUpper(100, 100)).isEqualTo(1.0);
    assertThat(DetectionEvaluation.wilsonUpper(0, 0)).isNaN();
  }
}
