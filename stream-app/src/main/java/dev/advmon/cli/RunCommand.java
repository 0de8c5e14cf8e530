package dev.advmon.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code monitor run}: the streaming monitor against an external Kafka and schema registry. */
@Command(name = "run", description = "Run the monitor against an external Kafka cluster and schema registry.")
final class RunCommand implements Callable<Integer> {

  @Option(names = "--config", paramLabel = "FILE", description = "Properties file; every setting can be overridden from the environment (ADVMON_...).")
  Path config;

  @Override
  public Integer call() {
    throw new UnsupportedOperationException("run: not wired yet");
  }
}
