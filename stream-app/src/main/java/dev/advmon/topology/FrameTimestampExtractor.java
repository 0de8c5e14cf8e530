package dev.advmon.topology;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * The record's timestamp; for a record without a valid one (negative: written by an old client or a broken
 * producer), the partition's time so far, else the monitor's clock. Kafka Streams' default extractor fails the
 * stream on such a record, which would then be replayed forever; here it is processed like any other frame.
 * Campaign windows bound every timestamp by the clock anyway ({@code campaign.max-clock-skew-ms}).
 */
public final class FrameTimestampExtractor implements TimestampExtractor {

  @Override
  public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
    long t = record.timestamp();
    if (t >= 0) {
      return t;
    }
    return partitionTime >= 0 ? partitionTime : System.currentTimeMillis();
  }
}
