package dev.advmon.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.advmon.cli.BundleSetting;
import dev.advmon.cli.Main;
import dev.advmon.cli.Wiring;
import dev.advmon.config.MonitorConfig;
import dev.advmon.demo.EmbeddedKafka;
import dev.advmon.demo.FrameFactory;
import dev.advmon.detect.Detectors;
import dev.advmon.detect.FrameScorer;
import dev.advmon.detect.Verdict;
import dev.advmon.image.FloatImage;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.InferenceThreads;
import dev.advmon.model.ModelBundle;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ./loadtest/run benchmark}: the Pipeline section of BENCHMARKS.md, measured in one run on one machine.
 * <ol>
 *   <li>In-process scoring throughput: the full detector set of the bundled model, {@code FrameScorer.score} on
 *       batches of 32 evaluation frames, no Kafka (frames/s).
 *   <li>For each configuration (instances x stream threads): the sustainable rate, the highest offered rate
 *       sustained for a whole step (60 s by default) by {@link LagJudge}: offered and answered with verdicts (dead
 *       letters do not count) to 99.5%, the backlog growing by no more than a few commit intervals' frames. Each
 *       configuration's missing, duplicated and dead-lettered frames are reported; any lost or duplicated frame makes
 *       the command exit 1. A short overload probe estimates
 *       the capacity; steps from there (10% up while bounded, 15% down while not, then halving the gap) find the
 *       highest bounded rate to about 5%, in at most six steps.
 *   <li>End-to-end latency p50 / p99 / p99.9 at half the sustainable rate of {@code --latency-config}.
 * </ol>
 * Writes {@code pipeline.md} (the section), {@code benchmark.json}, and a report folder per run. Interrupted (Ctrl-C,
 * SIGTERM), it stops sending and writes both marked INTERRUPTED, with what completed and what did not, and no
 * figure for what did not complete; the exit status is then 130 (SIGINT) or 143 (SIGTERM).
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
        "0:every configuration was measured with no frame lost or seen twice",
        "1:a frame was lost or seen twice in some run (benchmark.json counts them)",
        "2:an error stopped it (an invalid option, named with its range); the error says which",
        "130:stopped by Ctrl-C (143: by SIGTERM): benchmark.json and pipeline.md of what completed are written, "
            + "marked INTERRUPTED"},
    description = "Measure the Pipeline section of BENCHMARKS.md in one run (embedded: in-process broker, real topology, bundled model). Takes about 20 minutes.")
