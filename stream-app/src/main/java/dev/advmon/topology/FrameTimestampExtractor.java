package dev.advmon.topology;

import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * The record's timestamp, which the frame's verdict, alerts and campaign counts carry; two kinds of record get
 * another, so that their outputs can be written:
 * <ul>
 *   <li>without a valid timestamp (negative: written by an old client or a broken producer): the partition's time so
 *       far, else the monitor's clock. Kafka Streams' default extractor fails the stream on such a record, which would
 *       then be replayed forever;
 *   <li>stamped more than {@link #MAX_AHEAD_MS} ahead of the monitor's clock (a camera or gateway with a wrong
 *       clock, on a frames topic set to take such records), or further ahead than the monitor's own topics accept
 *       ({@code message.timestamp.after.max.ms}, an hour by default in Kafka 4; {@link #MAX_AHEAD_LIMIT_MS} from
 *       start-up) less the same margin: the clock's time. The broker refuses records ahead of its clock by more than
 *       that limit on the monitor's own topics; under exactly-once that refusal aborts the transaction and the frame
 *       is read again, for ever, with every frame behind it in its partition. The frame's own {@code captureTime} is
 *       kept in its verdict;
 *   <li>older than the monitor's own topics accept ({@code message.timestamp.before.max.ms}, unlimited by default;
 *       {@link #MAX_AGE_MS} from start-up), less a margin for the time until its outputs are written: the clock's
 *       time, for the same reason. A backlog older than that limit, or a camera whose clock was reset to 2000, would
 *       otherwise stall its partition. A frames topic may keep records longer than its outputs accept: the broker
 *       checks a frame's time when the camera writes it, and its outputs' time only later, when the monitor does.
 * </ul>
 * Campaign windows bound every timestamp by the clock anyway ({@code campaign.max-clock-skew-ms}).
 */
public final class FrameTimestampExtractor implements TimestampExtractor, Configurable {

  /** Kafka Streams property: the oldest record age, in ms, all the monitor's output topics accept. */
  public static final String MAX_AGE_MS = "advmon.timestamp.max-age-ms";

  /** Kafka Streams property: how far ahead of the broker's clock, in ms, all the monitor's output topics accept. */
  public static final String MAX_AHEAD_LIMIT_MS = "advmon.timestamp.max-ahead-ms";

  /**
   * How far ahead of the monitor's clock a record's timestamp is kept: well inside the broker's default hour, so
   * that a monitor whose clock is some minutes behind the broker's still writes what the broker accepts.
   */
  static final long MAX_AHEAD_MS = 5 * 60_000;

  /**
   * How much younger than the output topics' limit a kept timestamp must be: the outputs of a frame are written
   * after it is read (a commit interval, a campaign window's repartition round trip, a monitor clock behind the
   * broker's), so a frame just inside the limit when read could be outside it when written.
   */
  static final long AGE_MARGIN_MS = 10 * 60_000;

  private final LongSupplier clock;
  private long maxAgeMs = Long.MAX_VALUE;
  private long maxAheadMs = MAX_AHEAD_MS;

  public FrameTimestampExtractor() {
    this(System::currentTimeMillis);
  }

  /** As above, on {@code clock} (tests). */
  FrameTimestampExtractor(LongSupplier clock) {
    this.clock = clock;
  }

  /**
   * Reads {@link #MAX_AGE_MS} and {@link #MAX_AHEAD_LIMIT_MS}; absent means every age, and {@link #MAX_AHEAD_MS}
   * ahead, is kept.
   */
  @Override
  public void configure(Map<String, ?> configs) {
    Object limit = configs.get(MAX_AGE_MS);
    maxAgeMs = limit == null ? Long.MAX_VALUE : keptAgeMs(Long.parseLong(limit.toString()));
    Object aheadLimit = configs.get(MAX_AHEAD_LIMIT_MS);
    maxAheadMs = aheadLimit == null ? MAX_AHEAD_MS : keptAheadMs(Long.parseLong(aheadLimit.toString()));
  }

  /**
   * How far ahead a time is kept for an output limit of {@code limitMs} ahead: {@link #MAX_AHEAD_MS} at most, and
   * within the limit by the same margin as {@link #keptAgeMs}, for a monitor's clock ahead of the broker's.
   */
  static long keptAheadMs(long limitMs) {
    return Math.min(MAX_AHEAD_MS, keptAgeMs(limitMs));
  }

  /** The oldest age kept for an output limit of {@code limitMs}: less the margin, or half of a short limit. */
  static long keptAgeMs(long limitMs) {
    return limitMs == Long.MAX_VALUE ? Long.MAX_VALUE : limitMs - Math.min(AGE_MARGIN_MS, limitMs / 2);
  }

  @Override
  public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
    long t = record.timestamp();
    if (t < 0) {
      return partitionTime >= 0 ? partitionTime : clock.getAsLong();
    }
    return accepted(t);
  }

  /**
   * {@code t}, or the clock's time where the monitor's topics would refuse {@code t} as too old or too far ahead: the
   * rules above, for records this extractor does not see too (campaign alerts, stamped with their window's end, which
   * may be ahead of the frames' times by up to {@code campaign.max-clock-skew-ms}).
   */
  long accepted(long t) {
    long now = clock.getAsLong();
    return t - now > maxAheadMs ? now : notTooOld(t);
  }

  /**
   * {@code t}, or the clock's time where the monitor's topics would refuse {@code t} as too old: the age rule above,
   * for campaign flags read back from their repartition topic ({@link CampaignFlagTime}). Not the rule for times
   * ahead: a flag's time was bounded so when its frame was read, and is only less ahead by the time it is read back.
   */
  long notTooOld(long t) {
    long now = clock.getAsLong();
    return now - t > maxAgeMs ? now : t;
  }
}
