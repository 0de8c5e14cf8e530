package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every command's --help read as a newcomer reads it: each option says what it is, shows the default the command
 * really uses, each command says what its exit statuses mean, and no word is cut across two lines.
 */
class HelpTextTest {

  /** The commands a user runs; picocli's own help command and the demo (its own module) are checked elsewhere. */
  private static Map<String, CommandLine> commands() {
    Map<String, CommandLine> all = new java.util.LinkedHashMap<>(Main.commandLine().getSubcommands());
    all.remove("help");
    all.entrySet().removeIf(e -> e.getValue().getCommand() instanceof Main.DemoUnavailable
        || e.getValue().getCommandSpec().usageMessage().hidden());
    return all;
  }

  private static boolean standard(OptionSpec o) {
    return o.usageHelp() || o.versionHelp();
  }

  private static String rendered(ArgSpec a) {
    return String.join(" ", a.renderedDescription()).replaceAll("\\s+", " ");
  }

  @Test
  void everyOptionAndParameterSaysWhatItIs() {
    List<String> bare = new ArrayList<>();
    commands().forEach((name, cmd) -> cmd.getCommandSpec().args().forEach(a -> {
      if (!(a instanceof OptionSpec o && standard(o)) && rendered(a).isBlank()) {
        bare.add(name + " " + a.paramLabel());
      }
    }));
    assertThat(bare).as("options and parameters without a description").isEmpty();
  }

  /**
   * A project folder named in help as models/... (a default set, the recipe) named nothing to a user running the
   * monitor from another folder: each names the monitor's folder too (advmon.home, which the launcher sets), where the
   * command looks for it.
   */
  @Test
  void everyProjectFolderNamedInHelpSaysInWhichFolder() {
    String before = System.getProperty("advmon.home");
    System.setProperty("advmon.home", "/opt/advmon");
    try {
      List<String> relative = new ArrayList<>();
      commands().forEach((name, cmd) -> cmd.getCommandSpec().args().forEach(a -> {
        String shown = rendered(a);
        if (shown.split("models/", -1).length != shown.split("models/\\S+ in /opt/advmon\\b", -1).length) {
          relative.add(name + " " + a.paramLabel() + ": " + shown);
        }
      }));
      assertThat(relative).as("help naming a project folder relative to wherever the user is").isEmpty();
      assertThat(commands().get("evaluate").getUsageMessage().replaceAll("\\s+", " "))
          .contains("default: models/eval/fashion-mnist-test in /opt/advmon)");
      System.clearProperty("advmon.home");
      assertThat(commands().get("evaluate").getUsageMessage()).as("without advmon.home: ADVMON_HOME, or the folder")
          .doesNotContain("${");
    } finally {
      if (before == null) {
        System.clearProperty("advmon.home");
      } else {
        System.setProperty("advmon.home", before);
      }
    }
  }

  /**
   * A default written by hand in a description drifts from the annotation's defaultValue (what the command really
   * uses): each option with a defaultValue shows that value ("default on"/"off" for a switch).
   */
  @Test
  void everyDefaultShownIsTheOneTheCommandUses() {
    List<String> wrong = new ArrayList<>();
    commands().forEach((name, cmd) -> cmd.getCommandSpec().options().forEach(o -> {
      if (standard(o) || o.defaultValue() == null) {
        return;
      }
      String shown = rendered(o).replace(", ", ","); // a list may be written with spaces, to wrap between its items
      boolean isSwitch = o.type() == boolean.class || o.type() == Boolean.class;
      String expected = isSwitch ? "default " + (Boolean.parseBoolean(o.defaultValue()) ? "on" : "off")
          : o.defaultValue().equals(String.valueOf(Integer.MAX_VALUE)) ? "default all" : o.defaultValue();
      if (!shown.contains(expected)) {
        wrong.add(name + " " + o.longestName() + ": default " + o.defaultValue() + ", help says: " + shown);
      }
    }));
    assertThat(wrong).as("options whose help does not show their real default").isEmpty();
  }

