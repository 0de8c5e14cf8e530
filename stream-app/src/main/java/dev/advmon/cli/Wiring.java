package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import dev.advmon.http.Peers;
import dev.advmon.image.ImageLimits;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.InferenceThreads;
import dev.advmon.model.ModelLoader;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.topology.StreamingMonitor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.streams.state.HostInfo;

/** Turns settings into the components' own settings objects; one place, so every command agrees. */
public final class Wiring {

  private Wiring() {}

  public static ImageLimits imageLimits(MonitorConfig c) {
    return new ImageLimits(c.longValue("image.max-encoded-bytes"), c.longValue("image.max-pixels"),
        c.intValue("image.max-dimension"));
  }

  /** ONNX Runtime's thread counts, from {@code model.intra-op-threads} and {@code model.inter-op-threads}. */
  public static InferenceThreads inferenceThreads(MonitorConfig c) {
    return InferenceThreads.of(c.intValue("model.intra-op-threads"), c.intValue("model.inter-op-threads"));
  }

  /**
   * For the offline commands (score, inspect, audit, calibrate, evaluate), whose one thread waits for each model call: the
   * thread counts when set, and when {@code model.intra-op-threads} is 0 every core (nothing else needs them).
   */
  private static InferenceThreads offlineInferenceThreads(MonitorConfig c) {
    return c.intValue("model.intra-op-threads") == 0 ? InferenceThreads.defaults()
        : InferenceThreads.of(c.intValue("model.intra-op-threads"), c.intValue("model.inter-op-threads"));
  }

  /** How the offline commands load every model they need: {@code model.engine} and {@link #offlineInferenceThreads}. */
  public static ModelLoader offlineModelLoader(MonitorConfig c) {
    return new ModelLoader(EngineChoice.parse(c.string("model.engine")), offlineInferenceThreads(c));
  }

  /**
   * The other instances of this application ({@code others}, e.g. {@code StreamingMonitor::peers}), asked over HTTP
   * for /cameras and the dashboard, with {@code http.bearer-token} (every instance of one application shares it);
   * this instance is the one {@code streams.application-server} advertises; with {@code kafka.num.standby.replicas}
   * (every instance sets the same), their standby replicas stand in for an instance that does not answer;
   * {@code unasked} says why the cameras of some partitions cannot be asked for (e.g.
   * {@code StreamingMonitor::unaskedCameras}), null when none; given a camera id, only of that camera's partition.
   */
  public static Peers peers(Supplier<List<HostInfo>> others, java.util.function.Function<String, String> unasked,
      MonitorConfig c) {
    return new Peers(StreamingMonitor.applicationServer(c).orElse(null), others, unasked, PEER_TIMEOUT,
        c.string("http.bearer-token"), standbyReplicas(c) > 0);
  }

  /** {@code kafka.num.standby.replicas}, 0 (Kafka Streams' default) when unset or not a whole number. */
  static int standbyReplicas(MonitorConfig c) {
    Object n = c.kafkaClientProperties().get("num.standby.replicas");
    try {
      return n == null ? 0 : Integer.parseInt(n.toString().trim());
    } catch (NumberFormatException e) {
      return 0; // Kafka Streams refuses it at start and names the key
    }
  }

  /** How long an instance waits for another's answer before it answers without it. */
  static final Duration PEER_TIMEOUT = Duration.ofSeconds(2);

  public static RegistrySettings registrySettings(MonitorConfig c) {
    RegistrySettings.Builder b = RegistrySettings.builder(c.string("registry.url"))
        .autoRegister(c.bool("registry.auto-register"))
        .connectTimeout(Duration.ofMillis(c.longValue("registry.timeout-ms")))
        .requestTimeout(Duration.ofMillis(c.longValue("registry.timeout-ms")))
        .maxRetries(c.intValue("registry.retries"))
        .initialBackoff(Duration.ofMillis(c.longValue("registry.retry-backoff-ms")))
        .maxBackoff(Duration.ofMillis(MonitorConfig.REGISTRY_MAX_BACKOFF_MS))
        .unknownIdCacheTtl(Duration.ofMillis(c.longValue("registry.unknown-id-cache-ms")))
        // A frame's schema is fetched inside an open transaction: give up well before the broker would abort it
        // (streams.transaction-timeout-ms); the monitor then restarts Kafka Streams once the registry answers.
        .callDeadline(Duration.ofMillis(c.longValue("streams.transaction-timeout-ms") * 2 / 3));
    String userInfo = c.string("registry.basic-auth.user-info");
    if (!userInfo.isBlank()) { // user:password, checked by MonitorConfig.validated()
      int colon = userInfo.indexOf(':');
      b.basicAuth(userInfo.substring(0, colon), userInfo.substring(colon + 1));
    }
    String truststore = c.string("registry.ssl.truststore.location");
    if (!truststore.isBlank()) {
      b.truststore(new RegistrySettings.Store(Path.of(truststore), c.string("registry.ssl.truststore.type"),
          c.string("registry.ssl.truststore.password")));
    }
    // the client certificate for a registry that wants one: RegistryTls and the certificate watch already took it, but
    // no setting of the monitor's gave it, so the advice for a refused client certificate had nothing to name
    String keystore = c.string("registry.ssl.keystore.location");
    if (!keystore.isBlank()) {
      b.keystore(new RegistrySettings.Store(Path.of(keystore), c.string("registry.ssl.keystore.type"),
          c.string("registry.ssl.keystore.password")));
    }
    return b.build();
  }
}
