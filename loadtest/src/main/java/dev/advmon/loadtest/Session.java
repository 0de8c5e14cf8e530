package dev.advmon.loadtest;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * A generator and a reader against one target, and the per-second timeline of what happened: the building block
 * of a load test (one step, or a ramp of steps) and of the benchmark.
 */
final class Session implements AutoCloseable {

  private final Generator generator;
  private final Collector collector;
  private final PrintStream console;
  private final List<Sample> timeline = new ArrayList<>();
  private final long startNanos = System.nanoTime();
  private long lastAcked;
  private long lastOutcomes;
  private long[] lastBatch = {0, 0};
  private final long commitIntervalMs;
  private final String framesTopic;
  private final String verdictsTopic;
  private final String deadLetterTopic;
  /** The monitor's settings file ("--config FILE"); null for the embedded monitor, which this process starts. */
  private final String settingsSource;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
  /** Ctrl-C or SIGTERM: the command's own, so that a test that stops the command stops its reader and steps too. */
  private final Interruption stop;
  /** What it is doing now, for the summary of an interrupted run: the step that did not complete. */
  private volatile String activity = "starting";

  Session(Target target, FrameSource frames, int cameras, PrintStream console) {
    this(target, frames, cameras, Generator.DEFAULT_CAMERA_PREFIX, console);
  }

  Session(Target target, FrameSource frames, int cameras, String cameraPrefix, PrintStream console) {
    this(target, frames, cameras, cameraPrefix, console, Interruption.PROCESS);
  }

