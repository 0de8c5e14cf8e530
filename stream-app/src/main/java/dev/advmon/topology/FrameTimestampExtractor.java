package dev.advmon.topology;

import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * The record's timestamp, which the frame's verdict, alerts and campaign counts carry; two kinds of record get
 * another, so that their outputs can be written:
 * <ul>
 *   <li>without a valid timestamp (negative: written by an old client or a broken producer): the partition's time so
 *       far, else the monitor's clock. Kafka Streams' default extractor fails the stream on such a record, which would
 *       then be replayed forever;
 *   <li>stamped more than {@link #MAX_AHEAD_MS} ahead of the monitor's clock (a camera or gateway with a wrong
 *       clock, on a frames topic set to take such records): the clock's time. A Kafka 4 broker refuses records more
 *       than an hour ahead of its clock by default ({@code log.message.timestamp.after.max.ms}) on the monitor's own
 *       topics; under exactly-once that refusal aborts the transaction and the frame is read again, for ever, with
 *       every frame behind it in its partition. The frame's own {@code captureTime} is kept in its verdict.
 * </ul>
 * Campaign windows bound every timestamp by the clock anyway ({@code campaign.max-clock-skew-ms}).
 */
public final class FrameTimestampExtractor implements TimestampExtractor {

  /**
   * How far ahead of the monitor's clock a record's timestamp is kept: well inside the broker's default hour, so
   * that a monitor whose clock is some minutes behind the broker's still writes what the broker accepts.
   */
  static final long MAX_AHEAD_MS = 5 * 60_000;

  private final LongSupplier clock;

  public FrameTimestampExtractor() {
    this(System::currentTimeMillis);
  }

  /** As above, on {@code clock} (tests). */
  FrameTimestampExtractor(LongSupplier clock) {
    this.clock = clock;
  }

  @Override
  public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
    long t = record.timestamp();
    if (t < 0) {
      return partitionTime >= 0 ? partitionTime : clock.getAsLong();
    }
    long now = clock.getAsLong();
    return t - now > MAX_AHEAD_MS ? now : t;
  }
}
