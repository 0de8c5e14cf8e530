package dev.advmon.logging;

import java.util.List;
import java.util.Locale;

/**
 * ADVMON_LOG_LEVEL, the level of the monitor's own loggers ({@code logback.xml}). logback reads a level name it does
 * not know as DEBUG, so a misspelt one (verbose, warning) turned the log up instead of failing: Main refuses it
 * before the first line is logged, as it does a log format it does not know ({@link LogFormatEncoder#problem}).
 */
public final class LogLevelVariable {

  public static final String VARIABLE = "ADVMON_LOG_LEVEL";

  /** The names logback knows, in any case (ALL reads as TRACE there, and is left out of the message). */
  private static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF", "ALL");

  private LogLevelVariable() {}

  /** Why {@code value} (null when unset) is no log level, or null when it is one; empty counts as unset. */
  public static String problem(String value) {
    if (value == null || value.isEmpty() || LEVELS.contains(value.toUpperCase(Locale.ROOT))) {
      return null;
    }
    return VARIABLE + "=" + value + " is not a log level: set it to one of TRACE, DEBUG, INFO (the default), WARN, "
        + "ERROR, OFF";
  }
}
