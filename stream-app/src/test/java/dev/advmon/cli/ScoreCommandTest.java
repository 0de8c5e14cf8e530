package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.ModelManifest;
import dev.advmon.testing.BreakableClassifier;
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
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `monitor score` in-process, on the committed evaluation images and on broken files. */
class ScoreCommandTest {

  @TempDir
  Path dir;

  private record Run(int exit, List<JsonNode> lines, String stdout) {}

  private Run score(String... args) throws Exception {
    return score(model -> model, new java.io.StringWriter(), args);
  }

  /** `score` whose model is {@code model} applied to the loaded one, its errors into {@code err}. */
  private Run score(UnaryOperator<BatchClassifier> model, java.io.StringWriter err, String... args) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      System.setProperty("advmon.home", TestData.repoRoot().toString());
      List<String> all = new ArrayList<>(List.of("score"));
      all.addAll(List.of(args));
      picocli.CommandLine cl = CommandLineWith.of(ScoreCommand.class, new ScoreCommand(model));
      cl.setErr(new java.io.PrintWriter(err, true));
      exit = cl.execute(all.toArray(String[]::new));
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

  /**
   * The real model, except that for the frame of {@code bad} (its exact pixels) it returns a class score of NaN, as
   * an FP16 engine beyond its range does: the batch holding it is then refused by the model output's own check.
   */
  private static UnaryOperator<BatchClassifier> nanFor(Path bad, String model) throws Exception {
    ModelManifest manifest = dev.advmon.model.ModelBundle.load(TestData.repoRoot().resolve(model)).manifest();
    float[] badPixels = dev.advmon.model.FramePreparer.forModel(dev.advmon.image.ImageLimits.defaults(), manifest)
        .prepare(bad).data();
    return real -> new dev.advmon.testing.ScoreOverridingClassifier(real,
        image -> java.util.Arrays.equals(image.data(), badPixels) ? Float.valueOf(Float.NaN) : null);
  }

  /**
   * One image that the model scores NaN stopped the whole run (exit 2): the rest of its chunk and every later file got
   * no line. It gets an error line naming it, the others are scored and printed, and the exit status is 1. Failed
   * before the fix: exit 2 and no line at all.
   */
  @Test
  void anImageTheModelScoresNanGetsAnErrorLineAndTheOthersAreStillScored() throws Exception {
    List<String> names = List.of("a.png", "b-nan.png", "c.png", "d.png");
    for (int i = 0; i < names.size(); i++) {
      Files.copy(TestData.evalSet().get(i).file(), dir.resolve(names.get(i)));
    }
    java.io.StringWriter err = new java.io.StringWriter();

    Run run = score(nanFor(dir.resolve("b-nan.png"), "models/fashion-mnist-cnn"), err, dir.toString());

    assertThat(run.exit()).as(err.toString()).isEqualTo(1);
    assertThat(run.lines()).hasSize(4);
    assertThat(run.lines()).extracting(l -> Path.of(l.get("file").asText()).getFileName().toString())
        .containsExactlyElementsOf(names);
    assertThat(run.lines().get(0).has("predicted_class")).isTrue();
    assertThat(run.lines().get(1).has("predicted_class")).isFalse();
    // the probes of one image are no batch of the user's: "image 0 of a batch of 13" read as the 13 files given
    assertThat(run.lines().get(1).get("error").asText()).contains("could not be scored")
        .contains("class score of NaN for this frame: ").doesNotContain("batch");
    assertThat(run.lines().get(2).has("predicted_class")).isTrue();
    assertThat(run.lines().get(3).has("predicted_class")).isTrue();
  }

  /** The same in the table: the row of the image that failed says so, the others are scored. */
  @Test
  void anImageTheModelScoresNanGetsAnErrorRowInTheTable() throws Exception {
    Files.copy(TestData.evalSet().get(0).file(), dir.resolve("a.png"));
    Files.copy(TestData.evalSet().get(1).file(), dir.resolve("b-nan.png"));
    java.io.StringWriter err = new java.io.StringWriter();

    Run run = score(nanFor(dir.resolve("b-nan.png"), "models/fashion-mnist-cnn"), err, "--format", "table",
        dir.toString());

    assertThat(run.exit()).as(err.toString()).isEqualTo(1);
    String[] rows = run.stdout().strip().split("\n");
    assertThat(rows).hasSize(3);
    assertThat(rows[1]).startsWith(dir.resolve("a.png").toString()).doesNotContain("error:");
    assertThat(rows[2]).startsWith(dir.resolve("b-nan.png").toString()).contains("error:", "could not be scored");
  }

