package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** `evaluate` on a sample must not read as a verdict on the targets. */
class EvaluateCommandTest {

  @Test
  void aSampledRunSaysItsMetJudgesOnlyTheSample() {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setProperty("advmon.home", TestData.repoRoot().toString());
      exit = Main.commandLine().execute("evaluate", "--engine", "OnnxRuntime", "--per-kind", "3", "--clean-limit", "40",
          "--corruptions", "none", TestData.repoRoot().resolve("models/fixtures").toString());
    } finally {
      System.setOut(old);
    }
    String report = out.toString(StandardCharsets.UTF_8);
    assertThat(exit).isZero();
    assertThat(report).startsWith("**A sample (--per-kind 3, --clean-limit 40)**")
        .contains("judge only this sample").contains("### Attack kinds");
  }
}
