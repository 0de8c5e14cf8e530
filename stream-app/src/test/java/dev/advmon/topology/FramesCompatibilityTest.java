package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FramesCompatibilityTest {

  @Test
  void warnsWhenTheFramesSubjectLetsProducersRegisterAFrameTheMonitorCannotRead() {
    for (String unsafe : new String[] {"BACKWARD", "BACKWARD_TRANSITIVE", "NONE"}) {
      assertThat(StreamingMonitor.framesCompatibilityWarning("frames-value", unsafe)).as(unsafe)
          .contains("frames-value").contains(unsafe).contains("FORWARD_TRANSITIVE or FULL_TRANSITIVE");
    }
    for (String safe : new String[] {"FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"}) {
      assertThat(StreamingMonitor.framesCompatibilityWarning("frames-value", safe)).as(safe).isNull();
    }
  }
}
