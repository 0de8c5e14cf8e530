package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

  @Test
  void everySubcommandPrintsItsHelpCleanly() {
    // picocli reports unformattable descriptions (a bare '%') on System.err, not on the command's writer
    java.io.PrintStream oldErr = System.err;
    java.io.ByteArrayOutputStream traced = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(traced, true));
    try {
      helpOfEverySubcommand();
    } finally {
      System.setErr(oldErr);
    }
    assertThat(traced.toString()).as("picocli warnings").doesNotContain("WARN");
  }

  private static void helpOfEverySubcommand() {
    CommandLine root = Main.commandLine();
    assertThat(root.getSubcommands()).containsKeys("score", "run", "calibrate", "evaluate", "inspect", "audit");
    root.getSubcommands().forEach((name, cmd) -> {
      if (name.equals("help")) {
        return;
      }
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CommandLine fresh = Main.commandLine();
      fresh.setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
      int exit = fresh.execute(name, "--help");
      assertThat(exit).as("%s --help exit", name).isZero();
      assertThat(out.toString()).as("%s --help", name).startsWith("Usage: monitor " + name);
      assertThat(err.toString()).as("%s --help warnings", name).doesNotContain("WARN");
    });
  }

  /**
   * README's Commands table is where a newcomer looks a command up: every command ./monitor offers has a row, and
   * every flag a row writes is one the command takes (a flag it does not know stops the command).
   */
  @Test
  void readmeCommandsTableHasEveryCommandAndOnlyFlagsTheyTake() throws Exception {
    String readme = java.nio.file.Files.readString(dev.advmon.testing.TestData.repoRoot().resolve("README.md"));
    int start = readme.indexOf("\n## Commands\n");
    assertThat(start).as("README has a Commands section").isNotNegative();
    String section = readme.substring(start + 1, readme.indexOf("\n## ", start + 1));
    java.util.Map<String, String> rows = new java.util.LinkedHashMap<>();
    java.util.regex.Matcher row = java.util.regex.Pattern.compile("(?m)^\\| `\\./monitor ([a-z-]+)([^`]*)`").matcher(section);
    while (row.find()) {
      rows.put(row.group(1), row.group(2));
    }
    CommandLine root = Main.commandLine();
    root.getSubcommands().forEach((name, cmd) -> {
      if (name.equals("help") || cmd.getCommandSpec().usageMessage().hidden()) {
        return;
      }
      assertThat(rows).as("README's Commands table has a row for ./monitor " + name).containsKey(name);
      if (cmd.getCommand() instanceof Main.DemoUnavailable) {
        return; // the demo's flags are the demo module's (its jar is not on this class path)
      }
      java.util.regex.Matcher flag = java.util.regex.Pattern.compile("--[a-z][a-z-]*").matcher(rows.get(name));
      while (flag.find()) {
        assertThat(cmd.getCommandSpec().findOption(flag.group()))
            .as("README's row for ./monitor %s writes %s, which the command does not take", name, flag.group()).isNotNull();
      }
    });
  }
}