final class BenchmarkCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final int MAX_STEPS = 6;
  /**
   * A search whose every step was sustained climbed from its capacity estimate for all its steps: the estimate was
   * low (the probe met a busy machine). No option of the benchmark lengthens the search.
   */
  static final String LOWER_BOUND_ADVICE = "every step of the search was sustained, climbing from a capacity estimate "
      + "below what it sustains: run the benchmark again on an otherwise idle machine";

  @Spec
  CommandSpec spec;

  @Option(names = "--report", required = true, paramLabel = "DIR", description = "Folder for pipeline.md, benchmark.json and one report per run.")
  Path report;

  @Option(names = "--configs", defaultValue = "1x1,1x2,2x1", split = ",", paramLabel = "IxT",
      description = "Configurations: instances x stream threads per instance (default ${DEFAULT-VALUE}).")
  List<String> configs;

  @Option(names = "--latency-config", defaultValue = "1x2", paramLabel = "IxT",
      description = "The configuration whose sustainable rate halved is the latency run's rate (default ${DEFAULT-VALUE}: the monitor's default settings); one of --configs.")
  String latencyConfig;

  @Option(names = "--step-seconds", defaultValue = "60", paramLabel = "S", description = "Seconds of each rate step (default ${DEFAULT-VALUE}: the lag must stay bounded this long).")
  int stepSeconds;

  @Option(names = "--scoring-seconds", defaultValue = "20", paramLabel = "S", description = "Seconds of the in-process scoring measurement (default ${DEFAULT-VALUE}).")
  int scoringSeconds;

  @Option(names = "--cameras", defaultValue = "4", paramLabel = "N", description = "Cameras (default ${DEFAULT-VALUE}).")
  int cameras;

  @Option(names = "--partitions", defaultValue = "6", paramLabel = "P", description = "Partitions of the topics (default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--images", paramLabel = "DIR", description = "Labelled frames (default: models/eval/fashion-mnist-test).")
  Path images;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A monitor setting for every run (repeatable).")
  Map<String, String> settings = new LinkedHashMap<>();

  /** The model whose manifest names the classes of a labels.csv of class names: the one the runs use. */
  private ModelBundle labelled;

  /**
   * One configuration's search for its sustainable rate. {@code missing}, {@code duplicates}, {@code deadLetters} and
   * {@code sendFailures} count every frame of its run, {@code sentInAll} (warm-up, probe and search steps).
   */
  record ConfigResult(String config, int instances, int threads, double capacityEstimate, Double sustainableFps,
      List<StepResult> steps, Map<String, Object> batchesAtSustainable, long missing, long duplicates,
      long deadLetters, long sendFailures, long sentInAll) {

    /**
     * Whether every step of its search was sustained: it climbed for all its steps without meeting a rate it could not
     * sustain, so its sustainable rate is only a lower bound (as a load test's ramp that ran out of steps).
     */
    boolean sustainableIsLowerBound() {
      return sustainableFps != null && !steps.isEmpty() && steps.stream().allMatch(s -> s.lag().bounded());
    }
  }

  /**
   * What this run has measured so far, the summary of an interrupted run: what completed, and where it was in what
   * did not. Written by the main thread only.
   */
  static final class Progress {
    final Instant started = Instant.now();
    final String loadAtStart;
    /** The in-process scoring result, null until measured. */
    Map<String, Object> scoring;
    final List<ConfigResult> results = new ArrayList<>();
    /** What it is doing now: the measurement that did not complete, if interrupted now. */
    String during = "measuring the in-process scoring throughput";
    /** The configuration whose search was interrupted, its capacity estimate (null before the probe) and steps. */
    String partialConfig;
    Double partialCapacity;
    List<StepResult> partialSteps = List.of();
    boolean summaryWritten;

    Progress(String loadAtStart) {
      this.loadAtStart = loadAtStart;
    }
  }

  private Progress progress;

  /**
   * What Ctrl-C or SIGTERM requests: the process's, or a test's own. The benchmark heard only the process's, while the
   * load test's command, session and embedded start heard the command's.
   */
  private final Interruption stop;

  BenchmarkCommand() {
    this(Interruption.PROCESS);
  }

  BenchmarkCommand(Interruption stop) {
    this.stop = stop;
  }

  /** Refuses options out of range before anything starts, naming the option and what it allows. */
  void validate() {
    List<String> errors = new ArrayList<>();
    String ignored = loadTestOptionsGiven();
    if (ignored != null) {
      // picocli accepts the parent's options before the subcommand; benchmark would run its own embedded monitor and
      // leave them unread, so "--config FILE benchmark" measured a monitor other than the user's without a word
      boolean several = ignored.contains(",");
      errors.add(ignored + " before 'benchmark' " + (several ? "are" : "is") + " the load test's and benchmark does "
          + "not read " + (several ? "them" : "it") + ": it starts its own broker and monitor (embedded) and "
          + "chooses its rates; give benchmark's own options after it (./loadtest/run benchmark --help), or measure a "
          + "monitor running elsewhere with a load test: ./loadtest/run --config FILE --ramp --report DIR");
    }
    if (configs == null || configs.isEmpty()) {
      errors.add("--configs needs at least one configuration, e.g. 1x2");
    } else {
      List<String> seen = new ArrayList<>();
      for (String c : configs) {
        int[] it = parseConfig(c);
        if (it == null) {
          errors.add("--configs: '" + c + "' is not INSTANCESxTHREADS, with 1 to 64 instances and 1 to 64 stream threads (e.g. 2x1)");
        } else if (seen.contains(it[0] + "x" + it[1])) {
          errors.add("--configs: " + c + " is listed twice");
        } else {
          seen.add(it[0] + "x" + it[1]);
        }
      }
      int[] lat = latencyConfig == null ? null : parseConfig(latencyConfig);
      if (lat == null || !seen.contains(lat[0] + "x" + lat[1])) {
        errors.add("--latency-config must be one of --configs " + configs + ", not " + latencyConfig);
      }
    }
    LoadTestCommand.requireRange(errors, "--step-seconds", stepSeconds, LoadTestCommand.MIN_JUDGED_STEP_SECONDS,
        3_600);
    LoadTestCommand.requireRange(errors, "--scoring-seconds", scoringSeconds, 1, 3_600);
    LoadTestCommand.requireRange(errors, "--cameras", cameras, 1, 100_000);
    LoadTestCommand.requireRange(errors, "--partitions", partitions, 1, 10_000);
    if (!errors.isEmpty()) {
      throw new CommandLine.ParameterException(spec != null ? spec.commandLine() : new CommandLine(this),
          String.join("; ", errors));
    }
  }

  /** The options given to the load test before "benchmark" ("--config, --rate"), or null when there were none. */
  private String loadTestOptionsGiven() {
    CommandLine parent = spec == null ? null : spec.commandLine().getParent();
    if (parent == null || parent.getParseResult() == null) {
      return null;
    }
    List<String> given = parent.getParseResult().matchedOptions().stream().map(o -> o.longestName()).distinct()
        .toList();
    return given.isEmpty() ? null : String.join(", ", given);
  }

  /** {instances, threads} of "IxT" (both 1 to 64), or null when it is not that. */
  static int[] parseConfig(String config) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s*(\\d{1,2})\\s*[xX]\\s*(\\d{1,2})\\s*").matcher(config);
    if (!m.matches()) {
      return null;
    }
    int instances = Integer.parseInt(m.group(1));
    int threads = Integer.parseInt(m.group(2));
    return instances >= 1 && instances <= 64 && threads >= 1 && threads <= 64 ? new int[] {instances, threads} : null;
  }

  private boolean isLatencyConfig(String config) {
    return java.util.Arrays.equals(parseConfig(config), parseConfig(latencyConfig));
  }

  @Override
  public Integer call() throws Exception {
    validate();
    return stop.during(this::measure);
  }

  private int measure() throws Exception {
    LoadTestCommand.quietKafkaLogs();
    PrintStream console = System.err;
    Path home = Main.home();
    Path imageDir = images != null ? images : home.resolve("models/eval/fashion-mnist-test");
    labelled = BundleSetting.checkBeforeStart(settings, home);
    Files.createDirectories(report);
    progress = new Progress(Report.loadAverage());
    String loadAtStart = progress.loadAtStart;
    Instant started = progress.started;
    console.printf(Locale.ROOT, "benchmark: load average %s at start%n", loadAtStart);

    Map<String, Object> scoring;
    double scoringFps;
    List<ConfigResult> results = progress.results;
    Map<String, Object> latencyRun;
    try {
      scoring = inProcessScoring(home, imageDir, console);
      scoringFps = (double) scoring.get("frames_per_s");
      progress.scoring = scoring;
      progress.during = "starting the embedded broker";
      // registered, its log folder goes even on Ctrl-C; a Ctrl-C while it starts ends the run as one later does
      EmbeddedKafka kafka = EmbeddedTarget.startBroker(stop, EmbeddedKafka::start);
      try {
        for (String c : configs) {
          results.add(searchSustainable(kafka, c, scoringFps, home, imageDir, console));
        }
        ConfigResult first = results.stream().filter(r -> isLatencyConfig(r.config())).findFirst().orElseThrow();
        double half = first.sustainableFps() == null ? first.capacityEstimate() / 2 : first.sustainableFps() / 2;
        latencyRun = latencyAt(kafka, first, Math.round(half * 10) / 10.0, home, imageDir, console);
      } finally {
        ShutdownCleanup.unregister(kafka);
        kafka.close();
      }
    } catch (Interruption.Stopped e) {
      if (!progress.summaryWritten) { // interrupted outside a configuration's run, which writes it before closing
        writeInterrupted(console);
      }
      return LoadTestCommand.INTERRUPTED;
    }
    String loadAtEnd = Report.loadAverage();

    Map<String, Object> out = new LinkedHashMap<>();
    out.put("date", started.toString());
    out.put("machine", Report.machine(loadAtStart, loadAtEnd));
    out.put("settings", settings);
    out.put("in_process_scoring", scoring);
    List<Map<String, Object>> cs = new ArrayList<>();
    for (ConfigResult r : results) {
      cs.add(configJson(r, scoringFps));
    }
    out.put("pipeline", cs);
    out.put("latency_at_half_sustainable", latencyRun);
    JSON.writeValue(report.resolve("benchmark.json").toFile(), out);
    String md = markdown(out, results, scoringFps, latencyRun);
    Files.writeString(report.resolve("pipeline.md"), md);
    System.out.println(md);
    int code = exitCode(results, latencyRun);
    if (code != 0) {
      console.printf(Locale.ROOT, "benchmark: FAILED: frames lost or seen twice (missing / duplicates in benchmark.json)%n");
    }
    return code;
  }

  /** 1 when any frame of any run was lost or seen twice: the numbers then rest on a broken pipeline. */
  static int exitCode(List<ConfigResult> results, Map<String, Object> latencyRun) {
    long missing = results.stream().mapToLong(ConfigResult::missing).sum() + ((Number) latencyRun.get("missing")).longValue();
    long duplicates = results.stream().mapToLong(ConfigResult::duplicates).sum()
        + ((Number) latencyRun.get("duplicates")).longValue();
    return missing > 0 || duplicates > 0 ? 1 : 0;
  }

  /** One configuration in benchmark.json, with what was lost, duplicated or dead-lettered in its run. */
  static Map<String, Object> configJson(ConfigResult r, double scoringFps) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("config", r.config());
    m.put("instances", r.instances());
    m.put("stream_threads_per_instance", r.threads());
    m.put("capacity_estimate_fps", Report.round(r.capacityEstimate(), 1));
    m.put("sustainable_fps", r.sustainableFps());
    m.put("sustainable_fps_is_lower_bound", r.sustainableIsLowerBound());
    m.put("ratio_to_in_process", r.sustainableFps() == null ? null : Report.round(r.sustainableFps() / scoringFps, 3));
    m.put("batch_frames_at_sustainable", r.batchesAtSustainable());
    m.put("sent_in_all", r.sentInAll()); // what the four below are counted among
    m.put("missing", r.missing());
    m.put("duplicates", r.duplicates());
    m.put("dead_letters", r.deadLetters());
    m.put("send_failures", r.sendFailures());
    m.put("steps", r.steps().stream().map(Report::step).toList());
    return m;
  }


  /**
   * The full detector set scoring batches of 32 frames in this process, no Kafka, at its best on this machine: one
   * thread with ONNX Runtime on every core, and one thread per core each with a single-threaded model; the higher
   * of the two is the reference the pipeline is compared with.
   */
  private Map<String, Object> inProcessScoring(Path home, Path imageDir, PrintStream console) throws Exception {
    MonitorConfig c = MonitorConfig.load(null, System.getenv(), settings, home).validated();
    ModelBundle bundle = BundleSetting.load(c);
    FramePreparer preparer = FramePreparer.forModel(Wiring.imageLimits(c), bundle.manifest());
    List<FloatImage> pool = new ArrayList<>();
    for (FrameFactory.EvalImage img : FrameFactory.loadEvalSet(imageDir, bundle)) {
      pool.add(preparer.prepare(img.png(), null, null, null));
    }
    int cores = Runtime.getRuntime().availableProcessors();
    var detectors = Detectors.forBundle(bundle);
    double oneThread = scoring(bundle, c, detectors, pool, new InferenceThreads(cores, 1), 1);
    double perCore = scoring(bundle, c, detectors, pool, new InferenceThreads(1, 1), cores);
    double best = Math.max(oneThread, perCore);
    console.printf(Locale.ROOT, "benchmark: in-process scoring, %s, detectors %s, batches of %d frames: %.1f frames/s "
        + "(1 thread, %d intra-op threads), %.1f frames/s (%d threads, 1 intra-op thread each)%n", bundle.id(),
        detectors.stream().map(d -> d.name()).toList(), BATCH, oneThread, cores, perCore, cores);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", bundle.id());
    m.put("engine", "OnnxRuntime");
    m.put("detectors", detectors.stream().map(d -> d.name()).toList());
    m.put("batch_frames", BATCH);
    m.put("model.max-batch", c.intValue("model.max-batch"));
    m.put("seconds", scoringSeconds);
    m.put("one_thread_all_cores_fps", Report.round(oneThread, 1));
    m.put("one_thread_per_core_fps", Report.round(perCore, 1));
    m.put("frames_per_s", Report.round(best, 1));
    m.put("intra_op_threads", Wiring.inferenceThreads(c).intraOp());
    return m;
  }

  private static final int BATCH = 32;

  /** Frames/s of {@code callers} threads each scoring batches of 32 frames for the measured seconds. */
  private double scoring(ModelBundle bundle, MonitorConfig c, List<dev.advmon.detect.Detector> detectors,
      List<FloatImage> pool, InferenceThreads threads, int callers) throws Exception {
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME, threads)) {
      FrameScorer scorer = new FrameScorer(classifier, detectors, c.intValue("model.max-batch"));
      java.util.concurrent.atomic.AtomicLong frames = new java.util.concurrent.atomic.AtomicLong();
      java.util.concurrent.atomic.AtomicLong sink = new java.util.concurrent.atomic.AtomicLong();
      long warmEnd = System.nanoTime() + 5_000_000_000L;
      long[] window = new long[2];
      List<Thread> workers = new ArrayList<>();
      java.util.concurrent.CyclicBarrier measured = new java.util.concurrent.CyclicBarrier(callers,
          () -> window[0] = System.nanoTime());
      for (int t = 0; t < callers; t++) {
        int offset = t * 97;
        Thread w = new Thread(() -> {
          int next = offset;
          try {
            while (System.nanoTime() < warmEnd && !stop.requested()) {
              next = scoreOnce(scorer, pool, next, sink);
            }
            measured.await();
            long end = window[0] + scoringSeconds * 1_000_000_000L;
            while (System.nanoTime() < end && !stop.requested()) {
              next = scoreOnce(scorer, pool, next, sink);
              frames.addAndGet(BATCH);
            }
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, "benchmark-scorer-" + t);
        w.start();
        workers.add(w);
      }
      for (Thread w : workers) {
        w.join();
      }
      stop.throwIfRequested(); // a window cut short is no measurement
      window[1] = System.nanoTime();
      return frames.get() / ((window[1] - window[0]) / 1e9);
    }
  }

  private static int scoreOnce(FrameScorer scorer, List<FloatImage> pool, int next, java.util.concurrent.atomic.AtomicLong sink) {
    List<FloatImage> in = new ArrayList<>(BATCH);
    for (int i = 0; i < BATCH; i++) {
      in.add(pool.get((next + i) % pool.size()));
    }
    for (Verdict v : scorer.score(in)) {
      sink.addAndGet(v.predictedClass()); // keeps the verdicts in use
    }
    return next + BATCH;
  }

  Map<String, String> overrides(int threads) {
    Map<String, String> o = new LinkedHashMap<>(settings);
    // the configuration's thread count replaces a --set ' streams.num-threads' too, which would read as given twice
    o.keySet().removeIf(key -> key.trim().equals("streams.num-threads"));
    o.put("streams.num-threads", Integer.toString(threads));
    return o;
  }

  private ConfigResult searchSustainable(EmbeddedKafka kafka, String config, double scoringFps, Path home, Path imageDir,
      PrintStream console) throws Exception {
    int[] f = parseConfig(config); // validated
    int instances = f[0];
    int threads = f[1];
    console.printf(Locale.ROOT, "benchmark: %s (%d instance(s) x %d stream thread(s)): searching the sustainable rate%n",
        config, instances, threads);
    progress.during = config + ": starting the embedded monitor";
    progress.partialConfig = config;
    progress.partialCapacity = null;
    progress.partialSteps = List.of();
    FrameSource frames = new FrameSource(imageDir, labelled, "bm" + UUID.randomUUID().toString().substring(0, 6));
    String loadAtStart = Report.loadAverage();
    Clocks.Start started = Clocks.SYSTEM.start();
    List<StepResult> steps = new ArrayList<>();
    double capacity;
    try (EmbeddedTarget target = EmbeddedTarget.start(kafka, instances, partitions, overrides(threads), home, console,
            stop);
        Session session = new Session(target, frames, cameras, Generator.DEFAULT_CAMERA_PREFIX, console, stop)) {
      try {
        if (!session.warmUp(Math.round(scoringFps * 0.3), 20, 90)) {
          session.requireOutcomes("the 90 s warm-up");
        }
        // Overload for a moment: what comes out per second then is what the pipeline can do.
        StepResult probe = session.step("probe", Math.round(scoringFps * 1.6), 20);
        List<Sample> tail = session.timeline().subList(session.timeline().size() - 10, session.timeline().size());
        capacity = tail.stream().mapToDouble(Sample::outcomesFps).average().orElse(probe.outcomesFps());
        progress.partialCapacity = capacity;
        session.drain(Duration.ofSeconds(180));
        // From the estimate: 10% up while bounded, 15% down while not, then halve the gap to about 5%.
        double rate = Math.round(capacity);
        Double best = null;
        Double worstUnbounded = null;
        for (int i = 1; i <= MAX_STEPS; i++) {
          StepResult s = session.step(searchStepLabel(i), rate, stepSeconds);
          steps.add(s);
          progress.partialSteps = steps;
          if (s.lag().bounded()) {
            best = best == null ? rate : Math.max(best, rate);
          } else {
            worstUnbounded = worstUnbounded == null ? rate : Math.min(worstUnbounded, rate);
            session.drain(Duration.ofSeconds(180));
          }
          if (best != null && worstUnbounded != null && worstUnbounded <= best * 1.05) {
            break;
          }
          rate = worstUnbounded == null ? Math.round(rate * 1.1)
              : best == null ? Math.round(rate * 0.85) : Math.round((best + worstUnbounded) / 2);
        }
        boolean drained = session.drain(Duration.ofSeconds(180));
        Double sustainable = best;
        List<StepResult> done = steps.stream().map(s -> new StepResult(s.label(), s.offeredFps(), s.seconds(),
            s.achievedFps(), s.outcomesFps(), s.backlogStart(), s.backlogEnd(), s.lag(), s.firstSequence(),
            s.endSequence(), session.collector().snapshot(s.stats()))).toList();
        Map<String, Object> batches = done.stream().filter(s -> sustainable != null && s.offeredFps() == sustainable)
            .findFirst().map(s -> Report.batches(s.stats().batchFrames)).orElse(null);
        long missing = session.lost();
        long duplicates = session.collector().duplicates();
        long deadLetters = session.collector().deadLettersByReason().values().stream().mapToLong(Long::longValue).sum();
        long failed = session.generator().failed();
        new Report("advmon benchmark " + config, target.describe(), cameras, true, done, session.timeline(),
            duplicates, missing, failed,
            session.generator().lateSends(), session.generator().maxLateMs(),
            session.collector().deadLettersByReason(), drained, loadAtStart, Report.loadAverage(), null,
            started.at(), Clocks.SYSTEM.ended(started), session.generator().sent(), LOWER_BOUND_ADVICE)
            .write(report.resolve("sustainable-" + config));
        ConfigResult result = new ConfigResult(config, instances, threads, capacity, sustainable, done, batches,
            missing, duplicates, deadLetters, failed, session.generator().sent());
        console.println(configLine(config, capacity, sustainable, result.sustainableIsLowerBound(), missing, duplicates,
            deadLetters));
        progress.partialConfig = null;
        return result;
      } catch (Interruption.Stopped e) {
        // the summary now, while the monitor is still up (closing it may take a while); then close and unwind
        session.pause();
        progress.during = config + ": " + session.activity();
        progress.partialSteps = steps.stream().map(s -> new StepResult(s.label(), s.offeredFps(), s.seconds(),
            s.achievedFps(), s.outcomesFps(), s.backlogStart(), s.backlogEnd(), s.lag(), s.firstSequence(),
            s.endSequence(), session.collector().snapshot(s.stats()))).toList();
        writeInterrupted(console);
        throw e;
      }
    }
  }

  /**
   * The label of the search's i-th step, in its report and on the console; its rate is in every line beside it
   * ("search step 3 at 415.0 frames/s"), so the label does not repeat it.
   */
  static String searchStepLabel(int i) {
    return "search step " + i;
  }

  /** The console's line for one configuration's search: what it found, and what it lost. */
  static String configLine(String config, double capacity, Double sustainable, boolean lowerBound, long missing,
      long duplicates, long deadLetters) {
    // no rate sustained: the words of Report.sustainableText, as in this configuration's summary.md, not "null"
    String found = sustainable == null ? "sustainable rate: " + Report.NO_SUSTAINABLE_RATE
        : lowerBound ? String.format(Locale.ROOT, "sustainable at least %.1f frames/s (%s)", sustainable,
            LOWER_BOUND_ADVICE) : String.format(Locale.ROOT, "sustainable %.1f frames/s", sustainable);
    return String.format(Locale.ROOT, "benchmark: %s: capacity estimate %.1f, %s; missing %d, duplicates %d, "
        + "dead letters %d", config, capacity, found, missing, duplicates, deadLetters);
  }

  private Map<String, Object> latencyAt(EmbeddedKafka kafka, ConfigResult config, double rate, Path home, Path imageDir,
      PrintStream console) throws Exception {
    console.printf(Locale.ROOT, "benchmark: latency at %.1f frames/s (half the sustainable rate of %s)%n", rate,
        config.config());
    progress.during = "latency at half the sustainable rate of " + config.config() + ": starting the embedded monitor";
    FrameSource frames = new FrameSource(imageDir, labelled, "bl" + UUID.randomUUID().toString().substring(0, 6));
    String loadAtStart = Report.loadAverage();
    Clocks.Start started = Clocks.SYSTEM.start();
    try (EmbeddedTarget target = EmbeddedTarget.start(kafka, config.instances(), partitions,
            overrides(config.threads()), home, console, stop);
        Session session = new Session(target, frames, cameras, Generator.DEFAULT_CAMERA_PREFIX, console, stop)) {
      try {
        if (!session.warmUp(rate, 20, 90)) {
          session.requireOutcomes("the 90 s warm-up");
        }
        StepResult s = session.step("half", rate, stepSeconds);
        boolean drained = session.drain(Duration.ofSeconds(120));
        StepResult done = new StepResult(s.label(), s.offeredFps(), s.seconds(), s.achievedFps(), s.outcomesFps(),
            s.backlogStart(), s.backlogEnd(), s.lag(), s.firstSequence(), s.endSequence(), session.collector().snapshot(s.stats()));
        Report rep = new Report("advmon benchmark: latency at half the sustainable rate (" + config.config() + ")",
            target.describe(), cameras, false, List.of(done), session.timeline(), session.collector().duplicates(),
            session.lost(), session.generator().failed(),
            session.generator().lateSends(), session.generator().maxLateMs(),
            session.collector().deadLettersByReason(), drained, loadAtStart, Report.loadAverage(), null,
            started.at(), Clocks.SYSTEM.ended(started), session.generator().sent(), LOWER_BOUND_ADVICE);
        rep.write(report.resolve("latency-half"));
        return latencyRunJson(config.config(), rate, stepSeconds, rep);
      } catch (Interruption.Stopped e) {
        session.pause();
        progress.during = "latency at half the sustainable rate of " + config.config() + ": " + session.activity();
        writeInterrupted(console);
        throw e;
      }
    }
  }

  /**
   * The latency run in benchmark.json, from its report (one step): {@code dead_letters} is the step's, as a load
   * test's; {@code missing}, {@code duplicates} and {@code dead_letters_in_all} are of {@code sent_in_all}.
   */
  static Map<String, Object> latencyRunJson(String config, double rate, int seconds, Report rep) {
    StepResult step = rep.steps().get(0);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("config", config);
    m.put("offered_fps", rate);
    m.put("seconds", seconds);
    m.put("lag", step.lag().reason());
    m.put("latency_ms", Report.latency(step.stats().latencyMs));
    m.put("batch_frames", Report.batches(step.stats().batchFrames));
    m.put("sent_in_all", rep.sentInAll());
    m.put("missing", rep.missing());
    m.put("duplicates", rep.duplicates());
    m.put("dead_letters", rep.deadLetters());
    m.put("dead_letters_in_all", rep.deadLettersInAll());
    return m;
  }

  private static final String TABLE_HEAD = "| configuration | capacity estimate (frames/s) | sustainable rate (frames/s) "
      + "| / in-process | batch frames at that rate: mean, max | missing / duplicates / dead letters "
      + "| steps (offered frames/s: lag) |\n|---|---:|---:|---:|---|---|---|\n";

  /** A configuration's row of the Pipeline table. */
  static String configRow(ConfigResult r, double scoringFps) {
    Map<String, Object> b = r.batchesAtSustainable();
    return String.format(Locale.ROOT, "| %d instance(s) x %d stream thread(s) | %.1f | %s | %s | %s | %d / %d / %d | %s |%n",
        r.instances(), r.threads(), r.capacityEstimate(),
        r.sustainableFps() == null ? "none found" : String.format(Locale.ROOT,
            r.sustainableIsLowerBound() ? "at least %.0f" : "%.0f", r.sustainableFps()),
        r.sustainableFps() == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * r.sustainableFps() / scoringFps),
        b == null ? "-" : b.get("mean") + ", " + b.get("max"), r.missing(), r.duplicates(), r.deadLetters(),
        stepsText(r.steps()));
  }

  /** "514: not bounded; 437: bounded": each step's offered rate and lag judgement. */
  static String stepsText(List<StepResult> steps) {
    StringBuilder st = new StringBuilder();
    for (StepResult s : steps) {
      st.append(st.length() == 0 ? "" : "; ").append((long) s.offeredFps()).append(": ")
          .append(s.lag().bounded() ? "bounded" : "not bounded");
    }
    return st.toString();
  }

  /**
   * Writes benchmark.json and pipeline.md of an interrupted run and prints the summary: called once, by the main
   * thread, as soon as it notices the interruption (before closing the embedded monitor and broker).
   */
  private void writeInterrupted(PrintStream console) throws java.io.IOException {
    progress.summaryWritten = true;
    Map<String, Object> out = interruptedJson(progress, Report.loadAverage());
    JSON.writeValue(report.resolve("benchmark.json").toFile(), out);
    String md = interruptedMarkdown(out, progress);
    Files.writeString(report.resolve("pipeline.md"), md);
    System.out.println(md);
    console.printf(Locale.ROOT, "benchmark: INTERRUPTED during %s; partial summary in %s and %s%n", progress.during,
        report.toAbsolutePath().resolve("benchmark.json"), report.toAbsolutePath().resolve("pipeline.md"));
  }

  /** What completed (in order) and what did not, the latter starting with the one that was interrupted. */
  private List<List<String>> completedAndNot(Progress p) {
    List<String> done = new ArrayList<>();
    List<String> notDone = new ArrayList<>();
    (p.scoring != null ? done : notDone).add("in-process scoring");
    for (String c : configs) {
      boolean finished = p.results.stream().anyMatch(r -> r.config().equals(c));
      (finished ? done : notDone).add(c);
    }
    notDone.add("latency at half the sustainable rate of " + latencyConfig);
    return List.of(done, notDone);
  }

  /**
   * benchmark.json of an interrupted run: the same fields for what completed, null for what did not (no figure is
   * claimed for it), and {@code interrupted}, {@code interrupted_during}, {@code completed}, {@code not_completed}
   * and the completed steps of the configuration that was interrupted.
   */
  Map<String, Object> interruptedJson(Progress p, String loadAtEnd) {
    List<List<String>> split = completedAndNot(p);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("interrupted", true);
    out.put("interrupted_during", p.during);
    out.put("completed", split.get(0));
    out.put("not_completed", split.get(1));
    out.put("date", p.started.toString());
    out.put("machine", Report.machine(p.loadAtStart, loadAtEnd));
    out.put("settings", settings);
    out.put("in_process_scoring", p.scoring);
    double scoringFps = p.scoring == null ? Double.NaN : ((Number) p.scoring.get("frames_per_s")).doubleValue();
    List<Map<String, Object>> cs = new ArrayList<>();
    for (ConfigResult r : p.results) {
      cs.add(configJson(r, scoringFps));
    }
    out.put("pipeline", cs);
    if (p.partialConfig != null) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("config", p.partialConfig);
      m.put("capacity_estimate_fps", p.partialCapacity == null ? null : Report.round(p.partialCapacity, 1));
      m.put("sustainable_fps", null); // the search did not finish: a bounded step so far is no sustainable rate
      m.put("completed_steps", p.partialSteps.stream().map(Report::step).toList());
      out.put("pipeline_interrupted", m);
    }
    out.put("latency_at_half_sustainable", null);
    return out;
  }

  /**
   * The heading of pipeline.md: a ### subsection, one run's, to go under BENCHMARKS.md's "## Pipeline" section as it
   * is. That section's heading carries no date, so that links to it survive the next run; a dated ## heading, as
   * this wrote before, had to be rewritten by hand at each paste or made a second Pipeline section.
   */
  static String heading(Object isoDate) {
    return "### A run on " + java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
        .withZone(java.time.ZoneOffset.UTC).format(Instant.parse(String.valueOf(isoDate)));
  }

  /** pipeline.md of an interrupted run: marked INTERRUPTED, what completed and what did not, no claimed figure. */
  @SuppressWarnings("unchecked")
  String interruptedMarkdown(Map<String, Object> out, Progress p) {
    List<String> done = (List<String>) out.get("completed");
    List<String> notDone = (List<String>) out.get("not_completed");
    StringBuilder md = new StringBuilder();
    md.append(heading(out.get("date"))).append(": INTERRUPTED\n\n");
    md.append(String.format(Locale.ROOT, "**INTERRUPTED** (Ctrl-C or SIGTERM) during %s. Partial: not a benchmark "
        + "result. Completed: %s. Not completed: %s.%n%n", p.during, done.isEmpty() ? "nothing" : String.join(", ", done),
        String.join(", ", notDone)));
    if (p.scoring != null) {
      md.append(String.format(Locale.ROOT, "In-process scoring throughput (FrameScorer, batches of %s frames, no Kafka): "
          + "**%s frames/s**.%n%n", p.scoring.get("batch_frames"), p.scoring.get("frames_per_s")));
    }
    if (!p.results.isEmpty()) {
      double scoringFps = ((Number) p.scoring.get("frames_per_s")).doubleValue();
      md.append(TABLE_HEAD);
      for (ConfigResult r : p.results) {
        md.append(configRow(r, scoringFps));
      }
      md.append("\n");
    }
    if (p.partialConfig != null) {
      md.append(String.format(Locale.ROOT, "%s, interrupted: capacity estimate %s; steps completed: %s; no sustainable "
              + "rate (the search did not finish).%n", p.partialConfig,
          p.partialCapacity == null ? "not measured" : String.format(Locale.ROOT, "%.1f frames/s", p.partialCapacity),
          p.partialSteps.isEmpty() ? "none" : stepsText(p.partialSteps)));
    }
    return md.toString();
  }

  @SuppressWarnings("unchecked")
  String markdown(Map<String, Object> out, List<ConfigResult> results, double scoringFps,
      Map<String, Object> latencyRun) {
    Map<String, Object> machine = (Map<String, Object>) out.get("machine");
    Map<String, Object> scoring = (Map<String, Object>) out.get("in_process_scoring");
    StringBuilder md = new StringBuilder();
    md.append(heading(out.get("date"))).append("\n\n");
    md.append(String.format(Locale.ROOT, "One run on one machine: %s processors, %s; load average %s at the start, %s at "
            + "the end. Model %s on %s, detectors %s; the monitors' ONNX Runtime runs %s intra-op thread(s). Embedded: the demo's in-process "
            + "broker, the real exactly-once topology, the schema registry in memory, %d cameras, %d partitions, "
            + "settings %s.%n%n", machine.get("available_processors"), machine.get("java"), machine.get("load_average_at_start"),
        machine.get("load_average_at_end"), scoring.get("model"), scoring.get("engine"), scoring.get("detectors"),
        scoring.get("intra_op_threads"), cameras, partitions, settings.isEmpty() ? "defaults" : settings));
    md.append(String.format(Locale.ROOT, "In-process scoring throughput (FrameScorer, batches of %s frames, no Kafka), "
        + "the better of one thread with ONNX Runtime on all %s cores (%s frames/s) and one thread per core with one "
        + "intra-op thread each (%s frames/s): **%.1f frames/s**.%n%n", scoring.get("batch_frames"),
        machine.get("available_processors"), scoring.get("one_thread_all_cores_fps"), scoring.get("one_thread_per_core_fps"),
        scoringFps));
    md.append(TABLE_HEAD);
    for (ConfigResult r : results) {
      md.append(configRow(r, scoringFps));
    }
    Map<String, Object> lat = (Map<String, Object>) latencyRun.get("latency_ms");
    Map<String, Object> lb = (Map<String, Object>) latencyRun.get("batch_frames");
    md.append(String.format(Locale.ROOT, "%nEnd-to-end latency (frame's scheduled send time to verdict readable by a "
            + "read_committed consumer) at %s frames/s, half the sustainable rate of %s, %s s: p50 **%s ms**, p99 **%s ms**, "
            + "p99.9 **%s ms** (max %s ms, %s verdicts; batch frames mean %s, max %s; missing %s, duplicates %s, dead letters %s).%n",
        latencyRun.get("offered_fps"), latencyRun.get("config"), latencyRun.get("seconds"), lat.get("p50"), lat.get("p99"),
        lat.get("p999"), lat.get("max"), lat.get("count"), lb.get("mean"), lb.get("max"), latencyRun.get("missing"),
        latencyRun.get("duplicates"), latencyRun.get("dead_letters")));
    return md.toString();
  }
}
