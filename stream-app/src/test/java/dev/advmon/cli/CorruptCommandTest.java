package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.evaluation.Corruption;
import dev.advmon.evaluation.CsvTable;
import dev.advmon.testing.TestData;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./monitor corrupt}: a user's own clean test frames (any size, gray or RGB) under the 17 ordinary camera
 * conditions, written as the corruption set {@code evaluate --corruptions} reads.
 */
class CorruptCommandTest {

  @TempDir
  Path tmp;

  @Test
  void writesEveryCorruptionOfAnRgbFolderAtTheFramesOwnSizeWithTheirLabels() throws Exception {
    Path images = labelledFolder("rgb", 9, 20, 36, BufferedImage.TYPE_3BYTE_BGR);
    Path out = tmp.resolve("set");
    assertThat(run("corrupt", "--images", images.toString(), "--out", out.toString(), "--per-corruption", "5")).isZero();

    CsvTable m = CsvTable.read(out.resolve("manifest.csv"));
    assertThat(m.size()).isEqualTo(5 * Corruption.values().length);
    Map<String, Integer> perCorruption = new HashMap<>();
    Map<String, Integer> labels = dev.advmon.evaluation.LabelledFolder.labels(images);
    for (int r = 0; r < m.size(); r++) {
      perCorruption.merge(m.get(r, m.column("corruption")), 1, Integer::sum);
      BufferedImage img = ImageIO.read(out.resolve(m.get(r, m.column("file"))).toFile());
      assertThat(img.getWidth()).isEqualTo(36);
      assertThat(img.getHeight()).isEqualTo(20);
      assertThat(img.getRaster().getNumBands()).as("RGB stays RGB").isEqualTo(3);
      assertThat(Integer.parseInt(m.get(r, m.column("true_label")))).as("the source frame's label")
          .isEqualTo(labels.get(m.get(r, m.column("source"))));
      assertThat(Integer.parseInt(m.get(r, m.column("severity")))).isBetween(1, 3);
    }
    assertThat(perCorruption).hasSize(Corruption.values().length).allSatisfy((c, n) -> assertThat(n).isEqualTo(5));
    assertThat(perCorruption.keySet()).containsExactlyInAnyOrderElementsOf(Corruption.ids());
  }

  @Test
  void keepsGrayscaleFramesGrayAndTakesEveryFrameWhenThereAreFewerThanAsked() throws Exception {
    Path images = labelledFolder("gray", 4, 30, 30, BufferedImage.TYPE_BYTE_GRAY);
    Path out = tmp.resolve("set");
    assertThat(run("corrupt", "--images", images.toString(), "--out", out.toString(), "--per-corruption", "50")).isZero();

    CsvTable m = CsvTable.read(out.resolve("manifest.csv"));
    assertThat(m.size()).isEqualTo(4 * Corruption.values().length);
    BufferedImage img = ImageIO.read(out.resolve(m.get(0, m.column("file"))).toFile());
    assertThat(img.getRaster().getNumBands()).isEqualTo(1);
    assertThat(img.getWidth()).isEqualTo(30);
  }

  @Test
  void theSameSeedWritesTheSameBytesAndAnotherSeedOtherFrames() throws Exception {
    Path images = labelledFolder("rgb", 6, 24, 24, BufferedImage.TYPE_3BYTE_BGR);
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    Path c = tmp.resolve("c");
    assertThat(run("corrupt", "--images", images.toString(), "--out", a.toString(), "--seed", "7")).isZero();
    assertThat(run("corrupt", "--images", images.toString(), "--out", b.toString(), "--seed", "7")).isZero();
    assertThat(run("corrupt", "--images", images.toString(), "--out", c.toString(), "--seed", "8")).isZero();

    CsvTable m = CsvTable.read(a.resolve("manifest.csv"));
    assertThat(Files.readString(b.resolve("manifest.csv"))).isEqualTo(Files.readString(a.resolve("manifest.csv")));
    boolean anyDiffers = false;
    for (int r = 0; r < m.size(); r++) {
      String file = m.get(r, m.column("file"));
      assertThat(Files.readAllBytes(b.resolve(file))).as(file).isEqualTo(Files.readAllBytes(a.resolve(file)));
      anyDiffers |= Files.exists(c.resolve(file)) && !java.util.Arrays.equals(Files.readAllBytes(c.resolve(file)),
          Files.readAllBytes(a.resolve(file)));
    }
    assertThat(anyDiffers).as("another seed draws other noise").isTrue();
  }

