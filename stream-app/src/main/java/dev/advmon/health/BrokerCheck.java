package dev.advmon.health;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeMetadataQuorumOptions;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * The broker's check for its {@link DependencyProbe}: a broker answers a metadata request, and the KRaft controller
 * quorum a describe-quorum request (a broker forwards it to the active controller), both within the probe timeout.
 *
 * <p>The metadata request alone depended on which node the admin client picked while a majority of a cluster was
 * down: the node left answers it from its stale metadata, the dead ones still listed there do not, so readiness
 * flipped between UP and DOWN every probe or two. With no quorum no controller answers, whichever node is asked,
 * so the answer is DOWN at every probe, as when every node is down: nothing can be written.
 *
 * <p>But the quorum also fails to answer for a second or two whenever its active controller goes (killed, stopped,
 * cut off) and the voters left elect another: a probe then timed out and readiness went DOWN for one probe, in every
 * pod at once (ReplicatedClusterOutageIT: 1.4-1.9 s after the kill). So a quorum that answered less than
 * {@link #ELECTION_GRACE_MS} ago and now gives no answer, or an election's error, while a broker answers, is taken
 * for an election under way; past that, or with no broker answering, it is DOWN as before, counted from the first
 * look that failed.
 */
public final class BrokerCheck implements DependencyProbe.Check {

  /** What the check asks the cluster; each call starts one request that ends within {@code timeoutMs}. */
  public interface Cluster {
    /** The brokers' metadata (describeCluster), answered by whichever broker the admin client picks. */
    KafkaFuture<?> nodes(int timeoutMs);

    /** The KRaft controller quorum (describeMetadataQuorum), which a broker forwards to the active controller. */
    KafkaFuture<?> quorum(int timeoutMs);
  }

  /**
   * How long a quorum that answered before may fail to answer before readiness says so: a KRaft election after the
   * active controller's loss takes controller.quorum.fetch.timeout.ms (2 s) to notice plus an election timeout and
   * backoff (1 s each) per round; 10 s leaves room for a second round, and delays the report of a lost majority by as
   * much.
   */
  static final long ELECTION_GRACE_MS = 10_000;

  private final Cluster cluster;
  private final long timeoutMs;
  // a monotonic clock, ms: the grace is a duration, which a wall clock stepped back (NTP, a resumed VM) would stretch
  private final java.util.function.LongSupplier clock;
  // when the quorum last answered, and when it first failed to since then (NEVER: it has not; probe thread only)
  private static final long NEVER = Long.MIN_VALUE; // not -1: a monotonic clock may read negative
  private volatile long quorumAnsweredMs = NEVER;
  private volatile long quorumFailingSinceMs = NEVER;
  // whether a broker answered since the quorum last did (probe thread only): while it does not, a dead node that
  // the admin client picks from the stale metadata does not turn a lost quorum into "no broker answers"
  private volatile boolean brokerAnswered;

  public BrokerCheck(Cluster cluster, long timeoutMs, java.util.function.LongSupplier clock) {
    this.cluster = cluster;
    this.timeoutMs = timeoutMs;
    this.clock = clock;
  }

  /** The check over a real admin client. */
  public static BrokerCheck of(Admin admin, long timeoutMs) {
    return new BrokerCheck(new Cluster() {
      @Override
      public KafkaFuture<?> nodes(int t) {
        return admin.describeCluster(new DescribeClusterOptions().timeoutMs(t)).nodes();
      }

      @Override
      public KafkaFuture<?> quorum(int t) {
        return admin.describeMetadataQuorum(new DescribeMetadataQuorumOptions().timeoutMs(t)).quorumInfo();
      }
    }, timeoutMs, () -> System.nanoTime() / 1_000_000);
  }

  @Override
  public void run() throws Exception {
    // both asked at once, so that an outage is reported as fast as with the metadata request alone
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs + 500);
    KafkaFuture<?> nodes = cluster.nodes((int) timeoutMs);
    KafkaFuture<?> quorum = cluster.quorum((int) timeoutMs);
    Throwable quorumFailed = null; // why, where it was not for want of an answer
    try {
      quorum.get(remaining(deadline), TimeUnit.NANOSECONDS);
      brokerAnswered = false; // a broker forwarded it and the active controller answered: all is well
      quorumAnsweredMs = clock.getAsLong();
      quorumFailingSinceMs = NEVER;
      return;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ClusterAuthorizationException || e.getCause() instanceof UnsupportedVersionException) {
        // the active controller refused (no Describe on the cluster: it is there), or a ZooKeeper cluster (no KRaft
        // quorum to ask): the metadata request decides alone
        nodes.get(remaining(deadline), TimeUnit.NANOSECONDS);
        return;
      }
      if (!(e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException)) {
        quorumFailed = e.getCause();
      }
    } catch (java.util.concurrent.TimeoutException e) {
      // no answer from the quorum
    }
    long now = clock.getAsLong();
    if (quorumFailingSinceMs == NEVER) {
      quorumFailingSinceMs = now;
    }
    try {
      nodes.get(remaining(deadline), TimeUnit.NANOSECONDS);
      brokerAnswered = true;
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      if (!brokerAnswered) {
        throw e; // no broker answers: its error says why, as before
      }
      // a dead node picked from the stale metadata of a cluster without quorum: still the quorum's outage
    }
    boolean election = quorumFailed == null || quorumFailed instanceof NotLeaderOrFollowerException
        || quorumFailed instanceof NotControllerException;
    if (election && quorumAnsweredMs != NEVER && now - quorumAnsweredMs < ELECTION_GRACE_MS) {
      return; // most likely an election under way (above); a broker answered
    }
    Exception failure = quorumFailed != null ? quorumError(quorumFailed) : noQuorum();
    throw new DependencyProbe.FailingFor(failure, now - quorumFailingSinceMs);
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  /** The quorum request failed otherwise than for want of an answer: its own error says why, not "no quorum". */
  private static IllegalStateException quorumError(Throwable e) {
    return new IllegalStateException("a broker answered, but its request for the KRaft controller quorum failed (see "
        + "the brokers' and controllers' logs): " + (e.getMessage() == null ? e.getClass().getName()
        : e.getClass().getSimpleName() + ": " + e.getMessage()));
  }

  private IllegalStateException noQuorum() {
    // one wording for the whole outage, whichever node answered or failed this time: readiness is logged on every
    // change of its reasons
    return new IllegalStateException("a broker answered, but no KRaft controller quorum does (a majority of the "
        + "controllers is down or cut off: no partition takes a write; see the controllers' logs)");
  }
}
