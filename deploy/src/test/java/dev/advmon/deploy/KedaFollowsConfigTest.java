package dev.advmon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.deploy.CustomResources.ScaledObject;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * KEDA's lag trigger must read the lag of the consumer group and frames topic the monitor uses, on its brokers: the
 * ScaledObject wrote them a second time, and an overlay that changed them in monitor.properties left KEDA reading a
 * group nobody commits (no instance added for a backlog). k8s/components/keda-follows-config copies them from the
 * ConfigMap; these tests hold every overlay in the repository (the committed ones and the users' overlays of
 * src/test/resources/kustomize) to the monitor's configuration as its pods read it (the ConfigMap plus the container's
 * variables).
 */
class KedaFollowsConfigTest {

  private static final String USERS_OVERLAYS = "deploy/src/test/resources/kustomize";

  /** Every kustomization that renders the monitor: k8s/overlays/* and the users' overlays the tests hold. */
  static Stream<String> overlays() throws IOException {
    List<String> dirs = new ArrayList<>();
    for (String parent : List.of("k8s/overlays", USERS_OVERLAYS)) {
      try (Stream<Path> children = Files.list(Kustomize.repoRoot().resolve(parent))) {
        children.filter(d -> Files.exists(d.resolve("kustomization.yaml")))
            .forEach(d -> dirs.add(parent + "/" + d.getFileName()));
      }
    }
    assertThat(dirs).as("overlays found").contains("k8s/overlays/cpu", "k8s/overlays/gpu",
        USERS_OVERLAYS + "/team-b-own-settings");
    return dirs.stream().sorted();
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theLagTriggerReadsTheGroupTopicAndBrokersTheMonitorUses(String overlay, @TempDir Path dir) throws Exception {
    Manifests m = Manifests.render(Kustomize.repoRoot(), overlay);
    MonitorConfig config = monitorConfig(m, dir);
    assertThat(lagTrigger(m)).as(overlay + ": the ScaledObject's kafka trigger")
        .containsEntry("consumerGroup", config.string("streams.application-id"))
        .containsEntry("topic", config.string("topics.frames"))
        .containsEntry("bootstrapServers", config.string("kafka.bootstrap.servers"));
  }

  /** The users' overlay above exercises the copy: its settings differ from the base's in all three. */
  @Test
  void anOverlaysOwnMonitorPropertiesMoveTheLagTriggerWithThem() throws Exception {
    Map<String, String> base = lagTrigger(Manifests.render("overlays/cpu"));
    Map<String, String> own =
        lagTrigger(Manifests.render(Kustomize.repoRoot(), USERS_OVERLAYS + "/team-b-own-settings"));
    assertThat(own).containsEntry("consumerGroup", "team-b-advmon").containsEntry("topic", "team-b.frames")
        .containsEntry("bootstrapServers", "kafka-b-kafka-bootstrap.kafka.svc:9093,kafka-b-kafka-1.kafka.svc:9093");
    for (String key : List.of("consumerGroup", "topic", "bootstrapServers")) {
      assertThat(own.get(key)).as(key).isNotEqualTo(base.get(key));
    }
  }

  /** A monitor.properties written on Windows: its line ends must not reach the topic KEDA asks for. */
  @Test
  void windowsLineEndsInMonitorPropertiesDoNotReachTheLagTrigger(@TempDir Path copy) throws Exception {
    Path k8s = Kustomize.repoRoot().resolve("k8s");
    try (Stream<Path> files = Files.walk(k8s)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path to = copy.resolve(k8s.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else {
          Files.copy(f, to);
        }
      }
    }
    Path properties = copy.resolve("base/monitor.properties");
    String text = Files.readString(properties, StandardCharsets.UTF_8).replace("\n", "\r\n");
    Files.writeString(properties, text.replace("topics.frames=frames\r\n", "topics.frames=cameras\r\n"));
    assertThat(lagTrigger(Manifests.render(copy, "overlays/cpu"))).containsEntry("topic", "cameras")
        .containsEntry("consumerGroup", "advmon")
        .containsEntry("bootstrapServers", "kafka-kafka-bootstrap.kafka.svc:9093");
  }

  private static Map<String, String> lagTrigger(Manifests m) {
    ScaledObject so = m.oneCustom(ScaledObject.class);
    return so.spec().triggers().stream().filter(t -> "kafka".equals(t.type())).findFirst()
        .orElseThrow(() -> new AssertionError(m.name + ": no kafka trigger in " + so.metadata().getName()))
        .metadata();
  }

  /** The settings pod 0 of the monitor's StatefulSet reads: the ConfigMap it mounts, then its variables. */
  private static MonitorConfig monitorConfig(Manifests m, Path dir) throws IOException {
    StatefulSet sts = m.all(StatefulSet.class).stream()
        .filter(s -> "advmon".equals(s.getSpec().getTemplate().getMetadata().getLabels().get("app.kubernetes.io/name")))
        .findFirst().orElseThrow(() -> new AssertionError(m.name + ": no StatefulSet of the monitor"));
    String configMap = sts.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getConfigMap() != null).findFirst().orElseThrow().getConfigMap().getName();
    ConfigMap cm = m.named(ConfigMap.class, configMap)
        .orElseThrow(() -> new AssertionError(m.name + ": no ConfigMap " + configMap));
    Properties settings = new Properties();
    settings.load(new StringReader(cm.getData().get("monitor.properties")));
    Path file = dir.resolve("monitor.properties");
    try (var w = Files.newBufferedWriter(file)) {
      settings.store(w, null);
    }
    Map<String, String> env = new HashMap<>();
    String pod = sts.getMetadata().getName() + "-0";
    String namespace = sts.getMetadata().getNamespace();
    for (EnvVar e : sts.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals("monitor")).findFirst().orElseThrow().getEnv()) {
      String value = KubernetesManifestsTest.kubernetesValue(e, env, sts, pod, namespace);
      if (value != null) {
        env.put(e.getName(), value);
      }
    }
    return MonitorConfig.load(file, env, Map.of(), dir);
  }
}
