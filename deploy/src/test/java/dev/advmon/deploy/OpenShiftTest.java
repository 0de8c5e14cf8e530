package dev.advmon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * OpenShift's restricted-v2 SCC assigns each pod a user and an fsGroup from its namespace's range and refuses a pod
 * that names others: the manifests' fixed 65532 (which Kubernetes elsewhere needs for the state volume's fsGroup) is
 * removed by k8s/components/openshift. Rendered here as a user's overlay (renamed,
 * src/test/resources/kustomize/openshift) and as redrive's kustomization with the component; restricted-v2's other
 * conditions must still hold. Checked against restricted-v2 as OpenShift documents it; no OpenShift cluster admitted
 * these pods.
 */
class OpenShiftTest {

  /** The volume types restricted-v2 allows. */
  private static final List<String> ALLOWED_VOLUMES = List.of("configMap", "secret", "emptyDir",
      "persistentVolumeClaim", "projected", "downwardAPI", "ephemeral", "csi");

  private static Manifests render(String overlay) throws Exception {
    return Manifests.render(Kustomize.repoRoot().resolve("deploy/src/test/resources/kustomize"), overlay);
  }

  @Test
  void theMonitorsPodNamesNoUserGroupOrFsGroupAndKeepsItsLockDown() throws Exception {
    PodSpec pod = render("openshift").one(StatefulSet.class).getSpec().getTemplate().getSpec();
    assertAdmissibleUnderRestrictedV2(pod, "monitor");
  }

  @Test
  void theRedriveJobsPodNamesNoUserGroupOrFsGroupAndKeepsItsLockDown() throws Exception {
    Manifests m = render("openshift-redrive");
    assertAdmissibleUnderRestrictedV2(m.one(Job.class).getSpec().getTemplate().getSpec(), "redrive");
    assertAdmissibleUnderRestrictedV2(m.one(StatefulSet.class).getSpec().getTemplate().getSpec(), "monitor");
  }

  /**
   * The component's patches targeted every StatefulSet and Job of the overlay by kind: a workload of the user's own
   * beside the monitor lost its pod's user, group and fsGroup and gained an empty container named monitor (or
   * redrive), with no image, which the API server refuses.
   */
  @Test
  void theUsersOwnStatefulSetAndJobInTheSameOverlayKeepTheirPodsAsWritten() throws Exception {
    Manifests m = render("openshift-beside-others");
    assertAdmissibleUnderRestrictedV2(m.named(StatefulSet.class, "advmon").orElseThrow().getSpec().getTemplate()
        .getSpec(), "monitor");
    assertKeptAsWritten(m.named(StatefulSet.class, "cache").orElseThrow().getSpec().getTemplate().getSpec(), "cache");
    assertKeptAsWritten(m.named(Job.class, "migrate").orElseThrow().getSpec().getTemplate().getSpec(), "migrate");
  }

  /** The pod as others.yaml of that overlay writes it: user, group and fsGroup 1001, its one container. */
  private static void assertKeptAsWritten(PodSpec pod, String container) {
    assertThat(pod.getContainers()).extracting(Container::getName).as("containers").containsExactly(container);
    PodSecurityContext psc = pod.getSecurityContext();
    assertThat(psc.getRunAsUser()).as(container + " pod runAsUser").isEqualTo(1001L);
    assertThat(psc.getRunAsGroup()).as(container + " pod runAsGroup").isEqualTo(1001L);
    assertThat(psc.getFsGroup()).as(container + " pod fsGroup").isEqualTo(1001L);
    SecurityContext sc = pod.getContainers().get(0).getSecurityContext();
    assertThat(sc.getRunAsUser()).as(container + " runAsUser").isEqualTo(1001L);
    assertThat(sc.getRunAsGroup()).as(container + " runAsGroup").isEqualTo(1001L);
  }

  private static void assertAdmissibleUnderRestrictedV2(PodSpec pod, String container) {
    PodSecurityContext psc = pod.getSecurityContext();
    assertThat(psc.getRunAsUser()).as("pod runAsUser (restricted-v2 assigns it)").isNull();
    assertThat(psc.getRunAsGroup()).as("pod runAsGroup").isNull();
    assertThat(psc.getFsGroup()).as("pod fsGroup (restricted-v2 assigns it: MustRunAs the namespace's range)").isNull();
    assertThat(psc.getRunAsNonRoot()).isTrue();
    assertThat(psc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostIPC()).isNotEqualTo(Boolean.TRUE);
    // the component's patches merge into the one container by name: none added, none lost
    assertThat(pod.getContainers()).extracting(Container::getName).containsExactly(container);
    List<Container> all = new ArrayList<>(pod.getContainers());
    if (pod.getInitContainers() != null) {
      all.addAll(pod.getInitContainers());
    }
    for (Container c : all) {
      SecurityContext sc = c.getSecurityContext();
      assertThat(sc.getRunAsUser()).as(c.getName() + " runAsUser").isNull();
      assertThat(sc.getRunAsGroup()).as(c.getName() + " runAsGroup").isNull();
      assertThat(sc.getRunAsNonRoot()).as(c.getName() + " runAsNonRoot").isTrue();
      assertThat(sc.getAllowPrivilegeEscalation()).as(c.getName() + " allowPrivilegeEscalation").isFalse();
      assertThat(sc.getPrivileged()).as(c.getName() + " privileged").isNotEqualTo(Boolean.TRUE);
      assertThat(sc.getReadOnlyRootFilesystem()).as(c.getName() + " readOnlyRootFilesystem").isTrue();
      assertThat(sc.getCapabilities().getDrop()).as(c.getName() + " capabilities.drop").containsExactly("ALL");
      assertThat(sc.getCapabilities().getAdd()).as(c.getName() + " capabilities.add").isNullOrEmpty();
      assertThat(sc.getSeccompProfile().getType()).as(c.getName() + " seccomp").isEqualTo("RuntimeDefault");
      c.getPorts().forEach(p -> assertThat(p.getHostPort()).as(c.getName() + " hostPort").isNull());
    }
    for (Volume v : pod.getVolumes()) {
      assertThat(volumeType(v)).as("volume " + v.getName()).isIn(ALLOWED_VOLUMES);
    }
  }

  private static String volumeType(Volume v) {
    if (v.getConfigMap() != null) {
      return "configMap";
    }
    if (v.getSecret() != null) {
      return "secret";
    }
    if (v.getEmptyDir() != null) {
      return "emptyDir";
    }
    if (v.getPersistentVolumeClaim() != null) {
      return "persistentVolumeClaim";
    }
    if (v.getProjected() != null) {
      return "projected";
    }
    if (v.getDownwardAPI() != null) {
      return "downwardAPI";
    }
    if (v.getEphemeral() != null) {
      return "ephemeral";
    }
    return v.getCsi() != null ? "csi" : "another type (hostPath, ...)";
  }
}
