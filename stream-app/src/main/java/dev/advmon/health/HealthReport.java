package dev.advmon.health;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One answer of {@code /health/ready} or {@code /health/live}: UP or DOWN, the Kafka Streams state, and why
 * it is DOWN (empty when UP). Serves as the JSON body
 * {@code {"status":"UP|DOWN","state":...,"reasons":[...],"restarting":true|false}}.
 *
 * <p>{@code restarting}: the monitor is replacing its Kafka Streams client in place (after a failure, or a rebalance
 * without progress), so {@code state} is the old client's on its way out (PENDING_ERROR, ERROR, NOT_RUNNING) or the
 * new one's, not a stop. Read from the monitor, not from the reasons' words, and false while it closes for good.
 */
public record HealthReport(boolean up, String state, List<String> reasons, boolean restarting) {

  public HealthReport {
    reasons = List.copyOf(reasons);
  }

  /** A report with no restart under way. */
  public HealthReport(boolean up, String state, List<String> reasons) {
    this(up, state, reasons, false);
  }

  public static HealthReport up(String state) {
    return new HealthReport(true, state, List.of());
  }

  public String status() {
    return up ? "UP" : "DOWN";
  }

  /** The response body. */
  public Map<String, Object> json() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("status", status());
    out.put("state", state);
    out.put("reasons", reasons);
    // a probe or script read the old client's ERROR during a restart in place as a failure for good; /api/summary and
    // the 503 of /cameras said it, /health/ready did not
    out.put("restarting", restarting);
    return out;
  }

  /** One line for the log: "UP (RUNNING)" or "DOWN (RUNNING): reason; reason". */
  @Override
  public String toString() {
    return status() + " (" + state + ")" + (reasons.isEmpty() ? "" : ": " + String.join("; ", reasons));
  }
}
