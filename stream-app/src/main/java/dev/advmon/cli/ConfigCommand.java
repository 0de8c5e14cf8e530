package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the configuration reference, or checks a configuration file without starting anything. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Print the settings reference (Markdown), or validate a configuration file.")
final class ConfigCommand implements Callable<Integer> {

  @Option(names = "--check", paramLabel = "FILE", description = "Validate FILE (plus environment overrides) as `run` reads it, its required settings included, and exit.")
  Path check;

  @Override
  public Integer call() {
    if (check != null) {
      MonitorConfig.load(check, System.getenv(), Map.of(), Main.home()).validated()
          .require(RunCommand.REQUIRED);
      System.out.println(check + ": valid");
    } else {
      System.out.print(MonitorConfig.reference());
    }
    return 0;
  }
}
