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
        .contains("judge only this sample").contains("### Attack kinds").contains("corruptions none, fixtures");
  }

  @Test
  void refusesToMeasureAnRgbBundleOnTheGrayscaleDefaultSetsAndNamesTheOptionsToPass() {
    System.setProperty("advmon.home", TestData.repoRoot().toString());
    String rgb = TestData.repoRoot().resolve("stream-app/src/test/resources/models/tiny-rgb").toString();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = Main.commandLine();
    cl.setErr(new java.io.PrintWriter(err, true));
    assertThat(cl.execute("evaluate", "--model", rgb, "--engine", "OnnxRuntime", "none")).isNotZero();
    assertThat(err.toString()).contains("3x16x16", "1x28x28", "--clean DIR", "--corruptions none");

    java.io.StringWriter err2 = new java.io.StringWriter();
    picocli.CommandLine cl2 = Main.commandLine();
    cl2.setErr(new java.io.PrintWriter(err2, true));
    // its own clean set named, the default corruption set still is Fashion-MNIST's
    assertThat(cl2.execute("evaluate", "--model", rgb, "--engine", "OnnxRuntime", "--clean",
        TestData.repoRoot().resolve("models/eval/fashion-mnist-test").toString(), "none")).isNotZero();
    assertThat(err2.toString()).contains("--corruptions none").doesNotContain("--clean DIR");
    assertThat(err2.toString()).as("says how to make a corruption set of its own frames").contains("./monitor corrupt");
  }

  @Test
  void aCorruptionFolderWithoutManifestIsRefusedWithTheCommandThatMakesOne(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
    System.setProperty("advmon.home", TestData.repoRoot().toString());
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = Main.commandLine();
    cl.setErr(new java.io.PrintWriter(err, true));
    assertThat(cl.execute("evaluate", "--engine", "OnnxRuntime", "--corruptions", tmp.toString(), "none")).isNotZero();
    assertThat(err.toString()).contains(tmp.resolve("manifest.csv").toString(), "./monitor corrupt --images", "--corruptions none")
        .doesNotContain("corruptions.py");
  }

  @Test
  void evaluateOverinterpretationRefusesTheGrayscaleDefaultCleanSetForAnRgbBundle() {
    System.setProperty("advmon.home", TestData.repoRoot().toString());
    String rgb = TestData.repoRoot().resolve("stream-app/src/test/resources/models/tiny-rgb").toString();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = Main.commandLine();
    cl.setErr(new java.io.PrintWriter(err, true));
    assertThat(cl.execute("evaluate-overinterpretation", "--model", rgb, "--limit", "5")).isNotZero();
    assertThat(err.toString()).contains("3x16x16", "1x28x28", "--clean DIR");
  }
}
