package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.testing.LogLines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  @TempDir
  Path stateDir;

  /**
   * The close path itself, not only {@code closeStreams}: a close of the client that bypassed it (a plain
   * {@code client.close(...)}) said nothing when it gave up, and the tests above still passed.
   */
  @Test
  void theClientsCloseGoesThroughCloseStreamsWithItsTimeoutAndMembership() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream("unused").to("unused-out");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "streams-close-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    AtomicReference<CloseOptions> asked = new AtomicReference<>();
    // never started: its close asks no broker; this one gives up as with the broker gone
    try (KafkaStreams client = new KafkaStreams(builder.build(), props) {
      @Override
      public synchronized boolean close(org.apache.kafka.streams.CloseOptions options) {
        if (asked.compareAndSet(null, options)) {
          return false;
        }
        return super.close(options);
      }
    }; LogLines lines = LogLines.of(StreamingMonitor.class)) {
      assertThat(StreamingMonitor.closeClient(client, CloseOptions.GroupMembershipOperation.LEAVE_GROUP, 45_000))
          .isFalse();
      assertThat(lines.messages()).anySatisfy(m -> assertThat(m).contains("did not finish closing within 30 s"));
      assertThat(asked.get()).extracting("timeout").isEqualTo(Optional.of(Duration.ofSeconds(30)));
      assertThat(asked.get()).extracting("operation").isEqualTo(CloseOptions.GroupMembershipOperation.LEAVE_GROUP);
    }
  }
}
