package dev.advmon.loadtest;

import dev.advmon.config.MonitorConfig;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A target described by the monitor's own settings (broker, topics, kafka.* client settings) and a schema registry:
 * the load tester reaches the topics exactly as the monitor does. Frames register their schema, as a camera's
 * producer would; verdicts and dead letters are read by the schema ids they carry.
 */
abstract class ConfiguredTarget implements Target {

  /**
   * The settings that shape the monitor's throughput and latency: both targets' reports name them by these keys, the
   * setting's own name, so that an embedded run and one against a monitor elsewhere compare key by key.
   */
  static final List<String> MONITOR_SETTINGS = List.of("streams.application-id", "streams.num-threads",
      "streams.commit-interval-ms", "model.dir", "model.engine", "model.batch.max-frames", "model.batch.max-wait-ms",
      "model.batch.workers", "model.max-batch", "model.intra-op-threads", "model.inter-op-threads");

  protected final MonitorConfig config;
  private final SchemaRegistry registry;

  ConfiguredTarget(MonitorConfig config, SchemaRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public Map<String, Object> clientProperties() {
    Map<String, Object> p = new LinkedHashMap<>(config.kafkaClientProperties());
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.string("kafka.bootstrap.servers"));
    return p;
  }

  @Override
  public String framesTopic() {
    return config.string("topics.frames");
  }

  @Override
  public String verdictsTopic() {
    return config.string("topics.verdicts");
  }

  @Override
  public String deadLetterTopic() {
    return config.string("topics.dead-letter");
  }

  @Override
  public long commitIntervalMs() {
    return config.longValue("streams.commit-interval-ms");
  }

  @Override
  public Serializer<Frame> frameSerializer() {
    return new AvroSerde<>(Frame.class, registry, false, true).serializer();
  }

  @Override
  public Deserializer<FrameVerdict> verdictDeserializer() {
    return new AvroSerde<>(FrameVerdict.class, registry, false, false).deserializer();
  }

  @Override
  public Deserializer<DeadLetter> deadLetterDeserializer() {
    return new AvroSerde<>(DeadLetter.class, registry, false, false).deserializer();
  }
}
