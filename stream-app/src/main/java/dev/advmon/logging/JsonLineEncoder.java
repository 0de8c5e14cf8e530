package dev.advmon.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * One JSON object per line (ADVMON_LOG_FORMAT=json, {@link LogFormatEncoder}), for log pipelines that read
 * JSON lines (Loki, Elasticsearch, Cloud Logging): timestamp (ISO-8601, UTC, milliseconds), level, severity (the
 * level as Cloud Logging reads it, {@link #severity}), logger, thread,
 * message, then mdc (an object, when the thread has MDC entries) and exception (the stack trace as text, causes
 * included, when there is one). Newlines inside the message or the stack trace are escaped, so that an entry never
 * spans lines. Not logback's own JsonEncoder: it writes the time as epoch milliseconds, the message unformatted with
 * its arguments apart, and the stack trace as an array of frame objects that these pipelines do not show as a trace.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    String exception = event.getThrowableProxy() == null ? null
        : ThrowableProxyUtil.asString(event.getThrowableProxy()).stripTrailing();
    return line(event.getInstant(), event.getLevel().toString(), event.getLoggerName(), event.getThreadName(),
        event.getFormattedMessage(), event.getMDCPropertyMap(), exception).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }

  /**
   * The line for an error the command line reports itself, outside logback (Main's error handler): same fields.
   */
  public static String line(String level, String logger, String message, Throwable exception) {
    String trace = null;
    if (exception != null) {
      StringWriter w = new StringWriter();
      exception.printStackTrace(new PrintWriter(w));
      trace = w.toString().stripTrailing();
    }
    return line(Instant.now(), level, logger, Thread.currentThread().getName(), message, Map.of(), trace);
  }

  /**
   * The level as Cloud Logging names it ({@code severity}: DEBUG, INFO, WARNING, ERROR; a line without
   * {@code severity} shows there as DEFAULT, whatever its {@code level}): logback's WARN is WARNING there, TRACE is DEBUG.
   */
  static String severity(String level) {
    return switch (level) {
      case "TRACE", "DEBUG" -> "DEBUG";
      case "WARN" -> "WARNING";
      case "INFO", "ERROR" -> level;
      default -> "DEFAULT";
    };
  }

  private static String line(Instant time, String level, String logger, String thread, String message,
      Map<String, String> mdc, String exception) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("timestamp", TIMESTAMP.format(time));
      g.writeStringField("level", level);
      g.writeStringField("severity", severity(level));
      g.writeStringField("logger", logger);
      g.writeStringField("thread", thread);
      g.writeStringField("message", message);
      if (mdc != null && !mdc.isEmpty()) {
        g.writeObjectFieldStart("mdc");
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(mdc).entrySet()) {
          g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
      }
      if (exception != null) {
        g.writeStringField("exception", exception);
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.append('\n').toString();
  }
}
