package dev.advmon.loadtest;

import dev.advmon.cli.Wiring;
import dev.advmon.config.MonitorConfig;
import dev.advmon.registry.HttpSchemaRegistryClient;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A monitor deployed elsewhere, named by its own settings file ({@code --config}): the same broker, registry,
 * topics and kafka.* security settings the monitor uses. The load tester only produces frames and reads
 * verdicts.
 */
final class ExternalTarget extends ConfiguredTarget {

  private final Path file;

  ExternalTarget(Path file, Path home) {
    this(file, MonitorConfig.load(file, System.getenv(), Map.of(), home).validated()
        .require("kafka.bootstrap.servers", "registry.url"));
  }

  private ExternalTarget(Path file, MonitorConfig config) {
    super(config, new HttpSchemaRegistryClient(Wiring.registrySettings(config)));
    this.file = file;
  }

  @Override
  public String settingsSource() {
    return "--config " + file;
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
