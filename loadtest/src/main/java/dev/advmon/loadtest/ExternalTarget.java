package dev.advmon.loadtest;

import dev.advmon.cli.Wiring;
import dev.advmon.config.MonitorConfig;
import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.SchemaRegistry;
import dev.advmon.schema.DeadLetter;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A monitor deployed elsewhere, named by its own settings file ({@code --config}): the same broker, registry,
 * topics and kafka.* security settings the monitor uses. The load tester only produces frames and reads
 * verdicts; the frame schema is registered under the frames topic's subject as a camera's producer would.
 */
final class ExternalTarget implements Target {

  private final MonitorConfig config;
  private final SchemaRegistry registry;

  ExternalTarget(Path file, Path home) {
    this.config = MonitorConfig.load(file, System.getenv(), Map.of(), home).validated()
        .require("kafka.bootstrap.servers", "registry.url");
    this.registry = new HttpSchemaRegistryClient(Wiring.registrySettings(config));
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

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("mode", "external");
    d.put("bootstrap_servers", config.string("kafka.bootstrap.servers"));
    d.put("registry", config.string("registry.url"));
    d.put("frames_topic", framesTopic());
    return d;
  }

  @Override
  public void close() {}
}
