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

  /**
   * Every kustomization that renders the monitor's ScaledObject: any under k8s/ (the overlays, and what renders one, as
   * k8s/jobs/redrive does), so that a new one is held too, and the users' overlays the tests hold.
   */
  static Stream<String> overlays() throws Exception {
    List<String> dirs = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Kustomize.repoRoot().resolve("k8s"))) {
      Stream<Path> kustomizations = files.filter(f -> f.getFileName().toString().equals("kustomization.yaml"));
      for (Path f : (Iterable<Path>) kustomizations::iterator) {
        // a Component renders only inside a kustomization that includes it
        if (!Files.readString(f).contains("kind: Component")) {
          dirs.add(Kustomize.repoRoot().relativize(f.getParent()).toString());
        }
      }
    }
    try (Stream<Path> children = Files.list(Kustomize.repoRoot().resolve(USERS_OVERLAYS))) {
      children.filter(d -> Files.exists(d.resolve("kustomization.yaml")))
          .forEach(d -> dirs.add(USERS_OVERLAYS + "/" + d.getFileName()));
    }
    List<String> withTrigger = new ArrayList<>();
    for (String dir : dirs) {
      if (Kustomize.render(Kustomize.repoRoot(), dir).stream().anyMatch(d -> d.contains("kind: ScaledObject"))) {
        withTrigger.add(dir);
      }
    }
    assertThat(withTrigger).as("kustomizations that render the ScaledObject").contains("k8s/overlays/cpu",
        "k8s/overlays/gpu", "k8s/jobs/redrive", USERS_OVERLAYS + "/team-b-own-settings");
    return withTrigger.stream().sorted();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("overlays")
  void theLagTriggerReadsTheGroupTopicAndBrokersTheMonitorUses(String overlay, @TempDir Path dir) throws Exception {
    Manifests m = Manifests.render(Kustomize.repoRoot(), overlay);
    assertThat(triggerDisagreements(m, dir)).as(overlay).isEmpty();
  }

  /**
   * The component copies the three settings from monitor.properties only: kustomize's replacements cannot take a value
   * from a container variable that may be absent (a missing source fails the render), and an overlay's env patch comes
   * after the base's replacements. So an overlay that sets one of them as an ADVMON_ variable left KEDA watching the
   * old topic or group; the check above must say so, naming the variable and where to write the setting instead.
   */
  @Test
  void aContainerVariableOverridingOneOfTheThreeIsReportedWithWhereToWriteIt(@TempDir Path root) throws Exception {
    writeEnvOverlay(root, Map.of("ADVMON_TOPICS_FRAMES", "cameras", "ADVMON_STREAMS_APPLICATION_ID", "team-c",
        "ADVMON_KAFKA_BOOTSTRAP_SERVERS", "kafka-c-kafka-bootstrap.kafka.svc:9093"));
    List<String> found = triggerDisagreements(Manifests.render(root, "overlays/env"), root);
    assertThat(found).hasSize(3);
    assertThat(found).anySatisfy(f -> assertThat(f).contains("ADVMON_TOPICS_FRAMES=cameras")
        .contains("topic frames").contains("set topics.frames in monitor.properties"));
    assertThat(found).anySatisfy(f -> assertThat(f).contains("ADVMON_STREAMS_APPLICATION_ID=team-c")
        .contains("consumerGroup advmon").contains("set streams.application-id in monitor.properties"));
    assertThat(found).anySatisfy(f -> assertThat(f).contains("ADVMON_KAFKA_BOOTSTRAP_SERVERS=kafka-c")
        .contains("bootstrapServers kafka-kafka-bootstrap.kafka.svc:9093")
        .contains("set kafka.bootstrap.servers in monitor.properties"));
  }

  /** A variable that repeats monitor.properties' value changes nothing KEDA reads: no disagreement. */
  @Test
  void aContainerVariableEqualToMonitorPropertiesIsNoDisagreement(@TempDir Path root) throws Exception {
    writeEnvOverlay(root, Map.of("ADVMON_TOPICS_FRAMES", "frames"));
    assertThat(triggerDisagreements(Manifests.render(root, "overlays/env"), root)).isEmpty();
  }

  /** A variable from a Secret or ConfigMap key has a value no render shows: the check cannot hold it to the trigger. */
  @Test
  void aContainerVariableFromASecretIsReportedAsUncheckable(@TempDir Path root) throws Exception {
    writeEnvOverlay(root, ENV_INDENT + "- name: ADVMON_TOPICS_FRAMES\n" + ENV_INDENT + "  valueFrom:\n" + ENV_INDENT
        + "    secretKeyRef: {name: team-c, key: topic}\n");
    assertThat(triggerDisagreements(Manifests.render(root, "overlays/env"), root)).singleElement().asString()
        .contains("ADVMON_TOPICS_FRAMES").contains("from a Secret or ConfigMap key")
        .contains("set topics.frames in monitor.properties");
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

  /** The three settings: the trigger's field, the monitor's key and its variable. */
  private static final List<List<String>> COPIED = List.of(
      List.of("topic", "topics.frames", "ADVMON_TOPICS_FRAMES"),
      List.of("consumerGroup", "streams.application-id", "ADVMON_STREAMS_APPLICATION_ID"),
      List.of("bootstrapServers", "kafka.bootstrap.servers", "ADVMON_KAFKA_BOOTSTRAP_SERVERS"));

  /**
   * Where the ScaledObject's lag trigger reads another group, topic or brokers than the monitor's pods use (the
   * ConfigMap plus the container's variables), each said with its cause and what to do; empty when they agree.
   */
  static List<String> triggerDisagreements(Manifests m, Path dir) throws IOException {
    Map<String, String> trigger = lagTrigger(m);
    MonitorConfig config = monitorConfig(m, dir);
    Map<String, EnvVar> env = new HashMap<>();
    for (EnvVar e : monitorContainerEnv(monitorStatefulSet(m))) {
      env.put(e.getName(), e);
    }
    String so = "ScaledObject " + m.oneCustom(ScaledObject.class).metadata().getName();
    List<String> found = new ArrayList<>();
    for (List<String> c : COPIED) {
      String field = c.get(0);
      String key = c.get(1);
      String variable = c.get(2);
      String fix = ": the variable does not reach KEDA's lag trigger, which k8s/components/keda-follows-config copies"
          + " from monitor.properties alone; remove the variable and set " + key + " in monitor.properties (README,"
          + " \"Deploy on Kubernetes\")";
      EnvVar e = env.get(variable);
      if (e != null && e.getValue() == null && e.getValueFrom().getFieldRef() == null) {
        found.add(m.name + ": the monitor container's " + variable + " comes from a Secret or ConfigMap key, which"
            + " no render shows, so the " + so + "'s " + field + " " + trigger.get(field) + " may not be what the pods"
            + " read" + fix);
      } else if (!config.string(key).equals(trigger.get(field))) {
        found.add(m.name + ": the pods read " + key + "=" + config.string(key)
            + (e != null ? " (the monitor container's " + variable + "=" + config.string(key) + ")" : "") + ", but the "
            + so + "'s lag trigger reads " + field + " " + trigger.get(field)
            + (e != null ? fix : ": include k8s/components/keda-follows-config after your configMapGenerator (README,"
                + " \"Deploy on Kubernetes\")"));
      }
    }
    return found;
  }

  /** An overlay on a copy of k8s/overlays/cpu whose monitor container sets {@code env}: overlays/env under root. */
  private static void writeEnvOverlay(Path root, Map<String, String> env) throws IOException {
    StringBuilder vars = new StringBuilder();
    env.forEach((k, v) -> vars.append(ENV_INDENT).append("- name: ").append(k).append("\n")
        .append(ENV_INDENT).append("  value: \"").append(v).append("\"\n"));
    writeEnvOverlay(root, vars.toString());
  }

  /** How deep the entries of the overlay's {@code env:} list are indented (one level below {@code env:}). */
  private static final String ENV_INDENT = " ".repeat(18);

  /** The same overlay with the container's {@code env:} entries given as YAML, each line starting at ENV_INDENT. */
  private static void writeEnvOverlay(Path root, String envEntries) throws IOException {
    copyK8s(root.resolve("k8s"));
    Path dir = Files.createDirectories(root.resolve("overlays/env"));
    Files.writeString(dir.resolve("kustomization.yaml"), """
        resources:
          - ../../k8s/overlays/cpu
        patches:
          - patch: |-
              apiVersion: apps/v1
              kind: StatefulSet
              metadata:
                name: advmon
              spec:
                template:
                  spec:
                    containers:
                      - name: monitor
                        env:
        """ + envEntries);
  }

  private static Map<String, String> lagTrigger(Manifests m) {
    ScaledObject so = m.oneCustom(ScaledObject.class);
    return so.spec().triggers().stream().filter(t -> "kafka".equals(t.type())).findFirst()
        .orElseThrow(() -> new AssertionError(m.name + ": no kafka trigger in " + so.metadata().getName()))
        .metadata();
  }

  private static StatefulSet monitorStatefulSet(Manifests m) {
    return m.all(StatefulSet.class).stream()
        .filter(s -> "advmon".equals(s.getSpec().getTemplate().getMetadata().getLabels().get("app.kubernetes.io/name")))
        .findFirst().orElseThrow(() -> new AssertionError(m.name + ": no StatefulSet of the monitor"));
  }

  private static List<EnvVar> monitorContainerEnv(StatefulSet sts) {
    return sts.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals("monitor")).findFirst().orElseThrow().getEnv();
  }

  /** The settings pod 0 of the monitor's StatefulSet reads: the ConfigMap it mounts, then its variables. */
  private static MonitorConfig monitorConfig(Manifests m, Path dir) throws IOException {
    StatefulSet sts = monitorStatefulSet(m);
    String configMap = sts.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getConfigMap() != null).findFirst().orElseThrow().getConfigMap().getName();
    ConfigMap cm = m.named(ConfigMap.class, configMap)
        .orElseThrow(() -> new AssertionError(m.name + ": no ConfigMap " + configMap));
    Path file = Manifests.monitorPropertiesFile(cm, dir);
    Map<String, String> env = new HashMap<>();
    String pod = sts.getMetadata().getName() + "-0";
    String namespace = sts.getMetadata().getNamespace();
    for (EnvVar e : monitorContainerEnv(sts)) {
      String value = KubernetesManifestsTest.kubernetesValue(e, env, sts, pod, namespace);
      if (value != null) {
        env.put(e.getName(), value);
      }
    }
    return MonitorConfig.load(file, env, Map.of(), dir);
  }
}
