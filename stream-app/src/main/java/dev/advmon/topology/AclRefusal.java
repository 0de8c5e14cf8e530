package dev.advmon.topology;

import java.util.Collection;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * The start-up error for a request the broker's authorizer refused. A refusal is not an outage: waiting for the broker
 * ("unreachable") would never end and would point at the network, so the start stops, naming the operation, the
 * resources, the principal and the kafka-acls.sh command that grants it.
 */
final class AclRefusal {

  private static final Pattern USERNAME = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");

  private AclRefusal() {}

  /**
   * @param operation the ACL operation as kafka-acls.sh and Strimzi name it (DescribeConfigs)
   * @param topics the topics it was refused on
   * @param asked what the monitor asked the broker for, for the message
   */
  static IllegalStateException onTopics(Map<String, Object> clientProperties, String operation,
      Collection<String> topics, String asked, Throwable refusal) {
    Object servers = clientProperties.get("bootstrap.servers");
    String principal = principal(clientProperties);
    StringBuilder command = new StringBuilder("kafka-acls.sh --bootstrap-server " + servers
        + " --command-config <admin client properties> --add --allow-principal " + principal + " --operation "
        + operation);
    topics.forEach(t -> command.append(" --topic ").append(t));
    return new IllegalStateException("Kafka at " + servers + " (kafka.bootstrap.servers): " + principal
        + " is not authorized to " + asked + " (" + refusal + "): it needs " + operation + " on topic(s) " + topics
        + ". A refused request is not an outage, so the monitor stops instead of waiting: grant it (" + command
        + "; on Kubernetes the KafkaUser advmon of k8s/strimzi/user.yaml (README.md, \"Deploy on Kubernetes\")), or"
        + " check kafka.sasl.jaas.config logs in as the monitor's user", refusal);
  }

  /** A refusal the monitor cannot pin to one operation (a cluster or group ACL): the broker's own words. */
  static IllegalStateException other(Map<String, Object> clientProperties, String asked, AuthorizationException refusal) {
    Object servers = clientProperties.get("bootstrap.servers");
    return new IllegalStateException("Kafka at " + servers + " (kafka.bootstrap.servers): " + principal(clientProperties)
        + " is not authorized to " + asked + " (" + refusal + "). A refused request is not an outage, so the monitor"
        + " stops instead of waiting: grant the ACL named there (kafka-acls.sh --add; on Kubernetes the KafkaUser"
        + " advmon of k8s/strimzi/user.yaml (README.md, \"Deploy on Kubernetes\"))", refusal);
  }

  /** {@code User:<name>} from kafka.sasl.jaas.config (PLAIN and SCRAM), else a placeholder to fill in. */
  static String principal(Map<String, Object> clientProperties) {
    Object jaas = clientProperties.get("sasl.jaas.config");
    Matcher m = jaas == null ? null : USERNAME.matcher(jaas.toString());
    return m != null && m.find() ? "User:" + m.group(1) : "User:<the monitor's user>";
  }
}
