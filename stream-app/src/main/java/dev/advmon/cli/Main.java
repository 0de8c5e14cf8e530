package dev.advmon.cli;

import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./monitor}: picks the subcommand; each command owns its own start-up. */
@Command(name = "monitor", mixinStandardHelpOptions = true, version = "advmon 0.1.0",
    description = "Kafka streaming monitor for adversarial inputs to image classifiers.",
    subcommands = {ScoreCommand.class, RunCommand.class, BenchCommand.class, ConfigCommand.class, CalibrateCommand.class, EvaluateCommand.class, CommandLine.HelpCommand.class})
public final class Main {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, cmd, parse) -> {
      // Start-up errors (configuration, bundle, engine) already say what to do: print them, not a stack trace.
      cmd.getErr().println("error: " + e.getMessage());
      if (System.getenv("ADVMON_DEBUG") != null) {
        e.printStackTrace(cmd.getErr());
      }
      return 2;
    });
    return cl;
  }

  /** The monitor's home: where the launcher lives (bundled models resolve against it). */
  static Path home() {
    String h = System.getProperty("advmon.home", System.getenv().getOrDefault("ADVMON_HOME", "."));
    return Path.of(h).toAbsolutePath().normalize();
  }
}
