package dev.advmon.loadtest;

import dev.advmon.cli.BundleSetting;
import dev.advmon.cli.Main;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ./loadtest/run}: offers frames at a rate (or a rising ramp of rates) to the monitor and reports what came
 * back: throughput, end-to-end latency percentiles, batch sizes, whether the lag stayed bounded, and whether any
 * frame was lost or seen twice. Exit status 1 when a frame was lost or duplicated. Interrupted (Ctrl-C, SIGTERM):
 * it stops sending, writes the report of the steps that completed, marked interrupted, closes the embedded monitor
 * and broker and exits with 130 (SIGINT) or 143 (SIGTERM); see {@link Interruption}.
 */
@Command(name = "loadtest", mixinStandardHelpOptions = true, version = "advmon loadtest 0.1.0",
    subcommands = {BenchmarkCommand.class, CommandLine.HelpCommand.class},
    // picocli's own synopsis showed [--report=DIR] and [--config=FILE | --embedded] as optional: a load test needs
    // both (checked in call(), as benchmark, a subcommand, takes its own --report and no target)
    customSynopsis = {"loadtest (--embedded | --config=FILE) --report=DIR [OPTIONS]",
        "       loadtest benchmark --report=DIR [OPTIONS]  (see loadtest help benchmark)",
        "       loadtest (-h | -V)"},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
        "0:every frame sent got exactly one verdict or dead letter; the report is written",
        "1:a frame was lost or seen twice (summary.md and report.json count them)",
        "2:an error stopped it (an invalid option, named with its range; a broker, registry or topic it cannot "
            + "reach); the error says which",
        "130:stopped by Ctrl-C (143: by SIGTERM): the report of what completed is written, marked INTERRUPTED"},
    // each example within 80 columns, where picocli wraps: a wrapped one pasted runs without its last option
    description = {"Load test of the advmon monitor: replays labelled frames for N cameras at a target rate and reads "
        + "the verdicts read_committed.",
        "Its report goes into --report DIR: report.json, summary.md and PNG plots.",
        "Examples:",
        "  ./loadtest/run --embedded --rate 100 --duration 30 --report /tmp/lt",
        "  ./loadtest/run --embedded --ramp --rate 100 --duration 60 --report /tmp/ramp",
        "  ./loadtest/run --config monitor.properties --rate 200 --report /tmp/prod"})
public final class LoadTestCommand implements Callable<Integer> {

  /** Where frames go: exactly one of an external deployment or the in-process one. */
  static final class TargetChoice {
    @Option(names = "--config", paramLabel = "FILE", required = true,
        description = "The monitor's settings file (its broker, registry, topics and kafka.* security settings): load a monitor running elsewhere.")
    Path config;

    @Option(names = "--embedded", required = true,
        description = "Start everything here: the demo's in-process Kafka broker, a registry in memory, and the real topology with the bundled model.")
    boolean embedded;
  }

  @Spec
  CommandSpec spec;

  /** What Ctrl-C or SIGTERM requests: the process's, or a test's own, so that a test stops the command itself. */
  private final Interruption stop;

  public LoadTestCommand() {
    this(Interruption.PROCESS);
  }

  LoadTestCommand(Interruption stop) {
    this.stop = stop;
  }

  @ArgGroup(exclusive = true, multiplicity = "0..1") // required for a load test, checked in call(): not for benchmark
  TargetChoice target;

  @Option(names = "--rate", defaultValue = "100", paramLabel = "FPS",
      description = "Frames per second over all cameras; with --ramp, the first step's (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--duration", defaultValue = "30", paramLabel = "S",
      description = "Seconds measured at the rate; with --ramp, per step, at least 10 (default ${DEFAULT-VALUE}).")
  int duration;

  @Option(names = "--cameras", defaultValue = "4", paramLabel = "N", description = "Cameras (default ${DEFAULT-VALUE}).")
  int cameras;

  @Option(names = "--camera-prefix", defaultValue = Generator.DEFAULT_CAMERA_PREFIX, paramLabel = "PREFIX",
      description = "Camera ids of the frames: PREFIX then the camera's number (default ${DEFAULT-VALUE}: cam-01, "
          + "cam-02 ...); against a monitor elsewhere, one no real camera's id starts with, e.g. loadtest-cam-.")
  String cameraPrefix;

  @Option(names = "--report", paramLabel = "DIR", description = "Folder for report.json, summary.md and the plots; made when missing.")
  Path report;

