package dev.advmon.testing;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Settings of one test's own monitor on a shared broker: its own topics, application id and state folder. */
public final class MonitorSettings {

  private MonitorSettings() {}

  /**
   * A mutable map (tests add their own settings): topics {@code frames-<name>-<run>} and so on, application id
   * {@code advmon-<name>-<run>}, state under {@code stateDir/<name>}; {@code registryUrl} null = leave it unset.
   */
  public static Map<String, String> of(String bootstrapServers, String registryUrl, String name, Path stateDir) {
    String run = name + "-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> settings = new HashMap<>();
    settings.put("kafka.bootstrap.servers", bootstrapServers);
    if (registryUrl != null) {
      settings.put("registry.url", registryUrl);
    }
    settings.put("topics.frames", "frames-" + run);
    settings.put("topics.verdicts", "verdicts-" + run);
    settings.put("topics.alerts", "alerts-" + run);
    settings.put("topics.dead-letter", "dlq-" + run);
    settings.put("streams.application-id", "advmon-" + run);
    settings.put("streams.state-dir", stateDir.resolve(name).toString());
    return settings;
  }

  /**
   * As {@link #of}, for a test that does not measure how the monitor starts or waits at start-up: a start-up retry
   * comes after 200 ms instead of {@code startup.retry-interval-ms}'s 5 s, for a broker or registry slower to answer
   * than the test's own start (a just-created topic the broker does not know yet is looked for every 100 ms by the
   * monitor itself, TopicAdmin; before that, each such miss cost a test 5 s). Tests of the start-up waits themselves, and
   * the fault and outage tests whose recovery times are reported, keep the default: use {@link #of} there.
   */
  public static Map<String, String> ofQuickStart(String bootstrapServers, String registryUrl, String name,
      Path stateDir) {
    Map<String, String> settings = of(bootstrapServers, registryUrl, name, stateDir);
    settings.put("startup.retry-interval-ms", "200");
    return settings;
  }
}