  /**
   * An option without a paramLabel shows its Java field's name ({@code --per-corruption=<perCorruption>},
   * {@code --oi-tau=<oiTau>}): it says nothing about what to give, and the same option read N in corrupt's help.
   */
  @Test
  void everyOptionValueIsLabelledForAUserNotByItsFieldName() {
    List<String> unlabelled = new ArrayList<>();
    commands().forEach((name, cmd) -> cmd.getCommandSpec().options().forEach(o -> {
      if (o.arity().max() > 0 && o.paramLabel().startsWith("<")) {
        unlabelled.add(name + " " + o.longestName() + "=" + o.paramLabel());
      }
    }));
    assertThat(unlabelled).as("option values labelled by a Java field's name").isEmpty();
  }

  @Test
  void everyCommandListsItsExitStatuses() {
    List<String> without = new ArrayList<>();
    commands().forEach((name, cmd) -> {
      String help = cmd.getUsageMessage(CommandLine.Help.Ansi.OFF);
      if (!help.contains("Exit status:") || !help.matches("(?s).*\\n  2 .*")) {
        without.add(name);
      }
    });
    assertThat(without).as("commands whose --help lists no exit statuses (2: an error stopped it)").isEmpty();
  }

  /**
   * corrupt loads no engine and no model setting, but its status 2 read "a bundle or engine that cannot load" (the
   * wording shared by the commands that load one), which sends a reader looking for a model setting it never reads;
   * it names what it refuses, the bundle only as its --model (read for a labels.csv of class names).
   */
  @Test
  void corruptsHelpNamesWhatItRefusesAndOnlyTheBundleItsModelOptionNames() {
    String statuses = String.join(" ",
        commands().get("corrupt").getCommandSpec().usageMessage().exitCodeList().values()); // as written, unwrapped
    assertThat(statuses).doesNotContain("engine").doesNotContain("a bundle or").contains("without labels.csv")
        .contains("an image it cannot read").contains("not empty").contains("a --model bundle that cannot load");
  }

  /**
   * A status a command returns that its --help does not list reads to a script or supervisor as unexplained, and
   * everyCommandListsItsExitStatuses cannot see it. The statuses each command's call() can return, read from its
   * source (literals and constants, through the ternaries and the int methods of its own it returns), each listed.
   */
  @Test
  void everyStatusACommandReturnsIsListedInItsHelp() {
    List<String> unlisted = new ArrayList<>();
    commands().forEach((name, cmd) -> {
      Class<?> type = cmd.getCommand().getClass();
      java.util.Set<String> listed = cmd.getCommandSpec().usageMessage().exitCodeList().keySet().stream()
          .map(String::strip).collect(java.util.stream.Collectors.toSet());
      for (String status : ReturnedStatuses.of(type)) {
        if (!listed.contains(status) && !(name.equals("run") && status.equals("0"))) {
          unlisted.add(name + " returns " + status);
        }
      }
    });
    assertThat(unlisted).as("statuses returned but not listed in --help (run's 0 comes only after a signal, where "
        + "the JVM exits 128 + its number, listed as 143)").isEmpty();
  }

  /**
   * README's [Commands] paragraph on exit statuses gives every command's 0 and 2 and names the commands that add their
   * own: it named score, run and redrive, where demo adds its own too (1, 130 and 143), and run has no 0 at all. The
   * commands named as adding their own are those whose --help lists a status other than 0 and 2 (demo's read in its
   * module's test), and those said to have no 0 those whose --help lists none.
   */
  @Test
  void readmeNamesTheCommandsWithExitStatusesOfTheirOwnAndThoseWithout0() throws Exception {
    String readme = java.nio.file.Files.readString(dev.advmon.testing.TestData.repoRoot().resolve("README.md"));
    int from = readme.indexOf("Every command's `--help` ends with its exit statuses");
    assertThat(from).as("README's paragraph on exit statuses").isNotNegative();
    String paragraph = readme.substring(from, readme.indexOf("\n\n", from)).replaceAll("\\s+", " ");
    int own = paragraph.indexOf(" add their own");
    assertThat(own).as(paragraph).isPositive();
    String named = paragraph.substring(paragraph.lastIndexOf(';', own), own);
    java.util.Set<String> addTheirOwn = new java.util.TreeSet<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("`([a-z-]+)`").matcher(named);
    while (m.find()) {
      addTheirOwn.add(m.group(1));
    }
    java.util.Set<String> withoutZero = new java.util.TreeSet<>();
    m = java.util.regex.Pattern.compile("`([a-z-]+)` has no 0").matcher(paragraph);
    while (m.find()) {
      withoutZero.add(m.group(1));
    }
    java.util.Set<String> expectedOwn = new java.util.TreeSet<>();
    java.util.Set<String> expectedWithoutZero = new java.util.TreeSet<>();
    commands().forEach((name, cmd) -> {
      java.util.Set<String> listed = cmd.getCommandSpec().usageMessage().exitCodeList().keySet().stream()
          .map(String::strip).collect(java.util.stream.Collectors.toSet());
      if (!java.util.Set.of("0", "2").containsAll(listed)) {
        expectedOwn.add(name);
      }
      if (!listed.contains("0")) {
        expectedWithoutZero.add(name);
      }
    });
    addTheirOwn.remove("demo"); // its own module's DemoCommandTest checks that README names it
    assertThat(addTheirOwn).as(paragraph).isEqualTo(expectedOwn);
    assertThat(withoutZero).as(paragraph).isEqualTo(expectedWithoutZero);
  }

