package dev.advmon.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
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
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A broker of a test's own that authenticates (SASL/PLAIN) and authorizes (StandardAuthorizer, so a principal may do
 * only what its ACLs grant): {@link #SUPER_USER} may do everything, {@link #USER} what the test grants it.
 *
 * <p>Use: {@code @ExtendWith(AuthorizingKafka.class)}, then declare a parameter of type {@link Broker} in a test or
 * lifecycle method: one broker per test class, started before its first test and closed after its last. Not one per
 * JVM like {@link KafkaBroker} and {@link SchemaRegistryServer}: every class grants ACLs to the same {@link #USER}, and
 * what one class granted (user.yaml's cluster ACLs, say) would let another's case that withholds an ACL pass. A test
 * that needs broker settings of its own, or a broker for one test only, calls {@link #start(Path, Map)} and closes it.
 */
public final class AuthorizingKafka implements BeforeAllCallback, ParameterResolver {

  /** The broker's super user: creates topics, writes test data, grants ACLs. */
  public static final GhostTransaction.Login SUPER_USER = new GhostTransaction.Login(JaasUtils.KAFKA_PLAIN_ADMIN,
      JaasUtils.KAFKA_PLAIN_ADMIN_PASSWORD);
  /** The user under test: what it may do is what the test grants {@code User:} + its name. */
  public static final GhostTransaction.Login USER = new GhostTransaction.Login(JaasUtils.KAFKA_PLAIN_USER1,
      JaasUtils.KAFKA_PLAIN_USER1_PASSWORD);

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(AuthorizingKafka.class);
  private static final String KEY = "broker";

  @Override
  public void beforeAll(ExtensionContext context) {
    broker(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return parameterContext.getParameter().getType() == Broker.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return broker(extensionContext);
  }

  /** The class's broker: kept in the class's store (a test's store looks there too), which JUnit closes after it. */
  private static Broker broker(ExtensionContext context) {
    return context.getStore(NAMESPACE).getOrComputeIfAbsent(KEY, k -> {
      try {
        return start(Files.createTempDirectory("advmon-authorizing-kafka-"));
      } catch (Exception e) {
        throw new IllegalStateException("The authorizing Kafka broker (SASL/PLAIN, StandardAuthorizer) for "
            + context.getRequiredTestClass().getSimpleName() + " did not start: see the cause and the broker's log "
            + "lines above it", e);
      }
    }, Broker.class);
  }

  /** Starts one combined KRaft node under {@code dir}; close it. */
  public static Broker start(Path dir) throws Exception {
    return start(dir, Map.of());
  }

  /** As {@link #start(Path)}, with {@code brokerSettings} added to the broker's (or replacing its defaults). */
  public static Broker start(Path dir, Map<String, String> brokerSettings) throws Exception {
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
      return new Broker(cluster);
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
  }

  /** A running broker: where it is, how to log in to it, what to grant. */
  @SuppressWarnings("deprecation") // CloseableResource: JUnit 5.x before 5.13; AutoCloseable: 5.13 and later
  public static final class Broker implements ExtensionContext.Store.CloseableResource, AutoCloseable {

    private final KafkaClusterTestKit cluster;

    private Broker(KafkaClusterTestKit cluster) {
      this.cluster = cluster;
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
