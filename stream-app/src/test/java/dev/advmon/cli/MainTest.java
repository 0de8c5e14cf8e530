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
}
