package dev.advmon.topology;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops two lines of Kafka Streams' advice (stream-app's {@code logback.xml} installs it). "Processing exception
 * handler is set to fail upon a processing error ... please set the processing.exception.handler appropriately",
 * logged at ERROR on every in-place restart: the advice does not fit this monitor, whose handler
 * ({@link StreamErrorHandlers}) dead-letters what a frame did wrong and fails on purpose only when scoring, the
 * registry or Kafka fail for every frame, which the monitor logs itself with the reason and answers with a restart.
 * And "Processing exception handler is not enabled for the GlobalThread ... set
 * processing.exception.handler.global.enabled to true", a WARN per stream thread at every start: the monitor sets it
 * to true ({@link StreamingMonitor#streamsProperties}, and refuses a kafka.* override of it), but each thread's
 * partition assignor reads the main consumer's copy of the settings, which lacks the key (Kafka Streams 4.3.1), so the
 * warning is false. Kafka Streams' own errors with their stack traces, and everything else, still show.
 */
public final class StreamsAdviceFilter extends TurboFilter {

  static final String ADVICE = "please set the processing.exception.handler appropriately";
  static final String GLOBAL_ADVICE = "`processing.exception.handler.global.enabled` to true";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (format == null || !logger.getName().startsWith("org.apache.kafka.streams.")) {
      return FilterReply.NEUTRAL;
    }
    boolean advice = level == Level.ERROR && format.contains(ADVICE)
        || level == Level.WARN && format.contains(GLOBAL_ADVICE);
    return advice ? FilterReply.DENY : FilterReply.NEUTRAL;
  }
}
