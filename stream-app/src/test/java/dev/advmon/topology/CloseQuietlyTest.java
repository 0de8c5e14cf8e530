package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
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
    StreamsBuilder b = new StreamsBuilder();
    b.stream("frames").to("verdicts");
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "advmon-close-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1");
    p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
    KafkaStreams noThreadLeft = new KafkaStreams(b.build(), p) {
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
