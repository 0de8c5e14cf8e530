package dev.advmon.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.advmon.campaign.CameraStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a demo run did, against what it sent. Rates are null ("n/a") where they cannot be computed honestly:
 * without detectors nothing can be flagged, so a detection rate of 0 would say something false.
 *
 * @param byKind per truth kind: frames sent, verdicts, flagged verdicts
 * @param byAttack per attack kind of the replayed fixtures (per-frame attacks and fooling images): the same counts
 * @param attacksMadeFor the model the replayed attacks were made for when it is not the one in use (then
 *     {@code detectionRate} is null: attacks on another model measure transfer, not detection), else null
 * @param transferredFlagged with {@code attacksMadeFor}: the share of the attacked frames flagged all the same
 * @param latencyMs end-to-end latency percentiles (p50, p99, max); empty without verdicts
 */
record DemoSummary(
    int framesSent,
    int cameras,
    String stickeredCamera,
    long verdicts,
    long deadLetters,
    long withoutOutcome,
    Map<String, Long> deadLettersByReason,
    Map<String, Long> expectedDeadLettersByReason,
    Map<String, Long> alertsByKind,
    Map<String, KindRow> byKind,
    Map<String, KindRow> byAttack,
    List<String> detectors,
    Double detectionRate,
    Double falsePositiveRate,
    String attacksMadeFor,
    Double transferredFlagged,
    List<String> camerasWithCampaign,
    List<CameraStatus> cameraStates,
    double wallSeconds,
    double processingSeconds,
    double framesPerSecond,
    Map<String, Long> latencyMs,
    boolean interrupted) {

  record KindRow(long sent, long verdicts, long flagged) {}

  String table() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%n== advmon demo summary%s ==%n", interrupted ? " (interrupted)" : ""));
    row(sb, "frames sent", framesSent + " from " + cameras + " cameras"
        + (stickeredCamera != null ? " (" + stickeredCamera + " stickered)" : ""));
    row(sb, "verdicts", Long.toString(verdicts));
    row(sb, "dead letters", deadLetters + "  (expected " + sum(expectedDeadLettersByReason) + ")");
    for (String reason : union(deadLettersByReason, expectedDeadLettersByReason)) {
      row(sb, "  " + reason, deadLettersByReason.getOrDefault(reason, 0L) + "  (expected "
          + expectedDeadLettersByReason.getOrDefault(reason, 0L) + ")");
    }
    row(sb, "without outcome", withoutOutcome + (withoutOutcome == 0 ? "  (verdicts + dead letters = frames sent)"
        : interrupted ? "  (in flight when stopped: a stopped demo does not wait for them)" : "  (!)"));
    row(sb, "alerts", alertsByKind.isEmpty() ? "0" : alertsByKind.toString().replaceAll("[{}]", ""));
    row(sb, "campaigns",
        camerasWithCampaign.isEmpty() ? "none" + whyNoCampaign() : String.join(", ", camerasWithCampaign));
    sb.append(String.format(Locale.ROOT, "  %-22s %8s %8s %8s%n", "truth kind", "sent", "verdicts", "flagged"));
    byKind.forEach((k, r) -> sb.append(String.format(Locale.ROOT, "  %-22s %8d %8d %8d%n", k, r.sent(), r.verdicts(), r.flagged())));
    if (!byAttack.isEmpty()) {
      row(sb, "attacks flagged", byAttack.entrySet().stream()
          .map(e -> e.getKey() + " " + e.getValue().flagged() + "/" + e.getValue().verdicts())
          .collect(java.util.stream.Collectors.joining(", ")) + "  (flagged/verdicts per fixture kind)");
    }
    String none = "n/a (no detectors in this build: every verdict is unflagged)";
    row(sb, "detectors", detectors.isEmpty() ? "none" : String.join(", ", detectors));
    row(sb, "detection rate", attacksMadeFor != null && transferredFlagged != null
        ? "n/a for this model: the attacks were made for " + attacksMadeFor + " (" + percent(transferredFlagged)
            + " of those frames flagged, as transferred attacks; ./monitor evaluate --model DIR with attacks on this model)"
        : detectionRate == null ? none : percent(detectionRate) + " of attacked frames flagged");
    row(sb, "false-positive rate", falsePositiveRate == null ? none : percent(falsePositiveRate) + " of clean frames flagged");
    row(sb, "throughput", String.format(Locale.ROOT, "%.0f frames/s (%.1f s from first send to last outcome)",
        framesPerSecond, processingSeconds));
    row(sb, "latency end-to-end", latencyMs.isEmpty() ? "n/a (no verdicts)" : String.format(Locale.ROOT,
        "p50 %d ms, p99 %d ms, max %d ms (frame record timestamp -> verdict read)",
        latencyMs.get("p50"), latencyMs.get("p99"), latencyMs.get("max")));
    row(sb, "wall time", String.format(Locale.ROOT, "%.1f s (broker, model and topology start-up included)", wallSeconds));
    return sb.toString();
  }

  /**
   * Why the stickered camera raised none, where its state is known: a short run (--frames 300) ends before it has the
   * hot windows in a row a campaign takes, and a bare "none" beside 66 of 68 stickered frames flagged read as a
   * campaign detector that failed.
   */
  private String whyNoCampaign() {
    return cameraStates.stream().filter(c -> c.cameraId().equals(stickeredCamera)).findFirst()
        .map(DemoSummary::whyNoCampaign).orElse("");
  }

  /**
   * More frames help only a camera whose windows were hot, or not judged yet: one whose last window judged was cool
   * (detectors that miss the sticker) would not raise a campaign with more. One in a campaign by its state raised it
   * after the summary's alerts were read: nothing to explain.
   */
  private static String whyNoCampaign(CameraStatus c) {
    if (c.inCampaign()) {
      return "";
    }
    if (c.hotStreak() > 0) {
      return String.format(Locale.ROOT, " (the stickered %s ended with %d hot window%s in a row judged; a campaign "
          + "takes campaign.consecutive-windows of them, 3 unless set: give more --frames)", c.cameraId(),
          c.hotStreak(), c.hotStreak() == 1 ? "" : "s");
    }
    if (c.lastWindowFrames() > 0) {
      return String.format(Locale.ROOT, " (the stickered %s's last window judged, %d of %d flagged, was not clearly "
          + "above the baseline)", c.cameraId(), c.lastWindowFlagged(), c.lastWindowFrames());
    }
    return " (no window of the stickered " + c.cameraId() + " was judged yet: give more --frames)";
  }

  void writeJson(Path file) throws IOException {
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), this);
  }

  private static void row(StringBuilder sb, String name, String value) {
    sb.append(String.format(Locale.ROOT, "  %-22s %s%n", name, value));
  }

  private static String percent(double v) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * v);
  }

  private static long sum(Map<String, Long> m) {
    return m.values().stream().mapToLong(Long::longValue).sum();
  }

  private static java.util.SortedSet<String> union(Map<String, Long> a, Map<String, Long> b) {
    java.util.SortedSet<String> s = new java.util.TreeSet<>(a.keySet());
    s.addAll(b.keySet());
    return s;
  }
}
