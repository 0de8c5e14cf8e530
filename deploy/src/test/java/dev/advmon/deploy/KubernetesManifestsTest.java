package dev.advmon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.config.Setting;
import dev.advmon.deploy.CustomResources.Acl;
import dev.advmon.deploy.CustomResources.KafkaTopic;
import dev.advmon.deploy.CustomResources.KafkaUser;
import dev.advmon.deploy.CustomResources.PrometheusRule;
import dev.advmon.deploy.CustomResources.ScaledObject;
import dev.advmon.deploy.CustomResources.ServiceMonitor;
import dev.advmon.deploy.CustomResources.TriggerAuthentication;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * k8s/ as kubectl renders it: every overlay parses into typed objects with no unknown field, every container runs
 * locked down with limits and probes, and the pieces agree with each other and with the monitor's settings (ports,
 * names, topics, the Kafka user's ACLs, the autoscaler's bound). Needs kubectl (see {@link Kustomize#INSTALL_HINT}).
 */
class KubernetesManifestsTest {

  private static final Map<String, Manifests> OVERLAYS = new HashMap<>();
  private static Manifests strimzi;

  @BeforeAll
  static void render() throws Exception {
    for (String overlay : List.of("cpu", "gpu")) {
      OVERLAYS.put(overlay, Manifests.render("overlays/" + overlay));
    }
    strimzi = Manifests.render("strimzi");
  }

  private static Properties settings(Manifests m) throws Exception {
    ConfigMap cm = m.one(ConfigMap.class);
    assertThat(cm.getData()).containsKey("monitor.properties");
    Properties p = new Properties();
    p.load(new StringReader(cm.getData().get("monitor.properties")));
    return p;
  }

  private static PodSpec pod(Manifests m) {
    return m.one(StatefulSet.class).getSpec().getTemplate().getSpec();
  }

  private static Container monitor(Manifests m) {
    return pod(m).getContainers().stream().filter(c -> c.getName().equals("monitor")).findFirst().orElseThrow();
  }

  private static Map<String, EnvVar> env(Container c) {
    return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e, (a, b) -> {
      throw new AssertionError("environment variable " + a.getName() + " set twice");
    }));
  }

  private static int httpPort(Container c) {
    return c.getPorts().stream().filter(p -> "http".equals(p.getName())).findFirst().orElseThrow().getContainerPort();
  }

  private static String kubernetesValue(EnvVar e, Map<String, String> earlier, StatefulSet sts) {
    return kubernetesValue(e, earlier, sts, "advmon-0", "advmon");
  }

  /**
   * The value Kubernetes gives the variable in pod {@code pod} of namespace {@code namespace}, made from the pod
   * template of {@code sts}: field references resolved (the pod's name, namespace and annotations),
   * {@code $(NAME)} expanded from the variables defined before it (as the kubelet does); null for values from Secrets,
   * which the tests check separately.
   */
  static String kubernetesValue(EnvVar e, Map<String, String> earlier, StatefulSet sts, String pod, String namespace) {
    if (e.getValueFrom() != null) {
      if (e.getValueFrom().getFieldRef() == null) {
        return null;
      }
      String field = e.getValueFrom().getFieldRef().getFieldPath();
      Matcher annotation = Pattern.compile("metadata\\.annotations\\['([^']+)'\\]").matcher(field);
      if (annotation.matches()) {
        // the kubelet gives an absent annotation as "", which no test should take for a value
        Map<String, String> annotations = sts.getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations).as(e.getName() + " reads the pod's annotation " + annotation.group(1))
            .containsKey(annotation.group(1));
        return annotations.get(annotation.group(1));
      }
      return switch (field) {
        case "metadata.name" -> pod;
        case "metadata.namespace" -> namespace;
        default -> null;
      };
    }
    if (e.getValue() == null) {
      return null;
    }
    Matcher ref = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(e.getValue());
    StringBuilder expanded = new StringBuilder();
    while (ref.find()) {
      String name = ref.group(1);
      assertThat(earlier).as(e.getName() + " refers to $(" + name + "), defined before it").containsKey(name);
      ref.appendReplacement(expanded, Matcher.quoteReplacement(earlier.get(name)));
    }
    ref.appendTail(expanded);
    return expanded.toString();
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void everyOverlayRendersIntoTheExpectedTypedObjects(String overlay) {
    Manifests m = OVERLAYS.get(overlay);
    Set<String> kinds = new TreeSet<>();
    m.kubernetes.forEach(o -> kinds.add(o.getKind()));
    m.custom.forEach(o -> kinds.add(o.kind()));
    assertThat(kinds).containsExactlyInAnyOrder("Namespace", "ServiceAccount", "ConfigMap", "Secret", "Service",
        "StatefulSet", "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor", "PrometheusRule", "ScaledObject",
        "TriggerAuthentication");
    assertThat(m.one(Namespace.class).getMetadata().getLabels())
        .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
    m.kubernetes.stream().filter(o -> !(o instanceof Namespace))
        .forEach(o -> assertThat(o.getMetadata().getNamespace()).as(o.getKind()).isEqualTo("advmon"));
  }

  @Test
  void unknownFieldsAreCaughtNotIgnored() throws Exception {
    // the check itself: a misspelt field in a typed object must show up
    io.fabric8.kubernetes.api.model.Service s = new io.fabric8.kubernetes.client.utils.KubernetesSerialization().unmarshal(
        "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {clusterIp: None, selector: {a: b}}\n",
        io.fabric8.kubernetes.api.model.Service.class);
    assertThat(Manifests.unknownFields(s, "Service x")).containsExactly("Service x.spec.clusterIp");
    tools.jackson.dataformat.yaml.YAMLMapper strict = tools.jackson.dataformat.yaml.YAMLMapper.builder()
        .enable(tools.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> strict.readValue(
        "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: x}\nspec: {maxReplicas: 3}\n", ScaledObject.class))
        .hasMessageContaining("maxReplicas");
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void everyContainerRunsNonRootReadOnlyWithoutPrivilegesAndWithLimitsAndProbes(String overlay) {
    Manifests m = OVERLAYS.get(overlay);
    PodSpec pod = pod(m);
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(m.one(ServiceAccount.class).getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
    List<Container> all = Stream.concat(pod.getContainers().stream(),
        pod.getInitContainers() == null ? Stream.empty() : pod.getInitContainers().stream()).toList();
    assertThat(all).isNotEmpty();
    Map<String, Volume> volumes = pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
    for (Container c : all) {
      String who = overlay + "/" + c.getName();
      var sc = c.getSecurityContext();
      assertThat(sc).as(who).isNotNull();
      assertThat(sc.getRunAsNonRoot()).as(who + " runAsNonRoot").isTrue();
      assertThat(sc.getReadOnlyRootFilesystem()).as(who + " readOnlyRootFilesystem").isTrue();
      assertThat(sc.getAllowPrivilegeEscalation()).as(who + " allowPrivilegeEscalation").isFalse();
      assertThat(sc.getPrivileged()).as(who + " privileged").isNotEqualTo(Boolean.TRUE);
      assertThat(sc.getCapabilities().getDrop()).as(who + " capabilities.drop").contains("ALL");
      assertThat(sc.getCapabilities().getAdd()).as(who + " capabilities.add").isNullOrEmpty();
      assertThat(sc.getSeccompProfile().getType()).as(who + " seccomp").isEqualTo("RuntimeDefault");
      assertThat(c.getImage()).as(who + " image").doesNotEndWith(":latest").contains(":");
      if (!c.getImage().contains("@sha256:")) {
        // a tag, which every build pushes again (<version>, a -SNAPSHOT): a node must not keep running an older image
        assertThat(c.getImagePullPolicy()).as(who + " imagePullPolicy of a tag every build reuses").isEqualTo("Always");
      }
      for (String r : List.of("cpu", "memory")) {
        Quantity request = c.getResources().getRequests().get(r);
        Quantity limit = c.getResources().getLimits().get(r);
        assertThat(request).as(who + " requests." + r).isNotNull();
        assertThat(limit).as(who + " limits." + r).isNotNull();
        assertThat(limit.getNumericalAmount()).as(who + " limit >= request for " + r)
            .isGreaterThanOrEqualTo(request.getNumericalAmount());
      }
      // memory is not overcommitted: the JVM sizes its heap from the limit
      assertThat(c.getResources().getLimits().get("memory").getNumericalAmount())
          .isEqualByComparingTo(c.getResources().getRequests().get("memory").getNumericalAmount());
      assertThat(path(c.getLivenessProbe())).as(who + " liveness").isEqualTo("/health/live");
      assertThat(path(c.getReadinessProbe())).as(who + " readiness").isEqualTo("/health/ready");
      assertThat(c.getStartupProbe()).as(who + " startupProbe").isNotNull();
      // with a read-only root, every writable place is a volume: /tmp an emptyDir with a size limit
      VolumeMount tmp = c.getVolumeMounts().stream().filter(v -> v.getMountPath().equals("/tmp")).findFirst().orElseThrow();
      assertThat(volumes.get(tmp.getName()).getEmptyDir()).as(who + " /tmp").isNotNull();
      assertThat(volumes.get(tmp.getName()).getEmptyDir().getSizeLimit()).as(who + " /tmp sizeLimit").isNotNull();
    }
  }

  private static String path(Probe p) {
    assertThat(p).isNotNull();
    // the probes' own port (http.health-port): slow clients of the http port cannot hold its workers
    assertThat(p.getHttpGet().getPort().getStrVal()).isEqualTo("health");
    return p.getHttpGet().getPath();
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void statefulSetGivesStableNamesStateVolumesAndTheAddressesOtherInstancesUse(String overlay) throws Exception {
    Manifests m = OVERLAYS.get(overlay);
    StatefulSet sts = m.one(StatefulSet.class);
    Container c = monitor(m);
    Properties settings = settings(m);
    // the headless Service named advmon (CONTRACTS.md) gives each pod <pod>.advmon.<namespace>.svc
    assertThat(sts.getSpec().getServiceName()).isEqualTo("advmon");
    Service svc = m.named(Service.class, "advmon").orElseThrow();
    assertThat(svc.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(svc.getSpec().getSelector()).isEqualTo(sts.getSpec().getTemplate().getMetadata().getLabels());
    assertThat(svc.getSpec().getPorts()).anySatisfy(p -> {
      assertThat(p.getName()).isEqualTo("http");
      assertThat(p.getPort()).isEqualTo(httpPort(c));
    });
    assertThat(httpPort(c)).isEqualTo(Integer.parseInt(settings.getProperty("http.port")));
    int health = c.getPorts().stream().filter(p -> "health".equals(p.getName())).findFirst().orElseThrow()
        .getContainerPort();
    assertThat(health).isEqualTo(Integer.parseInt(settings.getProperty("http.health-port"))).isNotEqualTo(httpPort(c));
    assertThat(path(c.getStartupProbe()))
        .isEqualTo("/health/live");
    // KEDA owns the replica count
    assertThat(sts.getSpec().getReplicas()).isNull();

    Map<String, EnvVar> env = env(c);
    assertThat(env.get("POD_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
    assertThat(env.get("POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
    assertThat(env.get("ADVMON_STREAMS_INSTANCE_ID").getValue()).isEqualTo("$(POD_NAME)");
    // the Service's name from a variable, made from the annotation kustomize renames with it (NameReferencesTest)
    assertThat(env.get("ADVMON_STREAMS_APPLICATION_SERVER").getValue())
        .isEqualTo("$(POD_NAME).$(HEADLESS_SERVICE).$(POD_NAMESPACE).svc:" + httpPort(c));
    assertThat(kubernetesValue(env.get("HEADLESS_SERVICE"), Map.of(), sts)).isEqualTo(sts.getSpec().getServiceName());
    // variables referenced with $(...) must be defined before they are used
    List<String> order = c.getEnv().stream().map(EnvVar::getName).toList();
    assertThat(order.indexOf("POD_NAME")).isLessThan(order.indexOf("ADVMON_STREAMS_INSTANCE_ID"));
    assertThat(order.indexOf("POD_NAMESPACE")).isLessThan(order.indexOf("ADVMON_STREAMS_APPLICATION_SERVER"));
    assertThat(order.indexOf("HEADLESS_SERVICE")).isLessThan(order.indexOf("ADVMON_STREAMS_APPLICATION_SERVER"));

    // state stores on the pod's own volume
    assertThat(sts.getSpec().getVolumeClaimTemplates()).hasSize(1);
    String claim = sts.getSpec().getVolumeClaimTemplates().get(0).getMetadata().getName();
    VolumeMount state = c.getVolumeMounts().stream().filter(v -> v.getName().equals(claim)).findFirst().orElseThrow();
    assertThat(settings.getProperty("streams.state-dir")).startsWith(state.getMountPath() + "/");

    // the image runs `run --config /etc/advmon/monitor.properties`: the ConfigMap is mounted there
    assertThat(c.getArgs()).containsExactly("run", "--config", "/etc/advmon/monitor.properties");
    VolumeMount config = c.getVolumeMounts().stream().filter(v -> v.getMountPath().equals("/etc/advmon")).findFirst().orElseThrow();
    Volume configVolume = pod(m).getVolumes().stream().filter(v -> v.getName().equals(config.getName())).findFirst().orElseThrow();
    assertThat(configVolume.getConfigMap().getName()).isEqualTo(m.one(ConfigMap.class).getMetadata().getName());
    // the Kafka CA file the settings name is on a mounted volume
    String truststore = settings.getProperty("kafka.ssl.truststore.location");
    assertThat(c.getVolumeMounts()).anySatisfy(v -> assertThat(truststore).startsWith(v.getMountPath() + "/"));

    PodDisruptionBudget pdb = m.one(PodDisruptionBudget.class);
    assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(sts.getSpec().getSelector().getMatchLabels());
    assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getUnhealthyPodEvictionPolicy()).as("readiness is DOWN on every pod while Kafka or the "
        + "registry is unreachable: unready pods must stay evictable, or drains block during the outage")
        .isEqualTo("AlwaysAllow");
  }

  /**
   * A rolling update restarts each pod under its own name, so its static member (group.instance.id from the pod name)
   * gets its partitions back without their moving to other pods, but only if the old pod did not leave the group:
   * with streams.leave-group-on-close=auto a pod that has peers leaves, and each pod of a rollout then costs four
   * rebalance rounds, with the other pods' readiness DOWN for seconds (measured by hand: README, Deploy on
   * Kubernetes). Not leaving makes a removed pod's partitions (KEDA scaling down) wait streams.session-timeout-ms
   * before they move: bounded here, and a restart must fit in it with margin (13-21 s measured on a loaded 2-core
   * machine, 36-51 s under heavier load, before the pod's re-creation, image check and volume attach).
   */
  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void aRestartedPodKeepsItsPartitionsAndARemovedPodsMoveWithinTheSessionTimeout(String overlay,
      @TempDir Path dir) throws Exception {
    Path file = dir.resolve("monitor.properties");
    try (var w = Files.newBufferedWriter(file)) {
      settings(OVERLAYS.get(overlay)).store(w, null);
    }
    MonitorConfig c = MonitorConfig.load(file, Map.of("ADVMON_STREAMS_INSTANCE_ID", "advmon-0"), Map.of(), dir)
        .validated();
    assertThat(c.string("streams.leave-group-on-close")).as("a pod stopped by a rollout stays a static member")
        .isEqualTo("false");
    assertThat(c.intValue("streams.session-timeout-ms"))
        .as("how long a removed pod's partitions wait before they move (README: Deploy on Kubernetes); a restarted pod "
            + "must be back within it (measured: ready 13-51 s after SIGTERM on a loaded 2-core machine, plus the "
            + "pod's re-creation)")
        .isBetween(45_000, 90_000);
  }

  /**
   * The state volume holds a cache (the camera store, restored from its changelog; the GPU engines' caches): a pod
   * that KEDA removes must not leave its claim behind, billed and pinned to its zone, for a later scale-up to start
   * on a stale copy. Deleting the whole StatefulSet (often to re-create it) keeps the volumes, as Kubernetes'
   * default does, for the operator to remove.
   */
  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void aPodRemovedByScalingDownTakesItsStateVolumeWithIt(String overlay) {
    var policy = OVERLAYS.get(overlay).one(StatefulSet.class).getSpec().getPersistentVolumeClaimRetentionPolicy();
    assertThat(policy).as("persistentVolumeClaimRetentionPolicy (Kubernetes >= 1.27)").isNotNull();
    assertThat(policy.getWhenScaled()).isEqualTo("Delete");
    assertThat(policy.getWhenDeleted()).isEqualTo("Retain");
  }

  /**
   * With NodeLocal DNSCache (GKE, kOps, many managed clusters) a pod's resolver is the cache on its own node, at the
   * link-local 169.254.20.10 by default, a host-network process that no pod or namespace selector matches: without
   * a rule for that address every lookup (the brokers' and the registry's names) times out.
   */
  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void dnsMayBeAskedOfTheNodeLocalCacheAndOfNothingElseThere(String overlay) {
    NetworkPolicy np = OVERLAYS.get(overlay).one(NetworkPolicy.class);
    Set<String> toNodeLocalCache = new HashSet<>();
    for (NetworkPolicyEgressRule r : np.getSpec().getEgress()) {
      if (r.getTo().stream().anyMatch(t -> t.getIpBlock() != null && "169.254.20.10/32".equals(t.getIpBlock().getCidr()))) {
        r.getPorts().forEach(p -> toNodeLocalCache.add(p.getProtocol() + "/" + p.getPort().getIntVal()));
      }
    }
    assertThat(toNodeLocalCache).as("ports open to NodeLocal DNSCache's address").containsExactlyInAnyOrder("UDP/53", "TCP/53");
  }

  /**
   * A cluster's log pipeline (Loki, Elasticsearch, Cloud Logging) keeps one entry per line: the monitor logs JSON
   * lines there, so that a stack trace or a multi-line start-up error stays one entry.
   */
  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void monitorLogsOneJsonObjectPerLine(String overlay) {
    assertThat(env(monitor(OVERLAYS.get(overlay))).get("ADVMON_LOG_FORMAT")).as("ADVMON_LOG_FORMAT in " + overlay)
        .isNotNull().extracting(EnvVar::getValue).isEqualTo("json");
  }

  /**
   * The ConfigMap, the container's variables (as the kubelet expands them, in pod {@code advmon-0}) and the Secret's
   * variables together are a configuration the monitor accepts: every key and every ADVMON_ variable is a setting
   * (or a kafka.* pass-through), and the whole validates.
   */
  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void configMapEnvironmentAndSecretValidateAsAMonitorConfiguration(String overlay, @TempDir Path dir) throws Exception {
    Manifests m = OVERLAYS.get(overlay);
    Properties settings = settings(m);
    Set<String> keys = MonitorConfig.SETTINGS.stream().map(Setting::key).collect(Collectors.toSet());
    for (String key : settings.stringPropertyNames()) {
      assertThat(keys.contains(key) || key.startsWith("kafka.")).as(key + " in the ConfigMap is a setting").isTrue();
    }
    Set<String> settingEnv = MonitorConfig.SETTINGS.stream().map(Setting::envName).collect(Collectors.toSet());
    Map<String, String> env = new HashMap<>();
    Map<String, String> podEnv = new HashMap<>();
    for (EnvVar e : monitor(m).getEnv()) {
      String value = kubernetesValue(e, podEnv, m.one(StatefulSet.class));
      if (value != null) {
        podEnv.put(e.getName(), value);
      }
      if (!e.getName().startsWith("ADVMON_")) {
        continue;
      }
      assertThat(settingEnv.contains(e.getName()) || e.getName().startsWith("ADVMON_KAFKA_")
          || MonitorConfig.LAUNCHER_VARIABLES.contains(e.getName()))
          .as(e.getName() + " is a setting's variable, or the launcher's (ADVMON_LOG_FORMAT)").isTrue();
      if (settingEnv.contains(e.getName()) && value != null) {
        env.put(e.getName(), value);
      }
    }
    // and the Secret's keys, which arrive as variables too (envFrom), with the values the base ships
    Secret credentials = m.named(Secret.class, m.oneCustom(ServiceMonitor.class).spec().endpoints().get(0)
        .authorization().credentials().name()).orElseThrow();
    for (Map.Entry<String, String> key : credentials.getData().entrySet()) {
      assertThat(settingEnv).as(key.getKey() + " in advmon-credentials").contains(key.getKey());
      env.put(key.getKey(), new String(java.util.Base64.getDecoder().decode(key.getValue()),
          java.nio.charset.StandardCharsets.UTF_8));
    }
    assertThat(credentials.getData().keySet()).contains("ADVMON_HTTP_BEARER_TOKEN", "ADVMON_REGISTRY_BASIC_AUTH_USER_INFO");
    Path file = dir.resolve("monitor.properties");
    try (var w = Files.newBufferedWriter(file)) {
      settings.store(w, null);
    }
    MonitorConfig c = MonitorConfig.load(file, env, Map.of(), dir).validated().require("kafka.bootstrap.servers", "registry.url");
    assertThat(c.bool("topics.create")).as("topics come from Strimzi").isFalse();
    assertThat(c.string("http.bind")).isEqualTo("0.0.0.0");
    assertThat(c.list("http.allowed-hosts")).as("probes arrive with Host = the pod's IP").containsExactly("*");
    assertThat(c.kafkaClientProperties()).containsEntry("security.protocol", "SASL_SSL");
    assertThat(c.instanceId()).isEqualTo("advmon-0");
    assertThat(c.string("streams.application-server")).as("reachable by the peers through the headless Service")
        .isEqualTo("advmon-0.advmon.advmon.svc:" + httpPort(monitor(m)));
    assertThat(m.named(io.fabric8.kubernetes.api.model.Service.class, "advmon").orElseThrow().getSpec().getClusterIP())
        .isEqualTo("None");
  }

  /**
   * Unless the pod turns service links off, the kubelet gives it variables for every Service of its namespace with a
   * cluster IP: one named advmon-http (a ClusterIP Service for an Ingress to the dashboard, say) brings
   * ADVMON_HTTP_PORT=tcp://IP:8080, which the monitor reads as http.port, and advmon-http-health brings
   * ADVMON_HTTP_HEALTH_PORT. Creating such a Service must not stop every pod at its next start.
   */
  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void anotherServiceInTheNamespaceCannotStopTheMonitor(String overlay, @TempDir Path dir) throws Exception {
    Manifests m = OVERLAYS.get(overlay);
    Map<String, String> env = new HashMap<>();
    if (!Boolean.FALSE.equals(pod(m).getEnableServiceLinks())) {
      for (String service : List.of("ADVMON_HTTP", "ADVMON_HTTP_HEALTH", "ADVMON_DASHBOARD")) {
        // what the kubelet sets for a Service with cluster IP 10.96.0.10 and one port "http" 8080/TCP
        env.put(service + "_SERVICE_HOST", "10.96.0.10");
        env.put(service + "_SERVICE_PORT", "8080");
        env.put(service + "_SERVICE_PORT_HTTP", "8080");
        env.put(service + "_PORT", "tcp://10.96.0.10:8080");
        env.put(service + "_PORT_8080_TCP", "tcp://10.96.0.10:8080");
        env.put(service + "_PORT_8080_TCP_PROTO", "tcp");
        env.put(service + "_PORT_8080_TCP_PORT", "8080");
        env.put(service + "_PORT_8080_TCP_ADDR", "10.96.0.10");
      }
    }
    Path file = dir.resolve("monitor.properties");
    try (var w = Files.newBufferedWriter(file)) {
      settings(m).store(w, null);
    }
    MonitorConfig c = MonitorConfig.load(file, env, Map.of(), dir).validated();
    assertThat(c.intValue("http.port")).isEqualTo(httpPort(monitor(m)));
  }

  @Test
  void gpuOverlayAsksForAGpuOnGpuNodesAndWaitsForTheEngineTheCpuOverlayDoesNot() {
    Container gpu = monitor(OVERLAYS.get("gpu"));
    PodSpec gpuPod = pod(OVERLAYS.get("gpu"));
    assertThat(gpu.getResources().getLimits()).containsKey("nvidia.com/gpu");
    assertThat(gpu.getResources().getLimits().get("nvidia.com/gpu").getNumericalAmount().intValue()).isEqualTo(1);
    assertThat(gpuPod.getTolerations()).anySatisfy(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
    // the GPU request alone places the pod: a required node label that only NVIDIA's feature discovery sets would
    // leave it Pending on a GPU pool with the device plugin alone
    assertThat(gpuPod.getAffinity().getNodeAffinity()).isNull();
    assertThat(gpuPod.getNodeSelector()).isNullOrEmpty();
    assertThat(gpuPod.getAffinity().getPodAntiAffinity()).as("the base's spreading survives the overlay").isNotNull();
    Probe startup = gpu.getStartupProbe();
    assertThat(startup.getPeriodSeconds() * startup.getFailureThreshold()).as("seconds allowed to start on a GPU")
        .isGreaterThanOrEqualTo(600);
    assertThat(env(gpu).get("ADVMON_MODEL_ENGINE").getValue()).isEqualTo("OnnxRuntimeCuda");
    // the root is read-only: every cache the GPU engines write ($HOME/.nv by default for CUDA) is put on a volume
    assertThat(env(gpu)).containsKeys("CUDA_CACHE_PATH", "ORT_TENSORRT_CACHE_PATH");
    List<String> mounts = gpu.getVolumeMounts().stream().filter(m -> !Boolean.TRUE.equals(m.getReadOnly()))
        .map(m -> m.getMountPath() + "/").toList();
    for (String cache : List.of("CUDA_CACHE_PATH", "ORT_TENSORRT_CACHE_PATH")) {
      assertThat(mounts).as(cache + " on a writable volume").anySatisfy(m -> assertThat(env(gpu).get(cache).getValue()).startsWith(m));
    }
    assertThat(gpu.getImage()).contains("advmon-gpu:");
    // the base's environment survived the overlay's patch
    assertThat(env(gpu)).containsKeys("POD_NAME", "ADVMON_STREAMS_INSTANCE_ID", "ADVMON_KAFKA_SASL_JAAS_CONFIG");

    Container cpu = monitor(OVERLAYS.get("cpu"));
    assertThat(cpu.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
    assertThat(pod(OVERLAYS.get("cpu")).getTolerations()).isNullOrEmpty();
    assertThat(cpu.getImage()).contains("/advmon:").doesNotContain("gpu");
    assertThat(env(cpu).get("ADVMON_MODEL_ENGINE").getValue()).isEqualTo("OnnxRuntime");
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void networkPolicyLetsOutOnlyDnsKafkaTheRegistryAndPeersAndLetsInOnlyScrapesAndPeers(String overlay) throws Exception {
    Manifests m = OVERLAYS.get(overlay);
    NetworkPolicy np = m.one(NetworkPolicy.class);
    Properties settings = settings(m);
    int http = httpPort(monitor(m));
    assertThat(np.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(np.getSpec().getPodSelector().getMatchLabels())
        .isEqualTo(m.one(StatefulSet.class).getSpec().getSelector().getMatchLabels());
    int kafkaPort = Integer.parseInt(settings.getProperty("kafka.bootstrap.servers").replaceAll(".*:", ""));
    int registryPort = URI.create(settings.getProperty("registry.url")).getPort();
    Set<String> egress = new HashSet<>();
    for (NetworkPolicyEgressRule r : np.getSpec().getEgress()) {
      assertThat(r.getTo()).as("every egress rule names its peers").isNotEmpty();
      assertThat(r.getPorts()).as("every egress rule names its ports").isNotEmpty();
      r.getPorts().forEach(p -> egress.add(p.getProtocol() + "/" + p.getPort().getIntVal()));
    }
    assertThat(egress).containsExactlyInAnyOrder("UDP/53", "TCP/53", "TCP/" + kafkaPort, "TCP/" + registryPort, "TCP/" + http);
    List<NetworkPolicyIngressRule> ingress = np.getSpec().getIngress();
    for (NetworkPolicyIngressRule r : ingress) {
      assertThat(r.getFrom()).isNotEmpty();
      assertThat(r.getPorts()).extracting(NetworkPolicyPort::getPort).extracting(p -> p.getIntVal()).containsOnly(http);
    }
    assertThat(ingress).as("scrapes from the monitoring namespace").anyMatch(r -> r.getFrom().stream().anyMatch(
        f -> f.getNamespaceSelector() != null && f.getPodSelector() == null
            && "monitoring".equals(f.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name"))));
    assertThat(ingress).as("interactive queries from the other instances").anyMatch(r -> r.getFrom().stream().anyMatch(
        f -> f.getNamespaceSelector() == null && f.getPodSelector() != null
            && f.getPodSelector().getMatchLabels().equals(np.getSpec().getPodSelector().getMatchLabels())));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void prometheusScrapesTheHttpPortWithTheBearerToken(String overlay) {
    Manifests m = OVERLAYS.get(overlay);
    ServiceMonitor sm = m.oneCustom(ServiceMonitor.class);
    Service svc = m.named(Service.class, "advmon").orElseThrow();
    assertThat(svc.getMetadata().getLabels()).containsAllEntriesOf(sm.spec().selector().getMatchLabels());
    assertThat(sm.spec().endpoints()).singleElement().satisfies(e -> {
      assertThat(svc.getSpec().getPorts()).anySatisfy(p -> assertThat(p.getName()).isEqualTo(e.port()));
      assertThat(e.path()).isEqualTo("/metrics");
      assertThat(e.authorization().type()).isEqualTo("Bearer");
      Secret s = m.named(Secret.class, e.authorization().credentials().name()).orElseThrow();
      assertThat(s.getData()).containsKey(e.authorization().credentials().key());
      // a new token must roll the pods: the pod template names the Secret by its content hash, as the ServiceMonitor
      // does, so both read the same token (with an unhashed name, pods kept the old one and every scrape got 401)
      assertThat(s.getMetadata().getName()).as("the credentials Secret's name carries its content hash")
          .matches("advmon-credentials-[a-z0-9]{10}");
      assertThat(monitor(m).getEnvFrom()).as("the pods read the Secret the ServiceMonitor reads")
          .anyMatch(f -> f.getSecretRef() != null && s.getMetadata().getName().equals(f.getSecretRef().getName()));
    });
    PrometheusRule rule = m.oneCustom(PrometheusRule.class);
    Set<String> alerts = rule.spec().groups().stream().flatMap(g -> g.rules().stream()).map(r -> r.alert())
        .filter(Objects::nonNull).collect(Collectors.toSet());
    assertThat(alerts).contains("AdvmonCampaign", "AdvmonDeadLetterRate", "AdvmonConsumerLag", "AdvmonNotReady");
    rule.spec().groups().forEach(g -> g.rules().forEach(r -> {
      assertThat(r.expr()).as(r.alert()).isNotBlank();
      assertThat(r.labels()).as(r.alert()).containsKey("severity");
      assertThat(r.annotations()).as(r.alert()).containsKeys("summary", "description");
    }));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void kedaScalesTheStatefulSetOnTheGroupsLagUpToThePartitionCount(String overlay) throws Exception {
    Manifests m = OVERLAYS.get(overlay);
    Properties settings = settings(m);
    ScaledObject so = m.oneCustom(ScaledObject.class);
    StatefulSet sts = m.one(StatefulSet.class);
    assertThat(so.spec().scaleTargetRef().kind()).isEqualTo("StatefulSet");
    assertThat(so.spec().scaleTargetRef().name()).isEqualTo(sts.getMetadata().getName());
    KafkaTopic frames = topic(settings.getProperty("topics.frames"));
    assertThat(so.spec().maxReplicaCount()).as("max replicas = partitions of the frames topic")
        .isEqualTo(frames.spec().partitions());
    assertThat(so.spec().minReplicaCount()).isBetween(1, so.spec().maxReplicaCount());
    assertThat(so.spec().triggers()).filteredOn(t -> "kafka".equals(t.type())).singleElement().satisfies(t -> {
      assertThat(t.metadata()).containsEntry("consumerGroup", settings.getProperty("streams.application-id"))
          .containsEntry("topic", settings.getProperty("topics.frames"))
          .containsEntry("bootstrapServers", settings.getProperty("kafka.bootstrap.servers"));
      TriggerAuthentication auth = m.oneCustom(TriggerAuthentication.class);
      assertThat(t.authenticationRef().name()).isEqualTo(auth.metadata().getName());
      assertThat(auth.spec().secretTargetRef()).extracting(r -> r.parameter())
          .containsExactlyInAnyOrder("sasl", "username", "password", "tls", "ca");
      // the same Secret the monitor reads its JAAS configuration from
      String monitorSecret = env(monitor(m)).get("ADVMON_KAFKA_SASL_JAAS_CONFIG").getValueFrom().getSecretKeyRef().getName();
      assertThat(auth.spec().secretTargetRef()).allSatisfy(r -> assertThat(r.name()).isEqualTo(monitorSecret));
    });
  }

  /**
   * The lag trigger alone cannot hold the instances it added: once they keep up, the committed lag is a commit
   * interval's frames whatever the load (tens, against lagThreshold 200 per instance), so the lag asks for
   * minReplicaCount, the HPA drops to it 10 minutes later (the stabilization window), the backlog grows again, and a
   * steady load above two instances' capacity cycles between 2 and 6 instances, each cycle costing two rebalances and
   * a backlog. A second trigger on what the instances do (their CPU, which scoring uses) keeps as many as the load
   * needs; the HPA takes the larger of the two.
   */
  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void kedaKeepsTheInstancesItAddedWhileTheyAreBusyNotOnlyWhileTheyLag(String overlay) {
    Manifests m = OVERLAYS.get(overlay);
    ScaledObject so = m.oneCustom(ScaledObject.class);
    Container c = monitor(m);
    assertThat(so.spec().triggers()).as("a trigger on the instances' load beside the lag").filteredOn(t -> "cpu".equals(t.type()))
        .singleElement().satisfies(t -> {
          // Utilization is of the container's CPU request: it must be set, and the target below what a busy pod uses
          assertThat(t.metricType()).isEqualTo("Utilization");
          assertThat(Integer.parseInt(t.metadata().get("value"))).isBetween(50, 90);
          assertThat(c.getResources().getRequests()).containsKey("cpu");
          assertThat(t.metadata().getOrDefault("containerName", c.getName())).isEqualTo(c.getName());
        });
    assertThat(so.spec().triggers()).as("and the lag, which adds instances as soon as a backlog builds")
        .anyMatch(t -> "kafka".equals(t.type()));
  }

  /**
   * KEDA's cooldownPeriod is the wait before scaling to zero and nothing else: with minReplicaCount at 1 or more the
   * HPA does every scale-down, and only its stabilization window delays it. A cooldownPeriod in the manifest then
   * reads as the scale-down delay while doing nothing, and an operator who edits it to scale down sooner or later
   * changes nothing.
   */
  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void scaleDownWaitsTheHpasStabilizationWindowAndNoInertKedaSettingSuggestsOtherwise(String overlay) {
    ScaledObject so = OVERLAYS.get(overlay).oneCustom(ScaledObject.class);
    assertThat(so.spec().minReplicaCount()).as("minReplicaCount: KEDA never scales to zero").isPositive();
    assertThat(so.spec().cooldownPeriod()).as("cooldownPeriod (KEDA applies it only to scaling to zero, which "
        + "minReplicaCount " + so.spec().minReplicaCount() + " rules out)").isNull();
    assertThat(so.spec().idleReplicaCount()).as("idleReplicaCount (scaling to an idle count)").isNull();
    @SuppressWarnings("unchecked")
    Map<String, Object> scaleDown = (Map<String, Object>) so.spec().advanced().horizontalPodAutoscalerConfig()
        .behavior().get("scaleDown");
    assertThat(scaleDown).as("the HPA's scale-down behaviour").isNotNull();
    assertThat(((Number) scaleDown.get("stabilizationWindowSeconds")).intValue())
        .as("the scale-down delay the manifests and README describe (10 minutes)").isEqualTo(600);
  }

  private static KafkaTopic topic(String name) {
    return strimzi.allCustom(KafkaTopic.class).stream()
        .filter(t -> name.equals(t.spec().topicName() == null ? t.metadata().getName() : t.spec().topicName()))
        .findFirst().orElseThrow(() -> new AssertionError("no KafkaTopic " + name + " in k8s/strimzi"));
  }

  private static long config(KafkaTopic t, String key) {
    Object v = t.spec().config().get(key);
    assertThat(v).as(t.metadata().getName() + " " + key).isNotNull();
    return Long.parseLong(String.valueOf(v));
  }

  /**
   * Kafka Streams creates its own topics (the campaign repartition topic, the camera store's changelog) with
   * replication.factor = topics.replication-factor (-1 = the broker's default.replication.factor, 1 on a Strimzi
   * cluster that does not set it) and the broker's min.insync.replicas: the exactly-once state would then sit on one
   * broker, or be acknowledged by one, while the four topics of k8s/strimzi are pinned to 3 and 2. The settings pin
   * the internal topics to the same, whatever the cluster's defaults.
   */
  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void internalTopicsAreReplicatedAsTheStrimziTopicsAre(String overlay, @TempDir Path dir) throws Exception {
    Properties settings = settings(OVERLAYS.get(overlay));
    KafkaTopic frames = topic(settings.getProperty("topics.frames"));
    assertThat(settings.getProperty("topics.replication-factor"))
        .as("replication factor of Kafka Streams' internal topics (topics.replication-factor; -1 = broker default)")
        .isEqualTo(String.valueOf(frames.spec().replicas()));
    assertThat(settings.getProperty("kafka.topic.min.insync.replicas"))
        .as("min.insync.replicas of Kafka Streams' internal topics (kafka.topic.min.insync.replicas)")
        .isEqualTo(String.valueOf(config(frames, "min.insync.replicas")));
    // and the monitor hands them to Kafka Streams as such
    Path file = dir.resolve("monitor.properties");
    try (var w = Files.newBufferedWriter(file)) {
      settings.store(w, null);
    }
    MonitorConfig c = MonitorConfig.load(file, Map.of(), Map.of(), dir).validated();
    assertThat(c.intValue("topics.replication-factor")).isEqualTo(frames.spec().replicas());
    assertThat(c.kafkaClientProperties()).containsEntry("topic.min.insync.replicas",
        String.valueOf(config(frames, "min.insync.replicas")));
  }

  @Test
  void strimziTopicsHoldTheLargestFrameAndItsDeadLetter() throws Exception {
    Properties settings = settings(OVERLAYS.get("cpu"));
    assertThat(strimzi.allCustom(KafkaTopic.class)).hasSize(4)
        .allSatisfy(t -> assertThat(t.metadata().getLabels()).containsKey("strimzi.io/cluster"));
    for (String key : List.of("topics.frames", "topics.verdicts", "topics.alerts", "topics.dead-letter")) {
      KafkaTopic t = topic(settings.getProperty(key));
      assertThat(t.spec().replicas()).as(key).isGreaterThanOrEqualTo(3);
      assertThat(config(t, "min.insync.replicas")).as(key).isEqualTo(2);
      // the monitor refuses to start on a compacted topic, and the broker's default (log.cleanup.policy) may be
      // compact: set, as the monitor does on the topics it creates itself
      assertThat(t.spec().config()).as(key + " cleanup.policy").containsEntry("cleanup.policy", "delete");
    }
    long maxImage = Long.parseLong(MonitorConfig.SETTINGS.stream().filter(s -> s.key().equals("image.max-encoded-bytes"))
        .findFirst().orElseThrow().defaultValue());
    long envelope = 64 * 1024;
    long frames = config(topic(settings.getProperty("topics.frames")), "max.message.bytes");
    long dlq = config(topic(settings.getProperty("topics.dead-letter")), "max.message.bytes");
    assertThat(frames).as("frames topic holds the largest accepted image").isGreaterThanOrEqualTo(maxImage + envelope);
    assertThat(dlq).as("dead-letter topic holds the largest frame and its envelope").isGreaterThanOrEqualTo(frames + envelope);
    long largestDeadLetter = new dev.advmon.topology.RecordLimits(maxImage).maxMessageBytes();
    assertThat(dlq).as("the largest dead letter the monitor makes (and sizes its producer for)")
        .isGreaterThanOrEqualTo(largestDeadLetter);
    assertThat(settings.getProperty("kafka.producer.max.request.size")).as("the monitor sets it itself, over any value here")
        .isNull();
  }

  /**
   * Strimzi 1.0 and later serve KafkaTopic and KafkaUser only as kafka.strimzi.io/v1 (their CRDs dropped v1beta2:
   * strimzi-kafka-operator's CRDs of 0.49.0, 1.0.0 and 1.2.0, and its CHANGELOG): a v1beta2 resource is refused by the
   * API server ("no matches for kind KafkaTopic in version kafka.strimzi.io/v1beta2"), so the first command of
   * README's deploy failed on any current Strimzi. v1 is served from Strimzi 0.49 on.
   */
  @Test
  void strimziResourcesUseTheApiVersionCurrentStrimziServes() {
    assertThat(strimzi.custom).isNotEmpty().allSatisfy(r -> assertThat(r.apiVersion())
        .as(r.kind() + " " + r.metadata().getName()).isEqualTo("kafka.strimzi.io/v1"));
  }

  @Test
  void kafkaUserHasWhatAnExactlyOnceStreamsApplicationNeeds() throws Exception {
    Properties settings = settings(OVERLAYS.get("cpu"));
    String app = settings.getProperty("streams.application-id");
    KafkaUser user = user(app);
    assertThat(user.spec().authentication().type()).isEqualTo("scram-sha-512");
    assertThat(settings.getProperty("kafka.sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
    assertThat(user.spec().authorization().type()).isEqualTo("simple");
    List<Acl> acls = user.spec().authorization().acls();
    assertAllowed(acls, "topic", settings.getProperty("topics.frames"), "literal", "Read", "Describe");
    for (String out : List.of("topics.verdicts", "topics.alerts", "topics.dead-letter")) {
      // Read: the hanging-transaction check asks the outputs' leaders for open transactions (DescribeProducers)
      assertAllowed(acls, "topic", settings.getProperty(out), "literal", "Write", "Read", "Describe");
    }
    // the check judges nothing while a transaction-state partition has no leader: it must be able to describe it
    assertAllowed(acls, "topic", "__transaction_state", "literal", "Describe");
    // internal topics <application-id>-...-repartition / -changelog
    assertAllowed(acls, "topic", app + "-", "prefix", "Create", "Read", "Write", "Describe", "DescribeConfigs", "Delete");
    assertAllowed(acls, "group", app, "literal", "Read", "Describe");
    assertAllowed(acls, "transactionalId", app + "-", "prefix", "Write", "Describe");
    assertThat(acls).anySatisfy(a -> {
      assertThat(a.resource().type()).isEqualTo("cluster");
      assertThat(a.operations()).contains("Describe");
    });
    // nothing broader than the application's own names
    assertThat(acls).allSatisfy(a -> {
      assertThat(a.operations()).doesNotContain("All", "Alter", "AlterConfigs");
      assertThat(a.resource().name()).isNotEqualTo("*");
    });
    // redrive's user writes the frames topic; the monitor's own must not, or it could feed its own input
    assertThat(acls).as("Write on the frames topic").noneSatisfy(a -> {
      assertThat(a.resource().type()).isEqualTo("topic");
      assertThat(settings.getProperty("topics.frames")).startsWith(a.resource().name());
      assertThat(a.operations()).containsAnyOf("Write", "All");
    });
  }

  /**
   * {@code ./monitor redrive} reads the dead-letter topic, writes the frames topic in transactions and remembers what
   * it sent in a consumer group; group and transactional id are both {@code <streams.application-id>-redrive}
   * (RedriveCommand.redriveId). The monitor's user covers neither the group (its ACL is the literal application id)
   * nor Write on frames, so redrive has a user of its own, with exactly that and nothing else: no cluster ACL (a
   * transactional producer is authorised by Write on its transactional id, not IdempotentWrite), no prefixes.
   */
  @Test
  void redriveHasAKafkaUserWithExactlyWhatItNeeds() throws Exception {
    Properties settings = settings(OVERLAYS.get("cpu"));
    String redrive = settings.getProperty("streams.application-id") + "-redrive";
    assertThat(strimzi.allCustom(KafkaUser.class)).as("the monitor's user and redrive's").hasSize(2);
    KafkaUser user = user(redrive);
    assertThat(user.spec().authentication().type()).isEqualTo("scram-sha-512");
    assertThat(user.spec().authorization().type()).isEqualTo("simple");
    List<Acl> acls = user.spec().authorization().acls();
    String dlq = settings.getProperty("topics.dead-letter");
    String frames = settings.getProperty("topics.frames");
    assertAllowed(acls, "topic", dlq, "literal", "Read", "Describe");
    assertAllowed(acls, "topic", frames, "literal", "Write", "Describe");
    assertAllowed(acls, "group", redrive, "literal", "Read", "Describe");
    assertAllowed(acls, "transactionalId", redrive, "literal", "Write", "Describe");
    assertThat(acls).as("no more than that").allSatisfy(a -> {
      assertThat(a.type()).as("allow rules only").isIn(null, "allow");
      assertThat(a.resource().patternType()).isEqualTo("literal");
      assertThat(a.resource().type() + " " + a.resource().name()).isIn("topic " + dlq, "topic " + frames,
          "group " + redrive, "transactionalId " + redrive);
      assertThat(a.operations()).isSubsetOf(
          a.resource().name().equals(dlq) || a.resource().type().equals("group") ? List.of("Read", "Describe")
              : List.of("Write", "Describe"));
    });
  }

  private static KafkaUser user(String name) {
    return strimzi.allCustom(KafkaUser.class).stream().filter(u -> name.equals(u.metadata().getName())).findFirst()
        .orElseThrow(() -> new AssertionError("no KafkaUser " + name + " in k8s/strimzi"));
  }

  private static void assertAllowed(List<Acl> acls, String type, String name, String pattern, String... operations) {
    Set<String> granted = acls.stream()
        .filter(a -> a.resource().type().equals(type) && name.equals(a.resource().name())
            && pattern.equals(a.resource().patternType()))
        .flatMap(a -> a.operations().stream()).collect(Collectors.toSet());
    assertThat(granted).as(type + " " + pattern + " " + name).contains(operations);
  }
}
