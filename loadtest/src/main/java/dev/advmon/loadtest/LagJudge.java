package dev.advmon.loadtest;

import java.util.List;
import java.util.Locale;

/**
 * Decides whether the lag stayed bounded during a step at a constant offered rate. The backlog (frames the broker
 * confirmed that have no verdict or dead letter yet) of a pipeline that keeps up hovers around rate x latency;
 * of one that does not, it grows by the shortfall every second. A step is bounded when
 * <ul>
 *   <li>the backlog grew by at most one second of frames over the whole step (at least 20 frames, so that a
 *       commit's worth of jitter at low rates is not growth),
 *   <li>its trend over the second half (least-squares slope) is below 1% of the rate per second, and
 *   <li>the rate was really offered: the sender reached at least 97% of it (on a shared machine the sender
 *       competes for the same cores).
 * </ul>
 */
final class LagJudge {

  static final double GROWTH_SECONDS = 1.0;
  static final long MIN_GROWTH_FRAMES = 20;
  static final double MAX_SLOPE_SHARE = 0.01;
  static final double MIN_OFFERED_SHARE = 0.97;

  /** The verdict on one step, with the numbers it rests on. */
  record Verdict(boolean bounded, double slopeFps, long growth, String reason) {}

  private LagJudge() {}

  /**
   * @param backlog the backlog at the end of each second of the step, in order
   * @param backlogAtStart the backlog when the step began
   */
  static Verdict judge(double offeredFps, double achievedFps, long backlogAtStart, List<Long> backlog) {
    if (backlog.isEmpty()) {
      return new Verdict(false, 0, 0, "no samples");
    }
    long growth = backlog.get(backlog.size() - 1) - backlogAtStart;
    double slope = slope(backlog.subList(backlog.size() / 2, backlog.size()));
    long allowed = Math.max(MIN_GROWTH_FRAMES, Math.round(offeredFps * GROWTH_SECONDS));
    if (achievedFps < MIN_OFFERED_SHARE * offeredFps) {
      return new Verdict(false, slope, growth, String.format(Locale.ROOT,
          "the sender offered only %.1f of %.1f frames/s (the machine is saturated)", achievedFps, offeredFps));
    }
    if (growth > allowed) {
      return new Verdict(false, slope, growth, String.format(Locale.ROOT,
          "backlog grew by %d frames (more than %d, one second of frames)", growth, allowed));
    }
    if (slope > Math.max(0.5, MAX_SLOPE_SHARE * offeredFps)) {
      return new Verdict(false, slope, growth, String.format(Locale.ROOT,
          "backlog still rising at %.1f frames/s at the end", slope));
    }
    return new Verdict(true, slope, growth, "bounded");
  }

  /** Least-squares slope of values sampled once per second (per second). */
  static double slope(List<Long> values) {
    int n = values.size();
    if (n < 2) {
      return 0;
    }
    double meanX = (n - 1) / 2.0;
    double meanY = values.stream().mapToLong(Long::longValue).average().orElse(0);
    double num = 0;
    double den = 0;
    for (int i = 0; i < n; i++) {
      num += (i - meanX) * (values.get(i) - meanY);
      den += (i - meanX) * (i - meanX);
    }
    return num / den;
  }
}
