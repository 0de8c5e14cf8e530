package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A signal that is 0 on (nearly) every clean threshold frame gets the least scale, and any frame where it is not 0
 * then alerts on it: walked with a 16x16 colour model, whose overinterpretation "scarcity" was 0 on every frame, one
 * pixel at the mask value alerted, and the calibration said nothing. It now says which signal and what to do.
 */
class FlatSignalWarningTest {

  @Test
  void aSignalAtTheLeastScaleIsNamedWithWhatToDo() {
    assertThat(Calibrator.flatSignal(OverinterpretationDetector.NAME, "'scarcity'", Calibrator.SCALE_FLOOR, false))
        .isEqualTo("the overinterpretation detector's signal 'scarcity' is 0 on 99% or more of the clean threshold "
            + "frames the model gets right, so any frame where it is not 0 alerts on it: calibrate on frames that "
            + "show this camera's ordinary variation (the --images folder), or leave the overinterpretation detector "
            + "out (see ./monitor calibrate --help)");
    assertThat(Calibrator.flatSignal(OverinterpretationDetector.NAME, "'noise-fill'", Calibrator.SCALE_FLOOR, true))
        .startsWith("the overinterpretation detector's signal 'noise-fill' is 0 on all of the clean");
    assertThat(Calibrator.flatSignal("fooling", "number 2", Calibrator.SCALE_FLOOR, false))
        .startsWith("the fooling detector's signal number 2 is 0");
  }

  @Test
  void aSignalThatVariesOnCleanFramesIsNotNamed() {
    assertThat(Calibrator.flatSignal(StabilityDetector.NAME, "'boundary'", 6.4, false)).isNull();
    assertThat(Calibrator.flatSignal(StabilityDetector.NAME, "'boundary'", 1e-6, false)).isNull();
  }
}
