package dev.advmon.logging;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;

/**
 * The encoder of stream-app's {@code logback.xml}: ADVMON_LOG_FORMAT=text (the default; {@code pattern}, lines for
 * people) or json (one JSON object per line, {@link JsonLineEncoder}), for one appender, so that both formats share
 * the logger levels. Read by logback itself when the first logger is made, like ADVMON_LOG_LEVEL, and so not a
 * setting of the configuration file: the log starts before any configuration is read, and commands that read none
 * (score, calibrate, ...) log too. An empty variable counts as unset, as for the settings.
 */
public final class LogFormatEncoder extends EncoderBase<ILoggingEvent> {

  public static final String VARIABLE = "ADVMON_LOG_FORMAT";

  private String format = "text";
  private String pattern;
  private Encoder<ILoggingEvent> delegate;

  /** Whether the environment asks for JSON lines. */
  public static boolean json() {
    return "json".equals(System.getenv(VARIABLE));
  }

  /**
   * Why {@code value} (the variable's value, null when unset) is no log format, or null when it is one. Main checks
   * it before the first line is logged, and stops: a misspelt json must not leave a log pipeline with text lines.
   */
  public static String problem(String value) {
    if (value == null || value.isEmpty() || value.equals("text") || value.equals("json")) {
      return null;
    }
    return VARIABLE + "=" + value + " is not a log format: set it to text (the default) or json (one JSON object per "
        + "line), in lower case";
  }

  public void setFormat(String format) {
    this.format = format;
  }

  /** The text format's layout (logback's pattern syntax). */
  public void setPattern(String pattern) {
    this.pattern = pattern;
  }

  @Override
  public void start() {
    if ("json".equals(format)) {
      delegate = new JsonLineEncoder();
    } else { // text, empty, or a value Main refuses before anything logs
      PatternLayoutEncoder text = new PatternLayoutEncoder();
      text.setPattern(pattern);
      delegate = text;
    }
    delegate.setContext(getContext());
    delegate.start();
    super.start();
  }

  @Override
  public void stop() {
    if (delegate != null) {
      delegate.stop();
    }
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return delegate.headerBytes();
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return delegate.encode(event);
  }

  @Override
  public byte[] footerBytes() {
    return delegate.footerBytes();
  }
}