  @Test
  void theReturnedStatusesAreReadThroughTernariesConstantsAndMethods() {
    assertThat(ReturnedStatuses.of(ScoreCommand.class)).containsExactlyInAnyOrder("0", "1");
    assertThat(ReturnedStatuses.of(RedriveCommand.class)).contains("0", "1", "3");
    assertThat(ReturnedStatuses.of(RunCommand.class)).containsExactlyInAnyOrder("0", "1");
  }

  /** Statuses of {@link StatusFixture}, whose source is given as text: what the scan reads is what it lists. */
  static final class StatusFixture {
    static final int REFUSED = 3;
  }

  /**
   * A method with overloads is read whole: the scan read the first method of the name only, so a status returned by a
   * later overload (here 4) went unlisted and unchecked.
   */
  @Test
  void theReturnedStatusesOfEveryOverloadOfACalledMethodAreRead() {
    String source = "class StatusFixture { int call() { return finish(1); }\n"
        + "  int finish() { return 0; }\n"
        + "  int finish(int n) { return n > 0 ? REFUSED : 4; } }";
    assertThat(ReturnedStatuses.of(StatusFixture.class, source)).containsExactlyInAnyOrder("0", "3", "4");
  }

  /**
   * A return of an expression that merely starts with a call and ends with ')' is not a call: "f(a) + g(b)" was read
   * as f, its g and its sum silently left out. It is refused, naming it, as any expression the scan cannot read.
   */
  @Test
  void aReturnedSumOfCallsIsRefusedRatherThanReadAsItsFirstCall() {
    String source = "class StatusFixture { int call() { return base(1) + extra(2); }\n"
        + "  int base(int a) { return 0; }\n"
        + "  int extra(int b) { return 2; } }";
    assertThatThrownBy(() -> ReturnedStatuses.of(StatusFixture.class, source)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("returns base(1) + extra(2), which this test cannot read as a status");
  }

  /**
   * picocli wraps at 80 columns and cuts a word at a dot, a colon or a hyphen, or anywhere when it is longer than the
   * column: a setting name (startup.\nmax-wait-ms), a path, a file suffix or a date example then reads, and pastes, as
   * two pieces. Checked for those words (a dot or colon inside, a slash, a leading dot); a list cut after a comma or a
   * word after its hyphen still reads as one.
   */
  private static final java.util.regex.Pattern PASTED = java.util.regex.Pattern.compile("\\w[.:]\\w|/|^\\(?\\.\\w");

  @Test
  void noWordIsCutAcrossTwoLines() {
    List<String> cut = new ArrayList<>();
    commands().forEach((name, cmd) -> {
      String help = cmd.getUsageMessage(CommandLine.Help.Ansi.OFF);
      List<String> texts = new ArrayList<>();
      cmd.getCommandSpec().args().forEach(a -> texts.add(rendered(a)));
      texts.addAll(List.of(cmd.getCommandSpec().usageMessage().description()));
      texts.addAll(cmd.getCommandSpec().usageMessage().exitCodeList().values());
      for (String text : texts) {
        for (String word : text.replace("%%", "%").replace("%n", " ").split("\\s+")) {
          if (PASTED.matcher(word).find() && !help.contains(word)) {
            cut.add(name + ": " + word);
          }
        }
      }
    });
    assertThat(cut).as("words of a description that --help cuts across two lines").isEmpty();
  }
}