  @Option(names = "--ramp", description = "Raise the rate step by step (x --ramp-factor) until a step is not sustained (99.5%% of its frames sent and answered, backlog bounded; see README, Load test); report the highest sustained rate.")
  boolean ramp;

  @Option(names = "--ramp-factor", defaultValue = "1.25", paramLabel = "X", description = "Rate multiplier between ramp steps (default ${DEFAULT-VALUE}).")
  double rampFactor;

  @Option(names = "--ramp-steps", defaultValue = "12", paramLabel = "N", description = "Most ramp steps (default ${DEFAULT-VALUE}).")
  int rampSteps;

  @Option(names = "--warmup", defaultValue = "5", paramLabel = "S",
      description = "Seconds at least at the first rate before measuring, not counted; the warm-up goes on (up to 60 s, or S when longer) until the start-up backlog is worked off (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--drain", defaultValue = "120", paramLabel = "S",
      description = "Longest wait, after the last frame, for every frame's verdict, 1 to 86400 (default ${DEFAULT-VALUE}).")
  int drain;

  @Option(names = "--images", paramLabel = "DIR",
      description = "Labelled frames to replay: PNGs with labels.csv (default: models/eval/fashion-mnist-test).")
  Path images;

  @Option(names = "--instances", defaultValue = "1", paramLabel = "N", description = "--embedded: monitor instances in one consumer group (default ${DEFAULT-VALUE}).")
  int instances;

  @Option(names = "--partitions", defaultValue = "6", paramLabel = "P", description = "--embedded: partitions of the topics (default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "--embedded: a monitor setting for this run, e.g. --set streams.num-threads=4 --set model.batch.max-wait-ms=2 (repeatable).")
  Map<String, String> settings = new LinkedHashMap<>();

  /** The --config file's settings, read by {@link #call} before anything else. */
  private dev.advmon.config.MonitorConfig externalSettings;

  /** The model whose manifest names the classes of a labels.csv of class names (null: none on this machine). */
  private dev.advmon.model.ModelBundle labelled;

  /** A ramp whose every step was sustained: what it found is a lower bound, and these options find the limit. */
  static final String LOWER_BOUND_ADVICE = "every step was sustained: raise --ramp-steps or --rate to find the limit";

  /** Exit status of a run stopped by Ctrl-C, as a shell reports a process ended by SIGINT (128 + 2). */
  static final int INTERRUPTED = 130;

  public static void main(String[] args) {
    int code = commandLine().execute(args);
    if (Interruption.PROCESS.requested()) {
      // The JVM is already shutting down (exit status 128 + the signal's number); System.exit would block here.
      return;
    }
    System.exit(code);
  }

  static CommandLine commandLine() {
    return commandLine(new LoadTestCommand());
  }

  /** As the tester runs {@code command}: its error handler and refusal of unmatched arguments. */
  static CommandLine commandLine(LoadTestCommand command) {
    CommandLine cl = new CommandLine(command);
    cl.setExecutionExceptionHandler(Main.errorHandler());
    // ./loadtest/run benchmrk --help printed the help and exited 0: refused as ./monitor refuses it
    cl.setExecutionStrategy(Main::refuseUnmatchedThenRun);
    return cl;
  }

  @Override
  public Integer call() throws Exception {
    validate();
    if (target.embedded) {
      // a wrong model.dir (--set, ADVMON_MODEL_DIR) is named now, as ./monitor demo names it, not after the broker
      labelled = BundleSetting.checkBeforeStart(settings, Main.home());
    } else {
      // a missing or wrong --config is named first: before the start line, and before a report folder is made for it
      externalSettings = ExternalTarget.settings(target.config, Main.home());
      labelled = modelHere(externalSettings);
    }
    CommandLine cl = spec != null ? spec.commandLine() : new CommandLine(this);
    return inReportFolder(stop, report, () -> prepareReportFolder(cl, report), this::measure);
  }

  /**
   * Runs {@code run} with the report folder {@code prepare} made (returning the outermost it created, or null). Made
   * within the run: made before it, a Ctrl-C in between found no run under way, the JVM exited at once and the new,
   * empty folder stayed; now the hook waits, and the run writes its INTERRUPTED report there or removes the folder.
   */
  static <T> T inReportFolder(Interruption stop, Path report, java.util.function.Supplier<Path> prepare,
      Callable<T> run) throws Exception {
    return stop.during(() -> {
      Path made = prepare.get(); // refused (a ParameterException): it leaves nothing behind, see prepareReportFolder
      try {
        return run.call();
      } finally {
        // a run that failed before writing a report leaves no empty folder behind; removed before during() lets the
        // shutdown hook go on: after it, a run failing while a Ctrl-C was handled lost the race to the JVM's exit
        removeIfEmpty(report, made);
      }
    });
  }

  /**
   * Creates the report folder now: the report is written only at the end (or on Ctrl-C), and a --report that cannot
   * hold it (a file, a folder that cannot be created or written) would otherwise throw the whole run's measurement
   * away after it. Returns the outermost folder it created, null when the folder was there.
   */
  static Path prepareReportFolder(CommandLine cl, Path dir) {
    String problem = null;
    Path made = null;
    Path beforeDotDot = missingBeforeDotDot(dir);
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      problem = "it is a file, not a folder";
    } else if (Files.isSymbolicLink(dir) && !Files.exists(dir)) {
      // creating it fails with FileAlreadyExistsException, which says nothing of the folder the link needs
      problem = "it is a link to " + linkTarget(dir) + ", which is not there: create that folder, or give --report "
          + "another path";
    } else if (beforeDotDot != null && Files.exists(beforeDotDot)) {
      // a file before the '..': "does not exist" sent the user looking for a file that is there
      problem = beforeDotDot + " is a file, not a folder, and '..' after it needs a folder (the system goes up only "
          + "from a folder): give --report the folder's path, without '..'";
    } else if (beforeDotDot != null) {
      // checked before anything is made: created blindly, missing/../report made report/ and then named no folder
      problem = beforeDotDot + " does not exist, and '..' after it needs it (the system goes up only from a folder "
          + "that is there): create it, or give --report without '..'";
    } else {
      Path folder = withoutDots(dir);
      // a link is there even when its folder is not (dangling): the user's, never to be removed as made here
      for (Path p = folder; p != null && !Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
        made = p;
      }
      try {
        Files.createDirectories(folder);
        if (!Files.isWritable(folder)) {
          problem = "the folder is not writable";
        }
      } catch (java.nio.file.FileSystemException e) {
        problem = "cannot create it: " + (e.getReason() != null ? e.getFile() + ": " + e.getReason() : e.toString());
      } catch (java.io.IOException e) {
        problem = "cannot create it: " + e;
      }
    }
    if (problem != null) {
      removeIfEmpty(dir, made); // a refused --report leaves nothing behind
      throw new CommandLine.ParameterException(cl, "--report " + dir + ": " + problem);
    }
    return made;
  }

