package dev.advmon.topology;

import dev.advmon.campaign.CampaignFlag;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Gives a campaign flag read from the repartition topic the time {@link FrameTimestampExtractor} would: Kafka Streams
 * reads a repartition topic with {@code FailOnInvalidTimestamp} (the record's own time), never with the default
 * extractor. A flag left there longer than the monitor's topics accept (written just before the monitor stopped, read
 * when it is back a day later under a one-day {@code message.timestamp.before.max.ms}) would otherwise carry its time
 * into the camera store's changelog, be refused, and fail its task at every restart, for ever. Such a flag counts in
 * the clock's window, as a frame that old does.
 */
final class CampaignFlagTime implements FixedKeyProcessor<String, CampaignFlag, CampaignFlag> {

  private FixedKeyProcessorContext<String, CampaignFlag> context;
  private FrameTimestampExtractor rule;

  @Override
  public void init(FixedKeyProcessorContext<String, CampaignFlag> context) {
    this.context = context;
    // the task's wall clock (the test driver's too); the limit as the current client was configured with it
    rule = new FrameTimestampExtractor(context::currentSystemTimeMs);
    rule.configure(context.appConfigs());
  }

  @Override
  public void process(FixedKeyRecord<String, CampaignFlag> record) {
    long t = rule.notTooOld(record.timestamp());
    context.forward(t == record.timestamp() ? record : record.withTimestamp(t));
  }
}
