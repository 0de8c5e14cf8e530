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

  @Test
  void theWarningSaysHowToSetTheFramesSubjectsCompatibilityOnTheRegistry() {
    // "set it to FORWARD_TRANSITIVE" alone left an operator to find the registry's REST call for a subject's level
    String warning = StreamingMonitor.framesCompatibilityWarning("cam-frames-value", "BACKWARD");
    assertThat(warning).contains("PUT <registry.url>/config/cam-frames-value")
        .contains("{\"compatibility\":\"FORWARD_TRANSITIVE\"}")
        .contains("curl -X PUT -H 'Content-Type: application/json' -d '{\"compatibility\":\"FORWARD_TRANSITIVE\"}' "
            + "<registry.url>/config/cam-frames-value");
  }
}
