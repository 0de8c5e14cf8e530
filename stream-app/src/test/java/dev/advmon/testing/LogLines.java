package dev.advmon.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The lines one class logs while a test runs, as formatted messages: {@code try (LogLines lines =
 * LogLines.of(X.class, Level.DEBUG)) { ... }}; closing detaches it and restores the logger's level.
 */
public final class LogLines implements AutoCloseable {

  private final Logger logger;
  private final Level levelBefore;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private LogLines(String source, Level level) {
    logger = (Logger) LoggerFactory.getLogger(source);
    levelBefore = logger.getLevel();
    if (level != null) {
      logger.setLevel(level);
    }
    appender.start();
    logger.addAppender(appender);
  }

  /** Captures what {@code source} logs at its configured level. */
  public static LogLines of(Class<?> source) {
    return new LogLines(source.getName(), null);
  }

  /** Captures what the logger {@code name} and those below it (e.g. {@code org.apache.kafka}) log at their levels. */
  public static LogLines of(String name) {
    return new LogLines(name, null);
  }

  /** Captures what {@code source} logs at {@code level} and above (e.g. DEBUG lines the test needs). */
  public static LogLines of(Class<?> source, Level level) {
    return new LogLines(source.getName(), level);
  }

  /** The formatted messages so far, oldest first. */
  public List<String> messages() {
    return events().stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  /** The events so far, oldest first: with their level, logger and thread. */
  public List<ILoggingEvent> events() {
    synchronized (appender) { // its doAppend holds this lock: other threads may be logging meanwhile
      return List.copyOf(appender.list);
    }
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    logger.setLevel(levelBefore);
  }
}
