package dev.advmon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * k8s/jobs/redrive: {@code ./monitor redrive} as a one-off Job, rendered with the overlay it names so that it gets that
 * overlay's ConfigMap, credentials and image. Applied by its label ({@code -l app.kubernetes.io/component=redrive}),
 * it adds only the Job and its NetworkPolicy; the overlays themselves hold no Job (one would run on every apply). The
 * Job's pod is locked down as the monitor's is, reads the same settings and CA, and runs as redrive's own KafkaUser.
 * Needs kubectl (see {@link Kustomize#INSTALL_HINT}).
 */
class RedriveJobManifestTest {

  private static final String LABEL = "app.kubernetes.io/component";
  private static Manifests job;
  private static Manifests overlay;

  @BeforeAll
  static void render() throws Exception {
    job = Manifests.render("jobs/redrive");
    overlay = Manifests.render("overlays/cpu");
  }

  @Test
  void appliedByItsLabelItAddsOnlyTheJobAndItsNetworkPolicyAndNoOverlayHoldsAJob() throws Exception {
    List<HasMetadata> labelled = job.kubernetes.stream()
        .filter(o -> o.getMetadata().getLabels() != null && "redrive".equals(o.getMetadata().getLabels().get(LABEL)))
        .toList();
    assertThat(labelled).extracting(o -> o.getKind() + " " + o.getMetadata().getName())
        .containsExactlyInAnyOrder("Job advmon-redrive", "NetworkPolicy advmon-redrive");
    assertThat(job.custom).as("no custom resource carries the label")
        .noneMatch(r -> r.metadata().getLabels() != null && r.metadata().getLabels().containsKey(LABEL));
    assertThat(labelled).allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo("advmon"));
    // the rest is the overlay as it is, so that applying without -l changes nothing but adds the Job
    assertThat(job.kubernetes.stream().filter(o -> !labelled.contains(o)).map(RedriveJobManifestTest::id).toList())
        .containsExactlyInAnyOrderElementsOf(overlay.kubernetes.stream().map(RedriveJobManifestTest::id).toList());
    for (String o : List.of("cpu", "gpu")) {
      assertThat(Manifests.render("overlays/" + o).all(Job.class)).as("a Job in overlays/" + o).isEmpty();
    }
  }

  /**
   * An overlay of the operator's own that moves the monitor to another namespace (kustomize {@code namespace:}) takes
   * the Job there too. Left in advmon, the Job named the ConfigMap and the credentials Secret by their plain names
   * (kustomize gives a reference the hashed name only within one namespace): its pod waited in ContainerCreating, in
   * a namespace that holds neither, until the Job's deadline.
   */
  @Test
  void itFollowsTheOverlayIntoANamespaceOfItsOwnWithTheHashedNames(@TempDir Path dir) throws Exception {
    Path k8s = dir.resolve("k8s");
    Path from = Kustomize.repoRoot().resolve("k8s");
    try (var files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, k8s.resolve(from.relativize(f).toString()));
      }
    }
    Files.writeString(k8s.resolve("overlays/cpu/kustomization.yaml"), "namespace: ml\n",
        java.nio.file.StandardOpenOption.APPEND);
    Manifests moved = Manifests.render(k8s, "jobs/redrive");
    assertThat(moved.one(StatefulSet.class).getMetadata().getNamespace()).as("the overlay's namespace").isEqualTo("ml");
    Job j = moved.one(Job.class);
    assertThat(j.getMetadata().getNamespace()).as("the Job's namespace").isEqualTo("ml");
    assertThat(moved.named(NetworkPolicy.class, "advmon-redrive").orElseThrow().getMetadata().getNamespace())
        .as("the Job's NetworkPolicy's namespace").isEqualTo("ml");
    PodSpec pod = j.getSpec().getTemplate().getSpec();
    assertThat(pod.getVolumes()).filteredOn(v -> v.getConfigMap() != null).singleElement()
        .extracting(v -> v.getConfigMap().getName()).as("the ConfigMap, by its hashed name")
        .isEqualTo(moved.one(ConfigMap.class).getMetadata().getName());
    assertThat(pod.getContainers().get(0).getEnvFrom()).singleElement()
        .extracting(e -> e.getSecretRef().getName()).as("the credentials Secret, by its hashed name")
        .isEqualTo(moved.named(io.fabric8.kubernetes.api.model.Secret.class,
            moved.one(StatefulSet.class).getSpec().getTemplate().getSpec().getContainers().get(0).getEnvFrom().get(0)
                .getSecretRef().getName()).orElseThrow().getMetadata().getName());
  }

  private static String id(HasMetadata o) {
    return o.getKind() + " " + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  @Test
  void itsPodIsTheMonitorsImageLockedDownAlikeWithTheSameSettingsCaAndCredentials() {
    PodSpec sts = job.one(StatefulSet.class).getSpec().getTemplate().getSpec();
    Container monitor = sts.getContainers().stream().filter(c -> c.getName().equals("monitor")).findFirst().orElseThrow();
    PodSpec pod = pod();
    Container redrive = redrive();
    assertThat(pod.getSecurityContext()).isEqualTo(sts.getSecurityContext());
    assertThat(redrive.getSecurityContext()).isEqualTo(monitor.getSecurityContext());
    assertThat(redrive.getImage()).as("the overlay's image").isEqualTo(monitor.getImage())
        .isEqualTo(overlay.one(StatefulSet.class).getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
    assertThat(redrive.getImagePullPolicy()).isEqualTo(monitor.getImagePullPolicy());
    assertThat(redrive.getEnvFrom()).as("the registry's credentials").isEqualTo(monitor.getEnvFrom());
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getEnableServiceLinks()).as("a Service's variables would be read as settings").isFalse();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    Map<String, Volume> volumes = pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
    Map<String, Volume> stsVolumes = sts.getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
    assertThat(volumes.get("config")).as("the monitor's ConfigMap, by its hashed name").isEqualTo(stsVolumes.get("config"));
    assertThat(volumes.get("kafka-ca")).isEqualTo(stsVolumes.get("kafka-ca"));
    assertThat(volumes.get("tmp").getEmptyDir().getSizeLimit()).isNotNull();
    for (String mount : List.of("/etc/advmon", "/etc/advmon-kafka")) {
      assertThat(redrive.getVolumeMounts()).as(mount).anySatisfy(m -> {
        assertThat(m.getMountPath()).isEqualTo(mount);
        assertThat(m.getReadOnly()).isTrue();
        assertThat(monitor.getVolumeMounts()).anySatisfy(s -> {
          assertThat(s.getMountPath()).isEqualTo(mount);
          assertThat(s.getName()).isEqualTo(m.getName());
        });
      });
    }
    assertThat(redrive.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    assertThat(redrive.getResources().getLimits().get("memory")).isEqualTo(redrive.getResources().getRequests().get("memory"));
    assertThat(redrive.getResources().getLimits()).containsKey("cpu");
  }

  /**
   * The settings file, the variables and the credentials are a configuration redrive accepts, and redrive's group and
   * transactional id (application id + "-redrive") are the KafkaUser whose Secret gives it its password.
   */
  @Test
  void itRunsRedriveWithTheMonitorsSettingsAsRedrivesOwnKafkaUser(@TempDir Path dir) throws Exception {
    Container redrive = redrive();
    assertThat(redrive.getArgs()).as("redrive with the mounted settings").startsWith("redrive", "--config",
        "/etc/advmon/monitor.properties");
    assertThat(redrive.getArgs()).as("as committed it only counts: the real run is a choice").contains("--dry-run");
    Map<String, EnvVar> env = redrive.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    EnvVar jaas = env.get("ADVMON_KAFKA_SASL_JAAS_CONFIG");
    assertThat(jaas.getValueFrom().getSecretKeyRef().getName()).isEqualTo("advmon-redrive-kafka");
    assertThat(jaas.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("sasl.jaas.config");
    Container monitor = job.one(StatefulSet.class).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(monitor.getEnv()).as("the monitor's user is another").anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("ADVMON_KAFKA_SASL_JAAS_CONFIG");
      assertThat(e.getValueFrom().getSecretKeyRef().getName()).isNotEqualTo("advmon-redrive-kafka");
    });

    ConfigMap cm = job.one(ConfigMap.class);
    String mounted = pod().getVolumes().stream().filter(v -> v.getName().equals("config")).findFirst().orElseThrow()
        .getConfigMap().getName();
    assertThat(cm.getMetadata().getName()).isEqualTo(mounted);
    Path file = Manifests.monitorPropertiesFile(cm, dir);
    Map<String, String> values = new HashMap<>();
    env.values().stream().filter(e -> e.getValue() != null && e.getName().startsWith("ADVMON_")
        && !MonitorConfig.LAUNCHER_VARIABLES.contains(e.getName())).forEach(e -> values.put(e.getName(), e.getValue()));
    MonitorConfig c = MonitorConfig.load(file, values, Map.of(), dir).validated()
        .require("kafka.bootstrap.servers", "registry.url");
    assertThat(c.kafkaClientProperties()).containsEntry("ssl.truststore.location", "/etc/advmon-kafka/ca.crt");
    String redriveId = c.string("streams.application-id") + "-redrive";
    assertThat(Files.readString(Kustomize.repoRoot().resolve("k8s/strimzi/user-redrive.yaml")))
        .as("the KafkaUser named as redrive's group and transactional id").contains("name: " + redriveId + "\n");
  }

  /**
   * Its pod is not one of the monitor's: the monitor's Service, PodDisruptionBudget and NetworkPolicy do not select
   * it (it would be scraped, counted in the budget, let in by the peers' rule), and a policy of its own lets it reach
   * DNS, Kafka and the registry (as the monitor's rules for them do) and lets nothing in.
   */
  @Test
  void itsPodIsNoMonitorPodAndReachesOnlyDnsKafkaAndTheRegistry() {
    Map<String, String> labels = job.one(Job.class).getSpec().getTemplate().getMetadata().getLabels();
    assertThat(selects(job.named(Service.class, "advmon").orElseThrow().getSpec().getSelector(), labels))
        .as("the monitor's Service selects it").isFalse();
    assertThat(selects(job.one(PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels(), labels))
        .as("the monitor's PodDisruptionBudget selects it").isFalse();
    NetworkPolicy monitors = job.named(NetworkPolicy.class, "advmon").orElseThrow();
    assertThat(selects(monitors.getSpec().getPodSelector().getMatchLabels(), labels))
        .as("the monitor's NetworkPolicy selects it").isFalse();

    NetworkPolicy own = job.named(NetworkPolicy.class, "advmon-redrive").orElseThrow();
    assertThat(selects(own.getSpec().getPodSelector().getMatchLabels(), labels)).as("its own policy selects it").isTrue();
    assertThat(own.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(own.getSpec().getIngress()).as("nothing in").isNullOrEmpty();
    Map<String, String> peers = monitors.getSpec().getPodSelector().getMatchLabels();
    List<NetworkPolicyEgressRule> monitorsOut = monitors.getSpec().getEgress().stream()
        .filter(r -> r.getTo().stream().noneMatch(t -> t.getNamespaceSelector() == null && t.getPodSelector() != null
            && peers.equals(t.getPodSelector().getMatchLabels())))
        .toList();
    assertThat(monitorsOut).as("the monitor's rules but its peers'").hasSize(monitors.getSpec().getEgress().size() - 1);
    assertThat(own.getSpec().getEgress()).as("DNS, Kafka and the registry, as the monitor reaches them")
        .containsExactlyInAnyOrderElementsOf(monitorsOut);
    Set<String> ports = own.getSpec().getEgress().stream().flatMap(r -> r.getPorts().stream())
        .map(p -> p.getProtocol() + "/" + p.getPort().getIntVal()).collect(Collectors.toSet());
    assertThat(ports).containsExactlyInAnyOrder("UDP/53", "TCP/53", "TCP/9093", "TCP/8081");
  }

  /** Whether a selector of {@code selector}'s labels (non-empty) picks a pod labelled {@code labels}. */
  private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
    assertThat(selector).as("a selector").isNotEmpty();
    return labels.entrySet().containsAll(selector.entrySet());
  }

  /**
   * Exit status 3 is a --dry-run whose real run would be refused: a retry reads the same record and says the same, so
   * the Job fails at once on it. Exit status 1 is a run that finished but refused dead letters of another frames
   * topic: a real run remembers the refusal, so its retry exited 0 and the Job showed Complete, the refusal only in the
   * failed pod's log; it fails at once too. (The statuses are RedriveCommand's, read from its source so that the two
   * cannot part.) Any other failure keeps its one retry.
   */
  @Test
  void aDryRunWhoseRealRunWouldBeRefusedFailsTheJobWithoutARetry() throws Exception {
    String source = Files.readString(Kustomize.repoRoot()
        .resolve("stream-app/src/main/java/dev/advmon/cli/RedriveCommand.java"));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("DRY_RUN_REFUSED = (\\d+);").matcher(source);
    assertThat(m.find()).as("RedriveCommand.DRY_RUN_REFUSED").isTrue();
    int refused = Integer.parseInt(m.group(1));
    java.util.regex.Matcher o = java.util.regex.Pattern.compile("OTHER_TOPIC_REFUSED = (\\d+);").matcher(source);
    assertThat(o.find()).as("RedriveCommand.OTHER_TOPIC_REFUSED").isTrue();
    int otherTopic = Integer.parseInt(o.group(1));
    var spec = job.one(Job.class).getSpec();
    assertThat(spec.getBackoffLimit()).as("one retry for the rest").isEqualTo(1);
    assertThat(pod().getRestartPolicy()).as("a podFailurePolicy needs it").isEqualTo("Never");
    assertThat(spec.getPodFailurePolicy()).as("podFailurePolicy").isNotNull();
    assertThat(spec.getPodFailurePolicy().getRules()).singleElement().satisfies(rule -> {
      assertThat(rule.getAction()).isEqualTo("FailJob");
      assertThat(rule.getOnExitCodes().getContainerName()).isEqualTo(redrive().getName());
      assertThat(rule.getOnExitCodes().getOperator()).isEqualTo("In");
      assertThat(rule.getOnExitCodes().getValues()).containsExactlyInAnyOrder(otherTopic, refused);
    });
  }

  private static PodSpec pod() {
    return job.one(Job.class).getSpec().getTemplate().getSpec();
  }

  private static Container redrive() {
    List<Container> containers = pod().getContainers();
    assertThat(containers).extracting(Container::getName).containsExactly("redrive");
    return containers.get(0);
  }
}
