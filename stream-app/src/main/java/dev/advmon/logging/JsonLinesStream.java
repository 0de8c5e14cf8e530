package dev.advmon.logging;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A stream for a command's own lines on stderr (the demo's "starting Kafka ...", "[ 1.0 s] sent ...", redrive's
 * "warning: ..."): as they are in text mode, and with ADVMON_LOG_FORMAT=json each line as one JSON object with the
 * log's fields ({@link JsonLineEncoder}), so that a log pipeline reading stderr as JSON keeps them instead of dropping
 * them. A line that starts "warning: " or "error: " (how text mode names its level) is at WARN or ERROR, that prefix
 * dropped as the stopping error's "error: " is (Main); any other line at INFO.
 */
public final class JsonLinesStream extends OutputStream {

  private static final String WARNING = "warning: ";
  private static final String ERROR = "error: ";

  private final PrintStream target;
  private final String logger;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(128);

  private JsonLinesStream(PrintStream target, String logger) {
    this.target = target;
    this.logger = logger;
  }

  /** {@code target} itself in text mode; in json mode a stream that writes each line to it as a JSON line. */
  public static PrintStream of(PrintStream target, String logger) {
    return LogFormatEncoder.json()
        ? new PrintStream(new JsonLinesStream(target, logger), true, StandardCharsets.UTF_8) : target;
  }

  @Override
  public synchronized void write(int b) {
    if (b == '\n') {
      emit();
    } else {
      line.write(b);
    }
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      write(b[i]);
    }
  }

  /** A last line without its newline is written too, rather than lost. */
  @Override
  public synchronized void close() {
    if (line.size() > 0) {
      emit();
    }
    target.flush();
  }

  private void emit() {
    String text = line.toString(StandardCharsets.UTF_8);
    line.reset();
    if (text.endsWith("\r")) {
      text = text.substring(0, text.length() - 1);
    }
    if (!text.isBlank()) {
      String level = "INFO";
      if (text.startsWith(WARNING)) {
        level = "WARN";
        text = text.substring(WARNING.length());
      } else if (text.startsWith(ERROR)) {
        level = "ERROR";
        text = text.substring(ERROR.length());
      }
      target.print(JsonLineEncoder.line(level, logger, text, null));
      target.flush();
    }
  }
}
