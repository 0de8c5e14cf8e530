package dev.advmon.cli;

import picocli.CommandLine;

/** The monitor's command line whose {@code type} command is the test's {@code command} (one given a seam). */
final class CommandLineWith {

  private CommandLineWith() {}

  static <T> CommandLine of(Class<T> type, T command) {
    return Main.commandLine(new CommandLine.IFactory() {
      @Override
      public <K> K create(Class<K> k) throws Exception {
        return k == type ? k.cast(command) : CommandLine.defaultFactory().create(k);
      }
    });
  }
}
