package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.advmon.config.MonitorConfig;
import dev.advmon.testing.LogLines;
import dev.advmon.testing.ProductionLogging;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.internals.ClientUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamsAdviceFilterTest {

  /** As Kafka Streams 4.3.1's ProcessorNode logs it when the processing exception handler answers FAIL. */
  private static final String ADVICE_LINE = "Processing exception handler is set to fail upon a processing error. If "
      + "you would rather have the streaming pipeline continue after a processing error, please set the "
      + "processing.exception.handler appropriately.";

  @Test
  void theShippedLoggingDropsKafkaStreamsAdviceToSetAProcessingExceptionHandlerAtEveryRestart() {
    assertThat(ProductionLogging.prints("org.apache.kafka.streams.processor.internals.ProcessorNode", Level.ERROR,
        ADVICE_LINE)).isFalse();
    assertThat(ProductionLogging.prints("org.apache.kafka.streams.processor.internals.StreamTask", Level.ERROR,
        "stream-thread [x-StreamThread-1] task [0_0] " + ADVICE_LINE)).isFalse();
  }

  @Test
  void kafkaStreamsOwnErrorsAndTheMonitorsLinesStillShow() {
    assertThat(ProductionLogging.prints("org.apache.kafka.streams.processor.internals.TaskExecutor", Level.ERROR,
        "stream-thread [x-StreamThread-1] Failed to process stream task 0_0 due to the following error:")).isTrue();
    assertThat(ProductionLogging.prints("org.apache.kafka.streams.processor.internals.RecordDeserializer", Level.ERROR,
        "Deserialization exception handler is set to fail upon a deserialization error.")).isTrue();
    assertThat(ProductionLogging.prints("dev.advmon.topology.StreamingMonitor", Level.WARN,
        "Kafka Streams failed: " + ADVICE_LINE)).isTrue();
  }

  /**
   * The monitor turns the processing exception handler on for global state, yet at every start each stream thread's
   * partition assignor read a copy of the settings without that key (the main consumer's) and Kafka Streams warned
   * that it was off: one WARN per stream thread, the first lines a newcomer's {@code monitor run} printed.
   */
  @Test
  void theShippedLoggingDropsKafkaStreamsWarningThatTheGlobalHandlerIsOffWhichTheMonitorTurnsOn(@TempDir Path home) {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of("kafka.bootstrap.servers", "localhost:9092"), home);
    Properties streams = StreamingMonitor.streamsProperties(c);
    assertThat(streams.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG)).isEqualTo(true);
    Map<String, Object> assignorsCopy = new StreamsConfig(streams).getMainConsumerConfigs("advmon", "advmon-vm-1", 0);
    try (LogLines lines = LogLines.of(StreamsConfig.class, Level.WARN)) {
      new ClientUtils.QuietStreamsConfig(assignorsCopy); // what AssignorConfiguration builds in each stream thread
      assertThat(lines.events()).as("Kafka Streams still warns from the assignor's copy (else drop the filter)")
          .anyMatch(e -> e.getLevel() == Level.WARN
              && e.getFormattedMessage().contains(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG));
      assertThat(lines.events()).noneMatch(ProductionLogging::prints);
    }
  }

  /** Kafka Streams' StateDirectory as a Kafka Streams client builds it, with the monitor's settings (no lock taken). */
  private static java.util.List<ch.qos.logback.classic.spi.ILoggingEvent> stateDirectoryWarnings(MonitorConfig c) {
    Properties p = StreamingMonitor.streamsProperties(c);
    try (LogLines lines = LogLines.of(org.apache.kafka.streams.processor.internals.StateDirectory.class, Level.WARN)) {
      new org.apache.kafka.streams.processor.internals.StateDirectory(new StreamsConfig(p),
          org.apache.kafka.common.utils.Time.SYSTEM, true, false);
      return lines.events().stream().filter(e -> e.getFormattedMessage().contains(StreamsAdviceFilter.TEMP_DIR_WARNING))
          .toList();
    }
  }

  /**
   * A folder under the system temp dir that the user named is theirs to move: Kafka Streams' warning that the OS may
   * clear it still shows.
   */
  @Test
  void kafkaStreamsWarningAboutATempFolderTheUserChoseStillShows(@TempDir Path tmp) {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of("kafka.bootstrap.servers", "localhost:9092",
        "streams.state-dir", tmp.resolve("mine").toString()), tmp);
    assertThat(stateDirectoryWarnings(c)).as("Kafka Streams warns about a folder under java.io.tmpdir").isNotEmpty()
        .allMatch(ProductionLogging::prints);
  }

  /**
   * Every default ./monitor run, and every ./monitor demo (its state in a temp folder it deletes at the end), printed
   * Kafka Streams' WARN "Using an OS temp directory in the state.dir property can cause failures ...": a newcomer saw
   * a warning on a correct set-up. Where the monitor chose the folder itself it says at INFO where its state lives.
   */
  @Test
  void kafkaStreamsWarningAboutATempFolderTheMonitorChoseItselfIsDropped(@TempDir Path tmp) {
    Path demoState = tmp.resolve("advmon-demo-state-1");
    StreamsAdviceFilter.stateFolderChosenByTheMonitor(demoState);
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of("kafka.bootstrap.servers", "localhost:9092",
        "streams.state-dir", demoState.toString()), tmp);
    assertThat(stateDirectoryWarnings(c)).as("Kafka Streams warns about a folder under java.io.tmpdir").isNotEmpty()
        .noneMatch(ProductionLogging::prints);
  }

  @Test
  void withStreamsStateDirEmptyTheMonitorSaysWhereItsStateLivesAtInfoInsteadOfKafkaStreamsWarning(@TempDir Path home) {
    MonitorConfig c = MonitorConfig.load(null, Map.of(), Map.of("kafka.bootstrap.servers", "localhost:9092"), home);
    Path folder = StreamingMonitor.stateDir(c);
    try (LogLines lines = LogLines.of(StreamingMonitor.class)) {
      StreamingMonitor.announceStateFolder(c);
      assertThat(lines.events()).singleElement().satisfies(e -> {
        assertThat(e.getLevel()).isEqualTo(Level.INFO);
        assertThat(e.getFormattedMessage()).contains(folder.resolve("advmon").toString(), "streams.state-dir is empty",
            "system temp dir");
      });
    }
    // as Kafka Streams 4.3.1's StateDirectory words it (not built here: it would write into the shared temp folder)
    assertThat(ProductionLogging.prints("org.apache.kafka.streams.processor.internals.StateDirectory", Level.WARN,
        "Using an OS temp directory in the state.dir property can cause failures with writing the checkpoint file due "
            + "to the fact that this directory can be cleared by the OS. Resolved state.dir: [" + folder + "]"))
        .isFalse();
  }
}
