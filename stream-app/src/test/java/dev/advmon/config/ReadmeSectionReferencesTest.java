package dev.advmon.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.testing.TestData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Messages, comments and shipped configuration send the reader to a README section by name ("(README, Deploy on
 * Kubernetes)"); a section renamed later leaves them pointing nowhere, which is worst in a message an operator reads
 * while something is wrong. Every such reference must name a heading of that README.
 */
class ReadmeSectionReferencesTest {

  /** {@code (README, Name)}, {@code (README.md, "Name")}, {@code (models/README.md, "Name", step 4)}. */
  private static final Pattern REFERENCE =
      Pattern.compile("\\(((?:[\\w.-]+/)*README(?:\\.md)?),\\s*\"?([A-Z][^)\",\\n]*)");

  /** {@code ModelDocs.readme("Name")}: a section of models/README.md, named by the absolute path at run time. */
  private static final Pattern MODEL_DOCS = Pattern.compile("ModelDocs\\.readme\\(\"([^\"]+)\"\\)");

  /** {@code ModelDocs.projectReadme("Name")}: a section of the project's README.md, by its absolute path at run time. */
  private static final Pattern PROJECT_DOCS = Pattern.compile("ModelDocs\\.projectReadme\\(\"([^\"]+)\"\\)");

  /** What ships or is printed: the sources of every module, the example and deployment configuration. */
  private static final List<String> ROOTS = List.of("stream-app/src/main", "demo/src/main", "loadtest/src/main",
      "deploy/src/main", "deploy/src/image", "config", "k8s");

  @Test
  void everyReadmeSectionThatCodeAndConfigurationNameExists() throws IOException {
    Path repo = TestData.repoRoot();
    List<String> references = new ArrayList<>();
    List<String> broken = new ArrayList<>();
    for (String root : ROOTS) {
      if (!Files.isDirectory(repo.resolve(root))) {
        continue;
      }
      try (Stream<Path> files = Files.walk(repo.resolve(root))) {
        for (Path file : files.filter(Files::isRegularFile).toList()) {
          Matcher m = REFERENCE.matcher(read(file));
          while (m.find()) {
            Path readme = m.group(1).contains("/") ? repo.resolve(m.group(1)) : repo.resolve("README.md");
            String where = repo.relativize(file) + ": (" + m.group(1) + ", " + m.group(2).trim() + ")";
            references.add(where);
            if (!headings(readme).stream().anyMatch(h -> h.startsWith(m.group(2).trim()))) {
              broken.add(where);
            }
          }
          Matcher p = PROJECT_DOCS.matcher(read(file));
          while (p.find()) {
            String where = repo.relativize(file) + ": ModelDocs.projectReadme(\"" + p.group(1) + "\")";
            references.add(where);
            if (!headings(repo.resolve("README.md")).stream().anyMatch(h -> h.startsWith(p.group(1)))) {
              broken.add(where);
            }
          }
          Matcher d = MODEL_DOCS.matcher(read(file));
          while (d.find()) {
            String where = repo.relativize(file) + ": ModelDocs.readme(\"" + d.group(1) + "\")";
            references.add(where);
            if (!headings(repo.resolve("models/README.md")).stream().anyMatch(h -> h.startsWith(d.group(1)))) {
              broken.add(where);
            }
          }
        }
      }
    }
    assertThat(references).as("the pattern still finds the references (else this test checks nothing)").isNotEmpty();
    assertThat(broken).as("references to README sections that do not exist (rename them to a heading)").isEmpty();
  }

