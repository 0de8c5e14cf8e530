package dev.advmon.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.image.ImageLimits;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.model.FramePreparer;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import dev.advmon.testing.Await;
import dev.advmon.testing.AuthorizingKafka;
import dev.advmon.testing.MonitorSettings;
import dev.advmon.testing.PixelModel;
import dev.advmon.testing.SchemaRegistryServer;
import dev.advmon.testing.StandaloneKafka;
import dev.advmon.testing.TestData;
import dev.advmon.topology.AlertListener;
import dev.advmon.topology.StreamingMonitor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker refuses the login of a monitor that is already running: its SCRAM password is changed on the broker
 * (rotated, as Strimzi's User Operator does when the KafkaUser's Secret changes), and the broker asks every client to
 * log in again every few seconds ({@code connections.max.reauth.ms}), as a broker that makes a revoked credential take
 * effect does. A restart in place would log in with the same old password for ever, liveness UP; so the monitor stops,
 * naming the login settings. A new start with the old password (a Secret not updated yet) stops at once, naming them
 * too; one with the new password (on Kubernetes: the restarted container, reading the Secret anew) runs.
 */
@ExtendWith(SchemaRegistryServer.class)
class LoginRefusedWhileRunningIT {

  private static final String USER = "advmon-scram";

  @TempDir
  Path dir;

  @Test
  void aPasswordChangedOnTheBrokerStopsTheRunningMonitorNamingTheLoginSettings(SchemaRegistryServer.Info registry)
      throws Exception {
    try (AuthorizingKafka.Broker kafka = AuthorizingKafka.start(dir.resolve("kafka"), Map.of(
        "sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256",
        // what this test is about is the login, not ACLs: the SCRAM user may do anything
        "super.users", "User:" + AuthorizingKafka.SUPER_USER.user() + ";User:" + USER,
        "connections.max.reauth.ms", "2000"))) {
      setPassword(kafka.clientProperties(AuthorizingKafka.SUPER_USER), kafka.bootstrapServers(), "first-password");
      Map<String, String> settings = MonitorSettings.ofQuickStart(kafka.bootstrapServers(), registry.url(), "login",
          dir);
      settings.putAll(scramLogin("first-password"));
      settings.put("streams.num-threads", "1");

      try (StreamingMonitor monitor = start(settings)) {
        assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();

        setPassword(kafka.clientProperties(AuthorizingKafka.SUPER_USER), kafka.bootstrapServers(), "rotated-password");

        assertThat(monitor.awaitFailure(Duration.ofSeconds(90)))
            .as("the monitor stops instead of restarting Kafka Streams in place with the old password").isTrue();
        assertThat(monitor.failure()).hasValueSatisfying(f -> assertThat(f).contains("Authentication")
            .contains("kafka.sasl.jaas.config").contains("kafka.sasl.mechanism").contains("kafka.security.protocol"));
        assertThat(monitor.health().liveness().up()).as("liveness DOWN: the process is restarted").isFalse();
      }

      long started = System.nanoTime();
      assertThatThrownBy(() -> start(settings).close()).as("a new start with the old password")
          .hasMessageContaining("refused the monitor's login").hasMessageContaining("kafka.sasl.jaas.config")
          .hasMessageNotContaining("unreachable");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("stopped without waiting for the broker")
          .isLessThan(Duration.ofSeconds(30));

      settings.putAll(scramLogin("rotated-password"));
      try (StreamingMonitor restarted = start(settings)) {
        assertThat(restarted.awaitRunning(Duration.ofSeconds(60))).as("a new start with the new password runs")
            .isTrue();
      }
    }
  }

  /**
   * What stopping on a refused login must not catch: a broker restarting (a rolling update) under a running monitor
   * whose password has not changed. A broker that comes back opens its listeners only once it has caught up with the
   * metadata that holds the SCRAM credentials, so the monitor meets refused connections (an outage it waits out), not
   * refused logins.
   */
  @Test
  void aBrokerRestartingUnderARunningMonitorDoesNotStopIt(SchemaRegistryServer.Info registry) throws Exception {
    try (StandaloneKafka kafka = StandaloneKafka.startWithScram(dir.resolve("standalone"), Map.of())) {
      setPassword(Map.of("bootstrap.servers", kafka.bootstrapServers()), kafka.scramBootstrapServers(), "password");
      Map<String, String> settings = MonitorSettings.ofQuickStart(kafka.scramBootstrapServers(), registry.url(),
          "restart", dir);
      settings.putAll(scramLogin("password"));
      settings.put("streams.num-threads", "1");
      try (StreamingMonitor monitor = start(settings)) {
        assertThat(monitor.awaitRunning(Duration.ofSeconds(60))).as("Kafka Streams reaches RUNNING").isTrue();

        kafka.stop();
        assertThat(Await.until(() -> !monitor.health().readiness().up(), Duration.ofSeconds(60)))
            .as("readiness DOWN while the broker is away").isTrue();
        kafka.restart();
        assertThat(Await.until(() -> monitor.health().readiness().up(), Duration.ofSeconds(120)))
            .as("readiness UP again once the broker is back: %s", monitor.health().readiness().reasons()).isTrue();
        // a negative: the clients log in again as they reconnect, within about a second of the broker's return (their
        // reconnect backoff); a refusal then would have stopped the monitor well within this
        assertThat(monitor.awaitFailure(Duration.ofSeconds(10))).as("not stopped: %s", monitor.failure()).isFalse();
        assertThat(monitor.state()).isEqualTo(org.apache.kafka.streams.KafkaStreams.State.RUNNING);
      }
    }
  }

  private static StreamingMonitor start(Map<String, String> settings) throws Exception {
    MonitorConfig config = MonitorConfig.load(null, Map.of(), settings, TestData.repoRoot()).validated();
    PixelModel model = PixelModel.open();
    return StreamingMonitor.start(config, new HttpSchemaRegistryClient(RegistrySettings.builder(
        config.string("registry.url")).build()), true, FramePreparer.forModel(ImageLimits.defaults(), model.manifest()),
        new FrameScorer(model, List.of(), 8), MonitorMetrics.inMemory(), AlertListener.NONE);
  }

  private static Map<String, String> scramLogin(String password) {
    return Map.of("kafka.security.protocol", "SASL_PLAINTEXT", "kafka.sasl.mechanism", "SCRAM-SHA-256",
        "kafka.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
            + USER + "\" password=\"" + password + "\";");
  }

  /**
   * Sets {@link #USER}'s SCRAM-SHA-256 password with an admin client of {@code admin} settings, and waits until the
   * broker at {@code scramBootstrap} accepts it.
   */
  private static void setPassword(Map<String, Object> admin, String scramBootstrap, String password)
      throws Exception {
    try (Admin a = Admin.create(admin)) {
      a.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(USER,
          new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), password))).all().get();
    }
    Map<String, Object> login = new HashMap<>(Map.of("bootstrap.servers", scramBootstrap));
    scramLogin(password).forEach((k, v) -> login.put(k.substring("kafka.".length()), v));
    assertThat(Await.until(() -> {
      try (Admin a = Admin.create(login)) {
        a.listTopics().names().get(10, TimeUnit.SECONDS);
        return true;
      } catch (Exception e) {
        return false; // the broker has not applied the controller's record yet
      }
    }, Duration.ofSeconds(60))).as("the broker accepts the password %s", password).isTrue();
  }
}
