package dev.advmon.health;

import org.apache.kafka.common.MetricName;

/**
 * Tells a rebalance that is taking its time from one that will never end: Kafka Streams has been REBALANCING for
 * {@code timeoutMs} while the broker answers and its active tasks have restored nothing in that time
 * ({@link RestoreProgress}; a standby replica's updates are not the restore RUNNING waits for). Seen after a
 * broker went away while a failed client was still closing: the next client waited on a state restore at position 0
 * with no end, readiness DOWN and liveness UP, for good. A new client (an in-place restart) is the remedy tried;
 * waiting for an unreachable broker is not a stall, and a restore that reads records is progress, however long.
 * Fed by the health checker with samples of the client's state and its {@link RestoreProgress}; due at most once per
 * client.
 */
public final class RebalanceWatch {

  /**
   * One reading: whether the client is REBALANCING, its active tasks' restore steps so far
   * ({@link RestoreProgress#steps()}), whether the broker answers, and which client it was.
   */
  public record Sample(long nowMs, boolean rebalancing, long restored, boolean brokerReachable, Object client) {}

  private final long timeoutMs;
  private Object client;
  private Object firedFor;
  private long restored = -1;
  private long progressAtMs;

  public RebalanceWatch(long timeoutMs) {
    this.timeoutMs = timeoutMs;
  }

  /**
   * Whether a metric is a restore consumer's: Kafka Streams names those clients
   * {@code <client.id>-StateUpdater-<n>-restore-consumer} (or {@code -StreamThread-<n>-restore-consumer}), and their
   * lag is not the frames' (the health checker leaves it out of the stall detector's). The suffix, not "restore"
   * anywhere in the client id: an application id such as {@code camera-restore} is in every client id, and would
   * hide the main consumer's lag from the stall detector.
   */
  public static boolean ofRestoreConsumer(MetricName n) {
    return n.tags().getOrDefault("client-id", "").endsWith("-restore-consumer");
  }

  /**
   * Records a sample; returns why a restart is due (once per client), else null.
   */
  public synchronized String sample(Sample s) {
    boolean progress = s.restored() > restored;
    if (s.client() != client || !s.rebalancing() || !s.brokerReachable() || progress || restored < 0) {
      progressAtMs = s.nowMs();
    }
    client = s.client();
    restored = s.restored();
    long stuckMs = s.nowMs() - progressAtMs;
    if (stuckMs < timeoutMs || firedFor == s.client()) {
      return null;
    }
    firedFor = s.client();
    return "Kafka Streams has been REBALANCING for " + stuckMs / 1000 + " s with the broker reachable and no state "
        + "restored in that time (health.rebalance-timeout-ms=" + timeoutMs + ")";
  }
}