  /**
   * A user runs ./monitor from their own folder (a bundle's, a config's), where "see README.md", "(README, Faults)" or
   * "models/eval/fashion-mnist-test" names nothing: the monitor's messages name the project's files through ModelDocs,
   * by absolute path under the monitor's home. Checked in stream-app's string literals, leaving out --help texts (an
   * annotation's) and paths the code resolves against the home.
   */
  @Test
  void messagesNameTheProjectsFilesByAPathThatWorksFromAnyFolder() throws IOException {
    Path repo = TestData.repoRoot();
    Pattern relative = Pattern.compile("(?<!models/)README\\.md|\\(README\\b|models/eval/|models/corruptions"
        + "|models/fashion-mnist-shortcut|k8s/strimzi/");
    Pattern token = Pattern.compile("(?s)\"(?:\\\\.|[^\"\\\\])*\"|'(?:\\\\.|[^'\\\\])+'|//[^\n]*|/\\*.*?\\*/");
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(repo.resolve("stream-app/src/main/java"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String source = read(file);
        // the code with its strings and comments blanked, to find the statement a string is in
        String code = token.matcher(source).replaceAll(m -> " ".repeat(m.group().length()));
        Matcher t = token.matcher(source);
        while (t.find()) {
          if (!t.group().startsWith("\"") || !relative.matcher(t.group()).find()) {
            continue;
          }
          String before = code.substring(0, t.start());
          String statement = before.substring(before.lastIndexOf(';') + 1);
          if (statement.matches("(?s).*@(Option|Command|Parameters)\\(.*") || before.matches("(?s).*(resolve|project|file)\\(\\s*")) {
            continue;
          }
          found.add(repo.relativize(file) + ": " + t.group());
        }
      }
    }
    assertThat(found).as("messages that name a project file relative to the project folder (use ModelDocs)").isEmpty();
  }

  /**
   * README's own links: a relative link must name a file of the repository, and a {@code #anchor} (in README or in
   * the Markdown file it links to) a heading there. Headings get renamed (BENCHMARKS.md's section titles carry the
   * dates they cover), and a link into a renamed one silently lands at the top of the file.
   */
  @Test
  void everyLinkInTheReadmeResolves() throws IOException {
    Path repo = TestData.repoRoot();
    // Code blocks and code spans are not rendered as links.
    String readme = read(repo.resolve("README.md")).replaceAll("(?s)```.*?```", "").replaceAll("`[^`\\n]*`", "");
    Matcher link = Pattern.compile("\\]\\(([^)\\s]+)\\)").matcher(readme);
    List<String> links = new ArrayList<>();
    List<String> broken = new ArrayList<>();
    while (link.find()) {
      String target = link.group(1);
      if (target.matches("^[a-z]+:.*")) {
        continue; // http(s), mailto: not this repository's
      }
      links.add(target);
      int hash = target.indexOf('#');
      String file = hash < 0 ? target : target.substring(0, hash);
      Path path = repo.resolve(file.isEmpty() ? "README.md" : file);
      if (!Files.exists(path)) {
        broken.add(target + " (no such file)");
      } else if (hash >= 0 && !(Files.isRegularFile(path) && anchors(path).contains(target.substring(hash + 1)))) {
        broken.add(target + " (no such heading)");
      }
    }
    assertThat(links).as("the pattern still finds README's links (else this test checks nothing)").isNotEmpty();
    assertThat(broken).as("README links that lead nowhere (rename them to a heading's anchor, or a file)").isEmpty();
  }

  /** The anchors GitHub gives a Markdown file's headings: lower case, punctuation dropped, spaces as hyphens. */
  private static java.util.Set<String> anchors(Path markdown) {
    java.util.Set<String> anchors = new java.util.HashSet<>();
    java.util.Map<String, Integer> seen = new java.util.HashMap<>();
    for (String heading : headings(markdown)) {
      String slug = new String(heading.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
          java.nio.charset.StandardCharsets.UTF_8).toLowerCase(java.util.Locale.ROOT)
          .replaceAll("[^\\p{L}\\p{N}_ -]", "").replace(' ', '-');
      int n = seen.merge(slug, 1, Integer::sum);
      anchors.add(n == 1 ? slug : slug + "-" + (n - 1)); // a repeated heading gets -1, -2, ...
    }
    return anchors;
  }

  private static List<String> headings(Path readme) {
    return read(readme).lines().filter(l -> l.startsWith("#"))
        .map(l -> l.replaceFirst("^#+\\s*", "").replace("`", "")).toList();
  }

  private static String read(Path file) {
    try {
      return new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
