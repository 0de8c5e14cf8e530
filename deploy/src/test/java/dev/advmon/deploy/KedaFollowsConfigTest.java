package dev.advmon.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.config.MonitorConfig;
import dev.advmon.deploy.CustomResources.ScaledObject;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    copyK8s(copy);
    Path properties = copy.resolve("base/monitor.properties");
    String text = Files.readString(properties, StandardCharsets.UTF_8).replace("\n", "\r\n");
    Files.writeString(properties, text.replace("topics.frames=frames\r\n", "topics.frames=cameras\r\n"));
    assertThat(lagTrigger(Manifests.render(copy, "overlays/cpu"))).containsEntry("topic", "cameras")
        .containsEntry("consumerGroup", "advmon")
        .containsEntry("bootstrapServers", "kafka-kafka-bootstrap.kafka.svc:9093");
  }

  /**
   * README's overlay for a monitor.properties of one's own, as README writes it, on a file whose first line is one of
   * the three keys: kustomize splits the file's text at "\n<key>=", which the first line lacks, so that valid file
   * failed the render; with Windows line ends and trailing blanks, which the monitor reads past, as well.
   */
  @Test
  void readmesOwnSettingsOverlayFollowsAFileWhoseFirstLineIsOneOfTheKeys(@TempDir Path root) throws Exception {
    writeReadmesOverlay(root, "topics.frames=cameras \r\nstreams.application-id=team-c\t\r\n"
        + "kafka.bootstrap.servers=kafka-c-kafka-bootstrap.kafka.svc:9093\r\n");
    Manifests m = Manifests.render(root, "overlays/mine");
    MonitorConfig config = monitorConfig(m, root);
    assertThat(config.string("topics.frames")).isEqualTo("cameras");
    assertThat(lagTrigger(m)).containsEntry("topic", "cameras").containsEntry("consumerGroup", "team-c")
        .containsEntry("bootstrapServers", "kafka-c-kafka-bootstrap.kafka.svc:9093");
  }

  /**
   * A monitor.properties without one of the three lines (the monitor would take its default) cannot be copied: the
   * render fails, and kustomize's error must say which lines to write where, not only "options.index 1 is out of
   * bounds" with the file.
   */
  @Test
  void aFileWithoutOneOfTheLinesFailsTheRenderSayingWhatToWrite(@TempDir Path root) throws Exception {
    writeReadmesOverlay(root, "# settings\nstreams.application-id=team-c\n"
        + "kafka.bootstrap.servers=kafka-c-kafka-bootstrap.kafka.svc:9093\n");
    assertThatThrownBy(() -> Manifests.render(root, "overlays/mine")).isInstanceOf(AssertionError.class)
        .hasMessageContaining("options.index 1 is out of bounds for value KEDA's lag trigger takes")
        .hasMessageContaining("one topics.frames=...")
        .hasMessageContaining("at the start of a line, without spaces around =")
        .hasMessageContaining("the monitor.properties after it lacks one of them");
  }

  /** README's code block that includes keda-follows-config, as overlays/mine beside a copy of k8s/ under root. */
  private static void writeReadmesOverlay(Path root, String monitorProperties) throws IOException {
    copyK8s(root.resolve("k8s"));
    String overlay = null;
    String[] parts = Files.readString(Kustomize.repoRoot().resolve("README.md")).split("```");
    for (int i = 1; i < parts.length; i += 2) {
      if (parts[i].contains("- ../../k8s/components/keda-follows-config")) {
        assertThat(overlay).as("one README code block with the component").isNull();
        overlay = parts[i].strip() + "\n";
      }
    }
    assertThat(overlay).as("README's overlay with keda-follows-config").isNotNull().contains("behavior: replace");
    Path dir = Files.createDirectories(root.resolve("overlays/mine"));
    Files.writeString(dir.resolve("kustomization.yaml"), overlay);
    Files.writeString(dir.resolve("monitor.properties"), monitorProperties);
  }

  private static void copyK8s(Path to) throws IOException {
    Path k8s = Kustomize.repoRoot().resolve("k8s");
    try (Stream<Path> files = Files.walk(k8s)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(k8s.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
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
    Path file = Manifests.monitorPropertiesFile(cm, dir);
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