  /**
   * Removes the folders {@link #prepareReportFolder} made ({@code made}: the outermost, or null) while they hold
   * nothing: a run that failed before its report (a broker not answering, a topic missing) left an empty folder that
   * read as a run's result. A folder that was there before stays.
   */
  static void removeIfEmpty(Path dir, Path made) {
    if (made == null || missingBeforeDotDot(dir) != null) {
      return;
    }
    for (Path p = withoutDots(dir); p != null && p.startsWith(made); p = p.getParent()) {
      try {
        Files.delete(p);
      } catch (java.io.IOException e) { // not empty (a report, or something of the user's), or gone: keep the rest
        return;
      }
    }
  }

  /**
   * {@code dir}, absolute, without its "." elements, which name the same folder: deleting "new/." fails (EINVAL), and
   * the removal of what {@link #prepareReportFolder} made stopped there, leaving new/. Each ".." is resolved as the
   * system resolves it, from the real folder before it (through a link, another folder than the text names): the
   * folders made and removed are then the ones the path names. Call only when {@link #missingBeforeDotDot} is null.
   */
  private static Path withoutDots(Path dir) {
    Path abs = dir.toAbsolutePath();
    Path p = abs.getRoot();
    for (Path name : abs) {
      if (name.toString().equals("..")) {
        Path up = realPath(p).getParent();
        p = up != null ? up : p;
      } else if (!name.toString().equals(".")) {
        p = p == null ? name : p.resolve(name);
      }
    }
    return p;
  }

