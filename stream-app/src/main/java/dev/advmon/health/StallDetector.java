package dev.advmon.health;

/**
 * Tells "nothing to do" from "stuck": the stream is stalled when records wait on its input topics (consumer
 * lag above zero) and no transaction has been committed for {@code timeoutMs}. Fed by the health checker with
 * samples of the Kafka Streams metrics; a new Kafka Streams client (a restart) starts a new baseline, so that
 * its counters starting again from zero do not count as progress.
 */
public final class StallDetector {

  /** One reading of the metrics: records waiting, commits so far, and which client they came from. */
  public record Sample(long nowMs, double inputLag, double commits, Object client) {}

  private final long timeoutMs;
  private Object client;
  private double commits = Double.NaN;
  private long progressAtMs = Long.MIN_VALUE;
  private volatile String problem;

  public StallDetector(long timeoutMs) {
    this.timeoutMs = timeoutMs;
  }

  /** Records a sample; returns the stall problem after it (null when not stalled). */
  public synchronized String sample(Sample s) {
    if (progressAtMs == Long.MIN_VALUE || s.client() != client) {
      client = s.client();
      commits = s.commits();
      progressAtMs = s.nowMs();
    } else if (!(s.inputLag() > 0) || s.commits() > commits) {
      progressAtMs = s.nowMs();
      commits = s.commits();
    }
    long stalledMs = s.nowMs() - progressAtMs;
    problem = s.inputLag() > 0 && stalledMs >= timeoutMs
        ? String.format(java.util.Locale.ROOT, "stalled: %.0f records wait on the input and nothing was committed for %d s "
            + "(health.stall-timeout-ms=%d)", s.inputLag(), stalledMs / 1000, timeoutMs)
        : null;
    return problem;
  }

  /** The problem found by the last sample; null when not stalled. */
  public String problem() {
    return problem;
  }
}
