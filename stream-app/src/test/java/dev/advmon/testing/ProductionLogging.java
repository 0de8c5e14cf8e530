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

  /** True when the production configuration prints {@code event} (its logger's level lets it through). */
  public static boolean prints(ILoggingEvent event) {
    return CONTEXT.getLogger(event.getLoggerName()).isEnabledFor(event.getLevel());
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
