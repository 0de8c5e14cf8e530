package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThatCode;

import dev.advmon.testing.UnstartedStreams;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CloseQuietlyTest {

  /**
   * KafkaStreams.close starts a close thread: where a start failed for want of native threads (the Error the restart
   * retries), the close of that client fails with the same Error. On the supervisor it must not end the restart,
   * whose next start is what counts the failures towards `stuck` (liveness DOWN).
   */
  @Test
  void anErrorClosingAFailedClientDoesNotEndTheRestart(@TempDir Path state) {
    KafkaStreams noThreadLeft = new KafkaStreams(UnstartedStreams.topology(),
        UnstartedStreams.properties("advmon-close-test", state, 1)) {
      @Override
      public boolean close(org.apache.kafka.streams.CloseOptions options) { // not KafkaStreams' own nested CloseOptions
        throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource limits reached");
      }
    };
    try {
      assertThatCode(() -> StreamingMonitor.closeQuietly(noThreadLeft)).doesNotThrowAnyException();
    } finally {
      noThreadLeft.close(Duration.ofSeconds(30));
    }
  }
}
