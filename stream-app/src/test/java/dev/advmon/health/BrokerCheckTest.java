package dev.advmon.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.junit.jupiter.api.Test;

class BrokerCheckTest {

  private static final String NAME = "Kafka at a:9092,b:9092,c:9092";

  /** A cluster whose two requests answer as the suppliers say: null = an answer, else that failure. */
  private static BrokerCheck.Cluster cluster(Supplier<Exception> nodes, Supplier<Exception> quorum) {
    return new BrokerCheck.Cluster() {
      @Override
      public KafkaFuture<?> nodes(int timeoutMs) {
        return answer(nodes.get());
      }

      @Override
      public KafkaFuture<?> quorum(int timeoutMs) {
        return answer(quorum.get());
      }
    };
  }

  private static KafkaFuture<?> answer(Exception failure) {
    KafkaFutureImpl<Object> f = new KafkaFutureImpl<>();
    if (failure == null) {
      f.complete(new Object());
    } else {
      f.completeExceptionally(failure);
    }
    return f;
  }

  private static List<String> probeSixTimes(BrokerCheck.Cluster cluster) {
    AtomicLong clock = new AtomicLong(0);
    DependencyProbe probe = new DependencyProbe(NAME, new BrokerCheck(cluster, 3_000), clock::get);
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      probe.check();
      problems.add(probe.problem());
      clock.addAndGet(2_000);
    }
    return problems;
  }

  @Test
  void aClusterThatLostItsQuorumIsUnreachableAtEveryProbeWhicheverNodeTheAdminClientAsks() {
    // two of three nodes down: the node left answers metadata, a dead one picked from the stale metadata does not
    // (every other probe, the first one too); no controller answers the quorum, whichever node forwards it
    AtomicInteger n = new AtomicInteger();
    List<String> problems = probeSixTimes(cluster(
        () -> n.getAndIncrement() % 2 == 1 ? null : new TimeoutException("Timed out waiting for a node assignment"),
        () -> new TimeoutException("Timed out waiting for a node assignment. Call: describeMetadataQuorum")));
    assertThat(problems).as("readiness must not flip with the node the admin client picks").doesNotContainNull();
    assertThat(problems.subList(1, 6).stream().map(p -> p.replaceAll("\\d+", "#")).distinct())
        .as("one reason from the first answer on, or readiness is logged again at every probe").hasSize(1);
    assertThat(problems.get(5)).as("counted from the first probe").isEqualTo(NAME + " unreachable for 10 s: a broker "
        + "answered, but no KRaft controller quorum does (a majority of the controllers is down or cut off: no "
        + "partition takes a write; see the controllers' logs)");
  }

  @Test
  void aQuorumThatAnswersAgainMakesTheClusterReachableAtOnce() {
    AtomicInteger n = new AtomicInteger();
    List<String> problems = probeSixTimes(cluster(() -> null,
        () -> n.getAndIncrement() < 3 ? new TimeoutException("timed out") : null));
    assertThat(problems.subList(0, 3)).doesNotContainNull();
    assertThat(problems.subList(3, 6)).containsOnlyNulls();
  }

  @Test
  void aClusterWithItsQuorumIsReachable() {
    assertThat(probeSixTimes(cluster(() -> null, () -> null))).containsOnlyNulls();
  }

  @Test
  void aClusterWithNoNodeUpSaysWhatTheMetadataRequestGot() {
    List<String> problems = probeSixTimes(cluster(() -> new TimeoutException("Timed out waiting for a node assignment. "
        + "Call: describeCluster"), () -> new TimeoutException("Timed out waiting for a node assignment. Call: "
        + "describeMetadataQuorum")));
    assertThat(problems.get(0)).isEqualTo(NAME + " unreachable for 0 s: Timed out waiting for a node assignment. Call: "
        + "describeCluster");
  }

  @Test
  void aQuorumRequestThatFailsOtherwiseThanForWantOfAnAnswerIsReportedWithItsOwnErrorNotAsALostQuorum() {
    List<String> problems = probeSixTimes(cluster(() -> null, () -> new UnknownServerException("The server "
        + "experienced an unexpected error when processing the request.")));
    assertThat(problems.get(0)).isEqualTo(NAME + " unreachable for 0 s: a broker answered, but its request for the "
        + "KRaft controller quorum failed (see the brokers' and controllers' logs): UnknownServerException: The server "
        + "experienced an unexpected error when processing the request.");
    assertThat(problems.subList(1, 6).stream().map(p -> p.replaceAll("\\d+ s", "# s")).distinct())
        .as("one reason throughout").hasSize(1);
  }

  @Test
  void aClusterThatDoesNotLetTheMonitorDescribeItsQuorumOrHasNoneIsJudgedByItsMetadataAlone() {
    // no Describe on the cluster: the controller answered the forwarded request, so the quorum is there
    assertThat(probeSixTimes(cluster(() -> null, () -> new ClusterAuthorizationException("Cluster authorization "
        + "failed.")))).containsOnlyNulls();
    // a ZooKeeper cluster (Kafka 3.x) knows no DescribeQuorum
    assertThat(probeSixTimes(cluster(() -> null, () -> new UnsupportedVersionException("The node does not support "
        + "DESCRIBE_QUORUM")))).containsOnlyNulls();
  }
}
