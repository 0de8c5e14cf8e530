package dev.advmon.topology;

import org.apache.kafka.common.header.Headers;

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

  private RedrivenFrames() {}

  /** Whether {@code headers} mark a frame that redrive sent back. */
  static boolean redriven(Headers headers) {
    return headers != null && headers.lastHeader(HEADER) != null;
  }
}
