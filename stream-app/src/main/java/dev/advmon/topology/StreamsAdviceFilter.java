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
 * warning is false. And "Using an OS temp directory in the state.dir property ...", a WARN at every start, for a
 * folder the monitor chose itself ({@link #stateFolderChosenByTheMonitor}). Kafka Streams' own errors with their stack
 * traces, and everything else, still show.
 */
public final class StreamsAdviceFilter extends TurboFilter {

  static final String ADVICE = "please set the processing.exception.handler appropriately";
  static final String GLOBAL_ADVICE = "`processing.exception.handler.global.enabled` to true";
  static final String TEMP_DIR_WARNING = "Using an OS temp directory in the state.dir property";

  /** State folders under the system temp dir that the monitor, not the user, chose: their paths as Kafka prints them. */
  private static final java.util.Set<String> CHOSEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Notes that the monitor (streams.state-dir empty) or the demo chose {@code folder} itself: Kafka Streams' WARN that
   * the OS may clear it, at every start, then no longer shows; the monitor says at INFO where its state lives instead.
   * A folder the user named keeps the warning.
   */
  public static void stateFolderChosenByTheMonitor(java.nio.file.Path folder) {
    CHOSEN.add(folder.toString());
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (format == null || !logger.getName().startsWith("org.apache.kafka.streams.")) {
      return FilterReply.NEUTRAL;
    }
    if (level == Level.WARN && format.startsWith(TEMP_DIR_WARNING)
        && CHOSEN.stream().anyMatch(f -> format.endsWith("Resolved state.dir: [" + f + "]"))) {
      return FilterReply.DENY;
    }
    boolean advice = level == Level.ERROR && format.contains(ADVICE)
        || level == Level.WARN && format.contains(GLOBAL_ADVICE);
    return advice ? FilterReply.DENY : FilterReply.NEUTRAL;
  }
}
