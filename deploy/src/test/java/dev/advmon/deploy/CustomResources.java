package dev.advmon.deploy;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;

/**
 * Typed classes of our own for the custom resources in k8s/ (the Prometheus Operator's, KEDA's and Strimzi's), with
 * the fields their CRDs define that we use, read by a strict mapper: an unknown or misspelled field fails the test.
 * Why not the vendors' Java models: Strimzi's api and fabric8's openshift-model-monitoring are built on other fabric8
 * versions than the 8.0.0 used here (openshift-model-monitoring 8.0.0 is not served), and KEDA publishes none. The
 * field names follow the CRD references: monitoring.coreos.com/v1, keda.sh/v1alpha1, kafka.strimzi.io/v1.
 */
final class CustomResources {

  private CustomResources() {}

  /** apiVersion/kind to class. */
  static final Map<String, Class<? extends Resource>> TYPES = Map.of(
      "monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class,
      "monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class,
      "keda.sh/v1alpha1/ScaledObject", ScaledObject.class,
      "keda.sh/v1alpha1/TriggerAuthentication", TriggerAuthentication.class,
      "kafka.strimzi.io/v1/KafkaTopic", KafkaTopic.class,
      "kafka.strimzi.io/v1/KafkaUser", KafkaUser.class);

  interface Resource {
    String apiVersion();

    String kind();

    ObjectMeta metadata();
  }

  // monitoring.coreos.com/v1

  record ServiceMonitor(String apiVersion, String kind, ObjectMeta metadata, ServiceMonitorSpec spec) implements Resource {}

  record ServiceMonitorSpec(LabelSelector selector, NamespaceSelector namespaceSelector, String jobLabel,
      List<Endpoint> endpoints) {}

  record NamespaceSelector(Boolean any, List<String> matchNames) {}

  record Endpoint(String port, String path, String scheme, String interval, String scrapeTimeout,
      SafeAuthorization authorization) {}

  record SafeAuthorization(String type, SecretKeySelector credentials) {}

  record SecretKeySelector(String name, String key, Boolean optional) {}

  record PrometheusRule(String apiVersion, String kind, ObjectMeta metadata, PrometheusRuleSpec spec) implements Resource {}

  record PrometheusRuleSpec(List<RuleGroup> groups) {}

  record RuleGroup(String name, String interval, List<Rule> rules) {}

  record Rule(String alert, String record, String expr, @JsonProperty("for") String forDuration, Map<String, String> labels,
      Map<String, String> annotations) {}

  // keda.sh/v1alpha1

  record ScaledObject(String apiVersion, String kind, ObjectMeta metadata, ScaledObjectSpec spec) implements Resource {}

  record ScaledObjectSpec(ScaleTarget scaleTargetRef, Integer minReplicaCount, Integer maxReplicaCount,
      Integer pollingInterval, Integer cooldownPeriod, Integer idleReplicaCount, Advanced advanced, List<Trigger> triggers) {}

  record ScaleTarget(String apiVersion, String kind, String name, String envSourceContainerName) {}

  record Advanced(HpaConfig horizontalPodAutoscalerConfig, Boolean restoreToOriginalReplicaCount) {}

  record HpaConfig(String name, Map<String, Object> behavior) {}

  record Trigger(String type, String name, Map<String, String> metadata, AuthenticationRef authenticationRef,
      String metricType) {}

  record AuthenticationRef(String name, String kind) {}

  record TriggerAuthentication(String apiVersion, String kind, ObjectMeta metadata, TriggerAuthenticationSpec spec)
      implements Resource {}

  record TriggerAuthenticationSpec(List<SecretTargetRef> secretTargetRef) {}

  record SecretTargetRef(String parameter, String name, String key) {}

  // kafka.strimzi.io/v1 (Strimzi 0.49 and later; the only version Strimzi 1.0 and later serve)

  record KafkaTopic(String apiVersion, String kind, ObjectMeta metadata, KafkaTopicSpec spec) implements Resource {}

  record KafkaTopicSpec(String topicName, Integer partitions, Integer replicas, Map<String, Object> config) {}

  record KafkaUser(String apiVersion, String kind, ObjectMeta metadata, KafkaUserSpec spec) implements Resource {}

  record KafkaUserSpec(UserAuthentication authentication, UserAuthorization authorization, Map<String, Object> quotas) {}

  record UserAuthentication(String type) {}

  record UserAuthorization(String type, List<Acl> acls) {}

  record Acl(AclResource resource, String type, List<String> operations, String host) {}

  record AclResource(String type, String name, String patternType) {}
}
