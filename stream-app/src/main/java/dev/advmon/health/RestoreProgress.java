package dev.advmon.health;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * Counts the state restores of ACTIVE tasks, the one restore whose end Kafka Streams waits for before RUNNING: what
 * {@link RebalanceWatch} takes as progress. Set as the client's global restore listener, which Kafka Streams calls for
 * active tasks only (standby tasks report to a separate {@code StandbyUpdateListener}). Counting the restore
 * consumers' records instead, as before, took a standby replica's endless updates (kafka.num.standby.replicas > 0:
 * the restore consumer keeps reading the changelogs of other instances' tasks) for progress, and a stuck active
 * restore would never have been restarted. Records restored count, and one step per restore that ended, so that a
 * restore of many empty stores (started and ended at once) is progress too. A start or a suspension is not: Kafka
 * Streams 4.3 calls onRestoreSuspended when a restoring task is removed (revoked, corrupted, closed) and
 * onRestoreStart when it is assigned again, so a restore stuck at position 0 through repeated rebalances would
 * otherwise look like progress for good.
 */
public final class RestoreProgress implements StateRestoreListener {

  private final AtomicLong steps = new AtomicLong();

  /** Records restored by active tasks, plus one per restore ended, since this was created. */
  public long steps() {
    return steps.get();
  }

  @Override
  public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
    // not progress by itself: a stuck restore starts again after every rebalance that took it away
  }

  @Override
  public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
    steps.addAndGet(Math.max(0, numRestored));
  }

  @Override
  public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
    steps.incrementAndGet();
  }

  @Override
  public void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
    // not progress: the restore stopped without reaching its end (a rebalance took the task away, or it closed)
  }
}