  @Test
  void refusesAFolderWithoutLabelsCsvAndSaysWhatToWrite() throws Exception {
    Path images = labelledFolder("rgb", 2, 16, 16, BufferedImage.TYPE_3BYTE_BGR);
    Files.delete(images.resolve("labels.csv"));
    StringWriter err = new StringWriter();
    assertThat(run(err, "corrupt", "--images", images.toString(), "--out", tmp.resolve("set").toString())).isNotZero();
    assertThat(err.toString()).contains(images.resolve("labels.csv").toString(), "file,label");
    assertThat(tmp.resolve("set")).doesNotExist();
  }

  /**
   * A user's labels.csv of class names (as their own tool exports it) was refused by corrupt, which takes no model,
   * while calibrate and evaluate read it: the set records class indices, so the names are read through --model's
   * manifest.json, and without --model the refusal says to give it.
   */
  @Test
  void readsALabelsFileOfClassNamesThroughTheModelGivenAndAsksForOneWithout() throws Exception {
    Path images = labelledFolder("gray", 3, 16, 16, BufferedImage.TYPE_BYTE_GRAY);
    Files.writeString(images.resolve("labels.csv"),
        "file,label\nframe-000.png,Ankle boot\nframe-001.png,Coat\nframe-002.png,T-shirt/top\n");
    StringWriter err = new StringWriter();
    Path refused = tmp.resolve("refused");
    assertThat(run(err, "corrupt", "--images", images.toString(), "--out", refused.toString())).isEqualTo(2);
    assertThat(err.toString()).contains(images.resolve("labels.csv") + ":2: 'Ankle boot' is a class name", "--model");
    assertThat(refused).doesNotExist();

    Path out = tmp.resolve("set");
    assertThat(run("corrupt", "--images", images.toString(), "--out", out.toString(),
        "--model", TestData.defaultBundle().toString())).isZero();
    CsvTable m = CsvTable.read(out.resolve("manifest.csv"));
    Map<String, Integer> byName = Map.of("frame-000.png", 9, "frame-001.png", 4, "frame-002.png", 0);
    assertThat(m.size()).isEqualTo(3 * Corruption.values().length);
    for (int r = 0; r < m.size(); r++) {
      assertThat(Integer.parseInt(m.get(r, m.column("true_label")))).as(m.get(r, m.column("file")))
          .isEqualTo(byName.get(m.get(r, m.column("source"))));
    }
  }

  @Test
  void refusesAnIndexTheModelGivenDoesNotHave() throws Exception {
    // with --model the set is checked against its classes now, not when evaluate reads it
    Path images = labelledFolder("gray", 2, 16, 16, BufferedImage.TYPE_BYTE_GRAY);
    Files.writeString(images.resolve("labels.csv"), "file,label\nframe-000.png,3\nframe-001.png,10\n");
    StringWriter err = new StringWriter();
    assertThat(run(err, "corrupt", "--images", images.toString(), "--out", tmp.resolve("set").toString(),
        "--model", TestData.defaultBundle().toString())).isEqualTo(2);
    assertThat(err.toString()).contains(images.resolve("labels.csv") + ": frame-001.png: true label 10", "0-9");
  }

  @Test
  void refusesAnUnreadableImageNamingItAndWritesNoManifest() throws Exception {
    Path images = labelledFolder("rgb", 3, 16, 16, BufferedImage.TYPE_3BYTE_BGR);
    Files.writeString(images.resolve("frame-001.png"), "not a picture");
    StringWriter err = new StringWriter();
    Path out = tmp.resolve("set");
    assertThat(run(err, "corrupt", "--images", images.toString(), "--out", out.toString())).isNotZero();
    assertThat(err.toString()).contains(images.resolve("frame-001.png").toString(), "labels.csv");
    assertThat(out.resolve("manifest.csv")).as("no half set that evaluate would read").doesNotExist();
  }

