package dev.advmon.testing;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;

/**
 * Whether the monitor's own logging configuration (stream-app's {@code logback.xml}, what {@code monitor run} and the
 * image use) would print an event that a test captured under the test configuration, which logs differently.
 */
public final class ProductionLogging {

  private static final LoggerContext CONTEXT = load();

  private ProductionLogging() {}

  /**
   * True when the production configuration prints {@code event}: its turbo filters do not deny it, and its logger's
   * level lets it through (or a filter accepts it).
   */
  public static boolean prints(ILoggingEvent event) {
    ch.qos.logback.classic.Logger logger = CONTEXT.getLogger(event.getLoggerName());
    return switch (CONTEXT.getTurboFilterList().getTurboFilterChainDecision(null, logger, event.getLevel(), event.getMessage(),
        event.getArgumentArray(), null)) {
      case DENY -> false;
      case ACCEPT -> true;
      case NEUTRAL -> logger.isEnabledFor(event.getLevel());
    };
  }

  /** As {@link #prints(ILoggingEvent)}, for a line logged by {@code loggerName} at {@code level}. */
  public static boolean prints(String loggerName, ch.qos.logback.classic.Level level, String message) {
    ch.qos.logback.classic.Logger logger = CONTEXT.getLogger(loggerName);
    return prints(new ch.qos.logback.classic.spi.LoggingEvent(ProductionLogging.class.getName(), logger, level, message,
        null, null));
  }

  private static LoggerContext load() {
    URL config = ProductionLogging.class.getClassLoader().getResource("logback.xml");
    if (config == null) {
      throw new IllegalStateException("stream-app's logback.xml is not on the test classpath");
    }
    LoggerContext context = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(config);
    } catch (JoranException e) {
      throw new IllegalStateException("cannot read " + config + ": " + e.getMessage(), e);
    }
    return context;
  }
}
