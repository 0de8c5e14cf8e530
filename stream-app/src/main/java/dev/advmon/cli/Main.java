package dev.advmon.cli;

import dev.advmon.logging.JsonLineEncoder;
import dev.advmon.logging.LogFormatEncoder;
import dev.advmon.logging.LogLevelVariable;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./monitor}: picks the subcommand; each command owns its own start-up. */
@Command(name = "monitor", mixinStandardHelpOptions = true, version = "advmon 0.1.0",
    description = "Kafka streaming monitor for adversarial inputs to image classifiers.",
    subcommands = {ScoreCommand.class, RunCommand.class, BenchCommand.class, ConfigCommand.class, CalibrateCommand.class, CorruptCommand.class, EvaluateCommand.class, OverinterpretationEvalCommand.class, InspectCommand.class, AuditCommand.class, RedriveCommand.class, ClassArchiveTrainingCommand.class, CommandLine.HelpCommand.class})
public final class Main {

  public static void main(String[] args) {
    String logProblem = LogFormatEncoder.problem(System.getenv(LogFormatEncoder.VARIABLE));
    if (logProblem == null) {
      logProblem = LogLevelVariable.problem(System.getenv(LogLevelVariable.VARIABLE));
    }
    if (logProblem != null) { // before anything logs; a JSON line where the format asked for is json (the level is wrong)
      System.err.print(LogFormatEncoder.json() ? JsonLineEncoder.line("ERROR", Main.class.getName(), logProblem, null)
          : "error: " + logProblem + System.lineSeparator());
      System.exit(2);
    }
    logUncaughtExceptions();
    int status;
    try {
      status = commandLine().execute(args);
    } catch (Error e) { // before any command runs (the heap too small to build the command line): as in the commands
      System.err.println("error: " + describeError(e));
      status = 2;
    }
    System.exit(status);
  }

