package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * ./loadtest/run's --help read as a newcomer reads it, as stream-app's HelpTextTest reads the monitor's: what the
 * usage line says is required is what the options say, no description stacks two parentheses, and no word is cut
 * across two lines.
 */
class LoadTestHelpTextTest {

  private static Map<String, CommandLine> commands() {
    CommandLine cl = LoadTestCommand.commandLine();
    return Map.of("loadtest", cl, "loadtest benchmark", cl.getSubcommands().get("benchmark"));
  }

  private static String rendered(ArgSpec a) {
    return String.join(" ", a.renderedDescription()).replaceAll("\\s+", " ");
  }

  /** The usage lines: from "Usage:" to the description. */
  private static String synopsis(CommandLine cmd) {
    return cmd.getHelp().synopsis(0);
  }

  /**
   * Before: --report read "(required)" while the usage line showed [--report=DIR], optional, and neither --embedded
   * nor --config as needed: the help contradicted itself, and a newcomer learnt what a load test needs from the
   * error.
   */
  @Test
  void theUsageLineShowsWhatALoadTestNeedsAndNoOptionContradictsIt() {
    String synopsis = synopsis(LoadTestCommand.commandLine());
    assertThat(synopsis).contains("(--embedded | --config=FILE) --report=DIR").doesNotContain("[--report=DIR]")
        .contains("benchmark --report=DIR");
    List<String> contradicted = new ArrayList<>();
    commands().forEach((name, cmd) -> cmd.getCommandSpec().options().forEach(o -> {
      boolean saysRequired = rendered(o).contains("required");
      String usage = synopsis(cmd);
      boolean shownOptional = usage.contains("[" + o.longestName() + "=") || usage.contains("[" + o.longestName() + "]")
          || !usage.contains(o.longestName());
      if (saysRequired && shownOptional) {
        contradicted.add(name + " " + o.longestName() + ": " + rendered(o));
      }
    }));
    assertThat(contradicted).as("options whose description says required while the usage line shows them optional")
        .isEmpty();
  }

  /** Before: "Frames per second over all cameras (the first rate of a ramp) (default 100)". */
  @Test
  void noDescriptionStacksTwoParentheses() {
    List<String> doubled = new ArrayList<>();
    commands().forEach((name, cmd) -> cmd.getCommandSpec().args().forEach(a -> {
      if (rendered(a).contains(") (")) {
        doubled.add(name + " " + (a instanceof OptionSpec o ? o.longestName() : a.paramLabel()) + ": " + rendered(a));
      }
    }));
    assertThat(doubled).isEmpty();
  }

  /** A file name, setting or path that picocli wraps at its dot reads, and pastes, as two pieces ("report.\njson"). */
  private static final Pattern PASTED = Pattern.compile("\\w[.:]\\w|/|^\\(?\\.\\w");

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
