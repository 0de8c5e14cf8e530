package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.config.MonitorConfig;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.registry.InMemorySchemaRegistry;
import dev.advmon.testing.LogLines;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.TestData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
   * StreamingMonitor.close() hands its parts to closeInOrder (that it does is checked below, on a monitor's own close):
   * its client's close goes through closeClient, so that a close that gave up says so. The supervisor and probes stop
   * first, the membership is decided then, and what must outlive the client (the batcher, the stopped latch) goes
   * last, also when the client's close throws.
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
   * A first step that throws (health.close() or cameras.close() failing) left the client running and never ran what
   * goes last (the stopped latch), so run() waited on a stop that had given up; so did a membership lookup that threw.
   * Now each is logged and the close goes on (leaving the group, as when its members cannot be read).
   */
  @Test
  void aFirstStepOrMembershipThatThrowsIsLoggedAndTheClientStillClosedAndLastRun() {
    AtomicReference<CloseOptions> asked = new AtomicReference<>();
    List<String> steps = new ArrayList<>();
    try (KafkaStreams client = givingUp(asked, () -> steps.add("client closed"));
        LogLines lines = LogLines.of(StreamingMonitor.class)) {
      StreamingMonitor.closeInOrder(() -> {
        throw new IllegalStateException("health probe would not close");
      }, client, () -> {
        throw new IllegalStateException("group lookup failed");
      }, 45_000, () -> steps.add("last"));
      assertThat(steps).containsExactly("client closed", "last");
      assertThat(asked.get()).extracting("operation").isEqualTo(CloseOptions.GroupMembershipOperation.LEAVE_GROUP);
      assertThat(lines.messages()).anySatisfy(m -> assertThat(m).contains("health probe would not close")
          .contains("closing the rest anyway"));
      assertThat(lines.messages()).anySatisfy(m -> assertThat(m).contains("group lookup failed")
          .contains("leaving it").contains("streams.leave-group-on-close"));
    }
  }

  /** Each of close()'s first steps on its own: cameras.close() throwing no longer skips health.close(). */
  @Test
  void aStepThatThrowsIsLoggedAndTheNextStepStillRuns() {
    List<String> steps = new ArrayList<>();
    try (LogLines lines = LogLines.of(StreamingMonitor.class)) {
      StreamingMonitor.stepLogged("closing the camera queries", () -> {
        throw new IllegalStateException("cameras stuck");
      });
      StreamingMonitor.stepLogged("closing the health probes", () -> steps.add("health closed"));
      assertThat(steps).containsExactly("health closed");
      assertThat(lines.messages()).anySatisfy(m -> assertThat(m).contains("closing the camera queries failed")
          .contains("cameras stuck"));
    }
  }

  /**
   * closeInOrder alone is tested above; nothing there failed if close() closed the client itself, bypassing it (and so
   * closeClient), as a monitor's close() once did: then a close that gives up said nothing of what it left uncommitted.
   * The monitor's own close() is checked here, on a monitor holding a client whose close gives up, as with the broker
   * gone (streams.leave-group-on-close=false: no broker is asked whether to leave).
   */
  @Test
  void theMonitorsCloseClosesItsClientThroughCloseClient() throws Exception {
    Map<String, String> settings = MonitorSettings.of("127.0.0.1:9", "http://127.0.0.1:9", "close-test", stateDir);
    settings.put("streams.leave-group-on-close", "false");
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    AtomicReference<CloseOptions> asked = new AtomicReference<>();
    try (KafkaStreams client = givingUp(asked, () -> { });
        MonitorMetrics metrics = MonitorMetrics.inMemory();
        LogLines lines = LogLines.of(StreamingMonitor.class)) {
      StreamingMonitor.holding(client, config, TopologySettings.of(null, null, null), metrics,
          new InMemorySchemaRegistry()).close();
      assertThat(lines.messages()).anySatisfy(m -> assertThat(m).contains("did not finish closing within 30 s")
          .contains("streams.transaction-timeout-ms"));
      assertThat(asked.get()).extracting("operation")
          .isEqualTo(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP);
    }
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
