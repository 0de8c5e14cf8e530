package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.testing.LogLines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    AtomicReference<CloseOptions> asked = new AtomicReference<>();
    try (KafkaStreams client = givingUp(asked, () -> { }); LogLines lines = LogLines.of(StreamingMonitor.class)) {
      assertThat(StreamingMonitor.closeClient(client, CloseOptions.GroupMembershipOperation.LEAVE_GROUP, 45_000))
          .isFalse();
      assertThat(lines.messages()).anySatisfy(m -> assertThat(m).contains("did not finish closing within 30 s"));
      assertThat(asked.get()).extracting("timeout").isEqualTo(Optional.of(Duration.ofSeconds(30)));
      assertThat(asked.get()).extracting("operation").isEqualTo(CloseOptions.GroupMembershipOperation.LEAVE_GROUP);
    }
  }

  /**
   * StreamingMonitor.close() hands its parts to closeInOrder (a StreamingMonitor cannot be built here): nothing checked
   * that its client's close went through closeClient, so one closing the client itself would have said nothing when
   * the close gave up. The supervisor and probes stop first, the membership is decided then, and what must outlive the
   * client (the batcher, the stopped latch) goes last, also when the client's close throws.
   */
  @Test
  void closeClosesTheClientThroughCloseClientBetweenWhatStopsFirstAndWhatGoesLast() {
    AtomicReference<CloseOptions> asked = new AtomicReference<>();
    List<String> steps = new ArrayList<>();
    try (KafkaStreams client = givingUp(asked, () -> steps.add("client closed"));
        LogLines lines = LogLines.of(StreamingMonitor.class)) {
      StreamingMonitor.closeInOrder(() -> steps.add("first"), client, () -> {
        steps.add("membership decided");
        return CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP;
      }, 45_000, () -> steps.add("last"));
      assertThat(steps).containsExactly("first", "membership decided", "client closed", "last");
      assertThat(lines.messages()).anySatisfy(m -> assertThat(m).contains("did not finish closing within 30 s")
          .contains("streams.transaction-timeout-ms (45000 ms)"));
      assertThat(asked.get()).extracting("timeout").isEqualTo(Optional.of(Duration.ofSeconds(30)));
      assertThat(asked.get()).extracting("operation")
          .isEqualTo(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP);
    }
    steps.clear();
    try (KafkaStreams throwing = givingUp(new AtomicReference<>(), () -> {
      throw new IllegalStateException("the close failed");
    })) {
      assertThatThrownBy(() -> StreamingMonitor.closeInOrder(() -> { }, throwing,
          () -> CloseOptions.GroupMembershipOperation.LEAVE_GROUP, 45_000, () -> steps.add("last")))
          .hasMessage("the close failed");
    }
    assertThat(steps).as("what goes last, after a close that threw").containsExactly("last");
  }

  /**
   * A client never started (its close asks no broker) whose first close gives up, as with the broker gone, keeping the
   * options it was asked with in {@code asked} and telling {@code onClose}; a later close (try-with-resources) closes it.
   */
  private KafkaStreams givingUp(AtomicReference<CloseOptions> asked, Runnable onClose) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream("unused").to("unused-out");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "streams-close-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    return new KafkaStreams(builder.build(), props) {
      @Override
      public synchronized boolean close(org.apache.kafka.streams.CloseOptions options) {
        if (asked.compareAndSet(null, options)) {
          onClose.run();
          return false;
        }
        return super.close(options);
      }
    };
  }
}
