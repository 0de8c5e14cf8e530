package dev.advmon.logging;

import ch.qos.logback.core.PropertyDefinerBase;
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

  /**
   * The level logback.xml gives the monitor's loggers: ADVMON_LOG_LEVEL, INFO when unset or empty. logback's
   * {@code ${ADVMON_LOG_LEVEL:-INFO}} defaults only an unset variable: set but empty (an empty {@code value:} in a
   * manifest, {@code -e ADVMON_LOG_LEVEL=}), the logger had no level and took the root's, WARN, so every INFO line of
   * the monitor ("readiness UP", "dashboard at ...") was missing while this check said that empty counts as unset.
   */
  public static final class Definer extends PropertyDefinerBase {
    @Override
    public String getPropertyValue() {
      String value = System.getenv(VARIABLE);
      return value == null || value.isBlank() ? "INFO" : value.trim();
    }
  }

  /**
   * Why {@code value} (null when unset) is no log level, or null when it is one; empty counts as unset, and spaces
   * around a name are ignored ({@link Definer}, and logback itself, read it so).
   */
  public static String problem(String value) {
    if (value == null || value.isBlank() || LEVELS.contains(value.trim().toUpperCase(Locale.ROOT))) {
      return null;
    }
    return VARIABLE + "=" + value + " is not a log level: set it to one of TRACE, DEBUG, INFO (the default), WARN, "
        + "ERROR, OFF";
  }
}
