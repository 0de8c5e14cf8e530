package dev.advmon.health;

import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Tells a rebalance that is taking its time from one that will never end: Kafka Streams has been REBALANCING for
 * {@code timeoutMs} while the broker answers and its restore consumers have read nothing in that time. Seen after a
 * broker went away while a failed client was still closing: the next client waited on a state restore at position 0
 * with no end, readiness DOWN and liveness UP, for good. A new client (an in-place restart) is the remedy tried;
 * waiting for an unreachable broker is not a stall, and a restore that reads records is progress, however long.
 * Fed by the health checker with samples of the Kafka Streams metrics; due at most once per client.
 */
public final class RebalanceWatch {

  /**
   * One reading: whether the client is REBALANCING, the records its restore consumers have read so far, whether the
   * broker answers, and which client it was.
   */
  public record Sample(long nowMs, boolean rebalancing, double restored, boolean brokerReachable, Object client) {}

  private final long timeoutMs;
  private Object client;
  private Object firedFor;
  private double restored = Double.NaN;
  private long progressAtMs;

  public RebalanceWatch(long timeoutMs) {
    this.timeoutMs = timeoutMs;
  }

  /**
   * The records a Kafka Streams client's restore consumers have read so far, from its metrics
   * ({@code KafkaStreams.metrics()}): their client-level records-consumed-total. Here, in one place, so that the
   * integration test checks the very names the health checker reads on a live client.
   */
  public static double restored(Map<MetricName, ? extends Metric> metrics) {
    double restored = 0;
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
      MetricName n = e.getKey();
      if (ofRestoreConsumer(n) && n.name().equals("records-consumed-total")
          && n.group().equals("consumer-fetch-manager-metrics") && !n.tags().containsKey("topic")
          && e.getValue().metricValue() instanceof Number v && v.doubleValue() > 0) {
        restored += v.doubleValue();
      }
    }
    return restored;
  }

  /**
   * Whether a metric is a restore consumer's: Kafka Streams names those clients
   * {@code <client.id>-StateUpdater-<n>-restore-consumer} (or {@code -StreamThread-<n>-restore-consumer}). The suffix,
   * not "restore" anywhere in the client id: an application id such as {@code camera-restore} is in every client id,
   * and would make the main consumer's records count as restored and hide its lag from the stall detector.
   */
  public static boolean ofRestoreConsumer(MetricName n) {
    return n.tags().getOrDefault("client-id", "").endsWith("-restore-consumer");
  }

  /**
   * Records a sample; returns why a restart is due (once per client), else null.
   */
  public synchronized String sample(Sample s) {
    boolean progress = s.restored() > restored;
    if (s.client() != client || !s.rebalancing() || !s.brokerReachable() || progress || Double.isNaN(restored)) {
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
