package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

  /**
   * A user's 3x16x16 colour model evaluated on the committed Fashion-MNIST fixtures (28x28 grey attacks on another
   * model) printed "100.0% detected, ROC-AUC 1.0000, met" for every kind: the frames, resized and turned grey, tied
   * the model's classes and every detector fired. An attack resized is no longer the attack; such fixtures are refused,
   * naming a frame, both sizes and what to give, before anything is loaded.
   */
  @Test
  void refusesAttackFixturesOfAnotherFrameSizeThanTheModels(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws Exception {
    Path rgb = TestData.repoRoot().resolve("stream-app/src/test/resources/models/tiny-rgb");
    Path fixtures = TestData.repoRoot().resolve("models/fixtures");
    Path clean = cleanSet(tmp, "test-00000.png,0", "test-00001.png,1");
    assertThat(evaluateFails("--model", rgb.toString(), "--clean", clean.toString(), "--corruptions", "none",
        fixtures.toString())).contains(fixtures.resolve("fgsm/fgsm-0000.png").toString(), "28x28", "16x16",
        "FIXTURES", "none");
  }

  /**
   * Only the first frame of each kind was checked: a fixture folder whose first fgsm frame is of the model's size and
   * whose second is not passed, and the second was then resized and measured as an attack. Every frame is checked
   * (its header only), and the first of another size is named.
   */
  @Test
  void refusesAFixtureFolderWhoseLaterFrameOfAKindIsOfAnotherSize(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws Exception {
    Path committed = TestData.repoRoot().resolve("models/fixtures");
    Path fixtures = Files.createDirectories(tmp.resolve("fixtures").resolve("fgsm"));
    Files.copy(committed.resolve("fgsm/fgsm-0000.png"), fixtures.resolve("fgsm-0000.png"));
    java.awt.image.BufferedImage small = new java.awt.image.BufferedImage(16, 16,
        java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    // a JPEG: read through ImageIO's header reader, where a PNG's size is taken from its first 24 bytes
    javax.imageio.ImageIO.write(small, "jpg", fixtures.resolve("fgsm-0001.jpg").toFile());
    Files.writeString(tmp.resolve("fixtures/manifest.csv"), "file,kind,true_label,family\n"
        + "fgsm/fgsm-0000.png,fgsm,3,linf\nfgsm/fgsm-0001.jpg,fgsm,4,linf\n");
    Path clean = cleanSet(Files.createDirectories(tmp.resolve("clean")), "test-00000.png,9", "test-00001.png,2");
    assertThat(evaluateFails("--clean", clean.toString(), "--corruptions", "none", tmp.resolve("fixtures").toString()))
        .contains(tmp.resolve("fixtures/fgsm/fgsm-0001.jpg").toString(), "16x16", "28x28", "FIXTURES")
        .doesNotContain("fgsm-0000.png");
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

  private static String evaluateFails(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("evaluate", "--engine", "OnnxRuntime"));
    all.addAll(List.of(args));
    return fails(all.toArray(String[]::new));
  }

  /** The error output of a command that must exit non-zero. */
  private static String fails(String... args) {
    System.setProperty("advmon.home", TestData.repoRoot().toString());
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = Main.commandLine();
    cl.setErr(new java.io.PrintWriter(err, true));
    assertThat(cl.execute(args)).as(err.toString()).isNotZero();
    return err.toString();
  }

  /**
   * Two clean frames and no fixtures: the clean row read "met" beside a 95% upper bound of 65.8% (no alarm on two
   * frames says nothing of a 5% target), and the leave-one-family-out table was a header alone, without a word why.
   */
  @Test
  void aCleanSetTooSmallToJudgeIsSaidSoAndAnEmptyLeaveOutTableSaysWhy(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws Exception {
    Path clean = cleanSet(tmp, "test-00000.png,9", "test-00001.png,2");
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setProperty("advmon.home", TestData.repoRoot().toString());
      assertThat(Main.commandLine().execute("evaluate", "--engine", "OnnxRuntime", "--clean", clean.toString(),
          "--corruptions", "none", "none")).isZero();
    } finally {
      System.setOut(old);
    }
    String report = out.toString(StandardCharsets.UTF_8);
    String cleanRow = report.lines().filter(l -> l.startsWith("| **clean test frames** |")).findFirst().orElseThrow();
    assertThat(cleanRow).doesNotEndWith("| met |").contains("too few frames to judge", "73");
    String leaveOut = report.substring(report.indexOf("### Leave one family out"));
    assertThat(leaveOut).contains("No attack fixtures given (FIXTURES = none): no family to hold out.");
  }

  /**
   * evaluate-overinterpretation --model my-model labelled its rows "default bundle, clean test frames": a user
   * measuring their own model read the numbers as the bundled model's. The rows name the model measured. (The clean
   * set is labelled with class names, read through its manifest.)
   */
  @Test
  void evaluateOverinterpretationNamesTheModelItMeasured(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path clean = cleanSet(tmp, "test-00000.png,Ankle boot", "test-00001.png,Pullover");
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setProperty("advmon.home", TestData.repoRoot().toString());
      assertThat(Main.commandLine().execute("evaluate-overinterpretation", "--model",
          TestData.repoRoot().resolve("models/fashion-mnist-resnet").toString(), "--clean", clean.toString(),
          "--limit", "2")).isZero();
    } finally {
      System.setOut(old);
    }
    String report = out.toString(StandardCharsets.UTF_8);
    assertThat(report).contains("| model fashion-mnist-resnet, clean test frames | 2 |",
        "| model fashion-mnist-resnet, 95%-removed test frames (").doesNotContain("default bundle");
  }

  /**
   * evaluate-overinterpretation --model my-model scored the user's frames, made 1x28x28 grey, through the bundled
   * shortcut model for its two "shortcut bundle" rows, and said nothing of it: the rows read as a measure of
   * my-model. A note under the table names the model those rows measure and says they say nothing of --model's.
   * The bundled model's run (BENCHMARKS.md quotes its table) prints no such note.
   */
  @Test
  void shortcutRowsOfAnotherModelsRunSayTheyMeasureTheShortcutModelOnly(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws Exception {
    Path clean = cleanSet(tmp, "test-00000.png,9", "test-00001.png,2");
    String own = overinterpretationReport("--model",
        TestData.repoRoot().resolve("models/fashion-mnist-resnet").toString(), "--clean", clean.toString());
    assertThat(own).contains("| shortcut bundle, test frames with their class's border pattern | 2 |",
        "| shortcut bundle, clean test frames | 2 |",
        "The two 'shortcut bundle' rows score these frames through fashion-mnist-shortcut (",
        "they measure nothing about model fashion-mnist-resnet");
    String bundled = overinterpretationReport("--clean", clean.toString());
    assertThat(bundled).contains("| shortcut bundle, clean test frames | 2 |").doesNotContain("measure nothing about");
  }

  /** The standard output of a successful evaluate-overinterpretation run on at most 2 frames. */
  private static String overinterpretationReport(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("evaluate-overinterpretation", "--limit", "2"));
    all.addAll(List.of(args));
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setProperty("advmon.home", TestData.repoRoot().toString());
      assertThat(Main.commandLine().execute(all.toArray(String[]::new))).isZero();
    } finally {
      System.setOut(old);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** A clean folder of two test frames with the labels.csv rows {@code rows} (after the header). */
  private static Path cleanSet(Path dir, String... rows) throws Exception {
    Path test = TestData.repoRoot().resolve("models/eval/fashion-mnist-test");
    Files.copy(test.resolve("test-00000.png"), dir.resolve("test-00000.png"));
    Files.copy(test.resolve("test-00001.png"), dir.resolve("test-00001.png"));
    Files.writeString(dir.resolve("labels.csv"), "file,label\n" + String.join("\n", rows) + "\n");
    return dir;
  }

  /**
   * A FIXTURES folder without manifest.csv, or a --clean folder without labels.csv, on a sampled run: the sample
   * banner went to stdout, then the error, exit 2; a script keeping stdout as the report kept a report of nothing.
   */
  @Test
  void aSampledRunOverAFolderItCannotReadPrintsNoReport(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path noManifest = Files.createDirectory(tmp.resolve("fixtures"));
    Path noLabels = Files.createDirectory(tmp.resolve("clean"));
    Map<String, List<String>> runs = Map.of(
        "manifest.csv not found", List.of("--clean-limit", "10", "--corruptions", "none", noManifest.toString()),
        "has no labels.csv", List.of("--clean", noLabels.toString(), "--clean-limit", "10", "--corruptions", "none",
            "none"));
    for (var run : runs.entrySet()) {
      PrintStream old = System.out;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      String err;
      try {
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        err = evaluateFails(run.getValue().toArray(String[]::new));
      } finally {
        System.setOut(old);
      }
      assertThat(err).contains(run.getKey());
      assertThat(out.toString(StandardCharsets.UTF_8)).as(run.getKey()).isEmpty();
    }
  }

  @Test
  void aBundleWithoutCalibrationIsRefusedBeforeAnyOutput(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    for (String f : List.of("model.onnx", "manifest.json", "holdout.txt")) {
      Files.copy(TestData.defaultBundle().resolve(f), tmp.resolve(f));
    }
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String err;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      err = evaluateFails("--model", tmp.toString(), "--per-kind", "3", "--corruptions", "none", "none");
    } finally {
      System.setOut(old);
    }
    assertThat(err).contains(tmp + " has no calibration.json: run ./monitor calibrate --model " + tmp);
    assertThat(out.toString(StandardCharsets.UTF_8)).as("no sample banner before the error").isEmpty();
  }

  @Test
  void aFileThatIsNoImageIsNamed(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path clean = cleanSet(tmp, "test-00000.png,9", "notes.txt,2");
    Files.writeString(tmp.resolve("notes.txt"), "hello\n");
    // the decoder's message alone ("bytes start with neither the PNG signature ...") named no file
    assertThat(evaluateFails("--clean", clean.toString(), "--corruptions", "none", "none"))
        .contains(tmp.resolve("notes.txt").toString(), "PNG");
  }

  @Test
  void aLabelTheModelCannotGiveIsRefusedNotCountedAsAWrongAnswer(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    // 1-based labels: 10 is no class of a 10-class model; the frame counted as "model wrong", and with every frame so,
    // every rate read n/a and every ROC-AUC NaN, exit 0
    Path clean = cleanSet(tmp, "test-00000.png,10", "test-00001.png,3");
    assertThat(evaluateFails("--clean", clean.toString(), "--corruptions", "none", "none"))
        .contains(tmp.resolve("labels.csv").toString(), "test-00000.png", "true label 10", "0-9");
  }

  @Test
  void aCorruptionManifestWithoutAClassIndexIsNamedWithItsLine(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path clean = cleanSet(Files.createDirectory(tmp.resolve("clean")), "test-00000.png,9", "test-00001.png,2");
    Path corr = Files.createDirectory(tmp.resolve("corr"));
    Files.writeString(corr.resolve("manifest.csv"), "file,corruption,severity,true_label\nfog/a.png,fog,1,9\nfog/b.png,fog,1,Coat\n");
    assertThat(evaluateFails("--clean", clean.toString(), "--corruptions", corr.toString(), "none"))
        .contains(corr.resolve("manifest.csv") + ":3", "fog/b.png", "'Coat'");
    Files.writeString(corr.resolve("manifest.csv"), "file,corruption,severity,true_label\nfog/a.png,fog,1,-1\n");
    assertThat(evaluateFails("--clean", clean.toString(), "--corruptions", corr.toString(), "none"))
        .contains(corr.resolve("manifest.csv") + ":2", "true label -1", "0-9");
  }

  @Test
  void aLimitOfNoFramesIsRefusedWithTheOptionNamed() {
    assertThat(evaluateFails("--per-kind", "0", "none")).contains("--per-kind must be at least 1, got 0");
    assertThat(evaluateFails("--clean-limit", "-5", "--corruptions", "none", "none")).contains("--clean-limit must be at least 1");
  }

  @Test
  void aFrameMissingFromItsFolderIsNamed(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    // frames are read while they are scored: the file's own error still reaches the user, not an UncheckedIOException
    Path clean = cleanSet(tmp, "test-00000.png,9", "gone.png,2");
    assertThat(evaluateFails("--clean", clean.toString(), "--corruptions", "none", "none"))
        .contains("no such file or folder: " + tmp.resolve("gone.png")).doesNotContain("UncheckedIOException");
  }

  @Test
  void evaluateOverinterpretationNamesABadLabelsRowAndALabelWithoutABorderPattern(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws Exception {
    Path clean = cleanSet(tmp, "test-00000.png,9", "test-00001.png,Jacket");
    // was "error: For input string: "Jacket"", naming no file; then it named the row but not what a label is; a
    // class name the model has is read as its class now (LabelledFolderTest), one it does not have is still refused
    assertThat(fails("evaluate-overinterpretation", "--clean", clean.toString()))
        .contains(tmp.resolve("labels.csv") + ":3", "'Jacket' is not one of the model's class names", "9 Ankle boot");
    Files.writeString(tmp.resolve("labels.csv"), "file,label\ntest-00000.png,9\ntest-00001.png,12\n");
    // was an ArrayIndexOutOfBoundsException ("Index 12 out of bounds for length 10") after the default bundle's whole run
    assertThat(fails("evaluate-overinterpretation", "--clean", clean.toString()))
        .contains(tmp.resolve("labels.csv").toString(), "test-00001.png", "label 12", "shortcut_patterns.json");
  }
}
