/**
 * How the monitor's log lines are written on stderr: text for people, or one JSON object per line for a log pipeline
 * (ADVMON_LOG_FORMAT). Which loggers log at which level stays in {@code logback.xml}, for both formats.
 */
package dev.advmon.logging;
