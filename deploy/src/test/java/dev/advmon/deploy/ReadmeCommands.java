package dev.advmon.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The kubectl commands README.md gives, for tests that hold them to the rendered manifests. */
final class ReadmeCommands {

  /** An inline code span of README's text: a backtick to the next, line breaks within it allowed. */
  private static final Pattern INLINE = Pattern.compile("`([^`]+)`");

  private ReadmeCommands() {}

  /** The kubectl commands of README's code blocks, in README's order; one continued with a backslash is one. */
  static List<String> inCodeBlocks() throws IOException {
    String[] parts = readme().split("```");
    List<String> commands = new ArrayList<>();
    for (int i = 1; i < parts.length; i += 2) {
      parts[i].replaceAll("\\\\\\n\\s*", " ").lines().map(String::strip).filter(l -> l.startsWith("kubectl "))
          .forEach(commands::add);
    }
    return commands;
  }

  /** The kubectl commands of README's code blocks, then those written inline in its text (`kubectl ...`). */
  static List<String> all() throws IOException {
    List<String> commands = inCodeBlocks();
    String[] parts = readme().split("```");
    for (int i = 0; i < parts.length; i += 2) {
      Matcher m = INLINE.matcher(parts[i]);
      while (m.find()) {
        String span = m.group(1).replaceAll("\\s+", " ").strip();
        if (span.startsWith("kubectl ")) {
          commands.add(span);
        }
      }
    }
    return commands;
  }

  private static String readme() throws IOException {
    return Files.readString(Kustomize.repoRoot().resolve("README.md"));
  }
}
