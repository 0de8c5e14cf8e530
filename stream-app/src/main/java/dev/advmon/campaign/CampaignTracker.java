package dev.advmon.campaign;

import dev.advmon.schema.Alert;
import dev.advmon.schema.Severity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Counts one camera's verdicts in tumbling windows (aligned to the epoch, by frame timestamp) and decides
 * when its flag rate has stayed above the baseline long enough to be a campaign, or below it long enough to
 * be over.
 *
 * <p>A window is hot when its flagged frames are more than the baseline rate explains: a one-sided binomial test,
 * P(X >= flagged) < {@value #HOT_SIGNIFICANCE} for X ~ Binomial(frames, baseline). Not "rate above the baseline":
 * the baseline is the share of flagged frames ordinary conditions may reach (the per-condition false-alarm cap,
 * 10%), and a camera at 8.6% crosses 10% in a quarter of its windows of 50 frames by chance alone; three such
 * windows in a row raised a false campaign every few minutes.
 *
 * <p>A window is judged when the camera's first frame of a later window arrives, or by the clock when the camera
 * has gone quiet ({@link #expire}, below). A window with fewer than {@code minFrames} verdicts (including the empty windows of a gap) is inconclusive:
 * it neither extends nor breaks a streak, because a rate over a handful of frames is noise. Its frames are carried
 * into the next window and judged with it once together they reach {@code minFrames} (the same test, over a longer
 * span), and the span counts as one window: otherwise a camera that kept having fewer than {@code minFrames} scored a
 * window never raised a campaign however many of its frames were flagged, and one in a campaign, never judged and
 * never idle, stayed in CAMPAIGN for ever. Pooled, a sparse camera still flagged stays in its campaign, where clearing
 * it after so many inconclusive windows would give the all-clear to an attack that only slowed the camera's frames
 * down. A span ends at the first window boundary at which it holds {@code minFrames}, whatever its frames' flags, so it
 * is judged with the false-alarm chance of a full window; carried frames go with the camera when it is forgotten
 * ({@link #forget}), and are not dropped by age otherwise (at most {@code minFrames - 1} of them are carried).
 * A frame that is older than the window being counted is counted in it: closed windows are never reopened.
 *
 * <p>Time is the frame's timestamp, bounded by the task's clock ({@link EventClock}: the newest frame timestamp it
 * has seen, running on with the wall clock while no frame comes): a timestamp more than
 * {@code maxClockSkewMs} ahead of or behind the clock counts at that bound. Without the bound, one frame stamped
 * 2100 would move its camera's window a century ahead, where every later frame would be counted and which
 * nothing would ever close (the camera frozen); a camera whose clock is hours behind would have its windows
 * closed by the clock as soon as they open. {@link #expire} closes, by the clock, a window whose end lies
 * {@code maxClockSkewMs} in the past: no frame can land in it any more, so a camera that goes quiet still has its
 * last window judged (and a campaign raised) without waiting for its next frame.
 */
public final class CampaignTracker {

  /** The camera's next state, and the alert its change of status raised, if any. */
  public record Step(CameraStatus status, Optional<Alert> alert) {}

  /** How unlikely a window's flagged count must be under the baseline rate to count as hot. */
  public static final double HOT_SIGNIFICANCE = 0.01;

  private final CampaignSettings settings;

  public CampaignTracker(CampaignSettings settings) {
    this.settings = settings;
  }

  public CampaignSettings settings() {
    return settings;
  }

  /**
   * One verdict from {@code cameraId} at {@code timestampMs}, seen when the monitor's clock says {@code nowMs};
   * {@code current} is null for a camera not seen yet.
   */
  public Step observe(CameraStatus current, String cameraId, long timestampMs, long nowMs, boolean flagged) {
    return observe(current, cameraId, timestampMs, nowMs, CampaignFlag.bare(flagged));
  }

  /** As {@link #observe(CameraStatus, String, long, long, boolean)}, counting the flag's reasons and frame id too. */
  public Step observe(CameraStatus current, String cameraId, long timestampMs, long nowMs, CampaignFlag flag) {
    long t = Math.max(Saturating.minus(nowMs, settings.maxClockSkewMs()),
        Math.min(Saturating.plus(nowMs, settings.maxClockSkewMs()), timestampMs));
    long window = t - Math.floorMod(t, settings.windowMs());
    CameraStatus s = current != null ? current : CameraStatus.first(cameraId, window);
    Optional<Alert> alert = Optional.empty();
    if (window > s.windowStart()) {
      Step closed = close(s);
      alert = closed.alert();
      s = next(closed.status(), window);
    }
    int f = flag.flagged() ? 1 : 0;
    Map<String, Long> reasons = s.windowReasons();
    List<String> examples = s.windowExamples();
    if (flag.flagged()) {
      reasons = new TreeMap<>(reasons);
      for (String reason : flag.reasons()) {
        if (reasons.containsKey(reason) || reasons.size() < CameraStatus.MAX_REASONS) {
          reasons.merge(reason, 1L, Long::sum);
        }
      }
      if (flag.frameId() != null && examples.size() < CameraStatus.MAX_EXAMPLES) {
        examples = new ArrayList<>(examples);
        examples.add(flag.frameId());
      }
    }
    s = new CameraStatus(s.cameraId(), s.status(), s.windowStart(), s.windowFrames() + 1, s.windowFlagged() + f,
        s.lastWindowStart(), s.lastWindowFrames(), s.lastWindowFlagged(), s.hotStreak(), s.coolStreak(),
        s.campaignSince(), s.totalFrames() + 1, s.totalFlagged() + f, reasons, examples, s.pooledSince(),
        s.pooledFrames(), s.streakPooled(), s.streakSince());
    return new Step(s, alert);
  }

  /**
   * Closes {@code s}'s window by the clock when its end is more than {@code maxClockSkewMs} before {@code nowMs}
   * (no frame can be counted in it any more); the camera then counts in the window that follows. Empty when the
   * window is still open, or was closed already and nothing has been counted since (frames carried into it from
   * earlier windows are not counted since: they were closed with those).
   */
  public Optional<Step> expire(CameraStatus s, long nowMs) {
    long windowEnd = Saturating.plus(s.windowStart(), settings.windowMs());
    if (Saturating.plus(windowEnd, settings.maxClockSkewMs()) > nowMs || s.ownFrames() == 0) {
      return Optional.empty();
    }
    Step closed = close(s);
    return Optional.of(new Step(next(closed.status(), windowEnd), closed.alert()));
  }

  /**
   * The camera counting in the window starting at {@code windowStart}, after {@link #close} judged (or pooled) the one
   * before: empty, or holding the frames {@code c} carries from the windows too small to judge alone.
   */
  private static CameraStatus next(CameraStatus c, long windowStart) {
    if (c.pooledFrames() > 0) {
      return new CameraStatus(c.cameraId(), c.status(), windowStart, c.windowFrames(), c.windowFlagged(),
          c.lastWindowStart(), c.lastWindowFrames(), c.lastWindowFlagged(), c.hotStreak(), c.coolStreak(),
          c.campaignSince(), c.totalFrames(), c.totalFlagged(), c.windowReasons(), c.windowExamples(),
          c.pooledSince(), c.pooledFrames(), c.streakPooled(), c.streakSince());
    }
    return new CameraStatus(c.cameraId(), c.status(), windowStart, 0, 0, c.lastWindowStart(), c.lastWindowFrames(),
        c.lastWindowFlagged(), c.hotStreak(), c.coolStreak(), c.campaignSince(), c.totalFrames(), c.totalFlagged(),
        Map.of(), List.of(), -1, 0, c.streakPooled(), c.streakSince());
  }

  /**
   * A camera that leaves the store, and what that writes: for a camera in a campaign, the CAMPAIGN_CLEARED that
   * says nobody observes it any more; for one not in a campaign, nothing.
   */
  public record Forgotten(Optional<Alert> alert) {}

  /**
   * Whether {@code s} may leave the store: no frame counted since its last window closed, and that window ended more
   * than {@code idleRetentionMs} before {@code nowMs}; 0 = never. A camera that comes back starts afresh (its totals
   * too). One in a campaign leaves as well, with a CAMPAIGN_CLEARED: kept, it stayed in CAMPAIGN for ever (the
   * dashboard, /cameras, the store), and a consumer that pairs CAMPAIGN with CAMPAIGN_CLEARED never closed its
   * incident. Its alert is made from {@code s} alone, so a replay after a crash writes the same alert.
   */
  public Optional<Forgotten> forget(CameraStatus s, long nowMs) {
    if (settings.idleRetentionMs() <= 0 || s.ownFrames() != 0
        || Saturating.plus(s.windowStart(), settings.idleRetentionMs()) >= nowMs) {
      return Optional.empty();
    }
    return Optional.of(new Forgotten(s.inCampaign() ? Optional.of(quietAlert(s)) : Optional.empty()));
  }

  /**
   * Judges the window being counted (with the frames carried into it): streaks, status, and the alert when the status
   * changes. One with too few frames is not judged; its frames are carried into the next window, in a campaign or not.
   */
  private Step close(CameraStatus s) {
    if (s.windowFrames() < settings.minFrames()) {
      if (s.windowFrames() == 0) {
        return new Step(s, Optional.empty());
      }
      CameraStatus pooled = new CameraStatus(s.cameraId(), s.status(), s.windowStart(), s.windowFrames(),
          s.windowFlagged(), s.lastWindowStart(), s.lastWindowFrames(), s.lastWindowFlagged(), s.hotStreak(),
          s.coolStreak(), s.campaignSince(), s.totalFrames(), s.totalFlagged(), s.windowReasons(), s.windowExamples(),
          s.spanStart(), s.windowFrames(), s.streakPooled(), s.streakSince());
      return new Step(pooled, Optional.empty());
    }
    boolean hot = hot(s.windowFlagged(), s.windowFrames(), settings.baselineRate());
    int hotStreak = hot ? s.hotStreak() + 1 : 0;
    int coolStreak = hot ? 0 : s.coolStreak() + 1;
    // a span of pooled windows in the streak, this one or one before it that the streak still counts
    boolean streakPooled = s.pooledFrames() > 0 || (hot ? s.hotStreak() : s.coolStreak()) > 0 && s.streakPooled();
    // this span begins a streak, or one goes on whose start is kept (unknown, -1, if begun in an older version's state)
    long streakSince = (hot ? s.hotStreak() : s.coolStreak()) == 0 ? s.spanStart() : s.streakSince();
    long windowEnd = Saturating.plus(s.windowStart(), settings.windowMs());
    String status = s.status();
    long since = s.campaignSince();
    Optional<Alert> alert = Optional.empty();
    if (!s.inCampaign() && hotStreak >= settings.consecutiveWindows()) {
      status = CameraStatus.CAMPAIGN;
      since = windowEnd;
      alert = Optional.of(alert(s, "CAMPAIGN", hotStreak, streakPooled, streakSince, windowEnd));
    } else if (s.inCampaign() && coolStreak >= settings.consecutiveWindows()) {
      status = CameraStatus.NORMAL;
      since = -1;
      alert = Optional.of(alert(s, "CAMPAIGN_CLEARED", coolStreak, streakPooled, streakSince, windowEnd));
    }
    // judged, with what was carried into it: the next window starts empty, and the span judged is the last window
    CameraStatus next = new CameraStatus(s.cameraId(), status, s.windowStart(), s.windowFrames(), s.windowFlagged(),
        s.spanStart(), s.windowFrames(), s.windowFlagged(), hotStreak, coolStreak, since, s.totalFrames(),
        s.totalFlagged(), s.windowReasons(), s.windowExamples(), -1, 0, streakPooled, streakSince);
    return new Step(next, alert);
  }

  /** Whether {@code flagged} of {@code frames} is more than {@code baseline} explains (see the class comment). */
  static boolean hot(long flagged, long frames, double baseline) {
    if (flagged <= frames * baseline) {
      return false; // at or below the expected count: the tail is at least about one half
    }
    if (baseline <= 0) {
      return true; // no flag expected at all
    }
    return upperTail(flagged, frames, baseline) < HOT_SIGNIFICANCE;
  }

  /**
   * P(X >= k) for X ~ Binomial(n, p), for k above the mean (where the terms fall from the first on): summed from
   * P(X = k) in log space, so that large windows neither overflow nor lose the tail to underflow.
   */
  static double upperTail(long k, long n, double p) {
    double logTerm = k * Math.log(p) + (n - k) * Math.log1p(-p);
    for (long i = 1; i <= k; i++) {
      logTerm += Math.log(n - k + i) - Math.log(i); // log C(n, k)
    }
    double term = Math.exp(logTerm);
    double sum = 0;
    double ratio = p / (1 - p);
    for (long j = k; j <= n && term > 0; j++) {
      sum += term;
      if (term < sum * 1e-17) {
        break;
      }
      term *= (double) (n - j) / (j + 1) * ratio;
    }
    return Math.min(1, sum);
  }

  /** evidence {@code cleared_by} of a CAMPAIGN_CLEARED: the camera's flag rate came back to the baseline. */
  public static final String CLEARED_BY_COOL_WINDOWS = "cool_windows";
  /** evidence {@code cleared_by} of a CAMPAIGN_CLEARED: none of the camera's frames scored for idle-retention-ms. */
  public static final String CLEARED_BY_CAMERA_QUIET = "camera_quiet";

  /**
   * The CAMPAIGN_CLEARED of a camera in a campaign that had no frame scored for {@code idleRetentionMs} since
   * {@code s.windowStart()} (the end of its last window with frames: {@link #expire} moved it there). Stamped with
   * the moment the retention ran out, not with the sweep that noticed it, so that a replay writes the same alert.
   */
  private Alert quietAlert(CameraStatus s) {
    long quietSince = s.windowStart();
    long at = Saturating.plus(quietSince, settings.idleRetentionMs());
    // "scored", not "sent": a frame that goes to the dead-letter topic has no verdict and never reaches the campaign,
    // so a camera whose frames all fail (undecodable, too large: an attacker can send such) is cleared here too. A
    // record not read as far as its camera (BAD_AVRO, RECORD_TOO_LARGE, ...) is dead-lettered with no cameraId, under
    // its producer's key: the cameraId alone would miss exactly those
    String explanation = String.format(Locale.ROOT, "Camera %s had no frame scored for %s (campaign.idle-retention-ms) "
        + "since %s: the campaign raised at %s is no longer observed, so it is cleared and the camera forgotten; "
        + "its next scored frame starts it afresh. Check why before trusting the camera again: it stopped sending "
        + "(off, disconnected, or its frames no longer reach the monitor), or what it sends cannot be scored (look in "
        + "the dead-letter topic for cameraId %s, and for dead letters without a cameraId, of records not read that "
        + "far, under the Kafka key its producer sends with: those frames count in no campaign).",
        s.cameraId(), duration(settings.idleRetentionMs()), Instant.ofEpochMilli(quietSince),
        Instant.ofEpochMilli(s.campaignSince()), s.cameraId());
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("cleared_by", CLEARED_BY_CAMERA_QUIET);
    evidence.put("quiet_since", Instant.ofEpochMilli(quietSince).toString());
    evidence.put("idle_retention_ms", Long.toString(settings.idleRetentionMs()));
    evidence.put("campaign_since", Instant.ofEpochMilli(s.campaignSince()).toString());
    evidence.put("campaign_alert_id", campaignAlertId(s));
    evidence.put("last_window_start", Instant.ofEpochMilli(s.lastWindowStart()).toString());
    evidence.put("last_window_frames", Long.toString(s.lastWindowFrames()));
    evidence.put("last_window_flagged", Long.toString(s.lastWindowFlagged()));
    evidence.put("baseline_rate", Double.toString(settings.baselineRate()));
    evidence.put("total_frames", Long.toString(s.totalFrames()));
    evidence.put("total_flagged", Long.toString(s.totalFlagged()));
    return Alert.newBuilder()
        // its own id: a normal clear is "<camera>/CAMPAIGN_CLEARED/<window>", and listeners de-duplicate by id
        .setAlertId(AlertIds.camera(s.cameraId()) + "/CAMPAIGN_CLEARED/" + CLEARED_BY_CAMERA_QUIET + "/" + quietSince)
        .setCameraId(s.cameraId())
        .setTime(Instant.ofEpochMilli(at))
        .setKind("CAMPAIGN_CLEARED")
        .setSeverity(Severity.INFO)
        .setReasons(List.of("CAMPAIGN_CLEARED"))
        .setExplanation(explanation)
        .setEvidence(evidence)
        .build();
  }

  /** "24 h", "90 min", "1.5 s", "250 ms": an idle retention in the unit an operator set it in. */
  static String duration(long ms) {
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + " h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + " min";
    }
    if (ms % 1_000 == 0) {
      return ms / 1_000 + " s"; // not "86430.0 s"
    }
    return ms >= 1_000 ? String.format(Locale.ROOT, "%.1f s", ms / 1000.0) : ms + " ms";
  }

  /** "PERTURBATION 28, FOOLING 2": the window's reasons, most frequent first. */
  private static String byCount(Map<String, Long> reasons) {
    return reasons.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .map(e -> e.getKey() + " " + e.getValue()).collect(java.util.stream.Collectors.joining(", "));
  }

  /**
   * The id of the CAMPAIGN alert that raised {@code s}'s campaign: {@link #alert} names it after the start of its last
   * hot window, which ended at {@code campaignSince}. Derived, not stored, so that camera states written before it
   * existed clear with it too; right while campaign.window-ms is the one the campaign was raised with.
   */
  private String campaignAlertId(CameraStatus s) {
    return AlertIds.camera(s.cameraId()) + "/CAMPAIGN/" + Saturating.minus(s.campaignSince(), settings.windowMs());
  }

  /**
   * "each of the last 3 windows of 10.0 s (last window: " for a window judged alone; for a span of windows too small to
   * judge alone, what was judged and the span's times. A camera at a frame a minute is judged on spans of 20 minutes:
   * "windows of 10.0 s" made an hour of evidence read as half a minute, and a 20-minute span read as one window. By
   * the whole streak ({@code streakPooled}), not its last judgement: two spans of 20 minutes and a window judged alone
   * are forty minutes of evidence, not "3 windows of 10.0 s".
   */
  private String judged(CameraStatus s, int streak, boolean streakPooled, long streakSince, long windowEnd) {
    String seconds = String.format(Locale.ROOT, "%.1f s", settings.windowMs() / 1000.0);
    if (!streakPooled && streakSince < 0) {
      // begun in a state written before its start was kept, which may be one written before streakPooled was: false
      // there says nothing, and "windows" then named spans of 20 minutes as windows of seconds. "May not": the
      // version between the two kept streakPooled, and its state cannot be told from an older one's here
      return String.format(Locale.ROOT, "each of the last %d windows of %s, or spans of windows judged together "
          + "(this streak began under an earlier version, whose state may not say which of the two; last window: ",
          streak, seconds);
    }
    if (!streakPooled) {
      // campaign.consecutive-windows=1 raises on one window: "each of the last 1 windows" read as a slip
      return streak == 1 ? String.format(Locale.ROOT, "the last window of %s (", seconds)
          : String.format(Locale.ROOT, "each of the last %d windows of %s (last window: ", streak, seconds);
    }
    return String.format(Locale.ROOT, "%s (windows of %s; this camera had fewer than "
        + "campaign.min-frames (%d) frames scored in one, so its windows were judged together until they held that "
        + "many; last span, %s to %s: ",
        streak == 1 ? "the last span judged" : "each of the last " + streak + " spans judged", seconds,
        settings.minFrames(), Instant.ofEpochMilli(s.spanStart()), Instant.ofEpochMilli(windowEnd));
  }

  /**
   * " The evidence runs from <start> (the start of the first of those 3 spans) to <end>.": the alert's window or span
   * is the streak's last, and the streak tolerates gaps of empty windows, so its start cannot be read from the rest.
   * Empty when the start is unknown (a streak begun in a state written before it was kept).
   */
  private static String streakRange(String what, int streak, boolean streakPooled, long streakSince, long windowEnd) {
    if (streakSince < 0) {
      return "";
    }
    String unit = streakPooled ? "span" : "window";
    String first = streak == 1 ? "that " + unit : "the first of those " + streak + " " + unit + "s";
    return String.format(Locale.ROOT, " %s from %s (the start of %s) to %s.", what, Instant.ofEpochMilli(streakSince),
        first, Instant.ofEpochMilli(windowEnd));
  }

  private Alert alert(CameraStatus s, String kind, int streak, boolean streakPooled, long streakSince,
      long windowEnd) {
    double rate = (double) s.windowFlagged() / s.windowFrames();
    String explanation = kind.equals("CAMPAIGN")
        ? String.format(Locale.ROOT, "Camera %s: clearly more of its frames than the %.0f%% that ordinary conditions "
            + "may flag were flagged in %s%d of %d, %.0f%%%s).%s A persistent "
            + "attack on this camera (a sticker on the lens, a universal perturbation) is likely: inspect the camera and "
            + "distrust its predictions until this clears.%s",
            s.cameraId(), 100 * settings.baselineRate(), judged(s, streak, streakPooled, streakSince, windowEnd),
            s.windowFlagged(),
            s.windowFrames(), 100 * rate,
            s.windowReasons().isEmpty() ? "" : "; flagged as " + byCount(s.windowReasons()),
            streakRange("The evidence runs", streak, streakPooled, streakSince, windowEnd),
            s.windowExamples().isEmpty() ? "" : " Flagged frames to look at: " + String.join(", ", s.windowExamples()) + ".")
        : String.format(Locale.ROOT, "Camera %s: its flag rate was no longer clearly above the baseline of %.0f%% in "
            + "%s%d of %d flagged); the campaign is cleared on the flag rate alone.%s This says the flags are no "
            + "more than ordinary conditions may explain, not that the camera was inspected or the cause removed (an "
            + "attack the detectors miss clears it too).",
            s.cameraId(), 100 * settings.baselineRate(), judged(s, streak, streakPooled, streakSince, windowEnd),
            s.windowFlagged(),
            s.windowFrames(),
            // not "back at the baseline": a cool window is one not clearly above it (6 of 20 flagged is cool)
            streakRange("Not clearly above the baseline", streak, streakPooled, streakSince, windowEnd));
    Map<String, String> evidence = new LinkedHashMap<>();
    if (streakSince >= 0) { // where the evidence begins; window_start and window_end are where it ends
      evidence.put("streak_start", Instant.ofEpochMilli(streakSince).toString());
    }
    evidence.put("window_start", Instant.ofEpochMilli(s.spanStart()).toString());
    evidence.put("window_end", Instant.ofEpochMilli(windowEnd).toString());
    evidence.put("window_frames", Long.toString(s.windowFrames()));
    evidence.put("window_flagged", Long.toString(s.windowFlagged()));
    evidence.put("window_flag_rate", String.format(Locale.ROOT, "%.4f", rate));
    evidence.put("baseline_rate", Double.toString(settings.baselineRate()));
    evidence.put("consecutive_windows", Integer.toString(streak));
    evidence.put("total_frames", Long.toString(s.totalFrames()));
    evidence.put("total_flagged", Long.toString(s.totalFlagged()));
    if (s.pooledFrames() > 0) { // window_start is then that of the first window pooled
      evidence.put("pooled_frames", Long.toString(s.pooledFrames()));
    }
    if (!kind.equals("CAMPAIGN")) {
      evidence.put("cleared_by", CLEARED_BY_COOL_WINDOWS); // tells it from a camera that went quiet (quietAlert)
      // what it clears, as the quiet clear says it too: a consumer pairs the two without keeping state
      evidence.put("campaign_since", Instant.ofEpochMilli(s.campaignSince()).toString());
      evidence.put("campaign_alert_id", campaignAlertId(s));
    }
    s.windowReasons().forEach((reason, count) -> evidence.put("window_flagged_" + reason, Long.toString(count)));
    for (int i = 0; i < s.windowExamples().size(); i++) {
      evidence.put("example_frame_" + (i + 1), s.windowExamples().get(i));
    }
    return Alert.newBuilder()
        // derived from the camera and the window, so that a replay after a crash writes the same alert id; a CAMPAIGN's
        // from its last window, also when pooled, so that campaignAlertId names it from campaignSince alone
        .setAlertId(AlertIds.camera(s.cameraId()) + "/" + kind + "/"
            + (kind.equals("CAMPAIGN") ? s.windowStart() : s.spanStart()))
        .setCameraId(s.cameraId())
        .setTime(Instant.ofEpochMilli(windowEnd))
        .setKind(kind)
        .setSeverity(kind.equals("CAMPAIGN") ? Severity.CRITICAL : Severity.INFO)
        .setReasons(List.of(kind))
        .setExplanation(explanation)
        .setEvidence(evidence)
        .build();
  }
}
