package dev.advmon.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.JaasUtils;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A broker of a test's own that authenticates (SASL/PLAIN) and authorizes (StandardAuthorizer, so a principal may do
 * only what its ACLs grant): {@link #SUPER_USER} may do everything, {@link #USER} what the test grants it.
 */
public final class AuthorizingKafka implements AutoCloseable {

  /** The broker's super user: creates topics, writes test data, grants ACLs. */
  public static final GhostTransaction.Login SUPER_USER = new GhostTransaction.Login(JaasUtils.KAFKA_PLAIN_ADMIN,
      JaasUtils.KAFKA_PLAIN_ADMIN_PASSWORD);
  /** The user under test: what it may do is what the test grants {@code User:} + its name. */
  public static final GhostTransaction.Login USER = new GhostTransaction.Login(JaasUtils.KAFKA_PLAIN_USER1,
      JaasUtils.KAFKA_PLAIN_USER1_PASSWORD);

  private final KafkaClusterTestKit cluster;

  private AuthorizingKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /** Starts one combined KRaft node under {@code dir}. */
  public static AuthorizingKafka start(Path dir) throws Exception {
    return start(dir, Map.of());
  }

  /** As {@link #start(Path)}, with {@code brokerSettings} added to the broker's (or replacing its defaults). */
  public static AuthorizingKafka start(Path dir, Map<String, String> brokerSettings) throws Exception {
    TestKitNodes nodes = new TestKitNodes.Builder().setCombined(true).setNumControllerNodes(1).setNumBrokerNodes(1)
        .setBrokerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT)
        .setControllerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT).setBaseDirectory(dir).build();
    KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(true);
    Map.of("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "transaction.state.log.replication.factor", "1", "transaction.state.log.min.isr", "1",
        "offsets.topic.replication.factor", "1").forEach(builder::setConfigProp);
    brokerSettings.forEach(builder::setConfigProp);
    KafkaClusterTestKit cluster = builder.build();
    try {
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      return new AuthorizingKafka(cluster);
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
  }

  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /** Client settings (bootstrap and login) of {@code login}; mutable. */
  public Map<String, Object> clientProperties(GhostTransaction.Login login) {
    Map<String, Object> props = new HashMap<>(login.clientProperties());
    props.put("bootstrap.servers", bootstrapServers());
    return props;
  }

  /** The monitor's settings ({@code kafka.*}) that log in as {@code login}. */
  public Map<String, String> monitorSettings(GhostTransaction.Login login) {
    Map<String, String> settings = new HashMap<>();
    login.clientProperties().forEach((k, v) -> settings.put("kafka." + k, v.toString()));
    settings.put("kafka.bootstrap.servers", bootstrapServers());
    return settings;
  }

  /** Grants {@code acls} as the super user and waits until the broker's authorizer lists them. */
  public void grant(List<AclBinding> acls) throws Exception {
    try (Admin admin = Admin.create(clientProperties(SUPER_USER))) {
      admin.createAcls(acls).all().get();
      org.assertj.core.api.Assertions.assertThat(Await.until(() -> {
        try {
          return admin.describeAcls(AclBindingFilter.ANY).values().get().containsAll(acls);
        } catch (Exception e) {
          return false;
        }
      }, Duration.ofSeconds(30))).as("the broker lists the ACLs %s", acls).isTrue();
    }
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }

  /**
   * The ACLs a Strimzi KafkaUser {@code manifest} grants, for {@link #USER}, with its resource names mapped through
   * {@code names} to a test's own (the cluster is "kafka-cluster"); a name {@code names} does not map fails the test,
   * so that a manifest change is looked at in the test too.
   */
  public static List<AclBinding> manifestAcls(Path manifest, Map<String, String> names) throws Exception {
    JsonNode acls = new ObjectMapper(new YAMLFactory()).readTree(manifest.toFile())
        .path("spec").path("authorization").path("acls");
    org.assertj.core.api.Assertions.assertThat(acls.isArray() && !acls.isEmpty()).as("ACLs in %s", manifest).isTrue();
    List<AclBinding> bindings = new ArrayList<>();
    for (JsonNode acl : acls) {
      JsonNode resource = acl.path("resource");
      ResourceType type = ResourceType.valueOf(snake(resource.path("type").asText()));
      String name = type == ResourceType.CLUSTER ? "kafka-cluster" : resource.path("name").asText();
      org.assertj.core.api.Assertions.assertThat(names).as("a name of %s the test maps to its own", manifest)
          .containsKey(name);
      PatternType pattern = "prefix".equals(resource.path("patternType").asText("literal")) ? PatternType.PREFIXED
          : PatternType.LITERAL;
      org.assertj.core.api.Assertions.assertThat(acl.path("type").asText("allow")).as("allow rules only")
          .isEqualTo("allow");
      for (JsonNode op : acl.path("operations")) {
        bindings.add(new AclBinding(new ResourcePattern(type, names.get(name), pattern), new AccessControlEntry(
            "User:" + USER.user(), acl.path("host").asText("*"), AclOperation.valueOf(snake(op.asText())),
            AclPermissionType.ALLOW)));
      }
    }
    return bindings;
  }

  /** Strimzi's names (transactionalId, DescribeConfigs) as Kafka's enum constants (TRANSACTIONAL_ID, ...). */
  private static String snake(String camel) {
    return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
  }
}
