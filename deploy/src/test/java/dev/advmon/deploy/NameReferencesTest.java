package dev.advmon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.config.MonitorConfig;
import dev.advmon.deploy.CustomResources.PrometheusRule;
import dev.advmon.deploy.CustomResources.ScaledObject;
import dev.advmon.deploy.CustomResources.ServiceMonitor;
import dev.advmon.deploy.CustomResources.TriggerAuthentication;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A user's overlay that renames the objects (kustomize namePrefix or nameSuffix, README "Deploy on Kubernetes") must
 * render a set whose references all follow: kustomize renames the objects, and only the fields it is taught to
 * (k8s/base/kustomizeconfig.yaml, which overlays inherit) name them by their new names. The overlays are in
 * src/test/resources/kustomize, on top of the committed ones. The Secret advmon-kafka is made by hand (README), not by
 * kustomize: its name stays what the commands there create.
 */
class NameReferencesTest {

  /** The Secret README's commands make in the monitor's namespace: not kustomize's, so never renamed. */
  private static final String KAFKA_SECRET = "advmon-kafka";

  private static Manifests render(String overlay) throws Exception {
    return Manifests.render(Kustomize.repoRoot().resolve("deploy/src/test/resources/kustomize"), overlay);
  }

  @ParameterizedTest
  @CsvSource({"team-a, team-a-advmon, advmon", "blue-gpu, advmon-blue, ml"})
  void everyNameAPodOrCustomResourceUsesIsARenderedObjectOrTheKafkaSecret(String overlay, String renamed,
      String namespace) throws Exception {
    Manifests m = render(overlay);
    StatefulSet sts = m.one(StatefulSet.class);
    assertThat(sts.getMetadata().getName()).as("the overlay renames").isEqualTo(renamed);
    PodSpec pod = sts.getSpec().getTemplate().getSpec();
    Set<String> services = names(m, Service.class);
    Set<String> secrets = names(m, Secret.class);
    secrets.add(KAFKA_SECRET);
    assertThat(services).as("StatefulSet serviceName").contains(sts.getSpec().getServiceName());
    assertThat(names(m, ServiceAccount.class)).as("serviceAccountName").contains(pod.getServiceAccountName());
    for (Volume v : pod.getVolumes()) {
      if (v.getConfigMap() != null) {
        assertThat(names(m, ConfigMap.class)).as("volume " + v.getName()).contains(v.getConfigMap().getName());
      }
      if (v.getSecret() != null) {
        assertThat(secrets).as("volume " + v.getName()).contains(v.getSecret().getSecretName());
      }
    }
    for (Container c : pod.getContainers()) {
      for (EnvFromSource from : c.getEnvFrom()) {
        assertThat(secrets).as(c.getName() + " envFrom").contains(from.getSecretRef().getName());
      }
      for (EnvVar e : c.getEnv()) {
        if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
          assertThat(secrets).as(c.getName() + " " + e.getName())
              .contains(e.getValueFrom().getSecretKeyRef().getName());
        }
      }
    }
    ServiceMonitor sm = m.oneCustom(ServiceMonitor.class);
    assertThat(secrets).as("ServiceMonitor's bearer token")
        .contains(sm.spec().endpoints().get(0).authorization().credentials().name());
    ScaledObject so = m.oneCustom(ScaledObject.class);
    assertThat(so.spec().scaleTargetRef().name()).as("what KEDA scales").isEqualTo(sts.getMetadata().getName());
    TriggerAuthentication auth = m.oneCustom(TriggerAuthentication.class);
    assertThat(so.spec().triggers()).filteredOn(t -> t.authenticationRef() != null).isNotEmpty()
        .allSatisfy(t -> assertThat(t.authenticationRef().name()).as(t.type() + " trigger's authenticationRef")
            .isEqualTo(auth.metadata().getName()));
    assertThat(auth.spec().secretTargetRef()).allSatisfy(r -> assertThat(secrets).contains(r.name()));
    // selectors are labels, which no rename changes: they still pick this set's pods (and would pick a second renamed
    // copy's in the same namespace: README says to give it a namespace of its own)
    Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
    assertThat(podLabels).containsAllEntriesOf(sts.getSpec().getSelector().getMatchLabels());
    assertThat(m.one(Service.class).getSpec().getSelector()).isEqualTo(sts.getSpec().getSelector().getMatchLabels());
    assertThat(sts.getMetadata().getNamespace()).isEqualTo(namespace);
  }

  /**
   * streams.application-server is what the other instances call for a key this pod owns: the pod's DNS name through
   * the headless Service, which a renamed overlay renames. With the Service's name written into the value, every
   * interactive query of a renamed set went to a name no Service answers.
   */
  @ParameterizedTest
  @CsvSource({"team-a, team-a-advmon, advmon", "blue-gpu, advmon-blue, ml"})
  void theAddressEachInstanceAdvertisesIsItsPodsNameThroughTheRenamedService(String overlay, String renamed,
      String namespace, @TempDir Path dir) throws Exception {
    Manifests m = render(overlay);
    StatefulSet sts = m.one(StatefulSet.class);
    String pod = renamed + "-0";
    Map<String, String> env = podEnvironment(sts, pod, namespace);
    Properties settings = settings(m);
    MonitorConfig c = config(settings, env, dir);
    assertThat(c.string("streams.application-server"))
        .isEqualTo(pod + "." + sts.getSpec().getServiceName() + "." + namespace + ".svc:"
            + settings.getProperty("http.port"));
    assertThat(sts.getSpec().getServiceName()).isEqualTo(renamed);
  }

  /**
   * kustomize renames a name reference in every field its field spec reaches when the whole value equals the old name.
   * Taught to rename the Service in the container's variables, it also renamed a variable of the overlay's own that
   * reads advmon: an overlay pinning its application id (the consumer group) to advmon, to keep an installation's
   * committed offsets under a new prefix, silently started a new consumer group named team-a-advmon.
   */
  @Test
  void aRenamedOverlaysOwnVariableThatReadsAdvmonKeepsItsValue(@TempDir Path dir) throws Exception {
    Manifests m = render("team-a-application-id");
    StatefulSet sts = m.one(StatefulSet.class);
    assertThat(sts.getMetadata().getName()).as("the overlay renames").isEqualTo("team-a-advmon");
    Map<String, String> env = podEnvironment(sts, "team-a-advmon-0", "advmon");
    assertThat(env).as("the overlay's own variable, as written in its patch")
        .containsEntry("ADVMON_STREAMS_APPLICATION_ID", "advmon");
    Properties settings = settings(m);
    MonitorConfig c = config(settings, env, dir);
    assertThat(c.string("streams.application-id")).as("the consumer group").isEqualTo("advmon");
    // while the address each pod advertises still follows the renamed Service
    assertThat(c.string("streams.application-server"))
        .isEqualTo("team-a-advmon-0.team-a-advmon.advmon.svc:" + settings.getProperty("http.port"));
  }

  /**
   * The alerts (and the Grafana dashboard) select job="advmon". Prometheus Operator names the job after the Service
   * unless the ServiceMonitor's jobLabel names a label of the Service: renamed, the job became team-a-advmon and every
   * alert on the monitor's metrics, the campaign's included, selected nothing.
   */
  @ParameterizedTest
  @CsvSource({"team-a", "blue-gpu"})
  void theJobTheAlertsSelectIsTheOneTheRenamedServiceIsScrapedAs(String overlay) throws Exception {
    Manifests m = render(overlay);
    ServiceMonitor sm = m.oneCustom(ServiceMonitor.class);
    Service svc = m.one(Service.class);
    String jobLabel = sm.spec().jobLabel();
    String job = jobLabel == null || !svc.getMetadata().getLabels().containsKey(jobLabel)
        ? svc.getMetadata().getName() : svc.getMetadata().getLabels().get(jobLabel);
    Set<String> selected = new TreeSet<>();
    Matcher jobs = Pattern.compile("job\\s*=\\s*\"([^\"]*)\"").matcher("");
    for (var group : m.oneCustom(PrometheusRule.class).spec().groups()) {
      for (var rule : group.rules()) {
        jobs.reset(rule.expr());
        while (jobs.find()) {
          selected.add(jobs.group(1));
        }
      }
    }
    assertThat(selected).as("the jobs the PrometheusRule selects; the Service is scraped as job " + job)
        .containsExactly(job);
  }

  /**
   * AdvmonNotScraped finds the namespaces where the monitor runs by kube-state-metrics' series of its StatefulSet,
   * selected by its label app.kubernetes.io/name: a rename changes the StatefulSet's name, not that label, and the rule
   * must select the value the rendered StatefulSet carries, or one of two monitors unscraped again raised nothing.
   */
  @ParameterizedTest
  @CsvSource({"team-a", "blue-gpu"})
  void theNotScrapedAlertSelectsTheRenamedStatefulSetByTheLabelItCarries(String overlay) throws Exception {
    Manifests m = render(overlay);
    String label = m.one(StatefulSet.class).getMetadata().getLabels().get("app.kubernetes.io/name");
    String expr = m.oneCustom(PrometheusRule.class).spec().groups().stream().flatMap(g -> g.rules().stream())
        .filter(r -> "AdvmonNotScraped".equals(r.alert())).findFirst().orElseThrow().expr();
    Matcher selected =
        Pattern.compile("kube_statefulset_labels\\{label_app_kubernetes_io_name=\"([^\"]*)\"}").matcher(expr);
    Set<String> values = new TreeSet<>();
    while (selected.find()) {
      values.add(selected.group(1));
    }
    assertThat(values).as("the StatefulSet's label AdvmonNotScraped selects, in " + expr).containsExactly(label);
  }

  /**
   * README's commands on the StatefulSet, its claims and its ServiceAccount (a rollout after a password change, the
   * claims' removal, the ServiceAccount's name for OpenShift's SCC) hold under a renamed overlay: each selects by a
   * label, which no rename changes, and the label picks exactly the renamed object. Written with the base's names
   * (statefulset/advmon), they named an object a renamed overlay does not have.
   */
  @ParameterizedTest
  @CsvSource({"team-a", "blue-gpu"})
  void readmesCommandsOnTheStatefulSetItsClaimsAndItsServiceAccountSelectTheRenamedOnes(String overlay)
      throws Exception {
    Manifests m = render(overlay);
    StatefulSet sts = m.one(StatefulSet.class);
    Map<String, Map<String, Map<String, String>>> byKind = Map.of(
        "statefulset", Map.of(sts.getMetadata().getName(), sts.getMetadata().getLabels()),
        "pvc", claims(sts),
        "serviceaccount", labelsByName(m, ServiceAccount.class));
    Map<String, Set<String>> expected = Map.of(
        "statefulset", Set.of(sts.getMetadata().getName()),
        "pvc", claims(sts).keySet(),
        "serviceaccount", Set.of(sts.getSpec().getTemplate().getSpec().getServiceAccountName()));
    Pattern kind = Pattern.compile("\\b(statefulsets?|sts|pvc|persistentvolumeclaims?|serviceaccounts?|sa)\\b(/\\S+)?");
    Pattern selector = Pattern.compile("(?:-l |--selector[ =])([\\w./-]+)=([\\w.-]+)");
    Set<String> checked = new TreeSet<>();
    for (String command : ReadmeCommands.all()) {
      Matcher k = kind.matcher(command);
      if (!k.find() || command.contains(" -n kafka ")) {
        continue;
      }
      assertThat(k.group(2)).as("README's `%s` names the object by the base's name", command).isNull();
      Matcher l = selector.matcher(command);
      assertThat(l.find()).as("README's `%s` selects by a label", command).isTrue();
      String type = k.group(1).startsWith("st") ? "statefulset" : k.group(1).startsWith("p") ? "pvc" : "serviceaccount";
      Set<String> selected = new TreeSet<>();
      byKind.get(type).forEach((name, labels) -> {
        if (labels != null && l.group(2).equals(labels.get(l.group(1)))) {
          selected.add(name);
        }
      });
      assertThat(selected).as("what README's `%s` selects in overlay %s", command, overlay)
          .isEqualTo(expected.get(type));
      checked.add(type);
    }
    assertThat(checked).as("README's commands on these kinds").containsExactlyInAnyOrder("statefulset", "pvc",
        "serviceaccount");
  }

  /** The claims the StatefulSet's pods get, by their template's name, with their labels. */
  private static Map<String, Map<String, String>> claims(StatefulSet sts) {
    Map<String, Map<String, String>> claims = new HashMap<>();
    sts.getSpec().getVolumeClaimTemplates()
        .forEach(t -> claims.put(t.getMetadata().getName(), t.getMetadata().getLabels()));
    return claims;
  }

  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> Map<String, Map<String, String>> labelsByName(
      Manifests m, Class<T> type) {
    Map<String, Map<String, String>> labels = new HashMap<>();
    m.all(type).forEach(o -> labels.put(o.getMetadata().getName(), o.getMetadata().getLabels()));
    return labels;
  }

  /** The monitor container's variables as the kubelet resolves them in pod {@code pod} (not those from Secrets). */
  private static Map<String, String> podEnvironment(StatefulSet sts, String pod, String namespace) {
    Map<String, String> env = new HashMap<>();
    for (EnvVar e : container(sts).getEnv()) {
      String value = KubernetesManifestsTest.kubernetesValue(e, env, sts, pod, namespace);
      if (value != null) {
        env.put(e.getName(), value);
      }
    }
    return env;
  }

  private static Container container(StatefulSet sts) {
    return sts.getSpec().getTemplate().getSpec().getContainers().stream().filter(c -> c.getName().equals("monitor"))
        .findFirst().orElseThrow();
  }

  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> Set<String> names(Manifests m, Class<T> type) {
    Set<String> names = new TreeSet<>();
    m.all(type).forEach(o -> names.add(o.getMetadata().getName()));
    return names;
  }

  /** The monitor.properties of the rendered ConfigMap. */
  private static Properties settings(Manifests m) throws java.io.IOException {
    Properties settings = new Properties();
    settings.load(new StringReader(m.one(ConfigMap.class).getData().get("monitor.properties")));
    return settings;
  }

  /** {@code settings} as a pod reads them, with the variables {@code env} its container gets: loaded and validated. */
  private static MonitorConfig config(Properties settings, Map<String, String> env, Path dir) throws Exception {
    Path file = dir.resolve("monitor.properties");
    try (var w = Files.newBufferedWriter(file)) {
      settings.store(w, null);
    }
    return MonitorConfig.load(file, env, Map.of(), dir).validated();
  }
}
