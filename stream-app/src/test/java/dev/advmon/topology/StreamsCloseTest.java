package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.testing.LogLines;
import org.junit.jupiter.api.Test;

/**
 * What SIGTERM's close of Kafka Streams says when it cannot finish: with the broker gone, a stream thread waits in its
 * commit (sendOffsetsToTransaction) past the close timeout, and the process exited saying nothing about it.
 */
class StreamsCloseTest {

  @Test
  void aCloseThatRunsOutOfTimeSaysWhatItLeftUnfinished() {
    try (LogLines lines = LogLines.of(StreamingMonitor.class)) {
      assertThat(StreamingMonitor.closeStreams(timeout -> false, 45_000)).isFalse();
      assertThat(lines.messages()).anySatisfy(m -> assertThat(m)
          .contains("did not finish closing within 30 s")
          .contains("aborted by the broker after streams.transaction-timeout-ms (45000 ms)")
          .contains("processed again"));
    }
  }

  @Test
  void aCloseInTimeAddsNothing() {
    try (LogLines lines = LogLines.of(StreamingMonitor.class)) {
      assertThat(StreamingMonitor.closeStreams(timeout -> true, 45_000)).isTrue();
      assertThat(lines.messages()).noneMatch(m -> m.contains("did not finish closing"));
    }
  }
}