  /**
   * The path before the first ".." of {@code dir} that is not a folder (missing, or a file: the system cannot go up
   * from it), or null.
   */
  static Path missingBeforeDotDot(Path dir) {
    Path abs = dir.toAbsolutePath();
    Path p = abs.getRoot();
    for (Path name : abs) {
      if (name.toString().equals("..")) {
        if (!Files.isDirectory(p)) {
          return p;
        }
        Path up = realPath(p).getParent();
        p = up != null ? up : p;
      } else if (!name.toString().equals(".")) {
        p = p == null ? name : p.resolve(name);
      }
    }
    return null;
  }

  /** Where the link {@code link} points, as written in it; the link itself when that cannot be read. */
  private static Path linkTarget(Path link) {
    try {
      return Files.readSymbolicLink(link);
    } catch (java.io.IOException e) {
      return link;
    }
  }

  /** The folder with its links followed, as the system goes up from it; as written when that fails (gone since). */
  private static Path realPath(Path folder) {
    try {
      return folder.toRealPath();
    } catch (java.io.IOException e) {
      return folder.normalize();
    }
  }

  /**
   * The model an external monitor runs, as its --config names it (model.dir, else the bundled model), where that
   * folder is a model bundle on this machine; null where it is not: the monitor may run elsewhere (where the path may
   * hold its bundle), and a labels.csv of class indices needs no model (one of class names is then refused, see
   * {@link #frames}). A folder here that is no bundle stopped the run, the default images of indices too.
   */
  static dev.advmon.model.ModelBundle modelHere(dev.advmon.config.MonitorConfig c) {
    try {
      return Files.isDirectory(c.path("model.dir")) ? BundleSetting.load(c) : null;
    } catch (dev.advmon.model.InvalidBundleException | java.io.IOException e) {
      return null;
    }
  }

  /** Why {@link #modelHere} found no model in {@code c}'s model.dir: what that folder is on this machine. */
  private static String noModelHere(dev.advmon.config.MonitorConfig c) {
    Path dir = c.path("model.dir");
    if (!Files.isDirectory(dir)) {
      return dir + ", which is not a folder on this machine";
    }
    try {
      BundleSetting.load(c);
      return dir + ", a model bundle on this machine"; // not reached: modelHere would have loaded it
    } catch (dev.advmon.model.InvalidBundleException | java.io.IOException e) {
      return dir + ", a folder on this machine but no model bundle (" + e.getMessage() + ")";
    }
  }

  /**
   * The frames of {@code dir}, its labels.csv read through {@code labelled} (see {@link #modelHere}). Against an
   * external monitor ({@code config}, its settings {@code external}) whose model is not on this machine, the reader's
   * advice for a column of names, "--model DIR", names an option the tester has not: the error says where it looks.
   * Other refusals (a header, a row without a label) are the reader's own: no model would have read them.
   */
  static FrameSource frames(Path dir, dev.advmon.model.ModelBundle labelled, Path config,
      dev.advmon.config.MonitorConfig external, String run) throws java.io.IOException {
    try {
      return new FrameSource(dir, labelled, run);
    } catch (IllegalArgumentException e) {
      if (labelled != null || external == null || !String.valueOf(e.getMessage()).contains("--model DIR")) {
        throw e;
      }
      throw new IllegalArgumentException(e.getMessage() + " [the load tester has no --model: it reads class names"
          + " through model.dir of " + config + ", " + noModelHere(external) + ": set it to a copy of the monitor's"
          + " model bundle, or write class indices]", e);
    }
  }