  Session(Target target, FrameSource frames, int cameras, String cameraPrefix, PrintStream console,
      Interruption stop) {
    this.stop = stop;
    Pacer pacer = new Pacer(Clocks.SYSTEM);
    // reading first, so no verdict is missed
    this.collector = new Collector(target, frames, pacer, Clocks.SYSTEM, stop);
    Generator g;
    try {
      g = new Generator(target, frames, cameras, cameraPrefix, pacer);
    } catch (RuntimeException | Error e) {
      collector.close();
      throw e;
    }
    this.generator = g;
    this.console = console;
    this.commitIntervalMs = target.commitIntervalMs();
    this.framesTopic = target.framesTopic();
    this.verdictsTopic = target.verdictsTopic();
    this.deadLetterTopic = target.deadLetterTopic();
    this.settingsSource = target instanceof EmbeddedTarget ? null : target.settingsSource();
    String bootstrap = String.valueOf(target.clientProperties().get(
        org.apache.kafka.clients.CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
    String acceptedFirst = BrokerCheck.acceptedFirstLine(collector.brokerAnswered(), bootstrap);
    if (acceptedFirst != null) {
      console.println(acceptedFirst);
    }
    ShutdownCleanup.register(this);
  }

  /**
   * How long a step's last frames may take after the step ends and still count as answered in the step: ten
   * commit intervals, within [1 s, 5 s]. The rate goes on meanwhile, so they compete with load as before.
   */
  static long graceMillis(long commitIntervalMs) {
    return Math.min(5_000, Math.max(1_000, 10 * commitIntervalMs));
  }

  List<Sample> timeline() {
    return timeline;
  }

  Collector collector() {
    return collector;
  }

  Generator generator() {
    return generator;
  }

  /** What it was doing last (e.g. "step 3 at 125.0 frames/s, 12 of 30 s"): where an interrupted run stopped. */
  String activity() {
    return activity;
  }

  /**
   * Stops offering frames (an interrupted run: nothing more falls due; frames already due and not yet sent still go
   * out, and what was sent is still read).
   */
  void pause() {
    generator.offer(0, null);
  }

  /**
   * Frames in [from, to) sent and still without a verdict or dead letter: a frame whose send failed is a send
   * failure, not a frame the monitor lost.
   */
  long missing(long from, long to) {
    return collector.missing(from, to, generator.failedSequences(from, to));
  }

  /**
   * Frames of this session, from its first (the warm-up's) to the last sent, without an outcome: the frames a
   * completed, drained run lost. Not only the measured steps' frames: a warm-up frame, or one sent during a step's
   * grace, that never gets its verdict is as lost, and the drain waits for it as for any other (so a run left
   * undrained by it would otherwise report nothing missing and pass).
   */
  long lost() {
    return missing(0, generator.nextSequence());
  }

  long backlog() {
    return generator.acked() - collector.outcomes();
  }

  /** Offers {@code fps} for {@code seconds}, sampling every second; returns the step with its lag judgement. */
  StepResult step(String label, double fps, int seconds) throws InterruptedException {
    long backlogStart = backlog();
    long outcomesStart = collector.outcomes();
    long lateStart = generator.lateSends();
    long span = seconds * 1_000_000_000L;
    java.util.concurrent.atomic.AtomicReference<Collector.StepStats> started =
        new java.util.concurrent.atomic.AtomicReference<>();
    // the step's frames are its own schedule's due within its span, bounded on the sender thread before its first
    // frame goes out: none of the warm-up's or previous step's, none sent in its grace, whenever each is sent
    Pacer.Offer offer = generator.offer(fps, o -> {
      Collector.StepStats s = collector.startStep(o.firstSequence());
      collector.endStep(s, o.endSequence(span));
      started.set(s);
    });
    long t0 = offer.startNanos();
    List<Long> backlog = new ArrayList<>();
    for (int s = 1; s <= seconds; s++) {
      activity = String.format(Locale.ROOT, "%s at %.1f frames/s, %d of %d s", label, fps, s - 1, seconds);
      stop.sleepUntil(t0 + s * 1_000_000_000L);
      Sample sample = sample(label, fps);
      backlog.add(sample.backlog());
      console.println(progressLine(sample, fps, generator.sent(), collector.outcomes()));
      failIfBroken();
    }
    double elapsed = (System.nanoTime() - t0) / 1e9;
    long sentByEnd = generator.sent();
    double outcomesFps = (collector.outcomes() - outcomesStart) / elapsed;
    awaitStart(offer, label);
    long first = offer.firstSequence();
    long end = offer.endSequence(span);
    Collector.StepStats stats = started.get();
    // what the sender managed within the span: a sender behind sends the rest late, in the grace, still the step's
    long sentInSpan = Math.max(0, Math.min(sentByEnd, end) - first);
    double achieved = sentInSpan / (double) seconds;
    // the step's last frames are still in flight: they get a short grace, at the same rate, to be answered
    long graceEnd = System.nanoTime() + graceMillis(commitIntervalMs) * 1_000_000L;
    activity = String.format(Locale.ROOT, "%s at %.1f frames/s, its %d s done, waiting for its last verdicts", label,
        fps, seconds);
    while (System.nanoTime() < graceEnd && missing(first, end) > 0) {
      stop.throwIfRequested();
      failIfBroken();
      Thread.sleep(20);
    }
    Collector.StepStats answered = collector.snapshot(stats);
    LagJudge.Verdict lag = LagJudge.judge(new LagJudge.Step(fps, seconds, sentInSpan, answered.verdicts,
        answered.deadLetters, backlogStart, backlog, commitIntervalMs));
    console.println(resultLine(label, fps, lag, achieved, outcomesFps, backlogStart, backlog.get(backlog.size() - 1),
        generator.lateSends() - lateStart));
    return new StepResult(label, fps, elapsed, achieved, outcomesFps, backlogStart, backlog.get(backlog.size() - 1),
        lag, first, end, stats);
  }

  /**
   * The console's line for a step's result: its judgement and the figures it rests on. The label names the step
   * ("step 2", "measured", "search step 3"): the line adds no "step" of its own.
   */
  static String resultLine(String label, double fps, LagJudge.Verdict lag, double achieved, double outcomesFps,
      long backlogStart, long backlogEnd, long lateSends) {
    return String.format(Locale.ROOT, "loadtest: %s at %.1f frames/s: %s (achieved %.1f/s, outcomes %.1f/s, "
        + "verdicts %.1f%% of offered, backlog %d -> %d, slope %.2f/s, %d sent over 200 ms late)", label, fps,
        lag.bounded() ? "BOUNDED" : "NOT bounded: " + lag.reason(), achieved, outcomesFps, 100 * lag.verdictShare(),
        backlogStart, backlogEnd, lag.slopeFps(), lateSends);
  }

  /**
   * The console's line for one second: the rate offered, frames sent and outcomes read so far (counts), the backlog
   * at the second's end, the latency percentiles and mean batch of the outcomes read in it ('-' for a second
   * without outcomes).
   */
  static String progressLine(Sample s, double offeredFps, long sent, long outcomes) {
    return String.format(Locale.ROOT, "[%5.0f s] %-10s offered %6.1f/s | sent %7d | outcomes %7d | backlog %6d | "
        + "p50 %5s ms p99 %5s ms | batch %4.1f", s.tSeconds(), s.step(), offeredFps, sent, outcomes, s.backlog(),
        msOrDash(s.p50Ms()), msOrDash(s.p99Ms()), s.batchMean());
  }

  /** A second without outcomes has no latency (null in report.json's timeline): '-' for a reader, not 'null'. */
  private static String msOrDash(Long ms) {
    return ms == null ? "-" : ms.toString();
  }

  /**
   * Waits until the sender has started the offer: it first sends the frames the previous schedule still owed, so a
   * sender far behind can take a while.
   */
  private void awaitStart(Pacer.Offer offer, String what) throws InterruptedException {
    while (!offer.started()) {
      activity = String.format(Locale.ROOT, "%s: the sender is still sending the frames due before it", what);
      stop.throwIfRequested();
      failIfBroken();
      Thread.sleep(20);
    }
  }

  /**
   * Offers {@code fps} for at least {@code minSeconds}, then until the backlog is down to a quarter second of
   * frames (the monitor has warmed up: JIT-compiled, first inference calls done, start-up backlog worked off), at
   * most {@code maxSeconds}. Not measured. True when it settled.
   */
  boolean warmUp(double fps, int minSeconds, int maxSeconds) throws InterruptedException {
    long settled = Math.max(10, Math.round(fps * 0.25));
    // warm-up frames count in no measured step
    long t0 = generator.offer(fps, o -> collector.startStep(o.firstSequence())).startNanos();
    activity = String.format(Locale.ROOT, "warm-up at %.1f frames/s (not measured)", fps);
    for (int s = 1; s <= maxSeconds; s++) {
      stop.sleepUntil(t0 + s * 1_000_000_000L);
      Sample sample = sample("warm-up", fps);
      console.println(progressLine(sample, fps, generator.sent(), collector.outcomes()));
      failIfBroken();
      // settled needs an answer too: at a low rate the frames a monitor never read fit within `settled`, and before
      // the broker confirms the first frame (a remote cluster's handshakes) the backlog is 0 with nothing answered
      if (s >= minSeconds && sample.backlog() <= settled && collector.outcomes() > 0) {
        return true;
      }
    }
    if (collector.outcomes() > 0) { // none at all: no monitor answers, and the caller stops (requireOutcomes)
      console.printf(Locale.ROOT, "loadtest: the backlog did not settle within the %d s warm-up (%d frames); "
          + "measuring anyway%n", maxSeconds, backlog());
    }
    return false;
  }

  /**
   * Stops the run when not one verdict or dead letter came back {@code during} (the warm-up): no monitor reads the
   * frames topic (not started, stopped, still starting) or it runs with other topics. Unchecked, the run measured a
   * step, waited out its drain and reported every frame as lost (exit 1), as if a monitor had dropped them.
   */
  void requireOutcomes(String during) {
    if (collector.outcomes() > 0 || generator.acked() == 0) {
      return;
    }
    throw new IllegalStateException(noOutcome(during, generator.acked(), framesTopic, verdictsTopic, deadLetterTopic,
        settingsSource));
  }

  /**
   * What {@link #requireOutcomes} says: what was sent where, and what to do. {@code settingsSource} null: the embedded
   * monitor (benchmark, --embedded), which this process started itself, so there is no file to start one with and
   * no /health/ready to wait for: its log says why it scored nothing.
   */
  static String noOutcome(String during, long acked, String framesTopic, String verdictsTopic, String deadLetterTopic,
      String settingsSource) {
    String sent = String.format(Locale.ROOT, "no verdict or dead letter came back during %s for the %d frames sent to"
        + " topic %s (read from %s and %s): ", during, acked, framesTopic, verdictsTopic, deadLetterTopic);
    if (settingsSource == null) {
      return sent + "the embedded monitor scored none of them; its log lines above say why (a model that did not"
          + " load, a stream thread that failed), and nothing was measured";
    }
    return sent + String.format(Locale.ROOT, "no monitor is reading them (not started, stopped, or still starting), or"
        + " it runs with other topics than %s names; start it with those settings (./monitor run --config FILE), wait"
        + " until its /health/ready answers 200, and run again (a longer --warmup waits longer for a monitor still"
        + " starting)", settingsSource);
  }

  /** Stops offering frames and waits until every confirmed frame has its outcome, or {@code timeout}. */
  boolean drain(Duration timeout) throws InterruptedException {
    // the pause starts once the frames already due are sent: until then the counts below are not final
    Pacer.Offer pause = generator.offer(0, null);
    activity = "draining (waiting for the verdicts of the frames sent)";
    long deadline = System.nanoTime() + timeout.toNanos();
    long next = System.nanoTime() + 1_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (pause.started() && backlog() <= 0 && generator.acked() + generator.failed() >= generator.sent()) {
        // the drained state in the timeline, unless a sample was taken just before (the step's last, when nothing
        // was left): over a few ms one frame would read as a rate of hundreds of frames/s in the plot
        if (timeline.isEmpty() || secondsSinceStart() - timeline.get(timeline.size() - 1).tSeconds() >= 0.5) {
          sample("drain", 0);
        }
        return true;
      }
      if (System.nanoTime() >= next) {
        Sample s = sample("drain", 0);
        console.printf(Locale.ROOT, "[%5.0f s] draining: backlog %d%n", s.tSeconds(), s.backlog());
        next += 1_000_000_000L;
      }
      failIfBroken();
      stop.throwIfRequested();
      Thread.sleep(20);
    }
    return pause.started() && backlog() <= 0;
  }

  private double secondsSinceStart() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private Sample sample(String step, double offered) {
    long acked = generator.acked();
    long outcomes = collector.outcomes();
    Histogram h = collector.intervalLatencies();
    long[] batch = collector.batchTotals();
    long n = batch[1] - lastBatch[1];
    double t = (System.nanoTime() - startNanos) / 1e9;
    double dt = timeline.isEmpty() ? t : t - timeline.get(timeline.size() - 1).tSeconds();
    boolean any = h.getTotalCount() > 0; // a second without outcomes has no latency, not one of 0 ms
    Sample s = new Sample(t, step, offered, (acked - lastAcked) / dt, (outcomes - lastOutcomes) / dt,
        acked - outcomes, any ? h.getValueAtPercentile(50) : null, any ? h.getValueAtPercentile(99) : null,
        any ? h.getValueAtPercentile(99.9) : null, n == 0 ? 0 : (double) (batch[0] - lastBatch[0]) / n);
    lastAcked = acked;
    lastOutcomes = outcomes;
    lastBatch = batch;
    timeline.add(s);
    return s;
  }

  private void failIfBroken() {
    if (generator.died() != null) {
      throw new IllegalStateException("the sender thread stopped: " + generator.died(), generator.died());
    }
    if (collector.failure() != null) {
      throw new IllegalStateException("reading the verdicts failed: " + collector.failure(), collector.failure());
    }
    if (generator.failed() > 0 && generator.acked() == 0) {
      throw new IllegalStateException("no frame could be sent: " + generator.lastError());
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      generator.close();
    } finally {
      collector.close();
      ShutdownCleanup.unregister(this);
    }
  }
}
