package dev.advmon.topology;

import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.schema.DeadLetter;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;

/** The TopologyTestDriver properties the frame-path topology tests share: exactly-once, the monitor's error handlers. */
final class TopologyTestProps {

  private TopologyTestProps() {}

  static Properties exactlyOnce(String applicationId, Path stateDir, Topics topics, Serializer<DeadLetter> deadLetters,
      long maxEncodedBytes) {
    return exactlyOnce(applicationId, stateDir, topics, deadLetters, maxEncodedBytes, MonitorMetrics.inMemory());
  }

  /** As above, the handlers counting into {@code metrics}: the topology's own, to see a frame counted once. */
  static Properties exactlyOnce(String applicationId, Path stateDir, Topics topics, Serializer<DeadLetter> deadLetters,
      long maxEncodedBytes, MonitorMetrics metrics) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    // its own folder: the default /tmp/kafka-streams/<id> is shared by every build on the machine (a LOCK error)
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    // the monitor's error handlers, as StreamingMonitor installs them
    props.putAll(StreamErrorHandlers.configs(topics, deadLetters, new RecordLimits(maxEncodedBytes), metrics));
    return props;
  }
}
