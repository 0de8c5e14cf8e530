package dev.advmon.topology;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops one line of Kafka Streams' (stream-app's {@code logback.xml} installs it): "Processing exception handler is
 * set to fail upon a processing error ... please set the processing.exception.handler appropriately", logged at
 * ERROR on every in-place restart. The advice does not fit this monitor: its handler ({@link StreamErrorHandlers})
 * dead-letters what a frame did wrong and fails on purpose only when scoring, the registry or Kafka fail for every
 * frame, which the monitor logs itself with the reason and answers with a restart. Kafka Streams' own error with
 * its stack trace, and everything else, still show.
 */
public final class StreamsAdviceFilter extends TurboFilter {

  static final String ADVICE = "please set the processing.exception.handler appropriately";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    return format != null && level == Level.ERROR && logger.getName().startsWith("org.apache.kafka.streams.")
        && format.contains(ADVICE) ? FilterReply.DENY : FilterReply.NEUTRAL;
  }
}