  /**
   * An exception that no code catches ends its thread; the JVM then printed "Exception in thread ..." as plain text on
   * stderr, outside the log (lost as JSON under ADVMON_LOG_FORMAT=json). Log it at ERROR instead, from that thread (so
   * the line names it). Threads with a handler of their own (Kafka Streams' stream threads) keep theirs: the JVM asks
   * this default one only for threads without.
   */
  public static void logUncaughtExceptions() {
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> org.slf4j.LoggerFactory.getLogger(Main.class)
        .error("uncaught exception in thread \"{}\"; the thread has ended", thread.getName(), e));
  }

  static CommandLine commandLine() {
    return commandLine(CommandLine.defaultFactory());
  }

  /** As {@link #commandLine()}, with the commands made by {@code factory} (a test's, to give one a seam). */
  static CommandLine commandLine(CommandLine.IFactory factory) {
    CommandLine cl = new CommandLine(new Main(), factory);
    cl.addSubcommand("demo", demoCommand());
    cl.setExecutionExceptionHandler(errorHandler());
    cl.setParameterExceptionHandler(parameterErrorHandler(cl.getParameterExceptionHandler()));
    cl.setExecutionStrategy(Main::refuseUnmatchedThenRun);
    return cl;
  }

  /**
   * picocli lets --help win over an argument it does not know: {@code ./monitor evalute --help} printed the command
   * list and exited 0, so a script read success and the user saw no reason. An unknown argument is the same usage
   * error with --help as without it (the parameter handler: the message, the nearest command or option, status 2).
   * Public for the load tester's command line (./loadtest/run), which met the same.
   */
  public static int refuseUnmatchedThenRun(CommandLine.ParseResult parsed) {
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (!p.unmatched().isEmpty()) {
        throw new CommandLine.UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
      }
      unknownToHelp(p);
    }
    try {
      return new CommandLine.RunLast().execute(parsed);
    } catch (Error e) {
      // picocli hands only Exceptions to the error handler: an Error (the heap gone, a native library that would not
      // load) ended main with the JVM's status 1, which score and demo document as "an input failed", and a stack
      // trace instead of a line saying what to do
      return report(parsed.commandSpec().commandLine(), describeError(e), e);
    }
  }

  /** An Error as one line a user can act on. */
  static String describeError(Error e) {
    String said = e.getMessage() == null ? "" : " (" + e.getMessage() + ")";
    if (e instanceof OutOfMemoryError) {
      return "out of memory" + said + ": give the JVM more, e.g. ADVMON_JAVA_OPTS=-Xmx4g, or give it fewer or smaller "
          + "inputs at once";
    }
    if (e instanceof StackOverflowError) {
      return "stack overflow: a bug; run it again with ADVMON_DEBUG=1 for where it happened, and report that";
    }
    return e.getClass().getSimpleName() + said + (e instanceof LinkageError ? ": a library or native file did not "
        + "load; check the installation (ADVMON_DEBUG=1 shows where)" : "; ADVMON_DEBUG=1 shows where");
  }

  /**
   * picocli's {@code help} answered {@code ./monitor help evalute} with "Unknown subcommand" and the whole command
   * list, no nearest command, where {@code ./monitor evalute --help} names it. The same usage error here, with
   * picocli's own message: an unmatched argument of the parent command, whose suggestions are the nearest commands
   * (status 2 from the parameter handler, as that path; the text and JSON handlers print the suggestions).
   */
  private static void unknownToHelp(CommandLine.ParseResult p) {
    if (!(p.commandSpec().userObject() instanceof CommandLine.HelpCommand) || p.matchedPositionals().isEmpty()) {
      return;
    }
    List<String> asked = p.matchedPositionals().get(0).stringValues();
    CommandLine parent = p.commandSpec().commandLine().getParent();
    if (asked.isEmpty() || parent == null || parent.getSubcommands().containsKey(asked.get(0))) {
      return;
    }
    String message = "Unknown subcommand '" + asked.get(0) + "'.";
    throw new CommandLine.UnmatchedArgumentException(parent, List.of(asked.get(0))) {
      @Override
      public String getMessage() {
        return message;
      }
    };
  }

  /**
   * A misspelt option, a missing argument, an unknown command: picocli prints its message and the command's usage,
   * a dozen plain-text lines that a log pipeline reading JSON drops, and with them why the monitor did not start.
   * With ADVMON_LOG_FORMAT=json one JSON line at ERROR instead: the message, picocli's suggestions, and where the
   * usage is. In text mode picocli's own handler (message and usage), as before.
   */
  static CommandLine.IParameterExceptionHandler parameterErrorHandler(CommandLine.IParameterExceptionHandler text) {
    return (e, args) -> {
      if (!LogFormatEncoder.json()) {
        return text.handleParseException(e, args);
      }
      CommandLine cmd = e.getCommandLine();
      StringBuilder message = new StringBuilder(e.getMessage());
      if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
        if (!message.isEmpty() && message.charAt(message.length() - 1) == '.') {
          message.setLength(message.length() - 1); // help's "Unknown subcommand 'x'." read "'x'.; did you mean"
        }
        message.append("; did you mean: ").append(String.join(", ", u.getSuggestions())).append('?');
      }
      boolean root = cmd.getParent() == null;
      message.append(" (./").append(cmd.getCommandSpec().qualifiedName()).append(" --help lists the ")
          .append(root ? "commands)" : "options)");
      cmd.getErr().print(JsonLineEncoder.line("ERROR", Main.class.getName(), message.toString(), null));
      cmd.getErr().flush();
      return cmd.getCommandSpec().exitCodeOnInvalidInput();
    };
  }

  /**
   * Start-up errors (configuration, bundle, engine) already say what to do: print them, not a stack trace. With
   * ADVMON_LOG_FORMAT=json as one JSON line like the log's, so that a log pipeline keeps why the monitor stopped.
   */
  public static CommandLine.IExecutionExceptionHandler errorHandler() {
    return (e, cmd, parse) -> report(cmd, describe(e), e);
  }

  /** {@code message} as the error that stopped the command, as a JSON line where the log is JSON; status 2. */
  private static int report(CommandLine cmd, String message, Throwable e) {
    if (LogFormatEncoder.json()) {
      cmd.getErr().print(JsonLineEncoder.line("ERROR", Main.class.getName(), message,
          System.getenv("ADVMON_DEBUG") != null ? e : null));
      cmd.getErr().flush();
      return 2;
    }
    cmd.getErr().println("error: " + message);
    if (System.getenv("ADVMON_DEBUG") != null) {
      e.printStackTrace(cmd.getErr());
    }
    return 2;
  }

  /**
   * An error as one line a user can act on. A file-system exception's own message is only the path; it says here
   * what was wrong with it.
   */
  static String describe(Exception e) {
    if (e instanceof java.nio.file.NoSuchFileException f) {
      java.nio.file.Path missing = f.getFile() == null ? null : java.nio.file.Path.of(f.getFile()).toAbsolutePath();
      if (missing != null && missing.getParent() != null && !java.nio.file.Files.isDirectory(missing.getParent())) {
        return "no such folder: " + missing.getParent() + " (for " + f.getFile() + "); create it or check the path";
      }
      return "no such file or folder: " + f.getFile()
          + (f.getReason() == null ? "" : " (" + f.getReason() + ")") + "; check the path";
    }
    if (e instanceof java.nio.file.AccessDeniedException f) {
      return "permission denied: " + f.getFile() + "; check who may read or write it";
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException f) {
      return "already exists: " + f.getFile() + "; choose another path, or remove it first";
    }
    if (e instanceof java.nio.file.FileSystemException f) {
      return f.getFile() + ": " + (f.getReason() == null ? e.getClass().getSimpleName() : f.getReason());
    }
    return e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
  }

  /**
   * The demo lives in the demo module, so that the in-process Kafka broker's dependencies stay off the
   * production classpath of {@code run}; the launcher puts it on the classpath for {@code ./monitor demo}.
   */
  private static Object demoCommand() {
    try {
      return Class.forName("dev.advmon.demo.DemoCommand").getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      return new DemoUnavailable();
    }
  }

  /** What {@code demo} says when started from the production jar. */
  @Command(name = "demo", mixinStandardHelpOptions = true, description = "One-command demo (in-process Kafka, replayed cameras): run it as ./monitor demo; ./monitor demo --help lists its options.")
  static final class DemoUnavailable implements java.util.concurrent.Callable<Integer> {
    @Override
    public Integer call() {
      String why = "the demo is not on this classpath (stream-app.jar is the production jar); "
          + "run it with ./monitor demo, which builds and uses demo/target/demo.jar";
      // as the other start-up errors (errorHandler): one JSON line in json mode, which a log pipeline keeps
      System.err.print(LogFormatEncoder.json() ? JsonLineEncoder.line("ERROR", Main.class.getName(), why, null)
          : "error: " + why + System.lineSeparator());
      System.err.flush();
      return 2;
    }
  }

  /**
   * {@link #home()} as a help text names it after a project path ("models/corruptions in /opt/advmon"), resolved by
   * picocli when the help is printed: a default given as models/... alone named nothing to a user running the
   * monitor from another folder. The path and the folder stay two words, as picocli cuts a word longer than its
   * column anywhere. "the current folder" where neither is set (a jar run by hand), which is where home() looks then.
   */
  static final String HOME_IN_HELP = "${sys:advmon.home:-${env:ADVMON_HOME:-the current folder}}";

  /** The monitor's home: where the launcher lives (bundled models resolve against it). */
  public static Path home() {
    String h = System.getProperty("advmon.home", System.getenv().getOrDefault("ADVMON_HOME", "."));
    return Path.of(h).toAbsolutePath().normalize();
  }
}
