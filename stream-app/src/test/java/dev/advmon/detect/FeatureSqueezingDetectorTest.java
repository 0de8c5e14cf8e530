package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The feature-shift signal's arithmetic, with values worked out by hand: no other test reached it, so it could
 * return 0 for every frame with all detector and evaluation tests green.
 */
class FeatureSqueezingDetectorTest {

  @Test
  void theFeatureShiftIsTheDistanceMovedRelativeToTheFramesFeatureLength() {
    float[] frame = {3, 4}; // length 5
    assertThat(FeatureSqueezingDetector.relativeShift(frame, new float[] {3, 4})).isZero();
    assertThat(FeatureSqueezingDetector.relativeShift(frame, new float[] {3, 0})).isCloseTo(0.8, within(1e-9)); // 4 / 5
    assertThat(FeatureSqueezingDetector.relativeShift(frame, new float[] {0, 0})).isCloseTo(1.0, within(1e-9)); // 5 / 5
    assertThat(FeatureSqueezingDetector.relativeShift(new float[] {0, 0}, new float[] {0, 0}))
        .as("0 when both are zero, not NaN").isZero();
  }
}
