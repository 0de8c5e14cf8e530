package dev.advmon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the fault tests' table goes, and what its header says about how it was measured. */
class ReliabilityReportTest {

  @TempDir Path root;

  private static ReliabilityReport oneFault() {
    ReliabilityReport report = new ReliabilityReport();
    report.add(new ReliabilityReport.Row("kill -9", 10, 10, 0, 0, 0, 1.5, "2.0 s", List.of("0.0 UP")));
    return report;
  }

  @Test
  void aRunBesideOtherTestsNeverReplacesThePublishedTable() throws Exception {
    Path file = ReliabilityReport.file(root, true);
    Files.createDirectories(file.getParent());

    assertThat(oneFault().write(file, "header", 1, true)).isTrue();

    assertThat(file).isEqualTo(root.resolve("stream-app/target/RELIABILITY.md"));
    assertThat(root.resolve("RELIABILITY.md")).doesNotExist();
    assertThat(Files.readString(file)).contains("beside another system test", "not the published restart times",
        ReliabilityReport.RUN_ALONE);
  }

  @Test
  void aRunAloneRewritesReliabilityMdAndSaysHowToRepeatIt() throws Exception {
    Path file = ReliabilityReport.file(root, false);

    assertThat(oneFault().write(file, "header", 1, false)).isTrue();

    assertThat(file).isEqualTo(root.resolve("RELIABILITY.md"));
    assertThat(Files.readString(file)).contains("run alone (" + ReliabilityReport.RUN_ALONE + ")", "| kill -9 | 10 |")
        .doesNotContain("beside another");
  }

  @Test
  void theReadmeGivesTheCommandThatRewritesTheTable() throws Exception {
    String readme = Files.readString(TestData.repoRoot().resolve("README.md")).replaceAll("\\s*\\n\\s*", " ");
    String command = ReliabilityReport.RUN_ALONE.replace("`", "");

    assertThat(readme).contains(command);
  }
}
