package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What a user sees when a command cannot do its work: exit status 2 and one line naming what was wrong (which
 * option, which file), never a stack trace.
 */
class CommandErrorsTest {

  @TempDir
  Path dir;

  /** The exit status, everything written to the command's error writer and to System.err, and System.out. */
  private record Outcome(int exit, String err, String out) {}

  private Outcome run(String... args) {
    PrintStream oldErr = System.err;
    PrintStream oldOut = System.out;
    ByteArrayOutputStream stray = new ByteArrayOutputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    try {
      System.setErr(new PrintStream(stray, true, StandardCharsets.UTF_8));
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setProperty("advmon.home", TestData.repoRoot().toString());
      CommandLine cl = Main.commandLine();
      cl.setErr(new PrintWriter(err, true));
      int exit = cl.execute(args);
      return new Outcome(exit, err + stray.toString(StandardCharsets.UTF_8), out.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(oldErr);
      System.setOut(oldOut);
    }
  }

  private static String model() {
    return TestData.repoRoot().resolve("models/fashion-mnist-cnn").toString();
  }

  private static String frame() {
    return TestData.repoRoot().resolve("models/eval/fashion-mnist-test/test-00000.png").toString();
  }

  @Test
  void inspectIntoAMissingFolderNamesThePathWithoutAStackTrace() {
    Path out = dir.resolve("no-such-folder/evidence.png");
    Outcome o = run("inspect", "--model", model(), "--engine", "OnnxRuntime", "--out", out.toString(), frame());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains("error: no such folder: " + out.getParent() + " (for " + out + ")")
        .doesNotContain("ImageOutputStream").doesNotContain("\tat ");
  }

  @Test
  void inspectIntoAFolderAsksForTheFileBeforeScoring() {
    Outcome o = run("inspect", "--model", model(), "--engine", "OnnxRuntime", "--out", dir.toString(), frame());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains("--out " + dir + " is a folder: give the PNG file to write, for example "
        + dir.resolve("evidence.png")).doesNotContain("\tat ");
  }

  /** --out evidence.jpg got PNG bytes under a JPEG name, without a word: refused before scoring, naming the fix. */
  @Test
  void inspectIntoAnImageNameOfAnotherFormatAsksForAPngName() {
    for (String name : List.of("evidence.jpg", "evidence.JPEG", "evidence.gif")) {
      Path out = dir.resolve(name);
      Outcome o = run("inspect", "--model", model(), "--engine", "OnnxRuntime", "--out", out.toString(), frame());
      assertThat(o.exit()).as(name).isEqualTo(2);
      assertThat(o.err()).as(name).contains("--out " + out + ": the evidence picture is a PNG; name it "
          + out.resolveSibling("evidence.png")).doesNotContain("\tat ");
      assertThat(out).as(name).doesNotExist();
    }
  }

  @Test
  void configCheckRefusesAModelFolderThatRunWouldRefuse() throws Exception {
    Path file = dir.resolve("monitor.properties");
    Files.writeString(file, "kafka.bootstrap.servers=localhost:9092\nregistry.url=http://localhost:8081\n"
        + "model.dir=" + dir.resolve("no-such-bundle") + "\n");
    Outcome o = run("config", "--check", file.toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains("no-such-bundle: model bundle folder not found").doesNotContain("\tat ");

    Files.writeString(file, "kafka.bootstrap.servers=localhost:9092\nregistry.url=http://localhost:8081\n"
        + "model.dir=" + model() + "\n");
    Outcome valid = run("config", "--check", file.toString());
    assertThat(valid.exit()).isZero();
    assertThat(valid.out()).doesNotContain("note:")
        .contains("  kafka.bootstrap.servers = 'localhost:9092' (from " + file + ", line 1)");

    // a default raised by other settings is said, since the reference (`config` alone) shows the default; the list's
    // heading, "any other is at its default", then points to it rather than contradicting it
    Files.writeString(file, "campaign.max-clock-skew-ms=86400000\n", StandardOpenOption.APPEND);
    assertThat(run("config", "--check", file.toString()).out())
        .contains("note: campaign.idle-retention-ms: left at its default 86400000, raised to 86430000")
        .contains("(any other is at its default, or raised as noted above):\n");
    assertThat(valid.out()).contains("(any other is at its default):\n");
  }

  /**
   * config --check listed a value set to its default under "values not at their default:". It stays listed (which of
   * the file, the environment and the command line set a value is what the list is for, and a file that pins a default
   * keeps it when the default changes), under a heading that says what the list is, and marked as the default.
   */
  @Test
  void configCheckListsAValueSetToItsDefaultAsSetAndSaysItIsTheDefault() throws Exception {
    Path file = dir.resolve("monitor.properties");
    Files.writeString(file, "kafka.bootstrap.servers=localhost:9092\nregistry.url=http://localhost:8081\n"
        + "model.dir=" + model() + "\nstreams.num-threads=2\nhttp.port=9090\n");
    Outcome o = run("config", "--check", file.toString());
    assertThat(o.exit()).isZero();
    assertThat(o.out()).doesNotContain("not at their default")
        .contains("values set in the file, the environment or on the command line (any other is at its default):\n")
        .contains("  streams.num-threads = '2' (from " + file + ", line 4; the same as its default)\n")
        .contains("  http.port = '9090' (from " + file + ", line 5)\n");
  }

  /**
   * A newcomer's config file beside their bundle, {@code model.dir=my-bundle}: the error named only
   * {@code <home>/my-bundle}, a folder they never meant, without saying that the value came from their file and that
   * a relative model.dir resolves against the monitor's home, not the working folder or the file's.
   */
  @Test
  void aMissingModelFolderNamesTheSettingItsOriginAndWhatARelativePathIsRelativeTo() throws Exception {
    Path file = dir.resolve("monitor.properties");
    Files.writeString(file, "kafka.bootstrap.servers=localhost:9092\nregistry.url=http://localhost:8081\n"
        + "model.dir=my-bundle\n");
    for (String[] command : List.of(new String[] {"config", "--check", file.toString()},
        new String[] {"score", "--config", file.toString(), frame()})) {
      Outcome o = run(command);
      assertThat(o.exit()).as(command[0]).isEqualTo(2);
      assertThat(o.err()).as(command[0])
          .contains(TestData.repoRoot().resolve("my-bundle") + ": model bundle folder not found")
          .contains("model.dir = 'my-bundle' (from " + file + ", line 3)")
          .contains("relative to the monitor's home " + TestData.repoRoot())
          .doesNotContain("\tat ");
    }
  }

  /**
   * {@code model.dir=~/models}, as a shell would take it, is read literally (no shell reads a configuration file or an
   * ADVMON_ variable's value here): the error said only that it is relative to the monitor's home, and a user who
   * wrote {@code ~} for their own home folder did not see why it was not found. It says that {@code ~} is not expanded
   * and what to write instead; the value is still not expanded.
   */
  @Test
  void aModelFolderStartingWithATildeSaysTheTildeIsNotExpanded() throws Exception {
    Path file = dir.resolve("monitor.properties");
    Files.writeString(file, "kafka.bootstrap.servers=localhost:9092\nregistry.url=http://localhost:8081\n"
        + "model.dir=~/models\n");
    Outcome o = run("config", "--check", file.toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains(TestData.repoRoot().resolve("~/models") + ": model bundle folder not found")
        .contains("model.dir = '~/models' (from " + file + ", line 3)")
        .contains("'~' is not expanded").contains(Path.of(System.getProperty("user.home"), "models").toString())
        .doesNotContain("\tat ");
  }

  /**
   * {@code --model=~/models}, unquoted on a shell's command line, reaches the monitor with its {@code ~}: a shell
   * expands {@code ~} only where it begins a word, not after {@code =}. --model is made absolute against the working
   * folder, so the error named {@code <working folder>/~/models} without a word on {@code ~}, while the same value in
   * model.dir was told it is not expanded.
   */
  @Test
  void aModelFlagWrittenWithEqualsAndATildeSaysTheTildeIsNotExpanded() {
    Outcome o = run("inspect", "--model=~/models", "--engine", "OnnxRuntime", "--out",
        dir.resolve("out.png").toString(), frame());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains(Path.of("~/models").toAbsolutePath() + ": model bundle folder not found")
        .contains("'~' is not expanded").contains("--model ~/models")
        .contains(Path.of(System.getProperty("user.home"), "models").toString())
        .doesNotContain("never in a configuration file").doesNotContain("\tat ");
  }

  @Test
  void configCheckRefusesAManifestWhoseInputShapeTheModelRefuses() throws Exception {
    // a user's bundle whose manifest says 32 rows for a model that takes 28: `run` refuses it when it loads the model,
    // so `config --check` must not call the file valid
    Path bundle = dir.resolve("bundle");
    Outcome o = run("config", "--check", configOf32RowBundle(bundle, "model.onnx", "holdout.txt").toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.out()).doesNotContain("valid");
    assertThat(o.err()).contains(bundle.resolve("manifest.json") + ": ").contains("refused an input shaped as field 'input'")
        .contains("32x28").doesNotContain("\tat ");
  }

  @Test
  void configCheckNamesTheInputTheModelRefusesBeforeAskingForANewCalibration() throws Exception {
    // with the bundle's calibration.json beside it, the check said only "input.height is 32 in manifest.json, but was
    // 28 at calibration; run ./monitor calibrate": a user who did so met the model's refusal only then, while `run`
    // and `score` load the model first and name the real mistake
    Path bundle = dir.resolve("mine");
    Outcome o = run("config", "--check",
        configOf32RowBundle(bundle, "model.onnx", "holdout.txt", "calibration.json").toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains("refused an input shaped as field 'input'").contains("32x28")
        .doesNotContain("monitor calibrate").doesNotContain("\tat ");
  }

  /**
   * A configuration file whose model.dir is {@code bundle}: the default bundle's {@code files}, its manifest saying 32
   * rows for a model that takes 28.
   */
  private Path configOf32RowBundle(Path bundle, String... files) throws Exception {
    Files.createDirectories(bundle);
    Path source = TestData.repoRoot().resolve("models/fashion-mnist-cnn");
    for (String f : files) {
      Files.copy(source.resolve(f), bundle.resolve(f));
    }
    Files.writeString(bundle.resolve("manifest.json"),
        Files.readString(source.resolve("manifest.json")).replace("\"height\": 28", "\"height\": 32"));
    Path file = dir.resolve("monitor.properties");
    Files.writeString(file, "kafka.bootstrap.servers=localhost:9092\nregistry.url=http://localhost:8081\n"
        + "model.dir=" + bundle + "\n");
    return file;
  }

  @Test
  void scoringAFolderWithoutImagesIsAnErrorNotAnEmptySuccess() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("no-images"));
    Files.writeString(empty.resolve("notes.txt"), "not an image");
    Outcome o = run("score", "--model", model(), "--engine", "OnnxRuntime", empty.toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains(empty + ": no .png, .jpg or .jpeg files").doesNotContain("\tat ");
  }

  @Test
  void inspectGivenAFolderNamesIt() {
    Path folder = TestData.repoRoot().resolve("models/eval");
    Outcome o = run("inspect", "--model", model(), "--engine", "OnnxRuntime", "--out",
        dir.resolve("x.png").toString(), folder.toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains(folder + ": is a folder; give an image file");
  }

  /**
   * inspect of a text file or a cut-off PNG said only the decoder's words ("error: the image is empty (0 bytes)",
   * "bytes start with neither ..."), naming no file, where audit, evaluate and score name it; and said it only after
   * the model had loaded. Nothing is written.
   */
  @Test
  void inspectNamesAnImageItCannotReadAndWritesNoPicture() throws Exception {
    Path text = Files.writeString(dir.resolve("notes.png"), "not an image");
    Path empty = Files.createFile(dir.resolve("empty.png"));
    Path out = dir.resolve("evidence.png");
    for (Path image : List.of(text, empty)) {
      Outcome o = run("inspect", "--model", model(), "--engine", "OnnxRuntime", "--out", out.toString(),
          image.toString());
      assertThat(o.exit()).isEqualTo(2);
      assertThat(o.err()).contains("error: " + image + " cannot be read as an image (")
          .contains("give a PNG or JPEG file").doesNotContain("\tat ");
      assertThat(o.out()).isEmpty();
      assertThat(out).doesNotExist();
    }
  }

  /**
   * A cut-off PNG is a PNG: inspect told its user to "give a PNG or JPEG file", which they had done, instead of only
   * what is wrong with it (here, truncated). That advice is for bytes of no accepted format alone.
   */
  @Test
  void inspectOfACutOffPngSaysItIsTruncatedWithoutAskingForAPngOrJpeg() throws Exception {
    byte[] whole = Files.readAllBytes(Path.of(frame()));
    Path cut = Files.write(dir.resolve("cut.png"), java.util.Arrays.copyOf(whole, whole.length / 2));
    Path out = dir.resolve("evidence.png");

    Outcome o = run("inspect", "--model", model(), "--engine", "OnnxRuntime", "--out", out.toString(),
        cut.toString());

    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains("error: " + cut + " cannot be read as an image (").contains("truncated")
        .doesNotContain("give a PNG or JPEG file");
    assertThat(out).doesNotExist();
  }

  @Test
  void aDamagedCalibrationIsOneLineThatNamesTheBundleToRecalibrate() throws Exception {
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    Path source = TestData.repoRoot().resolve("models/fashion-mnist-cnn");
    try (var files = Files.list(source)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.copy(f, bundle.resolve(f.getFileName()));
      }
    }
    String calibration = Files.readString(bundle.resolve("calibration.json"));
    Files.writeString(bundle.resolve("calibration.json"), calibration.substring(0, calibration.length() / 2));
    Outcome o = run("score", "--model", bundle.toString(), "--engine", "OnnxRuntime", frame());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains("calibration.json: not valid JSON (")
        .contains("run ./monitor calibrate --model " + bundle.toAbsolutePath())
        .doesNotContain("REDACTED").doesNotContain("\tat ");
    assertThat(o.err().strip().lines().filter(l -> l.startsWith("error:") || l.startsWith(" at ")).count()).isEqualTo(1);
  }

  @Test
  void aFolderOrAFileWhereTheOtherIsExpectedIsNamedWithWhatToGive() throws Exception {
    Outcome config = run("config", "--check", dir.toString());
    assertThat(config.exit()).isEqualTo(2);
    assertThat(config.err()).contains("configuration file " + dir + " is a folder; give the properties file itself");

    Outcome model = run("score", "--model", frame(), frame());
    assertThat(model.exit()).isEqualTo(2);
    assertThat(model.err()).contains(frame() + " is a file, not a model bundle folder");

    Path labels = TestData.repoRoot().resolve("models/eval/fashion-mnist-test/labels.csv");
    Outcome fixtures = run("evaluate", "--model", model(), labels.toString());
    assertThat(fixtures.exit()).isEqualTo(2);
    assertThat(fixtures.err()).contains(labels + " is a file; give the folder that holds manifest.csv");

    Outcome shortcut = run("evaluate-overinterpretation", "--shortcut", dir.resolve("none").toString());
    assertThat(shortcut.exit()).isEqualTo(2);
    assertThat(shortcut.err()).contains("--shortcut " + dir.resolve("none") + ": no such folder");
  }

  @Test
  void auditRefusesOutOfRangeOptionsNamingTheOption() {
    assertThat(run("audit", "--model", model(), "--limit", "-1", frame()))
        .satisfies(o -> assertThat(o.exit()).isEqualTo(2))
        .satisfies(o -> assertThat(o.err()).contains("--limit must be at least 1, got -1"));
    assertThat(run("audit", "--model", model(), "--grid", "0", frame()).err())
        .contains("--grid must be 1..28").contains("got 0");
    assertThat(run("audit", "--model", model(), "--tau", "NaN", frame()).err())
        .contains("--tau must be a probability between 0 and 1").contains("got NaN");
  }

  @Test
  void auditNamesAnUnreadableImageAndWritesNoHalfReport() throws Exception {
    Path images = Files.createDirectories(dir.resolve("images"));
    Files.copy(Path.of(frame()), images.resolve("a.png"));
    Files.writeString(images.resolve("b.png"), "not a png");
    Path report = dir.resolve("report");
    Outcome o = run("audit", "--model", model(), "--engine", "OnnxRuntime", "--limit", "2", "--out", report.toString(),
        images.toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains(images.resolve("b.png").toString()).doesNotContain("\tat ");
    assertThat(report).doesNotExist();
  }

  /**
   * --out the images' own folder, with images named as the report names its pictures (img-0000.png, ...; an earlier
   * export, a camera's naming): each audited image was overwritten by its own report picture.
   */
  @Test
  void auditIntoTheImagesOwnFolderRefusesToOverwriteAnAuditedImage() throws Exception {
    Path images = Files.createDirectories(dir.resolve("images"));
    byte[] original = Files.readAllBytes(Path.of(frame()));
    Files.write(images.resolve("img-0000.png"), original);
    Files.write(images.resolve("img-0001.png"), original);
    Outcome o = run("audit", "--model", model(), "--engine", "OnnxRuntime", "--limit", "2", "--out", images.toString(),
        images.toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains(images.resolve("img-0000.png") + " is an image being audited")
        .contains("choose an --out folder other than the images' own").doesNotContain("\tat ");
    assertThat(images.resolve("img-0000.png")).hasBinaryContent(original);
    assertThat(images.resolve("img-0001.png")).hasBinaryContent(original);
    assertThat(images.resolve("index.html")).doesNotExist();
  }

  /** A folder that is no earlier report: its own index.html and a picture named like the report's stay untouched. */
  @Test
  void auditRefusesToOverwriteFilesOfAFolderThatIsNoEarlierReport() throws Exception {
    Path out = Files.createDirectories(dir.resolve("site"));
    Files.writeString(out.resolve("index.html"), "<p>my own page</p>");
    Outcome page = run("audit", "--model", model(), "--engine", "OnnxRuntime", "--limit", "1", "--out", out.toString(),
        frame());
    assertThat(page.exit()).isEqualTo(2);
    assertThat(page.err()).contains(out.resolve("index.html") + " exists and is not an earlier audit report");
    assertThat(out.resolve("index.html")).hasContent("<p>my own page</p>");

    Path photos = Files.createDirectories(dir.resolve("photos"));
    Files.write(photos.resolve("img-0000.png"), new byte[] {7});
    Outcome picture = run("audit", "--model", model(), "--engine", "OnnxRuntime", "--limit", "1", "--out",
        photos.toString(), frame());
    assertThat(picture.exit()).isEqualTo(2);
    assertThat(picture.err()).contains(photos.resolve("img-0000.png") + " exists and is not a picture of an earlier "
        + "audit report");
    assertThat(photos.resolve("img-0000.png")).hasBinaryContent(new byte[] {7});
  }

  @Test
  void benchRefusesZeroRoundsAndEmptyBatches() {
    Outcome rounds = run("bench", "--rounds", "0");
    assertThat(rounds.exit()).isEqualTo(2);
    assertThat(rounds.err()).contains("--rounds and --round-ms must be at least 1");
    assertThat(run("bench", "--batches", "8,0").err()).contains("--batches must be batch sizes of at least 1");
  }

  @Test
  void configCheckRefusesWhatRunWouldRefuse() throws Exception {
    Path config = dir.resolve("monitor.properties");
    Files.writeString(config, "kafka.bootstrap.servers=localhost:9092\n");
    Outcome missing = run("config", "--check", config.toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("'registry.url' is required");
    Files.writeString(config, "kafka.bootstrap.servers=localhost:9092\nregistry.url=localhost:8081\n");
    assertThat(run("config", "--check", config.toString()).err()).contains("'registry.url' = 'localhost:8081'");
    Files.writeString(config, "kafka.bootstrap.servers=localhost:9092\nregistry.url=http://localhost:8081\n");
    assertThat(run("config", "--check", config.toString()).exit()).isZero();
  }

  @Test
  void configCheckRefusesTheRegistrySettingsRunRefusesBeforeConnecting() throws Exception {
    Path config = dir.resolve("monitor.properties");
    String base = "kafka.bootstrap.servers=localhost:9092\n";
    Files.writeString(config, base + "registry.url=http://user:s3cret@localhost:8081\n");
    Outcome userInfo = run("config", "--check", config.toString());
    assertThat(userInfo.exit()).isEqualTo(2);
    assertThat(userInfo.err()).contains("carries user info").contains("registry.basic-auth.user-info")
        .doesNotContain("s3cret").doesNotContain("\tat ");

    Path missingStore = dir.resolve("no-such-truststore.p12");
    Files.writeString(config, base + "registry.url=https://localhost:8081\n"
        + "registry.ssl.truststore.location=" + missingStore + "\n");
    Outcome store = run("config", "--check", config.toString());
    assertThat(store.exit()).isEqualTo(2);
    assertThat(store.err()).contains("cannot read the registry trust store " + missingStore)
        .contains("registry.ssl.truststore.location").doesNotContain("\tat ");

    Files.writeString(config, base + "registry.url=mock://tests\n");
    Outcome mock = run("config", "--check", config.toString());
    assertThat(mock.exit()).isEqualTo(2);
    assertThat(mock.err()).contains("registry.url").contains("http:// or https:// URL of a schema registry")
        .doesNotContain("\tat ");
  }

  @Test
  void aMissingConfigurationFileIsNamed() {
    Path absent = dir.resolve("absent.properties");
    Outcome o = run("config", "--check", absent.toString());
    assertThat(o.exit()).isEqualTo(2);
    // the example named where it is, not relative to a working folder the user may not be in (here: stream-app)
    Path example = TestData.repoRoot().resolve("config/monitor.example.properties");
    assertThat(o.err()).contains("configuration file " + absent + " does not exist; check the path "
        + "(" + example + " is one to copy)");
    Outcome folder = run("config", "--check", dir.toString());
    assertThat(folder.err()).contains("is a folder; give the properties file itself (" + example + " is one)");
    // a relative path: where it was looked for, since the launcher may run from another folder than the user thinks
    Outcome relative = run("score", "--config", "no-such-dir/absent.properties", frame());
    assertThat(relative.exit()).isEqualTo(2);
    assertThat(relative.err()).contains("configuration file no-such-dir/absent.properties does not exist (looked for "
        + Path.of("no-such-dir/absent.properties").toAbsolutePath() + "); check the path");
  }

  @Test
  void describesFileSystemErrorsByWhatWasWrong() {
    assertThat(Main.describe(new java.nio.file.NoSuchFileException("/x/y.png")))
        .isEqualTo("no such folder: /x (for /x/y.png); create it or check the path");
    Path inExistingFolder = dir.resolve("y.png");
    assertThat(Main.describe(new java.nio.file.NoSuchFileException(inExistingFolder.toString())))
        .isEqualTo("no such file or folder: " + inExistingFolder + "; check the path");
    assertThat(Main.describe(new java.nio.file.AccessDeniedException("/x/y.png")))
        .startsWith("permission denied: /x/y.png");
    assertThat(Main.describe(new IllegalStateException())).isEqualTo("java.lang.IllegalStateException");
  }
}