  /**
   * A model that fails on every image (an engine gone wrong) is not made to fail image after image, each with the
   * same error line, as if the images were at fault: the run stops at the first failure, once a plain frame has
   * failed too, with one error that says scoring itself is broken, and exit status 2.
   */
  @Test
  void aModelThatFailsOnEveryImageStopsTheRunWithOneErrorSayingSo() throws Exception {
    for (int i = 0; i < 20; i++) {
      Files.copy(TestData.evalSet().get(i).file(), dir.resolve("img" + (100 + i) + ".png"));
    }
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    java.io.StringWriter err = new java.io.StringWriter();

    Run run = score(real -> {
      BreakableClassifier broken = new BreakableClassifier(real);
      broken.fault = images -> {
        calls.incrementAndGet();
        return new IllegalStateException("CUDA error: an illegal memory access was encountered");
      };
      return broken;
    }, err, dir.toString());

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.lines()).as("no image is blamed for a broken model").isEmpty();
    assertThat(err.toString()).contains("error: scoring fails for every image")
        .contains("CUDA error: an illegal memory access").contains("img100.png").contains("0 of 20 images")
        .doesNotContain("\tat ");
    assertThat(err.toString().lines().count()).isEqualTo(1);
    assertThat(calls.get()).as("model calls before it stopped").isLessThanOrEqualTo(3);
  }

  /**
   * A folder that begins with five images the model cannot score, then good ones: the canary (a plain grey frame, as
   * none has scored yet) still scores, so the model is not broken and every image gets its line. The first version
   * stopped after five such failures with none scored, calling the model broken and losing images 6 to 8 (found by
   * review: exit 2 with 4 lines).
   */
  @Test
  void aFolderThatBeginsWithUnscorableImagesStillScoresTheRest() throws Exception {
    List<float[]> bad = realImages(8, 5);
    java.io.StringWriter err = new java.io.StringWriter();

    Run run = score(failingOn(bad), err, dir.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.lines()).hasSize(8);
    assertThat(run.lines().subList(0, 5)).allSatisfy(line -> assertThat(line.get("error").asText())
        .startsWith("the image was read but could not be scored"));
    assertThat(run.lines().subList(5, 8)).allSatisfy(line -> assertThat(line.has("predicted_class")).isTrue());
    assertThat(err.toString()).doesNotContain("scoring fails for every image");
  }

  /**
   * A model that fails on every real image but still scores a plain grey frame: the canary cannot tell it from bad
   * images, so each image gets its own error line (exit 1) and none is left without one.
   */
  @Test
  void aModelThatFailsOnEveryRealImageGivesEachImageItsErrorLine() throws Exception {
    List<float[]> real = realImages(12, 12);
    java.io.StringWriter err = new java.io.StringWriter();

    Run run = score(failingOn(real), err, dir.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.lines()).hasSize(12).allSatisfy(line -> assertThat(line.get("error").asText())
        .startsWith("the image was read but could not be scored").contains("Infinity"));
    assertThat(err.toString()).doesNotContain("scoring fails for every image");
  }

  /**
   * An Error from the model (a native library that fails at its first call; the heap gone is another, whose line
   * MainTest checks: thrown here it would end the test JVM where the fix is missing) is not an image's fault: it stops
   * the run with status 2 and one line saying what to do. It ended main instead, with the JVM's status 1 (which score
   * documents as "an input could not be scored") and a stack trace (found by review).
   */
  @Test
  void anErrorFromTheModelStopsTheRunWithStatus2AndOneLineSayingWhatToDo() throws Exception {
    realImages(3, 0);
    java.io.StringWriter err = new java.io.StringWriter();

    Run run = score(model -> {
      BreakableClassifier broken = new BreakableClassifier(model);
      broken.fault = batch -> new UnsatisfiedLinkError("libonnxruntime.so: cannot open shared object file");
      return broken;
    }, err, dir.toString());

    assertThat(run.exit()).isEqualTo(2);
    assertThat(err.toString()).isEqualTo("error: UnsatisfiedLinkError (libonnxruntime.so: cannot open shared object "
        + "file): a library or native file did not load; check the installation (ADVMON_DEBUG=1 shows where)"
        + System.lineSeparator());
  }

  /** Copies the first {@code count} evaluation frames into the folder; the prepared pixels of the first {@code bad}. */
  private List<float[]> realImages(int count, int bad) throws Exception {
    ModelManifest manifest = dev.advmon.model.ModelBundle.load(TestData.repoRoot().resolve("models/fashion-mnist-cnn"))
        .manifest();
    dev.advmon.model.FramePreparer preparer =
        dev.advmon.model.FramePreparer.forModel(dev.advmon.image.ImageLimits.defaults(), manifest);
    List<float[]> prepared = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Path f = Files.copy(TestData.evalSet().get(i).file(), dir.resolve("img" + (100 + i) + ".png"));
      if (i < bad) {
        prepared.add(preparer.prepare(f).data());
      }
    }
    return prepared;
  }

  /** The model, failing (an infinite score) on any call that holds one of {@code images}. */
  private static UnaryOperator<BatchClassifier> failingOn(List<float[]> images) {
    return model -> {
      BreakableClassifier broken = new BreakableClassifier(model);
      broken.fault = batch -> batch.stream().anyMatch(i -> images.stream().anyMatch(r -> java.util.Arrays.equals(
          r, i.data()))) ? new IllegalStateException("model returned a class score of Infinity") : null;
      return broken;
    };
  }

  /** A 1000x1000 PNG of an evaluation frame (scaled up), and a 28x28 16-bit gray PNG of another; asserted as such. */
  private void writeLargeAnd16BitFrames(Path large, Path deep) throws Exception {
    java.awt.image.BufferedImage small = javax.imageio.ImageIO.read(TestData.evalSet().get(0).file().toFile());
    java.awt.image.BufferedImage big = new java.awt.image.BufferedImage(1000, 1000,
        java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    java.awt.Graphics2D g = big.createGraphics();
    g.drawImage(small, 0, 0, 1000, 1000, null);
    g.dispose();
    assertThat(javax.imageio.ImageIO.write(big, "png", large.toFile())).isTrue();
    java.awt.image.BufferedImage eight = javax.imageio.ImageIO.read(TestData.evalSet().get(1).file().toFile());
    java.awt.image.BufferedImage sixteen = new java.awt.image.BufferedImage(28, 28,
        java.awt.image.BufferedImage.TYPE_USHORT_GRAY);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        sixteen.getRaster().setSample(x, y, 0, eight.getRaster().getSample(x, y, 0) * 257 + 100);
      }
    }
    assertThat(javax.imageio.ImageIO.write(sixteen, "png", deep.toFile())).isTrue();
    assertThat(Files.readAllBytes(deep)[24]).as("IHDR bit depth").isEqualTo((byte) 16);
  }

  /**
   * The alert rates hold for 8-bit frames of the model's size, and a 1000x1000 photo or a 16-bit frame may alert for
   * what was done to it; score said nothing of it. Each such line now has "notes" naming what was done (the other
   * fields as they were), a frame of the model's size none. Failed before: no "notes".
   */
  @Test
  void aResizedOr16BitImageHasANoteSayingWhatWasDone() throws Exception {
    Path large = dir.resolve("a-large.png");
    Path deep = dir.resolve("b-16bit.png");
    writeLargeAnd16BitFrames(large, deep);
    Files.copy(TestData.evalSet().get(2).file(), dir.resolve("c-plain.png"));

    Run run = score(dir.toString());

    assertThat(run.exit()).isZero();
    assertThat(run.lines()).hasSize(3);
    assertThat(run.lines().get(0).path("notes").toString())
        .isEqualTo("[\"resized from 1000x1000 to the model's 28x28 (width x height)\"]");
    assertThat(run.lines().get(1).path("notes").toString()).isEqualTo("[\"16-bit samples rounded to 8 bits\"]");
    assertThat(run.lines().get(2).has("notes")).isFalse();
    for (JsonNode line : run.lines()) {
      assertThat(line.has("predicted_class") && line.has("confidence") && line.has("scores")).isTrue();
    }
  }

  /** The same in the table: the row ends with its note, and a line below the rows says what the notes mean. */
  @Test
  void aResizedOr16BitImageHasANoteInTheTable() throws Exception {
    Path large = dir.resolve("a-large.png");
    Path deep = dir.resolve("b-16bit.png");
    writeLargeAnd16BitFrames(large, deep);
    Files.copy(TestData.evalSet().get(2).file(), dir.resolve("c-plain.png"));

    Run run = score("--format", "table", dir.toString());

    assertThat(run.exit()).isZero();
    String[] rows = run.stdout().strip().split("\n");
    assertThat(rows).hasSize(5);
    assertThat(rows[1]).startsWith(large.toString())
        .endsWith("  note: resized from 1000x1000 to the model's 28x28 (width x height)");
    assertThat(rows[2]).startsWith(deep.toString()).endsWith("  note: 16-bit samples rounded to 8 bits");
    assertThat(rows[3]).doesNotContain("note");
    assertThat(rows[4]).startsWith("note: 2 image(s) above").contains("8-bit frames of the model's size");
  }
}
