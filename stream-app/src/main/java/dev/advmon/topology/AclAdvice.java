package dev.advmon.topology;

import dev.advmon.model.ModelDocs;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * What to tell an operator when the broker's authorizer refuses a client of the monitor (the start-up topic check,
 * Kafka Streams, {@code monitor redrive}): the principal it logs in as, and the kafka-acls.sh command that grants it
 * the operations it lacks. One wording for all of them, so that each message gives a command that runs as printed
 * (the broker, the principal and the resource filled in from the client's settings where they are known). Which
 * operations a refusal calls for is the caller's to say: it knows what it asked for.
 */
public final class AclAdvice {

  private static final Pattern USERNAME = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");
  /** The KafkaUser that grants the monitor's ACLs on Kubernetes, and where the README explains it. */
  public static final String MONITOR_USER = "the KafkaUser advmon of " + ModelDocs.project("k8s/strimzi/user.yaml")
      + " (" + ModelDocs.projectReadme("Deploy on Kubernetes") + ")";

  /**
   * What the file the printed commands read kafka-acls.sh's own login from must hold, said once beside them: the
   * file is a name in the command (admin.properties), not a placeholder in angle brackets, which a shell pasted into
   * reads as redirects.
   */
  public static final String ADMIN_PROPERTIES = "admin.properties: the client settings (security.protocol,"
      + " sasl.mechanism, sasl.jaas.config, ssl.*) of a user allowed to alter ACLs";

  private final String servers;
  private final String principal;

  private AclAdvice(String servers, String principal) {
    this.servers = servers;
    this.principal = principal;
  }

  /**
   * For the client of {@code clientProperties} (bootstrap.servers, sasl.jaas.config); what they do not name is a
   * placeholder (HOST:PORT, User:USERNAME).
   */
  public static AclAdvice forClient(Map<?, ?> clientProperties) {
    Object servers = clientProperties.get("bootstrap.servers");
    return new AclAdvice(servers == null ? "HOST:PORT" : servers.toString(),
        principal(clientProperties));
  }

  /**
   * {@code User:<name>} from kafka.sasl.jaas.config (PLAIN and SCRAM), else a placeholder to fill in: a plain word,
   * as every placeholder of a printed command (see {@link #ADMIN_PROPERTIES}).
   */
  public static String principal(Map<?, ?> clientProperties) {
    Object jaas = clientProperties.get("sasl.jaas.config");
    Matcher m = jaas == null ? null : USERNAME.matcher(jaas.toString());
    return m != null && m.find() ? "User:" + m.group(1) : "User:USERNAME";
  }

  public String principal() {
    return principal;
  }

  /** An ACL's resource as kafka-acls.sh takes it: {@code --topic a --topic b}, {@code --group g}, {@code --cluster}. */
  public record Resource(String options) {

    public static Resource topics(Collection<String> names) {
      StringBuilder options = new StringBuilder();
      names.forEach(n -> options.append(options.isEmpty() ? "" : " ").append("--topic ").append(n));
      return new Resource(options.toString());
    }

    public static Resource group(String name) {
      return new Resource("--group " + name);
    }

    public static Resource transactionalId(String name) {
      return new Resource("--transactional-id " + name);
    }

    public static Resource cluster() {
      return new Resource("--cluster");
    }

    /** Every topic (or, with {@code transactionalIds}, transactional id) whose name starts with {@code prefix}. */
    public static Resource prefixed(String prefix, boolean transactionalIds) {
      return new Resource((transactionalIds ? "--transactional-id " : "--topic ") + prefix
          + " --resource-pattern-type prefixed");
    }
  }

  /** The kafka-acls.sh command that grants this client's principal {@code operations} (as Strimzi names them) on it. */
  public String command(Resource resource, List<String> operations) {
    StringBuilder command = new StringBuilder(commandStart());
    operations.forEach(op -> command.append(" --operation ").append(op));
    return command.append(' ').append(resource.options()).toString();
  }

  /** The start of such a command, up to the principal, for advice that names the operations in words. */
  public String commandStart() {
    return "kafka-acls.sh --bootstrap-server " + servers + " --command-config admin.properties --add"
        + " --allow-principal " + principal;
  }

  /**
   * The start-up error for a request the broker refused: a refusal is not an outage, so waiting for the broker
   * ("unreachable") would never end and would point at the network; the start stops, naming the operation, the
   * topics, the principal and the command that grants it.
   *
   * @param operation the ACL operation as kafka-acls.sh and Strimzi name it (DescribeConfigs)
   * @param topics the topics it was refused on
   * @param asked what the monitor asked the broker for, for the message
   */
  IllegalStateException refusedOnTopics(String operation, Collection<String> topics, String asked, Throwable refusal) {
    return new IllegalStateException("Kafka at " + servers + " (kafka.bootstrap.servers): " + principal
        + " is not authorized to " + asked + " (" + refusal + "): it needs " + operation + " on topic(s) " + topics
        + ". A refused request is not an outage, so the monitor stops instead of waiting: grant it ("
        + command(Resource.topics(topics), List.of(operation)) + "; " + ADMIN_PROPERTIES + "; on Kubernetes "
        + MONITOR_USER + "), or check"
        + " kafka.sasl.jaas.config logs in as the monitor's user", refusal);
  }

  /** A refusal the monitor cannot pin to one operation (a cluster or group ACL): the broker's own words. */
  IllegalStateException refused(String asked, AuthorizationException refusal) {
    return new IllegalStateException("Kafka at " + servers + " (kafka.bootstrap.servers): " + principal
        + " is not authorized to " + asked + " (" + refusal + "). A refused request is not an outage, so the monitor"
        + " stops instead of waiting: grant the ACL named there (kafka-acls.sh --add; on Kubernetes " + MONITOR_USER
        + ")", refusal);
  }
}
