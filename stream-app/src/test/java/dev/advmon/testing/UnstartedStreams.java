package dev.advmon.testing;

import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/**
 * What a Kafka Streams client needs to be created and never started: a one-step topology and settings that point at
 * no broker. Its stream threads exist (alive, for metrics) and nothing connects; tests of how the monitor treats a
 * client (its metrics, its close) build one from these.
 */
public final class UnstartedStreams {

  private UnstartedStreams() {}

  public static Topology topology() {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("frames").to("verdicts");
    return b.build();
  }

  public static Properties properties(String applicationId, Path stateDir, int threads) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    return p;
  }
}
