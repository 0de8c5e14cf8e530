package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

  /** Each kind of Error a command can meet is one line saying what to do, not the JVM's stack trace. */
  @Test
  void anErrorIsDescribedWithWhatToDo() {
    assertThat(Main.describeError(new UnsatisfiedLinkError("no onnxruntime in java.library.path")))
        .isEqualTo("UnsatisfiedLinkError (no onnxruntime in java.library.path): a library or native file did not "
            + "load; check the installation (ADVMON_DEBUG=1 shows where)");
    assertThat(Main.describeError(new StackOverflowError())).startsWith("stack overflow: a bug;");
    assertThat(Main.describeError(new OutOfMemoryError())).startsWith("out of memory: give the JVM more");
    assertThat(Main.describeError(new AssertionError("x"))).isEqualTo("AssertionError (x); ADVMON_DEBUG=1 shows where");
  }

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
   * A misspelt command with --help ({@code ./monitor evalute --help}) printed the top-level help and exited 0: picocli
   * lets --help win over an argument it does not know, so a script read success and the user a list without the
   * reason. It is the same usage error as the misspelt command alone: says so, suggests the nearest, exits 2.
   */
  @Test
  void anUnknownCommandWithHelpIsAUsageErrorThatSuggestsTheNearest() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine root = Main.commandLine();
    root.setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
    int exit = root.execute("evalute", "--help");
    assertThat(exit).isEqualTo(root.getCommandSpec().exitCodeOnInvalidInput()).isEqualTo(2);
    assertThat(err.toString()).contains("Unmatched argument at index 0: 'evalute'").contains("evaluate");
    assertThat(out.toString()).isEmpty();
  }

  /**
   * {@code ./monitor help evalute} said only "Unknown subcommand" above the whole command list, while
   * {@code ./monitor evalute --help} names the nearest command: both are the same usage error, with the same
   * suggestion and exit status (2, picocli's for invalid input), and no list to scroll past.
   */
  @Test
  void helpOfAnUnknownCommandSuggestsTheNearestAsTheUnknownCommandWithHelpDoes() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine root = Main.commandLine();
    root.setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
    int exit = root.execute("help", "evalute");
    assertThat(exit).isEqualTo(root.getCommandSpec().exitCodeOnInvalidInput()).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown subcommand 'evalute'").contains("Did you mean: monitor evaluate")
        .doesNotContain("Commands:");
    assertThat(out.toString()).isEmpty();
  }

  /** A command help knows still gets its usage, on standard output, exit status 0. */
  @Test
  void helpOfAKnownCommandPrintsItsUsage() {
    StringWriter out = new StringWriter();
    CommandLine root = Main.commandLine();
    root.setOut(new PrintWriter(out)).setErr(new PrintWriter(new StringWriter()));
    assertThat(root.execute("help", "redrive")).isZero();
    assertThat(out.toString()).startsWith("Usage: monitor redrive");
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

  /**
   * Beyond the Commands table, the docs show commands in their text and examples (`./monitor demo --frames 100000`,
   * `./monitor calibrate --model my-bundle --images my-train-frames`): a newcomer pastes those, and a flag the command
   * does not take stops it. Every command shown must exist and take every flag written after it.
   */
  @Test
  void everyCommandTheDocsShowTakesTheFlagsWrittenWithIt() throws Exception {
    CommandLine root = Main.commandLine();
    java.util.List<String> wrong = new java.util.ArrayList<>();
    int seen = 0;
    for (String doc : java.util.List.of("README.md", "models/README.md", "BENCHMARKS.md", "RELIABILITY.md")) {
      String text = java.nio.file.Files.readString(dev.advmon.testing.TestData.repoRoot().resolve(doc));
      java.util.List<String> spans = new java.util.ArrayList<>();
      java.util.regex.Matcher block = java.util.regex.Pattern.compile("(?s)```.*?```").matcher(text);
      while (block.find()) {
        spans.addAll(java.util.List.of(block.group().replace("\\\n", " ").split("\n"))); // a line each
      }
      java.util.regex.Matcher code = java.util.regex.Pattern.compile("`([^`]+)`")
          .matcher(text.replaceAll("(?s)```.*?```", ""));
      while (code.find()) {
        spans.add(code.group(1).replace('\n', ' ')); // a code span may wrap
      }
      for (String span : spans) {
        seen += commandsNotTaken(root, doc, span, wrong);
      }
    }
    assertThat(seen).as("the docs show ./monitor commands (else this checks nothing)").isGreaterThan(20);
    assertThat(wrong).as("commands or flags the docs show that ./monitor does not take").isEmpty();
  }
  /**
   * README tells an operator what run's exit status means (1: stopped once running, 2: refused at start-up, 143 after
   * SIGTERM), and a supervisor's restart policy is set by it; `run --help` listed none, where score's and redrive's
   * do. It first said 0 after a signal, which the JVM never returns then.
   */
  @Test
  void runHelpListsItsExitStatuses() {
    String help = Main.commandLine().getSubcommands().get("run").getUsageMessage().replaceAll("\\s+", " ");
    assertThat(help).contains("Exit status: 1 stopped once running by a fatal error")
        .contains(" 2 refused at start-up")
        // a signal ends the JVM with 128 + its number (FaultToleranceIT: 143 after SIGTERM), never 0
        .contains(" 143 stopped by SIGTERM (130: by Ctrl-C, SIGINT)")
        .doesNotContain(" 0 stopped");
  }

  /**
   * 143 is also the status of a SIGTERM whose close could not finish (the broker gone: Kafka Streams' close gives up
   * after 30 s, or the hook's 45 s bound cuts the close off, each with a WARN), so `run --help` calling every 143 a
   * close that finished cleanly told a supervisor that uncommitted frames had been committed.
   */
  @Test
  void runHelpSaysA143CanFollowACloseThatDidNotFinish() {
    String help = Main.commandLine().getSubcommands().get("run").getUsageMessage().replaceAll("\\s+", " ");
    assertThat(help).doesNotContain("after closing cleanly")
        .contains("also when the close could not finish")
        .contains("did not finish closing");
  }

  /**
   * A shell line in the docs may go on past the monitor's command (a pipe, {@code &&}, {@code ;}): the flags after
   * that are the next program's ({@code | jq --raw-output}, {@code && kubectl apply --dry-run=client}), not the
   * monitor's. A table's escaped pipe ({@code [--format jsonl\|table]}) is the command's own.
   */
  @Test
  void flagsAfterAPipeOrAnAndBelongToTheNextProgramNotToTheMonitor() {
    CommandLine root = Main.commandLine();
    java.util.List<String> wrong = new java.util.ArrayList<>();
    commandsNotTaken(root, "doc", "./monitor config --check | grep --count x", wrong);
    commandsNotTaken(root, "doc", "./monitor config --check && kubectl apply --dry-run=client -f x.yaml", wrong);
    commandsNotTaken(root, "doc", "./monitor config --check; ls --all", wrong);
    assertThat(wrong).isEmpty();
    commandsNotTaken(root, "doc", "./monitor score [--format jsonl\\|table] [--modle DIR] PATH", wrong);
    assertThat(wrong).as("an escaped pipe does not end the command").containsExactly("doc: ./monitor score --modle");
  }

  /** Adds to {@code wrong} each ./monitor command in {@code span} that does not exist or take a flag written with it. */
  private static int commandsNotTaken(CommandLine root, String doc, String span, java.util.List<String> wrong) {
    int seen = 0;
    // the command ends at the next one, a comment, or a shell operator (a pipe not escaped as in a table, &&, ;)
    java.util.regex.Matcher cmd = java.util.regex.Pattern
        .compile("\\./monitor ([a-z][a-z-]*)((?:(?!\\./monitor|\\s#|(?<!\\\\)\\||&&|;).)*)").matcher(span);
    while (cmd.find()) {
      seen++;
      CommandLine sub = root.getSubcommands().get(cmd.group(1));
      if (sub == null) {
        wrong.add(doc + ": ./monitor " + cmd.group(1) + " (no such command)");
      } else if (!(sub.getCommand() instanceof Main.DemoUnavailable)) { // the demo's flags are the demo module's
        java.util.regex.Matcher flag = java.util.regex.Pattern.compile("(?<![\\w-])--[a-z][a-z-]*").matcher(cmd.group(2));
        while (flag.find()) {
          if (sub.getCommandSpec().findOption(flag.group()) == null) {
            wrong.add(doc + ": ./monitor " + cmd.group(1) + " " + flag.group());
          }
        }
      }
    }
    return seen;
  }

  /**
   * {@code ./monitor help demo} runs the production jar, where the demo is a stand-in: its help read
   * "Usage: monitor demo [-hV]", as if the demo took no options, and a newcomer looking for --frames or --http-port
   * found none. It says where the demo's options are listed.
   */
  @Test
  void helpDemoFromTheProductionJarSaysWhereTheDemosOptionsAre() {
    StringWriter out = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    assertThat(cl.execute("help", "demo")).isZero();
    assertThat(out.toString().replaceAll("\\s+", " ")).contains("./monitor demo --help lists its options");
  }
}
