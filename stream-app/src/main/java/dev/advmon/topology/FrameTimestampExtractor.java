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
 *       clock, on a frames topic set to take such records): the clock's time. A Kafka 4 broker refuses records more
 *       than an hour ahead of its clock by default ({@code log.message.timestamp.after.max.ms}) on the monitor's own
 *       topics; under exactly-once that refusal aborts the transaction and the frame is read again, for ever, with
 *       every frame behind it in its partition. The frame's own {@code captureTime} is kept in its verdict;
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

  public FrameTimestampExtractor() {
    this(System::currentTimeMillis);
  }

  /** As above, on {@code clock} (tests). */
  FrameTimestampExtractor(LongSupplier clock) {
    this.clock = clock;
  }

  /** Reads {@link #MAX_AGE_MS}; absent means every age is kept. */
  @Override
  public void configure(Map<String, ?> configs) {
    Object limit = configs.get(MAX_AGE_MS);
    maxAgeMs = limit == null ? Long.MAX_VALUE : keptAgeMs(Long.parseLong(limit.toString()));
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
    long now = clock.getAsLong();
    return t - now > MAX_AHEAD_MS || now - t > maxAgeMs ? now : t;
  }

  /**
   * {@code t}, or the clock's time where the monitor's topics would refuse {@code t} as too old: the age rule above,
   * for records this extractor does not see (campaign flags read back from their repartition topic, see
   * {@link CampaignFlagTime}; campaign alerts). Not the rule for times ahead: those were bounded when their frame was
   * read, and campaign windows bound them by {@code campaign.max-clock-skew-ms}.
   */
  long notTooOld(long t) {
    long now = clock.getAsLong();
    return now - t > maxAgeMs ? now : t;
  }
}
