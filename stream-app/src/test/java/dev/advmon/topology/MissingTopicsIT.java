package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.testing.KafkaBroker;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * With topics.create=false, a missing topic on the test broker, which has no authorizer (Kafka's default): the error
 * names the topic and the setting, and does not send the operator after ACLs the broker does not have. Its
 * counterpart on a broker that enforces ACLs, where the topic may be hidden, is {@link TopicAdminAclIT}.
 */
@ExtendWith(KafkaBroker.class)
class MissingTopicsIT {

  @Test
  void aMissingTopicOnABrokerWithoutAnAuthorizerIsNotBlamedOnAcls(KafkaBroker.Info broker) {
    String topic = "absent-" + UUID.randomUUID();
    TopicAdmin admin = new TopicAdmin(Map.of("bootstrap.servers", broker.bootstrapServers()));
    assertThatThrownBy(() -> admin.ensureTopics(List.of(topic), false, 1, (short) 1, 100, 60_000))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("topics missing").hasMessageContaining(topic).hasMessageContaining("topics.create=true")
        .hasMessageNotContaining("authorized");
  }
}
