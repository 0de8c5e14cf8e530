package dev.advmon.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * What one load-test run found, and how it is written: {@code report.json} (machine-readable; the fields
 * {@code sent, verdicts, dead_letters, duration_s, throughput_fps, latency_ms{p50,p95,p99,p999,max}} and more),
 * {@code summary.md} (for people) and the PNG plots ({@link Plots}).
 *
 * @param steps the measured steps (warm-up excluded); one for a run at one rate, several for a ramp
 * @param missing frames sent (and not failed) that have no outcome at the end: of every frame of the run
 *     ({@code sentInAll}), the warm-up's and those sent in a step's grace included, not of the measured steps' alone
 * @param drained whether every confirmed frame had its outcome when the run ended
 * @param lateSends frames the sender sent more than 200 ms after they were due (each stamped with its due time,
 *     so the delay is in their latency); {@code maxLateMs} the worst
 * @param interruptedDuring null for a run that completed; for one stopped by Ctrl-C or SIGTERM, what it was doing
 *     then (the step that did not complete). Its steps are then the completed ones only, and {@code missing} counts
 *     their frames with no outcome yet when it stopped: in flight, not judged lost (the run was not drained)
 * @param started when the run started (before the monitor, for --embedded); {@code ended} when it ended, before its
 *     report was written: its start plus the time it ran on the monotonic clock ({@link Clocks#ended}), so that
 *     {@code run_s} is that time whatever the wall clock did. report.json's {@code date} and summary.md say when the
 *     run ran
 * @param sentInAll every frame the run sent, the warm-up's and those sent in a step's grace included (its send
 *     failures too): the frames {@code missing}, {@code duplicates} and {@code sendFailures} are counted among
 * @param lowerBoundAdvice why a search whose every step was sustained found no limit and what to do, in the words and
 *     options of the command that ran it (a load test's ramp and the benchmark's search have different options)
 */
record Report(String title, Map<String, Object> target, int cameras, boolean ramp, List<StepResult> steps,
    List<Sample> timeline, long duplicates, long missing, long sendFailures,
    long lateSends, long maxLateMs, Map<String, Long> deadLettersByReason, boolean drained, String loadAtStart,
    String loadAtEnd, String interruptedDuring, Instant started, Instant ended, long sentInAll,
    String lowerBoundAdvice) {

  static final String JSON_FILE = "report.json";
  static final String SUMMARY_FILE = "summary.md";
  /** The sustainable rate of a search in which no rate was sustained, in every report and console line. */
  static final String NO_SUSTAINABLE_RATE = "none of the rates tried";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The latency percentiles of a histogram, in ms. */
  static Map<String, Object> latency(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    boolean any = h.getTotalCount() > 0;
    m.put("p50", any ? h.getValueAtPercentile(50) : null);
    m.put("p95", any ? h.getValueAtPercentile(95) : null);
    m.put("p99", any ? h.getValueAtPercentile(99) : null);
    m.put("p999", any ? h.getValueAtPercentile(99.9) : null);
    m.put("max", any ? h.getMaxValue() : null);
    m.put("mean", any ? round(h.getMean(), 1) : null);
    m.put("count", h.getTotalCount());
    return m;
  }

  /** Batch sizes (frames per inference call) seen by the verdicts: mean, percentiles and the distribution. */
  static Map<String, Object> batches(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    boolean any = h.getTotalCount() > 0;
    m.put("mean", any ? round(h.getMean(), 2) : null);
    m.put("p50", any ? h.getValueAtPercentile(50) : null);
    m.put("p99", any ? h.getValueAtPercentile(99) : null);
    m.put("max", any ? h.getMaxValue() : null);
    Map<String, Long> dist = new TreeMap<>((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
    for (HistogramIterationValue v : h.recordedValues()) {
      dist.put(Long.toString(v.getValueIteratedTo()), v.getCountAtValueIteratedTo());
    }
    m.put("verdicts_by_batch_frames", dist);
    return m;
  }

  Histogram allLatencies() {
    Histogram h = new Histogram(Collector.MAX_LATENCY_MS, 3);
    steps.forEach(s -> h.add(s.stats().latencyMs));
    return h;
  }

  Histogram allBatches() {
    Histogram h = new Histogram(4096, 3);
    steps.forEach(s -> h.add(s.stats().batchFrames));
    return h;
  }

  long sent() {
    return steps.stream().mapToLong(s -> s.endSequence() - s.firstSequence()).sum();
  }

  long verdicts() {
    return steps.stream().mapToLong(s -> s.stats().verdicts).sum();
  }

  long deadLetters() {
    return steps.stream().mapToLong(s -> s.stats().deadLetters).sum();
  }

  /** Dead letters of every frame of the run ({@code sentInAll}), as {@code deadLettersByReason} counts them. */
  long deadLettersInAll() {
    return deadLettersByReason.values().stream().mapToLong(Long::longValue).sum();
  }

  double durationSeconds() {
    return steps.stream().mapToDouble(StepResult::seconds).sum();
  }

  /**
   * Outcomes (verdicts and dead letters) read per second from the start of the first measured step to the last
   * outcome of a measured frame, whichever frames they were for. Not the measured frames' outcomes alone over that
   * span: when the monitor does not keep up, the span also holds the backlog the warm-up (or an earlier step) left,
   * which it worked through first, and its end waits for frames after the backlog; counting only the measured
   * frames would then understate what the monitor did (by a third for a 30 s step behind a 60 s warm-up backlog).
   */
  double throughputFps() {
    if (steps.isEmpty()) {
      return 0;
    }
    Collector.StepStats first = steps.get(0).stats();
    // a step none of whose frames was answered has no last outcome (outcomesAtLast 0): its time means nothing
    Collector.StepStats last = steps.stream().map(StepResult::stats).filter(s -> s.outcomesAtLast > 0)
        .max(java.util.Comparator.comparingLong(s -> s.lastOutcomeAtMs)).orElse(null);
    if (last == null) {
      return 0;
    }
    double seconds = (last.lastOutcomeAtMs - first.startedAtMs) / 1000.0;
    return seconds <= 0 ? 0 : (last.outcomesAtLast - first.outcomesAtStart) / seconds;
  }

  boolean interrupted() {
    return interruptedDuring != null;
  }

  /**
   * The highest offered rate whose lag stayed bounded, for a ramp; null when none did, and for a run at one rate (its
   * step's judgement is in {@code steps}: one step, perhaps of 1 s, is no search for a rate).
   */
  Double sustainableFps() {
    if (!ramp) {
      return null;
    }
    return steps.stream().filter(s -> s.lag().bounded()).mapToDouble(StepResult::offeredFps).boxed()
        .max(Double::compare).orElse(null);
  }

  /**
   * Whether every step of a ramp was sustained: it ran out of --ramp-steps before one failed, so its sustainable rate
   * is only a lower bound (the monitor may sustain much more).
   */
  boolean sustainableIsLowerBound() {
    return ramp && !steps.isEmpty() && steps.stream().allMatch(s -> s.lag().bounded());
  }

  /** The sustainable rate as the summary and the console say it. */
  String sustainableText() {
    Double sus = sustainableFps();
    if (sus == null) {
      return NO_SUSTAINABLE_RATE;
    }
    return sustainableIsLowerBound() ? String.format(Locale.ROOT, "at least %.1f frames/s (%s)", sus, lowerBoundAdvice)
        : String.format(Locale.ROOT, "%.1f frames/s", sus);
  }

  Map<String, Object> json() {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("title", title);
    // when the run ran, not when this was written (a report written later, or rewritten, keeps its date)
    r.put("date", started.toString());
    r.put("started", started.toString());
    r.put("ended", ended.toString());
    r.put("run_s", runSeconds()); // start-up, warm-up, steps and drain: duration_s counts the measured steps only
    r.put("interrupted", interrupted());
    if (interrupted()) {
      r.put("interrupted_during", interruptedDuring + " (not completed, not in these results)");
      r.put("completed_steps", steps.stream().map(StepResult::label).toList());
    }
    r.put("sent", sent());
    // what missing, duplicates and send_failures are counted among: sent counts the measured steps' frames only
    r.put("sent_in_all", sentInAll);
    r.put("verdicts", verdicts());
    r.put("dead_letters", deadLetters());
    r.put("duration_s", round(durationSeconds(), 1));
    r.put("throughput_fps", round(throughputFps(), 1));
    r.put("latency_ms", latency(allLatencies()));
    r.put("offered_fps", ramp ? null : steps.isEmpty() ? null : steps.get(0).offeredFps());
    // an interrupted ramp never reached the step that would have ended it: its best rate so far is no sustainable rate
    r.put("sustainable_fps", interrupted() ? null : sustainableFps());
    r.put("sustainable_fps_is_lower_bound", !interrupted() && sustainableIsLowerBound());
    r.put("ramp", ramp);
    r.put("cameras", cameras);
    r.put("duplicates", duplicates);
    r.put("missing", interrupted() ? null : missing); // not drained: no frame can be called lost
    if (interrupted()) {
      r.put("unanswered_at_interrupt", missing);
    }
    r.put("send_failures", sendFailures);
    r.put("sender_late_sends", lateSends);
    r.put("sender_max_late_ms", maxLateMs);
    r.put("drained", drained);
    // of every frame of the run, as missing and duplicates: dead_letters counts the measured steps' only
    r.put("dead_letters_in_all", deadLettersInAll());
    r.put("dead_letters_by_reason", deadLettersByReason);
    r.put("batch_frames", batches(allBatches()));
    r.put("target", target);
    Map<String, Object> machine = machine(loadAtStart, loadAtEnd);
    if (monitorElsewhere()) {
      machine.put("of", MACHINE_ELSEWHERE);
    }
    r.put("machine", machine);
    List<Map<String, Object>> st = new ArrayList<>();
    for (StepResult s : steps) {
      st.add(step(s));
    }
    r.put("steps", st);
    List<Map<String, Object>> tl = new ArrayList<>();
    for (Sample s : timeline) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("t_s", round(s.tSeconds(), 1));
      m.put("step", s.step());
      m.put("offered_fps", s.offeredFps());
      m.put("sent_fps", round(s.sentFps(), 1));
      m.put("outcomes_fps", round(s.outcomesFps(), 1));
      m.put("backlog", s.backlog());
      m.put("p50_ms", s.p50Ms());
      m.put("p99_ms", s.p99Ms());
      m.put("p999_ms", s.p999Ms());
      m.put("batch_mean", round(s.batchMean(), 2));
      tl.add(m);
    }
    r.put("timeline", tl);
    return r;
  }

  static Map<String, Object> step(StepResult s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("label", s.label());
    m.put("offered_fps", round(s.offeredFps(), 1));
    m.put("achieved_fps", round(s.achievedFps(), 1));
    m.put("outcomes_fps", round(s.outcomesFps(), 1));
    m.put("seconds", round(s.seconds(), 1));
    m.put("backlog_start", s.backlogStart());
    m.put("backlog_end", s.backlogEnd());
    m.put("backlog_slope_fps", round(s.lag().slopeFps(), 2));
    m.put("backlog_growth", s.lag().growth());
    m.put("backlog_growth_allowed", s.lag().allowedGrowth());
    m.put("verdicts_share_of_offered", round(s.lag().verdictShare(), 4));
    m.put("bounded", s.lag().bounded());
    m.put("judgement", s.lag().reason());
    m.put("verdicts", s.stats().verdicts);
    m.put("dead_letters", s.stats().deadLetters);
    m.put("latency_ms", latency(s.stats().latencyMs));
    m.put("batch_frames", batches(s.stats().batchFrames));
    return m;
  }

  /** What the processors and load average describe when the monitor runs elsewhere (--config). */
  static final String MACHINE_ELSEWHERE = "the load tester's machine (not the monitor's, which runs elsewhere)";

  /**
   * The monitor runs on another host (--config): the processors and load average read here are the load tester's,
   * and must not read as the monitor's.
   */
  private boolean monitorElsewhere() {
    return "external".equals(target.get("mode"));
  }

  static Map<String, Object> machine(String loadAtStart, String loadAtEnd) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("available_processors", Runtime.getRuntime().availableProcessors());
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("load_average_at_start", loadAtStart);
    m.put("load_average_at_end", loadAtEnd);
    return m;
  }

  /** The 1-, 5- and 15-minute load averages (Linux /proc/loadavg), or "unknown". */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  String markdown(List<String> plots) {
    StringBuilder md = new StringBuilder();
    md.append("# ").append(title).append(interrupted() ? ": INTERRUPTED" : "").append("\n\n");
    if (interrupted()) {
      md.append(String.format(Locale.ROOT, "**INTERRUPTED** (Ctrl-C or SIGTERM) during %s: partial results. Completed "
              + "steps: %s; the one it was in did not complete and is not below. Not drained: %d frames of the "
              + "completed steps had no outcome yet, in flight, not counted as lost.%n%n", interruptedDuring,
          steps.isEmpty() ? "none (nothing was measured)" : steps.stream().map(StepResult::label).toList(), missing));
    }
    md.append(String.format(Locale.ROOT, "Started %s, ran %.0f s (start-up, warm-up, steps and drain); %d cameras; target: %s; "
        + "%s: %d processors, load average %s at start, %s at end.%n%n",
        started.truncatedTo(java.time.temporal.ChronoUnit.SECONDS), runSeconds(), cameras, // report.json: to the ns
        settingsText(target), monitorElsewhere() ? "load tester's machine (not the monitor's, which runs elsewhere)"
            : "machine", Runtime.getRuntime().availableProcessors(), loadAtStart, loadAtEnd));
    Map<String, Object> lat = latency(allLatencies());
    Map<String, Object> b = batches(allBatches());
    md.append("| sent (measured steps) | verdicts | dead letters | sent in all (warm-up included) | missing (of all) "
        + "| duplicates (of all) | dead letters (of all) | duration (s) | throughput (frames/s) "
        + "| latency p50 / p95 / p99 / p99.9 / max (ms) | batch frames mean / max |\n");
    md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
    md.append(String.format(Locale.ROOT, "| %d | %d | %d | %d | %s | %d | %d | %.1f | %.1f | %s / %s / %s / %s / %s "
            + "| %s / %s |%n%n", sent(), verdicts(), deadLetters(), sentInAll, interrupted() ? "-" : Long.toString(missing),
        duplicates, deadLettersInAll(), durationSeconds(), throughputFps(), orDash(lat.get("p50")),
        orDash(lat.get("p95")), orDash(lat.get("p99")), orDash(lat.get("p999")), orDash(lat.get("max")),
        orDash(b.get("mean")), orDash(b.get("max"))));
    if (lateSends > 0) {
      md.append(String.format(Locale.ROOT, "**Sender behind schedule:** %d frames went out more than 200 ms after they "
          + "were due (at worst %d ms); their latency counts from when they were due.%n%n", lateSends, maxLateMs));
    }
    if (!drained && !interrupted()) {
      md.append("**Not drained:** some confirmed frames had no verdict or dead letter when the run ended (`missing`).\n\n");
    }
    md.append("| step | offered (frames/s) | achieved | outcomes/s | backlog start -> end | lag | p50 / p99 / p99.9 (ms) | batch mean |\n");
    md.append("|---|---:|---:|---:|---|---|---|---:|\n");
    for (StepResult s : steps) {
      Map<String, Object> l = latency(s.stats().latencyMs);
      md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %d -> %d | %s | %s / %s / %s | %s |%n", s.label(),
          s.offeredFps(), s.achievedFps(), s.outcomesFps(), s.backlogStart(), s.backlogEnd(),
          s.lag().bounded() ? "bounded" : "not bounded (" + s.lag().reason() + ")", orDash(l.get("p50")),
          orDash(l.get("p99")), orDash(l.get("p999")), orDash(batches(s.stats().batchFrames).get("mean"))));
    }
    if (ramp && !interrupted()) {
      md.append("\nSustainable rate (highest offered rate whose lag stayed bounded): ").append(sustainableText())
          .append("\n");
    }
    md.append("\n");
    for (String p : plots) {
      md.append("![").append(p).append("](").append(p).append(")\n\n");
    }
    return md.toString();
  }

  /**
   * Seconds from the run's start to its end, to the tenth: the start-up too (the embedded broker and monitors, or
   * the reader's connection to a monitor elsewhere), then warm-up, steps and drain.
   */
  double runSeconds() {
    return round(java.time.Duration.between(started, ended).toMillis() / 1000.0, 1);
  }

  /**
   * The target's settings as summary.md lists them: "mode embedded, instances 1, detectors a + b", '-' for a
   * setting with no value; report.json keeps them as an object.
   */
  static String settingsText(Map<String, Object> settings) {
    List<String> parts = new ArrayList<>();
    settings.forEach((k, v) -> parts.add(k + " " + (v instanceof java.util.Collection<?> c
        ? (c.isEmpty() ? "-" : String.join(" + ", c.stream().map(String::valueOf).toList())) : orDash(v))));
    return parts.isEmpty() ? "-" : String.join(", ", parts);
  }

  /** A figure for a reader: '-' where there is none (a step that timed nothing has no latency), not "null". */
  static String orDash(Object v) {
    return v == null ? "-" : v.toString();
  }

  /** Writes report.json, summary.md and the plots into {@code dir} (created if needed). */
  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    List<String> plots = Plots.write(dir, title, timeline, steps);
    JSON.writeValue(dir.resolve(JSON_FILE).toFile(), json());
    Files.writeString(dir.resolve(SUMMARY_FILE), markdown(plots));
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
