package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `monitor score` in-process, on the committed evaluation images and on broken files. */
class ScoreCommandTest {

  @TempDir
  Path dir;

  private record Run(int exit, List<JsonNode> lines, String stdout) {}

  private Run score(String... args) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      System.setProperty("advmon.home", TestData.repoRoot().toString());
      List<String> all = new ArrayList<>(List.of("score"));
      all.addAll(List.of(args));
      exit = Main.commandLine().execute(all.toArray(String[]::new));
    } finally {
      System.setOut(old);
    }
    String out = buf.toString(StandardCharsets.UTF_8);
    List<JsonNode> lines = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    if (!List.of(args).contains("table")) {
      for (String l : out.split("\n")) {
        if (!l.isBlank()) {
          lines.add(json.readTree(l));
        }
      }
    }
    return new Run(exit, lines, out);
  }

  /**
   * {@code ./monitor score FOLDER | head -1}: the JVM ignores SIGPIPE and System.out swallows the broken pipe, so score
   * went on scoring every image for nobody (96 s for the 2,000 evaluation frames) and exited 0, as it did when its
   * output file filled the disk. It stops at the first line it cannot write, says so, and exits 2.
   */
  @Test
  void stopsAtTheFirstLineItCannotWriteAndSaysSo() throws Exception {
    for (TestData.Labelled l : TestData.evalSet().subList(0, 5)) {
      Files.copy(l.file(), dir.resolve(l.file().getFileName()));
    }
    int[] writes = {0};
    java.io.OutputStream closedPipe = new java.io.OutputStream() {
      @Override
      public void write(int b) throws java.io.IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws java.io.IOException {
        writes[0]++;
        throw new java.io.IOException("Broken pipe");
      }
    };
    PrintStream old = System.out;
    java.io.StringWriter err = new java.io.StringWriter();
    int exit;
    try {
      System.setOut(new PrintStream(closedPipe, true, StandardCharsets.UTF_8));
      System.setProperty("advmon.home", TestData.repoRoot().toString());
      picocli.CommandLine cl = Main.commandLine();
      cl.setErr(new java.io.PrintWriter(err, true));
      exit = cl.execute("score", dir.toString());
    } finally {
      System.setOut(old);
    }
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("error: stdout can no longer be written").contains("stopped after 1 of 5 images")
        .doesNotContain("\tat ");
    assertThat(writes[0]).as("write attempts after the pipe broke").isLessThan(3);
  }

  /**
   * README's Commands table gives score's exit statuses (1: an input failed), `score --help` did not: a newcomer
   * scripting it could not tell an unreadable image (1) from a run that stopped (2), nor that an alert is not one.
   */
  @Test
  void helpListsTheExitStatuses() {
    String help = new picocli.CommandLine(new ScoreCommand()).getUsageMessage().replaceAll("\\s+", " ");
    assertThat(help).contains("Exit status: 0 every input was scored (alert or not)")
        .contains(" 1 an input could not be scored: its line has file and error; the others were scored")
        .contains(" 2 an error stopped it");
  }

  @Test
  void labelsAFolderOfPngsAndPrintsOneJsonLinePerImage() throws Exception {
    List<TestData.Labelled> eval = TestData.evalSet().subList(0, 40);
    for (TestData.Labelled l : eval) {
      Files.copy(l.file(), dir.resolve(l.file().getFileName()));
    }
    Run run = score(dir.toString());
    assertThat(run.exit()).isZero();
    assertThat(run.lines()).hasSize(40);
    Map<String, Integer> truth = eval.stream().collect(Collectors.toMap(l -> l.file().getFileName().toString(), TestData.Labelled::label));
    long correct = run.lines().stream()
        .filter(l -> truth.get(Path.of(l.get("file").asText()).getFileName().toString()) == l.get("predicted_class").asInt())
        .count();
    assertThat(correct).isGreaterThanOrEqualTo(36);
    JsonNode first = run.lines().get(0);
    assertThat(first.get("predicted_label").asText()).isNotBlank();
    assertThat(first.get("confidence").asDouble()).isBetween(0.0, 1.0);
    assertThat(first.get("alert").asBoolean()).isFalse();
    assertThat(first.get("reasons").isArray()).isTrue();
    assertThat(first.get("scores").isObject()).isTrue();
  }

  @Test
  void anUnreadableFileGetsAnErrorLineTheOthersAreStillScoredAndTheExitIsNonZero() throws Exception {
    Path good = dir.resolve("a-good.png");
    Files.copy(TestData.evalSet().get(0).file(), good);
    Path truncated = dir.resolve("b-truncated.png");
    byte[] png = Files.readAllBytes(good);
    Files.write(truncated, java.util.Arrays.copyOf(png, png.length / 2));
    Path notPng = dir.resolve("c-text.png");
    Files.writeString(notPng, "this is not an image");
    Path missing = dir.resolve("d-missing.png");

    Run run = score(good.toString(), truncated.toString(), notPng.toString(), missing.toString());
    assertThat(run.exit()).isEqualTo(1);
    Map<String, JsonNode> byFile = run.lines().stream()
        .collect(Collectors.toMap(l -> Path.of(l.get("file").asText()).getFileName().toString(), Function.identity()));
    assertThat(byFile).hasSize(4);
    assertThat(byFile.get("a-good.png").has("predicted_class")).isTrue();
    assertThat(byFile.get("b-truncated.png").get("error").asText()).isNotBlank();
    // a file is no Kafka frame: the raw-frame hint about the frame's encoding field told a file's user nothing
    assertThat(byFile.get("c-text.png").get("error").asText()).contains("neither the PNG signature")
        .contains("not a PNG or JPEG image, whatever the file's name says").doesNotContain("must say their encoding")
        .doesNotContain("Kafka").doesNotContain("encoding field");
    // as the other commands say it (Main.describe), with what to do; a misspelt folder is not "file not found" either
    assertThat(byFile.get("d-missing.png").get("error").asText())
        .isEqualTo("no such file or folder: " + missing + "; check the path");
  }

  @Test
  void aGifInAFolderGetsAnErrorLineInsteadOfBeingLeftOutOfARunThatExitsZero() throws Exception {
    Files.copy(TestData.evalSet().get(0).file(), dir.resolve("a.png"));
    java.awt.image.BufferedImage picture = javax.imageio.ImageIO.read(TestData.evalSet().get(1).file().toFile());
    assertThat(javax.imageio.ImageIO.write(picture, "gif", dir.resolve("b.gif").toFile())).isTrue();
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,9\n");

    Run run = score(dir.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.lines()).hasSize(2); // labels.csv is no image and stays out
    assertThat(run.lines().get(0).has("predicted_class")).isTrue();
    assertThat(run.lines().get(1).get("file").asText()).endsWith("b.gif");
    assertThat(run.lines().get(1).get("error").asText()).startsWith("this is a GIF image")
        .contains("only PNG and JPEG images are accepted");
  }

  @Test
  void tableFormatPrintsAHeaderAndARowPerImage() throws Exception {
    Files.copy(TestData.evalSet().get(1).file(), dir.resolve("x.png"));
    Run run = score("--format", "table", dir.toString());
    assertThat(run.exit()).isZero();
    String[] rows = run.stdout().strip().split("\n");
    assertThat(rows).hasSize(2);
    assertThat(rows[0]).contains("label").contains("confidence");
    assertThat(rows[1]).contains("x.png");
  }

  /**
   * The file column was 48 characters wide whatever the names: `score --format table` on a folder named by its
   * absolute path (a temp folder, /home/.../models/eval/...) pushed each row's class, label and confidence right by
   * as much as its name was longer, under a header that no longer matched. The column is as wide as the longest
   * name, so the header's columns start where every row's do.
   */
  @Test
  void tableColumnsLineUpUnderTheHeaderWhenFileNamesAreLong() throws Exception {
    Path deep = Files.createDirectories(dir.resolve("a-folder-name-long-enough/to-push-the-path-past-48-characters"));
    Files.copy(TestData.evalSet().get(1).file(), deep.resolve("x.png"));
    Files.writeString(deep.resolve("y.png"), "not an image");
    Run run = score("--format", "table", deep.toString());
    String[] rows = run.stdout().strip().split("\n");
    assertThat(rows).hasSize(3);
    assertThat(deep.resolve("x.png").toString()).hasSizeGreaterThan(48);
    int classColumn = rows[0].indexOf("class");
    int labelColumn = rows[0].indexOf("label");
    assertThat(rows[1]).startsWith(deep.resolve("x.png") + " ");
    assertThat(rows[1].substring(classColumn, classColumn + "class".length()).strip()).matches("\\d");
    assertThat(rows[1].charAt(labelColumn - 1)).isEqualTo(' ');
    assertThat(rows[1].charAt(labelColumn)).isNotEqualTo(' ');
    assertThat(rows[2]).startsWith(deep.resolve("y.png") + " ");
    assertThat(rows[2].indexOf("error:")).isEqualTo(classColumn);
  }

  /**
   * A bundle without calibration.json scores with no detector: every line read {@code "alert":false}, exit 0, and only
   * a WARN on stderr said that nothing was checked, so a script reading stdout took the images as clean.
   */
  @Test
  void withoutCalibrationStdoutSaysTheDetectorsAreOffNotThatTheImagesAreClean() throws Exception {
    Path bundle = dir.resolve("uncalibrated");
    Files.createDirectories(bundle);
    Path from = TestData.repoRoot().resolve("models/fashion-mnist-cnn");
    for (String f : List.of("model.onnx", "manifest.json", "holdout.txt")) { // all but calibration.json
      Files.copy(from.resolve(f), bundle.resolve(f));
    }
    Path image = dir.resolve("x.png");
    Files.copy(TestData.evalSet().get(1).file(), image);

    Run jsonl = score("--model", bundle.toString(), image.toString());
    assertThat(jsonl.exit()).isZero();
    assertThat(jsonl.lines()).hasSize(1);
    assertThat(jsonl.lines().get(0).path("detectors_off").asBoolean()).as(jsonl.stdout()).isTrue();

    Run table = score("--model", bundle.toString(), "--format", "table", image.toString());
    assertThat(table.exit()).isZero();
    String[] rows = table.stdout().strip().split("\n");
    assertThat(rows[rows.length - 1]).contains("detectors off", "calibration.json", "not checked", "./monitor calibrate");
  }

  @Test
  void scoresWithTheImageLimitsAndBundleOfTheMonitorsOwnPropertiesFile() throws Exception {
    Path image = dir.resolve("x.png");
    Files.copy(TestData.evalSet().get(1).file(), image);
    Path properties = dir.resolve("monitor.properties");
    // a file as `run` takes it: settings the offline command does not use are checked but do not matter
    Files.writeString(properties, "kafka.bootstrap.servers=broker:9092\nregistry.url=http://registry:8081\n"
        + "image.max-encoded-bytes=100\nmodel.dir=" + TestData.repoRoot().resolve("models/fashion-mnist-cnn") + "\n");

    Run run = score("--config", properties.toString(), image.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.lines()).hasSize(1);
    assertThat(run.lines().get(0).get("error").asText()).contains("above image.max-encoded-bytes = 100");
  }
}
