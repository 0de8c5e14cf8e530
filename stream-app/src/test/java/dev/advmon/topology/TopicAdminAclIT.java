package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.testing.AuthorizingKafka;
import dev.advmon.testing.TestData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The start-up topic check ({@link TopicAdmin#ensureTopics}, with topics.create=false as on Kubernetes) as the
 * principal of the KafkaUser {@code k8s/strimzi/user.yaml}, with that manifest's ACLs (read from it, its topic names
 * mapped to each case's), against a broker that enforces ACLs: with all of them it passes; without one of the topic
 * ACLs it asks for it stops at once with an error naming the operation, the topic and the kafka-acls.sh command,
 * instead of waiting for a broker that answers ("unreachable") until startup.max-wait-ms. One broker for all cases.
 */
@ExtendWith(AuthorizingKafka.class)
class TopicAdminAclIT {

  private static final Path MANIFEST = TestData.repoRoot().resolve("k8s/strimzi/user.yaml");
  private static final String PRINCIPAL = "User:" + AuthorizingKafka.USER.user();
  private static final List<String> MANIFEST_TOPICS = List.of("frames", "verdicts", "alerts", "frames-dlq");

  @Test
  void withExactlyTheKafkaUsersAclsTheTopicsPassTheCheck(AuthorizingKafka.Broker kafka) throws Exception {
    List<String> topics = topics(kafka, "all");
    kafka.grant(manifestAcls("all"));
    newAdmin(kafka).ensureTopics(topics, Map.of(topics.get(3), 1024L), false, 1, (short) 1, 100, 20_000);
  }

  /**
   * What the check asks for on each topic: its configs (DescribeConfigs). Describe is implied by the manifest's Read
   * and Write on each, so withholding it alone changes nothing; see the case without any ACL on a topic.
   */
  static Stream<Arguments> topicAclsTheCheckNeeds() {
    return MANIFEST_TOPICS.stream().map(t -> Arguments.of(t, AclOperation.DESCRIBE_CONFIGS));
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("topicAclsTheCheckNeeds")
  void withoutATopicAclItStopsAtOnceNamingWhatToGrant(String manifestTopic, AclOperation operation,
      AuthorizingKafka.Broker kafka) throws Exception {
    // no case's application-id prefix (id-) may cover another case's topics
    String id = operation.name().toLowerCase(Locale.ROOT).replace("_", "") + "_" + manifestTopic.replace("-", "");
    List<String> topics = topics(kafka, id);
    String topic = topics.get(MANIFEST_TOPICS.indexOf(manifestTopic));
    List<AclBinding> all = manifestAcls(id);
    List<AclBinding> withheld = all.stream().filter(a -> a.pattern().resourceType() == ResourceType.TOPIC
        && a.pattern().name().equals(topic) && a.entry().operation() == operation).toList();
    assertThat(withheld).as("the manifest grants %s on %s", operation, manifestTopic).hasSize(1);
    kafka.grant(all.stream().filter(a -> !withheld.contains(a)).toList());

    long started = System.nanoTime();
    // startup.max-wait-ms far above what a refusal may take: a wait for the broker would show as a timeout here
    assertThatThrownBy(() -> newAdmin(kafka).ensureTopics(topics, Map.of(topics.get(3), 1024L), false, 1, (short) 1,
        100, 60_000)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not authorized").hasMessageContaining(aclName(operation) + " on topic")
        .hasMessageContaining(topic).hasMessageContaining("kafka-acls.sh")
        .hasMessageContaining("--operation " + aclName(operation) + " --topic " + topic)
        .hasMessageNotContaining("unreachable");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("stopped without waiting")
        .isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void withoutAnyAclOnTheFramesTopicItSaysTheTopicMayExistButNotBeVisible(AuthorizingKafka.Broker kafka)
      throws Exception {
    List<String> topics = topics(kafka, "noacl");
    kafka.grant(manifestAcls("noacl").stream().filter(a -> !a.pattern().name().equals(topics.get(0))).toList());

    assertThatThrownBy(() -> newAdmin(kafka).ensureTopics(topics, Map.of(), false, 1, (short) 1, 100, 60_000))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("topics missing")
        .hasMessageContaining(topics.get(0)).hasMessageContaining(PRINCIPAL + " is not authorized to see them")
        .hasMessageContaining("Describe");
  }

  private static TopicAdmin newAdmin(AuthorizingKafka.Broker kafka) {
    return new TopicAdmin(kafka.clientProperties(AuthorizingKafka.USER));
  }

  /** Strimzi's and kafka-acls.sh's name of {@code op}: DescribeConfigs. */
  private static String aclName(AclOperation op) {
    StringBuilder name = new StringBuilder();
    for (String part : op.name().split("_")) {
      name.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    }
    return name.toString();
  }

  /**
   * The case's frames, verdicts, alerts and dead-letter topics, created as the super user; named outside the case's
   * application-id prefix ({@code id-}), as on Kubernetes, so that its prefixed ACLs do not cover them.
   */
  private static List<String> topics(AuthorizingKafka.Broker kafka, String id) throws Exception {
    List<String> topics = MANIFEST_TOPICS.stream().map(t -> id + "." + t).toList();
    try (Admin admin = Admin.create(kafka.clientProperties(AuthorizingKafka.SUPER_USER))) {
      admin.createTopics(topics.stream().map(t -> new NewTopic(t, 1, (short) 1)).toList()).all().get();
    }
    return topics;
  }

  /**
   * The ACLs of {@link #MANIFEST} for the user under test, the four topic names mapped to case {@code id}'s and the
   * application id {@code advmon} to {@code id}; a name this test does not know fails it, so that a manifest change is
   * looked at here too.
   */
  private static List<AclBinding> manifestAcls(String id) throws Exception {
    Map<String, String> names = Map.of("frames", id + ".frames", "verdicts", id + ".verdicts", "alerts", id + ".alerts",
        "frames-dlq", id + ".frames-dlq", "advmon-", id + "-", "advmon", id, "__transaction_state",
        "__transaction_state", "kafka-cluster", "kafka-cluster");
    return AuthorizingKafka.manifestAcls(MANIFEST, names);
  }

}