  private int measure() throws Exception {
    quietKafkaLogs();
    PrintStream console = System.err;
    Path home = Main.home();
    String loadAtStart = Report.loadAverage();
    Clocks.Start started = Clocks.SYSTEM.start();
    FrameSource frames = frames(images != null ? images : home.resolve("models/eval/fashion-mnist-test"), labelled,
        target.config, externalSettings, "lt" + UUID.randomUUID().toString().substring(0, 6));
    console.printf(Locale.ROOT, "loadtest: %s, %d cameras, %s ...%n", ramp ? "ramp from " + rate + " frames/s" : rate
        + " frames/s for " + duration + " s", cameras, target.embedded ? "starting the embedded monitor" : "against " + target.config);
    List<StepResult> steps = new ArrayList<>();
    try (Target t = target.embedded
            ? EmbeddedTarget.start(null, instances, partitions, settings, home, console, stop)
            : new ExternalTarget(target.config, externalSettings);
        Session session = new Session(t, frames, cameras, cameraPrefix, console, stop)) {
      t.requireRegistry(stop); // after the reader's topic check, before the first frame
      stop.throwIfRequested(); // a stop that came as the registry answered: before the first frame
      boolean drained;
      try {
        if (warmup > 0) {
          int most = Math.max(warmup, 60);
          if (!session.warmUp(rate, warmup, most)) {
            session.requireOutcomes("the " + most + " s warm-up");
          }
        }
        double r = rate;
        for (int i = 1; i <= (ramp ? rampSteps : 1); i++) {
          StepResult s = session.step(ramp ? "step " + i : "measured", r, duration);
          steps.add(s);
          if (ramp && !s.lag().bounded()) {
            break;
          }
          r = nextRampRate(r, rampFactor);
        }
        drained = session.drain(Duration.ofSeconds(drain));
      } catch (Interruption.Stopped e) {
        // the report first, while the monitor is still up: closing it may take a while
        session.pause();
        writeInterrupted(settings(t.describe(), cameraPrefix, cameras), session, steps, loadAtStart, started,
            session.activity());
        return INTERRUPTED;
      }
      Report rep = completedReport(ramp ? "advmon load test: ramp" : "advmon load test",
          settings(t.describe(), cameraPrefix, cameras), cameras, ramp,
          session, steps, drained, loadAtStart, started);
      rep.write(report);
      System.out.println(summaryLine(rep));
      System.out.println("report: " + report.toAbsolutePath().resolve(Report.JSON_FILE) + ", "
          + Report.SUMMARY_FILE + ", " + String.join(", ", Plots.THROUGHPUT, Plots.LATENCY, Plots.LATENCY_VS_RATE));
      return exitStatus(rep);
    } catch (Interruption.Stopped e) {
      // while the monitor was starting (EmbeddedTarget.start has closed what it started): nothing was measured
      Map<String, Object> where = new LinkedHashMap<>();
      where.put("mode", target.embedded ? "embedded" : "external");
      writeInterrupted(settings(where, cameraPrefix, cameras), null, List.of(), loadAtStart, started,
          target.embedded ? "starting the embedded monitor" : "connecting to the monitor");
      return INTERRUPTED;
    }
  }

  /** The target's settings for the report, with the camera ids the frames carried ({@code cam-01 .. cam-04}). */
  static Map<String, Object> settings(Map<String, Object> target, String cameraPrefix, int cameras) {
    Map<String, Object> s = new LinkedHashMap<>(target);
    String first = Generator.cameraId(cameraPrefix, 0);
    s.put("camera_ids", cameras == 1 ? first : first + " .. " + Generator.cameraId(cameraPrefix, cameras - 1));
    return s;
  }

  /**
   * The report of a run that completed (drained or not): its measured steps, and every frame the session lost,
   * the warm-up's included (not measured, but lost all the same).
   */
  static Report completedReport(String title, Map<String, Object> where, int cameras, boolean ramp, Session session,
      List<StepResult> steps, boolean drained, String loadAtStart, Clocks.Start started) {
    return new Report(title, where, cameras, ramp,
        steps.stream().map(s -> new StepResult(s.label(), s.offeredFps(), s.seconds(), s.achievedFps(),
            s.outcomesFps(), s.backlogStart(), s.backlogEnd(), s.lag(), s.firstSequence(), s.endSequence(),
            session.collector().snapshot(s.stats()))).toList(),
        session.timeline(), session.collector().duplicates(),
        session.lost(), session.generator().failed(), session.generator().lateSends(),
        session.generator().maxLateMs(),
        session.collector().deadLettersByReason(), drained, loadAtStart, Report.loadAverage(), null, started.at(),
        Clocks.SYSTEM.ended(started), session.generator().sent(), LOWER_BOUND_ADVICE);
  }

  /**
   * The run's one-line summary on stdout: first what the measured steps' frames did, then what every frame of the run
   * did (the warm-up's too), each count beside the total it is of.
   */
  static String summaryLine(Report rep) {
    Map<String, Object> lat = Report.latency(rep.allLatencies());
    // missing and duplicates count every frame of the run, sent only the measured steps': without its own total a
    // run that lost warm-up frames read as having lost more than it sent
    return String.format(Locale.ROOT, "measured steps: sent %d | verdicts %d | dead letters %d | throughput %.1f "
            + "frames/s | latency p50 %s p95 %s p99 %s p99.9 %s max %s ms%s; whole run (warm-up included): sent %d | "
            + "missing %d | duplicates %d | dead letters %d", rep.sent(), rep.verdicts(), rep.deadLetters(),
        rep.throughputFps(), Report.orDash(lat.get("p50")), Report.orDash(lat.get("p95")), Report.orDash(lat.get("p99")),
        Report.orDash(lat.get("p999")), Report.orDash(lat.get("max")),
        rep.ramp() ? " | sustainable " + rep.sustainableText() : "", rep.sentInAll(), rep.missing(), rep.duplicates(),
        rep.deadLettersInAll());
  }

