package dev.advmon.topology;

import dev.advmon.detect.ScoringUnavailableException;
import dev.advmon.model.ModelDocs;
import dev.advmon.registry.RegistryRequestException;
import dev.advmon.registry.RegistryUnavailableException;
import dev.advmon.registry.SchemaNotFoundException;
import dev.advmon.registry.SchemaRegistrationException;
import java.util.List;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * What a failure in the stream means, from its cause chain:
 * <ul>
 *   <li>{@link Kind#FATAL}: configuration that retrying cannot fix and that would hit every record (the registry
 *       refuses our credentials, redirects, or answers not as a registry; the broker refuses the login or an ACL):
 *       the monitor stops with the message;
 *   <li>{@link Kind#SYSTEMIC}: a dependency or the model is broken for every record (registry unreachable,
 *       scoring unavailable, a Kafka or state error, the registry refusing or not holding the schema of one of the
 *       monitor's own outputs): nothing is dead-lettered, Kafka Streams restarts with a backoff and processes the
 *       records again from the last commit;
 *   <li>{@link Kind#RECORD}: anything else is this record's own problem: it is dead-lettered and the stream
 *       goes on.
 * </ul>
 */
public final class Failures {

  public enum Kind { FATAL, SYSTEMIC, RECORD }

  private Failures() {}

  public static Kind classify(Throwable failure) {
    Kind kind = Kind.RECORD;
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 20; t = t.getCause(), depth++) {
      if (t instanceof RegistryRequestException r && r.misconfigured()) {
        return Kind.FATAL;
      }
      if (t instanceof AuthenticationException) {
        // the broker refuses the monitor's login (its password rotated or revoked on the broker, a certificate no
        // longer trusted): a restart in place logs in with the same settings for ever while liveness stays UP (seen
        // with a SCRAM password changed under a running monitor); a new process reads them anew, and on Kubernetes
        // the restarted container reads the Secret as it is now
        return Kind.FATAL;
      }
      if (t instanceof AuthorizationException) {
        // the broker refuses the monitor's principal an ACL: not an outage, and a restart in place asks again for
        // ever while liveness stays UP (seen with each of the KafkaUser's Streams ACLs withheld)
        return Kind.FATAL;
      }
      if (t instanceof RegistryUnavailableException || t instanceof ScoringUnavailableException
          || t instanceof InterruptedException || t instanceof org.apache.kafka.common.errors.InterruptException
          || t instanceof Error
          || (t instanceof KafkaException && !(t instanceof SerializationException))) {
        kind = Kind.SYSTEMIC;
      }
      if (t instanceof SchemaRegistrationException
          || (t instanceof SchemaNotFoundException missing && missing.subject().isPresent())) {
        // Registering (or, without auto-registration, looking up) the schema of a verdict, alert or dead letter:
        // refused or missing for one record means refused for every record, until someone changes the registry.
        // As a record failure every frame became an OUTPUT_FAILED dead letter, or every alert was left out, while
        // the monitor looked healthy. (A frame's unknown schema id is UNKNOWN_SCHEMA, dead-lettered where it is
        // read: that exception names an id, not a subject, and does not come here.)
        kind = Kind.SYSTEMIC;
      }
    }
    return kind;
  }

  /** What the operator should do about a fatal failure, naming the monitor's own settings; empty if nothing. */
  public static String hint(Throwable failure) {
    return hint(failure, java.util.Map.of());
  }

  /**
   * As {@link #hint(Throwable)}, with the commands it gives filled in from the Kafka Streams client's settings
   * {@code streamsProperties} (bootstrap.servers, the login's user, application.id) rather than placeholders.
   */
  public static String hint(Throwable failure, java.util.Map<?, ?> streamsProperties) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof RegistryRequestException r && r.authenticationFailed()) {
        return " (the registry refuses the monitor's credentials: check registry.basic-auth.user-info, i.e. "
            + "ADVMON_REGISTRY_BASIC_AUTH_USER_INFO, and that user's rights in the registry)";
      }
      if (t instanceof RegistryRequestException r && r.untrustedCertificate()) {
        return " (this host does not trust the registry's certificate: check registry.ssl.truststore.location, i.e."
            + " ADVMON_REGISTRY_SSL_TRUSTSTORE_LOCATION, and the certificate the registry presents; the monitor reads"
            + " its TLS settings only when it starts)";
      }
      if (t instanceof RegistryRequestException r && r.misconfigured()) {
        return " (the registry URL answers, but not as a schema registry's API: check registry.url, i.e. "
            + "ADVMON_REGISTRY_URL; after a redirect, set it to where the redirect points)";
      }
    }
    java.util.Optional<String> tls = BrokerTls.advice(failure);
    if (tls.isPresent()) {
      return " (" + tls.get() + "; the monitor reads its TLS settings only when it starts)";
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof AuthenticationException) {
        return " (the broker refuses the monitor's login: check " + LOGIN_SETTINGS + "; the monitor reads them only"
            + " when it starts)";
      }
      if (t instanceof AuthorizationException refused) {
        return " (" + aclHint(refused, AclAdvice.forClient(streamsProperties), streamsProperties.get("application.id"))
            + "; " + AclAdvice.ADMIN_PROPERTIES + "; on Kubernetes " + AclAdvice.MONITOR_USER + " grants all of them)";
      }
    }
    return "";
  }

  /**
   * Which ACL the refusal {@code e} of a Kafka Streams client points at, as far as its type and words say, and the
   * command that grants it.
   */
  private static String aclHint(AuthorizationException e, AclAdvice advice, Object applicationId) {
    String id = applicationId == null ? "APPLICATION-ID" : applicationId.toString(); // a word: the command is pasted
    if (e instanceof GroupAuthorizationException g) {
      String group = g.groupId() == null ? id : g.groupId();
      return "the broker refuses the monitor's principal its consumer group: grant Read and Describe on the group "
          + group + ", e.g. " + advice.command(AclAdvice.Resource.group(group), List.of("Read", "Describe"));
    }
    if (e instanceof TransactionalIdAuthorizationException) {
      return "the broker refuses the monitor's principal its exactly-once producers: grant Write and Describe on the"
          + " transactional ids prefixed with streams.application-id and '-', e.g. "
          + advice.command(AclAdvice.Resource.prefixed(id + "-", true), List.of("Write", "Describe"));
    }
    if (e instanceof ClusterAuthorizationException) {
      return "the broker refuses the monitor's principal a cluster operation: grant IdempotentWrite and Describe on"
          + " the cluster, e.g. " + advice.command(AclAdvice.Resource.cluster(), List.of("IdempotentWrite", "Describe"));
    }
    if (e instanceof TopicAuthorizationException topics && !topics.unauthorizedTopics().isEmpty()) {
      return "the broker refuses the monitor's principal topics " + new java.util.TreeSet<>(topics.unauthorizedTopics())
          + ": grant Read, Describe and DescribeConfigs on the frames topic, Write, Read, Describe and DescribeConfigs"
          + " on the verdicts, alerts and dead-letter topics, and Create, Delete, Read, Write, Describe and"
          + " DescribeConfigs on Kafka Streams' own topics (prefixed with streams.application-id and '-'), e.g. "
          + advice.commandStart() + " --operation ... --topic ...";
    }
    if (e instanceof TopicAuthorizationException) {
      // no topic named: Kafka Streams' creation of its repartition and changelog topics is answered so
      return "the broker refuses the monitor's principal a topic operation it does not name, most likely Create"
          + " (Kafka Streams creating its own topics): grant Create, Delete, Read, Write, Describe and DescribeConfigs"
          + " on the topics prefixed with streams.application-id and '-', e.g. " + advice.command(
              AclAdvice.Resource.prefixed(id + "-", false), STREAMS_OWN_TOPICS);
    }
    return "the broker refuses the monitor's principal an ACL: grant what the refusal names, e.g. "
        + advice.commandStart() + " ...";
  }

  /** The settings any client of the monitor's (the monitor, redrive) logs in with, for a refused login's message. */
  public static final String LOGIN_CHECKS = "kafka.sasl.jaas.config (user and password), kafka.sasl.mechanism and"
      + " kafka.security.protocol against the broker's listener, and with TLS kafka.ssl.*";

  /** The settings a refused login comes from, for the start-up check's message and a running monitor's. */
  static final String LOGIN_SETTINGS = LOGIN_CHECKS + " (on Kubernetes, the"
      + " Secret advmon-kafka, a copy of the KafkaUser advmon's, which nothing updates: when the password"
      + " or the cluster CA changes, make it again as " + ModelDocs.projectReadme("Deploy on Kubernetes") + " shows)";

  /** What Kafka Streams does with its own (changelog, repartition) topics. */
  private static final List<String> STREAMS_OWN_TOPICS = List.of("Create", "Delete", "Read", "Write", "Describe",
      "DescribeConfigs");

  /** Most characters of a failure's words in readiness and liveness (and of {@link #describe}'s one cause). */
  static final int MAX_HEALTH_WORDS = 500;

  /**
   * {@link #describe} within {@link #MAX_HEALTH_WORDS}, for readiness and liveness, which Kubernetes and people read: a
   * refused login at one of several registry URLs, which {@link #describe} gives whole for the log line, names each URL
   * with what it did, shortened, without the refusal's own words.
   */
  public static String brief(Throwable failure) {
    for (Throwable c = failure; c != null; c = c.getCause()) {
      String each = c instanceof Exception e ? dev.advmon.health.EachRegistryUrl.refusedLogin(e, MAX_HEALTH_WORDS)
          : null;
      if (each != null) {
        return each;
      }
    }
    return describe(failure);
  }

  /** The innermost cause that says most, for log lines (and, within a cap, {@link #brief}, health reasons). */
  public static String describe(Throwable failure) {
    for (Throwable c = failure; c != null; c = c.getCause()) {
      // a refused login at one of several registry URLs: each URL and what it did, as the start-up's stop says it (the
      // refusal's message named the refusing URL alone, a silent one beside it dropped, and a running monitor stopped
      // on it). Not cut at 500 (nor is the start-up's): each URL comes before the refusal's own words; brief() is
      // what health reasons carry
      String each = c instanceof Exception e ? dev.advmon.health.EachRegistryUrl.refusedLogin(e) : null;
      if (each != null) {
        return each;
      }
    }
    Throwable t = failure;
    int depth = 0;
    while (t.getCause() != null && depth++ < 20
        && (t.getMessage() == null || t instanceof org.apache.kafka.streams.errors.StreamsException)) {
      t = t.getCause();
    }
    String message = t.getMessage() == null ? t.getClass().getName() : t.getClass().getSimpleName() + ": " + t.getMessage();
    message = message.length() > MAX_HEALTH_WORDS ? message.substring(0, MAX_HEALTH_WORDS) + "..." : message;
    if (t instanceof InvalidTxnStateException) {
      // Kafka's own words do not say it: seen when the broker was unreachable (a network partition) for longer than
      // the transaction timeout, so that its coordinator aborted the open transaction and refused the late commit
      message += " (the broker aborted the open transaction, most likely because it could not be committed within"
          + " streams.transaction-timeout-ms, e.g. while the broker was unreachable; its frames are processed again)";
    }
    return message;
  }
}
