package dev.advmon.loadtest;

import java.util.List;
import java.util.Locale;

/**
 * Decides whether a step at a constant offered rate was sustained. The backlog (frames the broker confirmed that
 * have no verdict or dead letter yet) of a pipeline that keeps up hovers around rate x latency, with a sawtooth of
 * about one commit interval's frames (verdicts become readable at each exactly-once commit); of one that does
 * not, it grows by the shortfall every second. A step is sustained when
 * <ul>
 *   <li>the sender offered the rate: it sent at least {@value #MIN_SHARE} of rate x seconds frames,
 *   <li>the pipeline answered them: at least {@value #MIN_SHARE} of rate x seconds of the step's frames had a
 *       <em>verdict</em> by the end of the step's short grace period (frames still in flight when the step ended
 *       get that long; dead letters do not count: shedding frames into the dead-letter topic is not keeping up),
 *   <li>the backlog did not grow: from the start of the step to its end (means of the first and the last few
 *       samples) by at most {@link #allowedGrowth}, a few commit intervals' frames, capped, which does not scale
 *       with the length of the step, and
 *   <li>its trend (least-squares slope) over the whole step and over the second half, extrapolated over that
 *       span, stays within the same allowance.
 * </ul>
 * A backlog growing linearly at 0.99 x the rate (5 frames/s at 500 frames/s, 300 over a minute) fails the last
 * two; one that is flat with commit-sized noise passes.
 */
final class LagJudge {

  static final double MIN_SHARE = 0.995;
  /** Commit intervals' worth of frames the backlog may grow by (its sawtooth is about one). */
  static final double COMMIT_INTERVALS = 4;
  /**
   * The floor for low rates, where four commit intervals hold a frame or two: whole frames, a frame of sawtooth and
   * one in flight more or less. Not more: at 20 frames/s a floor of 20 let a monitor 3% short pass a 30 s step that
   * it failed at 100 frames/s, where the allowance is also 20 frames but four commit intervals' worth.
   */
  static final long MIN_GROWTH_FRAMES = 5;
  static final long MAX_GROWTH_FRAMES = 250;

  /** What one step did, as the judge needs it. */
  record Step(double offeredFps, double seconds, long sent, long verdicts, long deadLetters, long backlogStart,
      List<Long> backlog, long commitIntervalMs) {}

  /** The verdict on one step, with the numbers it rests on. */
  record Verdict(boolean bounded, double slopeFps, long growth, long allowedGrowth, double verdictShare,
      String reason) {}

  private LagJudge() {}

  /** Backlog growth tolerated in a step: {@value #COMMIT_INTERVALS} commit intervals' frames, within [5, 250]. */
  static long allowedGrowth(double offeredFps, long commitIntervalMs) {
    long byCommit = Math.round(offeredFps * commitIntervalMs / 1000.0 * COMMIT_INTERVALS);
    return Math.min(MAX_GROWTH_FRAMES, Math.max(MIN_GROWTH_FRAMES, byCommit));
  }

  static Verdict judge(Step s) {
    List<Long> backlog = s.backlog();
    long allowed = allowedGrowth(s.offeredFps(), s.commitIntervalMs());
    double expected = s.offeredFps() * s.seconds();
    double share = expected <= 0 ? 0 : s.verdicts() / expected;
    if (backlog.isEmpty()) {
      return new Verdict(false, 0, 0, allowed, share, "no samples");
    }
    int n = backlog.size();
    int w = Math.max(1, Math.min(5, n / 4));
    double head = (s.backlogStart() + sum(backlog.subList(0, w - 1))) / (double) w; // the start and the first samples
    double tail = sum(backlog.subList(n - w, n)) / (double) w;
    long growth = Math.round(tail - head);
    double slope = slope(backlog);
    double lateSlope = slope(backlog.subList(n / 2, n));
    if (s.sent() < MIN_SHARE * expected) {
      return new Verdict(false, slope, growth, allowed, share, String.format(Locale.ROOT,
          "the sender offered only %.1f of %.1f frames/s (the machine is saturated)", s.sent() / s.seconds(),
          s.offeredFps()));
    }
    if (s.verdicts() < MIN_SHARE * expected) {
      return new Verdict(false, slope, growth, allowed, share, String.format(Locale.ROOT,
          "only %d verdicts for %.0f frames offered (%.1f%%, %d dead letters do not count)", s.verdicts(), expected,
          100 * share, s.deadLetters()));
    }
    if (growth > allowed) {
      return new Verdict(false, slope, growth, allowed, share, String.format(Locale.ROOT,
          "backlog grew by %d frames (more than %d)", growth, allowed));
    }
    if (slope * s.seconds() > allowed) {
      return new Verdict(false, slope, growth, allowed, share, String.format(Locale.ROOT,
          "backlog rising at %.2f frames/s over the step (%.0f over %.0f s, more than %d)", slope,
          slope * s.seconds(), s.seconds(), allowed));
    }
    if (lateSlope * s.seconds() / 2 > allowed) {
      return new Verdict(false, lateSlope, growth, allowed, share, String.format(Locale.ROOT,
          "backlog still rising at %.2f frames/s at the end (%.0f over the second half, more than %d)", lateSlope,
          lateSlope * s.seconds() / 2, allowed));
    }
    return new Verdict(true, slope, growth, allowed, share, "bounded");
  }

  private static long sum(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).sum();
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
