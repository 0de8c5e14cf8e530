package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.schema.Frame;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FrameSourceTest {

  private static Path images() {
    return Path.of(System.getProperty("advmon.home", "..")).resolve("models/eval/fashion-mnist-test");
  }

  @Test
  void framesCarryTheirRunAndSequenceAndCycleThroughTheLabelledImages() throws Exception {
    FrameSource s = new FrameSource(images(), "run7");
    Frame f = s.frame(12345, "cam-02", 1_000);
    assertThat(f.getFrameId()).isEqualTo("run7-12345");
    assertThat(f.getCameraId()).isEqualTo("cam-02");
    assertThat(f.getAttributes()).containsEntry("loadtest.run", "run7").containsKey("truth.label");
    assertThat(s.sequenceOf(f.getFrameId())).isEqualTo(12345);
    int n = s.images().size();
    assertThat(s.frame(3 + n, "cam-01", 0).getImage()).isEqualTo(s.frame(3, "cam-01", 0).getImage());
  }

  @Test
  void framesOfOtherRunsOrWithoutAnIdAreNotThisRuns() throws Exception {
    FrameSource s = new FrameSource(images(), "run7");
    assertThat(s.sequenceOf("run8-1")).isEqualTo(-1);
    assertThat(s.sequenceOf("run77-1")).isEqualTo(-1);
    assertThat(s.sequenceOf("run7-")).isEqualTo(-1);
    assertThat(s.sequenceOf("run7-x")).isEqualTo(-1);
    assertThat(s.sequenceOf(null)).isEqualTo(-1);
  }
}