  @Test
  void refusesAnOutFolderThatAlreadyHoldsFiles() throws Exception {
    Path images = labelledFolder("rgb", 2, 16, 16, BufferedImage.TYPE_3BYTE_BGR);
    Path out = Files.createDirectories(tmp.resolve("set"));
    Files.writeString(out.resolve("old.png"), "x");
    StringWriter err = new StringWriter();
    assertThat(run(err, "corrupt", "--images", images.toString(), "--out", out.toString())).isNotZero();
    assertThat(err.toString()).contains(out.toString(), "not empty");
  }

  @Test
  void evaluateReportsAFalseAlarmRowForEachCorruptionOfTheSetItWrote() throws Exception {
    Path out = tmp.resolve("set");
    assertThat(run("corrupt", "--images", TestData.evalImages().toString(), "--out", out.toString(),
        "--per-corruption", "3")).isZero();
    PrintStream old = System.out;
    ByteArrayOutputStream report = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(report, true, StandardCharsets.UTF_8));
      exit = Main.commandLine().execute("evaluate", "--engine", "OnnxRuntime", "--clean-limit", "10",
          "--corruptions", out.toString(), "none");
    } finally {
      System.setOut(old);
    }
    assertThat(exit).isZero();
    String text = report.toString(StandardCharsets.UTF_8);
    for (String id : Corruption.ids()) {
      assertThat(text).as("a row for " + id).containsPattern("(?m)^\\| " + id + " \\| [0-3] \\|");
    }
  }

  /**
   * corrupt wrote each source frame's name into manifest.csv as it was: a frame named with a comma (quoted in
   * labels.csv, as a spreadsheet writes it) made a row of seven fields, and evaluate read a piece of the name as its
   * true label. The field is quoted, so the set corrupt writes is the set evaluate reads.
   */
  @Test
  void aSourceFrameWhoseNameHoldsACommaReadsBackFromTheManifestItWrote() throws Exception {
    Path images = labelledFolder("rgb", 2, 16, 16, BufferedImage.TYPE_3BYTE_BGR);
    Files.move(images.resolve("frame-001.png"), images.resolve("shirt, red.png"));
    Files.writeString(images.resolve("labels.csv"), "file,label\nframe-000.png,0\n\"shirt, red.png\",2\n");
    Path out = tmp.resolve("set");
    assertThat(run("corrupt", "--images", images.toString(), "--out", out.toString())).isZero();

    CsvTable m = CsvTable.read(out.resolve("manifest.csv"));
    assertThat(m.size()).isEqualTo(2 * Corruption.values().length);
    Map<String, Integer> seen = new HashMap<>();
    for (int r = 0; r < m.size(); r++) {
      seen.put(m.get(r, m.column("source")), Integer.parseInt(m.get(r, m.column("true_label"))));
      assertThat(out.resolve(m.get(r, m.column("file")))).isRegularFile();
    }
    assertThat(seen).containsExactlyInAnyOrderEntriesOf(Map.of("frame-000.png", 0, "shirt, red.png", 2));
  }

  /** {@code n} random pictures of {@code type} (gray or RGB), h x w, with a labels.csv (labels 0..2). */
  private Path labelledFolder(String name, int n, int h, int w, int type) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(name));
    Random rng = new Random(n * 31L + h);
    StringBuilder csv = new StringBuilder("file,label\n");
    for (int i = 0; i < n; i++) {
      BufferedImage img = new BufferedImage(w, h, type);
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          img.setRGB(x, y, rng.nextInt(1 << 24));
        }
      }
      String file = String.format("frame-%03d.png", i);
      ImageIO.write(img, "png", dir.resolve(file).toFile());
      csv.append(file).append(',').append(i % 3).append('\n');
    }
    Files.writeString(dir.resolve("labels.csv"), csv);
    return dir;
  }

  private static int run(String... args) {
    return run(new StringWriter(), args);
  }

  private static int run(StringWriter err, String... args) {
    System.setProperty("advmon.home", TestData.repoRoot().toString());
    picocli.CommandLine cl = Main.commandLine();
    cl.setErr(new PrintWriter(err, true));
    PrintStream old = System.out;
    try {
      System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      return cl.execute(args);
    } finally {
      System.setOut(old);
    }
  }
}