  /**
   * The one-line summary of an interrupted run; {@code planned}: the steps it would have run ("1", "up to 12"). Grouped
   * as {@link #summaryLine}: the completed steps' counts (the unanswered frames are theirs), then the whole run's.
   */
  static String interruptedLine(Report rep, String planned) {
    Map<String, Object> lat = Report.latency(rep.allLatencies());
    return String.format(Locale.ROOT, "INTERRUPTED during %s: %d of %s step(s) completed %s | completed steps: sent %d "
            + "| verdicts %d | dead letters %d | unanswered when stopped %d (in flight, not judged lost) | latency p50 "
            + "%s p99 %s max %s ms; whole run (warm-up included): sent %d | duplicates %d | dead letters %d",
        rep.interruptedDuring(), rep.steps().size(), planned, rep.steps().stream().map(StepResult::label).toList(),
        rep.sent(), rep.verdicts(), rep.deadLetters(), rep.missing(), Report.orDash(lat.get("p50")),
        Report.orDash(lat.get("p99")), Report.orDash(lat.get("max")), rep.sentInAll(), rep.duplicates(),
        rep.deadLettersInAll());
  }

  /** 1 when a frame was lost or seen twice: the figures then rest on a broken pipeline. */
  static int exitStatus(Report completed) {
    return completed.missing() > 0 || completed.duplicates() > 0 ? 1 : 0;
  }

  /**
   * The report of an interrupted run: the completed steps only, marked interrupted, printed as the one-line summary
   * too. Nothing is judged lost: the frames in flight when it stopped were not waited for.
   */
  private void writeInterrupted(Map<String, Object> where, Session session, List<StepResult> completed,
      String loadAtStart, Clocks.Start started, String during) throws java.io.IOException {
    long first = completed.isEmpty() ? 0 : completed.get(0).firstSequence();
    long end = completed.isEmpty() ? 0 : completed.get(completed.size() - 1).endSequence();
    List<StepResult> steps = session == null ? List.of() : completed.stream().map(s -> new StepResult(s.label(),
        s.offeredFps(), s.seconds(), s.achievedFps(), s.outcomesFps(), s.backlogStart(), s.backlogEnd(), s.lag(),
        s.firstSequence(), s.endSequence(), session.collector().snapshot(s.stats()))).toList();
    Report rep = new Report(ramp ? "advmon load test: ramp" : "advmon load test", where, cameras, ramp, steps,
        session == null ? List.of() : List.copyOf(session.timeline()),
        session == null ? 0 : session.collector().duplicates(),
        session == null ? 0 : session.missing(first, end),
        session == null ? 0 : session.generator().failed(), session == null ? 0 : session.generator().lateSends(),
        session == null ? 0 : session.generator().maxLateMs(),
        session == null ? Map.of() : session.collector().deadLettersByReason(), false, loadAtStart,
        Report.loadAverage(), during, started.at(), Clocks.SYSTEM.ended(started),
        session == null ? 0 : session.generator().sent(), LOWER_BOUND_ADVICE);
    rep.write(report);
    System.out.println(interruptedLine(rep, ramp ? "up to " + rampSteps : "1"));
    System.out.println("report (partial): " + report.toAbsolutePath().resolve(Report.JSON_FILE) + ", "
        + Report.SUMMARY_FILE);
  }

