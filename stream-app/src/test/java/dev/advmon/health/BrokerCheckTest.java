package dev.advmon.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
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
    return probe(cluster, 6);
  }

  /** Probes {@code times} times, 2 s apart (the clock starts at 0); what readiness says after each. */
  private static List<String> probe(BrokerCheck.Cluster cluster, int times) {
    AtomicLong clock = new AtomicLong(0);
    DependencyProbe probe = new DependencyProbe(NAME, new BrokerCheck(cluster, 3_000, clock::get), clock::get);
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < times; i++) {
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

  /** The quorum's answers, one per probe: null = an answer, else that failure; the last one repeats. */
  private static Supplier<Exception> quorumAnswers(Exception... perProbe) {
    AtomicInteger n = new AtomicInteger();
    return () -> perProbe[Math.min(n.getAndIncrement(), perProbe.length - 1)];
  }

  @Test
  void anElectionOfANewActiveControllerAfterTheQuorumAnsweredKeepsTheClusterReachable() {
    // the active controller killed after the first probe: the quorum request times out or meets an election's
    // errors for three probes (6 s), then the new active controller answers; the broker answered throughout
    List<String> problems = probe(cluster(() -> null, quorumAnswers(null,
        new TimeoutException("Timed out waiting for a node assignment. Call: describeMetadataQuorum"),
        new NotLeaderOrFollowerException("For requests intended only for the leader, this error indicates that the "
            + "broker is not the current leader."),
        new NotControllerException("This is not the correct controller for this cluster."), null)), 6);
    assertThat(problems).as("readiness through an election: a DOWN would take every pod out of its Service at once")
        .containsOnlyNulls();
  }

  @Test
  void aQuorumSilentLongerThanAnElectionIsALostQuorumCountedFromItsFirstSilence() {
    // answered at 0 s, silent from 2 s on: an election for 10 s at most, then the lost majority it is
    List<String> problems = probe(cluster(() -> null, quorumAnswers(null,
        new TimeoutException("Timed out waiting for a node assignment. Call: describeMetadataQuorum"))), 8);
    assertThat(problems.subList(0, 5)).as("up to 8 s after the last answer").containsOnlyNulls();
    assertThat(problems.get(5)).isEqualTo(NAME + " unreachable for 8 s: a broker answered, but no KRaft controller "
        + "quorum does (a majority of the controllers is down or cut off: no partition takes a write; see the "
        + "controllers' logs)");
    assertThat(problems.get(7)).as("counted from the first silence").startsWith(NAME + " unreachable for 12 s: ");
  }

  /**
   * The grace is a duration, measured on the check's monotonic clock: a wall clock stepped back by an hour (NTP, a
   * resumed VM) right after the quorum's last answer must neither stretch it by that hour nor skew how long the
   * outage is reported to last (the probe's wall clock).
   */
  @Test
  void aWallClockSteppedBackDuringAnOutageNeitherStretchesTheElectionGraceNorSkewsItsDuration() {
    AtomicLong monotonic = new AtomicLong(-5_000); // System.nanoTime may read negative
    AtomicLong wall = new AtomicLong(1_764_000_000_000L);
    DependencyProbe probe = new DependencyProbe(NAME, new BrokerCheck(cluster(() -> null, quorumAnswers(null,
        new TimeoutException("Timed out waiting for a node assignment. Call: describeMetadataQuorum"))), 3_000,
        monotonic::get), wall::get);
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      probe.check();
      problems.add(probe.problem());
      monotonic.addAndGet(2_000);
      wall.addAndGet(i == 0 ? 2_000 - 3_600_000 : 2_000);
    }
    assertThat(problems.subList(0, 5)).as("within the grace").containsOnlyNulls();
    assertThat(problems.get(5)).as("10 s after the last answer, whatever the wall clock did")
        .startsWith(NAME + " unreachable for 8 s: a broker answered, but no KRaft controller quorum does");
  }

  @Test
  void aQuorumErrorOtherThanAnElectionsOrNoBrokerAnsweringIsReportedAtOnceEvenRightAfterAnAnswer() {
    List<String> unknown = probe(cluster(() -> null, quorumAnswers(null, new UnknownServerException("The server "
        + "experienced an unexpected error when processing the request."))), 2);
    assertThat(unknown.get(1)).startsWith(NAME + " unreachable for 0 s: a broker answered, but its request for the "
        + "KRaft controller quorum failed");
    AtomicInteger n = new AtomicInteger();
    List<String> none = probe(cluster(() -> n.getAndIncrement() == 0 ? null : new TimeoutException("Timed out waiting "
        + "for a node assignment. Call: describeCluster"), quorumAnswers(null, new TimeoutException("Timed out "
        + "waiting for a node assignment. Call: describeMetadataQuorum"))), 2);
    assertThat(none.get(1)).isEqualTo(NAME + " unreachable for 0 s: Timed out waiting for a node assignment. Call: "
        + "describeCluster");
  }
}
