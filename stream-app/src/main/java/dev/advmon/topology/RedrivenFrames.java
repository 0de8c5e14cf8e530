package dev.advmon.topology;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The header {@code ./monitor redrive} puts on each frame it sends back ({@value #HEADER}, the dead letter's reason
 * as its value). A redriven frame keeps its first send's timestamp (its camera's campaign windows count it where it
 * belongs), so the time from that timestamp to its verdict is the dead letter's age, not the monitor's delay: it is
 * left out of {@code advmon_frame_latency_seconds}, whose alert (AdvmonVerdictsLate) would otherwise fire after every
 * redrive. The verdict's own processingLatencyMs still counts from the first send.
 */
public final class RedrivenFrames {

  /** The header's name; its value is the dead letter's reason (UTF-8). */
  public static final String HEADER = "advmon.redriven";
  /**
   * The dead letter the frame was sent back from, {@code <dead-letter topic>-<partition>@<offset>} (UTF-8): its
   * verdict names it in advmon.redrivenFrom, as the input's headers are not passed on.
   */
  public static final String FROM_HEADER = "advmon.redrivenFrom";

  private RedrivenFrames() {}

  /** What the verdict of a frame sent back by a redrive older than {@link #FROM_HEADER} names as its dead letter. */
  static final String UNKNOWN = "unknown";
  /** A header's value is the producer's: bounded, as the monitor's own attribute entries are by their makers. */
  private static final int MAX_FROM_CHARS = 300;

  /**
   * The headers of the dead letter of a frame that redrive sent back from {@code from} (null: a frame it did not send
   * back, no header): {@link #FROM_HEADER}, so that a frame that fails again is seen in the dead-letter topic as
   * redriven, and from which dead letter. The DeadLetter schema has no field for it, and schemas stay as they are.
   */
  static Headers deadLetterHeaders(String from) {
    RecordHeaders headers = new RecordHeaders();
    if (from != null) {
      headers.add(FROM_HEADER, from.getBytes(StandardCharsets.UTF_8));
    }
    return headers;
  }

  /**
   * As {@link #from}, for an error handler, whose record is the frame (a failure while decoding) or its dead letter
   * already (the dead-letter sink refused it), which carries {@link #FROM_HEADER} alone.
   */
  static String fromFrameOrDeadLetter(Headers headers) {
    String from = from(headers);
    return from != null || headers == null ? from : fromHeader(headers);
  }

  /**
   * As {@link #fromFrameOrDeadLetter}, for an error handler given a record past decoding, which has no headers
   * (decoding leaves the frame's behind): the value still names the dead letter, the decoded frame (or what scoring
   * and the verdict writer made of it) in {@link DecodedFrame#redrivenFrom}, a verdict in its attributes. Null for
   * any other value, and for a frame that redrive did not send back. A record whose value is bytes is the frame as read
   * (frames are read as bytes; the verdict's bytes carry no headers): its headers are the frame's, read as
   * {@link #from} reads them for the topology's own dead letter. {@link #FROM_HEADER} alone there is a third-party
   * producer's header, not a redrive, where it would otherwise mark the handler's dead letter and not the topology's.
   */
  static String fromRecord(Headers headers, Object value) {
    if (value instanceof byte[]) {
      return from(headers);
    }
    String from = fromFrameOrDeadLetter(headers);
    return from != null ? from : fromValue(value);
  }

  private static String fromValue(Object value) {
    Object v = value instanceof Outcome.Ok<?> ok ? ok.value() : value;
    if (v instanceof WriteVerdictProcessor.Written w) {
      v = w.scored();
    }
    if (v instanceof VerdictMapper.Scored s) {
      v = s.source();
    }
    if (v instanceof DecodedFrame f) {
      return f.redrivenFrom();
    }
    if (v instanceof dev.advmon.schema.FrameVerdict verdict && verdict.getAttributes() != null) {
      return verdict.getAttributes().get(VerdictMapper.REDRIVEN_FROM);
    }
    return null;
  }

  /**
   * The dead letter a frame marked by redrive was sent back from ({@link #FROM_HEADER}, or {@value #UNKNOWN} if only
   * {@link #HEADER} is there); null for a frame that redrive did not send back.
   */
  static String from(Headers headers) {
    if (headers == null || headers.lastHeader(HEADER) == null) {
      return null;
    }
    String from = fromHeader(headers);
    return from == null ? UNKNOWN : from;
  }

  /** {@link #FROM_HEADER}'s value, bounded; null where it is missing or empty. */
  private static String fromHeader(Headers headers) {
    Header from = headers.lastHeader(FROM_HEADER);
    if (from == null || from.value() == null || from.value().length == 0) {
      return null;
    }
    return DeadLetters.bounded(new String(from.value(), StandardCharsets.UTF_8), MAX_FROM_CHARS);
  }
}