  /** Refuses options out of range before anything starts, naming the option and what it allows. */
  void validate() {
    CommandLine cl = spec != null ? spec.commandLine() : new CommandLine(this);
    List<String> errors = new ArrayList<>();
    // name only what is missing: "--report DIR is required" when --embedded was given
    if (target == null) {
      errors.add("say where to send frames: --embedded, or --config FILE");
    }
    if (report == null) {
      errors.add("--report DIR is required: the folder for report.json, summary.md and the plots");
    }
    if (!errors.isEmpty()) {
      throw new CommandLine.ParameterException(cl, String.join("; ", errors));
    }
    requireRate(errors, "--rate", rate);
    requireRange(errors, "--duration", duration, 1, 86_400);
    requireRange(errors, "--cameras", cameras, 1, 100_000);
    requireRange(errors, "--warmup", warmup, 0, 3_600);
    if (drain == 0) {
      // undrained, the last step's frames still in flight would all be counted as lost and fail the run (exit 1)
      errors.add("--drain must be from 1 to 86400, not 0: the run would end with its last frames still in flight, "
          + "counted as missing (lost); give the seconds to wait for their verdicts (default 120)");
    } else {
      requireRange(errors, "--drain", drain, 1, 86_400);
    }
    requireCameraPrefix(errors, cameraPrefix);
    requireRange(errors, "--instances", instances, 1, 64);
    requireRange(errors, "--partitions", partitions, 1, 10_000);
    if (!(rampFactor > 1 && rampFactor <= 10)) {
      errors.add("--ramp-factor must be above 1 and at most 10, not " + rampFactor);
    }
    requireRange(errors, "--ramp-steps", rampSteps, 1, 100);
    if (ramp && duration >= 1 && duration < MIN_JUDGED_STEP_SECONDS) {
      // the judge allows 5+ frames of backlog growth and a grace of 1 s or more: over a shorter step those are a
      // large share of the step's frames, so a monitor well below the rate would be reported as sustaining it
      errors.add(String.format(Locale.ROOT, "--duration must be at least %d with --ramp, not %d: a shorter step "
          + "cannot tell a growing backlog from commit noise, and the ramp would report rates the monitor does not "
          + "sustain", MIN_JUDGED_STEP_SECONDS, duration));
    }
    if (target.config != null) {
      // given with --config they would be ignored silently: the monitor and its topics are elsewhere
      List<String> embeddedOnly = new ArrayList<>();
      for (String option : List.of("--instances", "--partitions", "--set")) {
        if (cl.getParseResult() != null && cl.getParseResult().hasMatchedOption(option)) {
          embeddedOnly.add(option);
        }
      }
      if (!embeddedOnly.isEmpty()) {
        errors.add(String.join(", ", embeddedOnly) + (embeddedOnly.size() == 1 ? " applies" : " apply")
            + " to --embedded only; with --config the monitor runs elsewhere: leave "
            + (embeddedOnly.size() == 1 ? "it" : "them") + " out");
      }
    }
    if (!errors.isEmpty()) {
      throw new CommandLine.ParameterException(cl, String.join("; ", errors));
    }
  }

