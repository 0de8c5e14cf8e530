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
        }
      }
    }
    assertThat(references).as("the pattern still finds the references (else this test checks nothing)").isNotEmpty();
    assertThat(broken).as("references to README sections that do not exist (rename them to a heading)").isEmpty();
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
