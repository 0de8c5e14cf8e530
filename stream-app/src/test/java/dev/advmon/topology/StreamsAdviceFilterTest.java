package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.advmon.testing.ProductionLogging;
import org.junit.jupiter.api.Test;

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
}