  /**
   * A blank (Character.isWhitespace leaves out the no-break spaces, U+00A0, U+2007, U+202F, that a copy from a document
   * brings), a control character (C0, DEL and C1), or one that shows as nothing: a camera id holding one looks like
   * another on every screen yet matches no id typed by hand.
   */
  private static boolean blankOrControl(int c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c) || invisible(c);
  }

  /**
   * Drawn as nothing, or not defined: format characters (zero-width space and joiners, U+FEFF, the soft hyphen,
   * direction marks and overrides), the default-ignorable fillers and variation selectors that Unicode files as
   * letters or marks, the braille blank, private use, unassigned code points and lone surrogates.
   */
  private static boolean invisible(int c) {
    int type = Character.getType(c);
    return type == Character.FORMAT || type == Character.PRIVATE_USE || type == Character.UNASSIGNED
        || type == Character.SURROGATE || c == 0x034F || c == 0x115F || c == 0x1160 || c == 0x17B4 || c == 0x17B5
        || (c >= 0x180B && c <= 0x180F) || c == 0x2800 || c == 0x3164 || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFFA0
        || (c >= 0xE0100 && c <= 0xE01EF);
  }

  /** The index of the first blank, control or invisible code point, or -1; a joiner within a word is none. */
  private static int firstRefusedCharacter(int[] codePoints) {
    for (int i = 0; i < codePoints.length; i++) {
      if (blankOrControl(codePoints[i]) && !WordJoiners.withinWord(codePoints, i)) {
        return i;
      }
    }
    return -1;
  }

  /** {@code U+200B ZERO WIDTH SPACE}: a character the eye cannot tell, by its code point and Unicode name. */
  static String describeCharacter(int c) {
    String code = String.format(Locale.ROOT, "U+%04X", c);
    int type = Character.getType(c);
    String name = type == Character.PRIVATE_USE ? null : Character.getName(c);
    return code + (name != null ? " " + name : type == Character.PRIVATE_USE ? " (private use)"
        : type == Character.SURROGATE ? " (a lone surrogate)" : " (unassigned)");
  }

  /** The longest --camera-prefix: with the most cameras' number (6 digits) a camera id the monitor keeps whole. */
  static final int MAX_CAMERA_PREFIX_CHARS = dev.advmon.topology.RecordLimits.MAX_ID_CHARS - 6;

  /**
   * A camera id prefix: not empty (the ids would be bare numbers, "01", easily a real camera's), no blank or control
   * character (a camera id is a record key and a /cameras path), and short enough that the monitor accepts the id.
   */
  static void requireCameraPrefix(List<String> errors, String prefix) {
    if (prefix == null || prefix.isEmpty()) {
      errors.add("--camera-prefix must not be empty: give the start of the load test's camera ids, e.g. loadtest-cam-");
    } else if (firstRefusedCharacter(prefix.codePoints().toArray()) >= 0) {
      // each control as '?', C1 (U+0080-U+009F) too: a terminal may act on one echoed raw (U+0085 breaks the line),
      // and the line and paragraph separators, which end a line as LogText says; an invisible one as '?' as well, or
      // the prefix shown would look right; the first such character is named by code point, as no eye can tell it
      int[] codePoints = prefix.codePoints().toArray();
      StringBuilder shownText = new StringBuilder();
      for (int i = 0; i < codePoints.length; i++) {
        int c = codePoints[i];
        boolean hidden = Character.isISOControl(c) || c == '\u2028' || c == '\u2029'
            || invisible(c) && !WordJoiners.withinWord(codePoints, i);
        shownText.appendCodePoint(hidden ? '?' : c);
      }
      String shown = shownText.toString();
      int at = firstRefusedCharacter(codePoints);
      errors.add("--camera-prefix '" + shown + "' holds an invisible, blank or control character: "
          + describeCharacter(codePoints[at]) + " at character " + (at + 1) + "; a camera id is the frame's record "
          + "key and a path of the monitor's /cameras: type the prefix again, with letters, digits, - _ . /");
    } else if (prefix.length() > MAX_CAMERA_PREFIX_CHARS) {
      errors.add("--camera-prefix must be at most " + MAX_CAMERA_PREFIX_CHARS + " characters, not " + prefix.length()
          + ": the monitor dead-letters a frame whose camera id is longer than "
          + dev.advmon.topology.RecordLimits.MAX_ID_CHARS + " characters");
    }
  }

  /**
   * The rate of the next ramp step: this one times the factor, to a tenth of a frame/s, and at least a tenth above
   * this one. Rounded alone, a low rate or a factor close to 1 gives the same rate back (0.2 x 1.2 = 0.24 -> 0.2;
   * 2 x 1.02 -> 2.0): the ramp would repeat one rate for all its steps and report it as the sustainable rate.
   */
  static double nextRampRate(double rate, double factor) {
    double next = Math.round(rate * factor * 10) / 10.0;
    return next > rate ? next : Math.round(Math.floor(rate * 10 + 1e-9) + 1) / 10.0;
  }

  /** A rate in frames/s: a finite number above 0, at most 100000 (NaN and Infinity are refused). */
  static void requireRate(List<String> errors, String option, double fps) {
    if (!(fps > 0 && fps <= MAX_RATE)) { // false for NaN too
      errors.add(String.format(Locale.ROOT, "%s must be a number of frames/s above 0 and at most %d, not %s", option,
          MAX_RATE, fps));
    }
  }

  static void requireRange(List<String> errors, String option, long value, long min, long max) {
    if (value < min || value > max) {
      errors.add(String.format(Locale.ROOT, "%s must be from %d to %d, not %d", option, min, max, value));
    }
  }

  static final int MAX_RATE = 100_000;

  /** The shortest step whose lag judgement a ramp (or the benchmark) reports as a sustainable rate (s). */
  static final int MIN_JUDGED_STEP_SECONDS = 10;

  /** The in-process broker and the clients warn about what is normal for a one-node cluster; keep errors only. */
  static void quietKafkaLogs() {
    if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logback) {
      logback.getLogger("org.apache.kafka").setLevel(ch.qos.logback.classic.Level.ERROR);
      logback.getLogger("kafka").setLevel(ch.qos.logback.classic.Level.ERROR);
      logback.getLogger("ai.djl").setLevel(ch.qos.logback.classic.Level.ERROR);
    }
  }
}
