package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.evaluation.EvidencePictures;
import dev.advmon.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `monitor audit` and `monitor inspect` in-process on committed frames with the bundled model. */
class AuditCommandTest {

  @TempDir
  Path dir;

  private String run(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      System.setProperty("advmon.home", TestData.repoRoot().toString());
      assertThat(Main.commandLine().execute(args)).isZero();
    } finally {
      System.setOut(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void auditWritesAReportWithAPicturePerImage() throws Exception {
    Path root = TestData.repoRoot();
    Path out = dir.resolve("report");
    String stdout = run("audit", "--model", root.resolve("models/fashion-mnist-cnn").toString(), "--engine", "OnnxRuntime",
        "--limit", "3", "--out", out.toString(), root.resolve("models/eval/fashion-mnist-test").toString());
    assertThat(stdout).contains("median sufficient fraction", "accuracy on those reduced frames");
    String html = Files.readString(out.resolve("index.html"));
    assertThat(html).contains("<table>", "img-0000.png", "img-0002.png");
    assertThat(ImageIO.read(out.resolve("img-0001.png").toFile()).getWidth()).isGreaterThan(100);
  }

  @Test
  void auditIntoAnEarlierReportFolderLeavesOnlyTheNewReportsPictures() throws Exception {
    Path root = TestData.repoRoot();
    Path out = Files.createDirectories(dir.resolve("report"));
    // an earlier report of more images (its index.html names its pictures), and files of the user's own
    Files.write(out.resolve("img-0001.png"), new byte[] {1});
    Files.write(out.resolve("img-0017.png"), new byte[] {1});
    Files.writeString(out.resolve("index.html"), "<title>Overinterpretation audit: cnn</title>"
        + "<div class=c><img src=\"img-0001.png\" alt=\"a\"></div>"
        + "<div class=c><img src=\"img-0017.png\" alt=\"b\"></div>");
    Files.writeString(out.resolve("notes.txt"), "mine");
    Files.write(out.resolve("img-0042.png"), new byte[] {1}); // not one the earlier report names
    run("audit", "--model", root.resolve("models/fashion-mnist-cnn").toString(), "--engine", "OnnxRuntime",
        "--limit", "1", "--out", out.toString(), root.resolve("models/eval/fashion-mnist-test").toString());
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("index.html", "img-0000.png", "notes.txt", "img-0042.png");
    }
    assertThat(Files.readString(out.resolve("notes.txt"))).isEqualTo("mine");
  }

  /**
   * --out a folder that is no earlier report (--out ., or the images' own folder): pictures named like the report's
   * were deleted whatever they were, here a camera's own img-0007.png that the audit neither reads nor writes.
   */
  @Test
  void auditIntoAFolderThatIsNoReportDeletesNoneOfItsPictures() throws Exception {
    Path root = TestData.repoRoot();
    Path out = Files.createDirectories(dir.resolve("photos"));
    Files.write(out.resolve("img-0007.png"), new byte[] {7});
    run("audit", "--model", root.resolve("models/fashion-mnist-cnn").toString(), "--engine", "OnnxRuntime",
        "--limit", "1", "--out", out.toString(), root.resolve("models/eval/fashion-mnist-test").toString());
    assertThat(out.resolve("img-0007.png")).as("the user's own picture").hasBinaryContent(new byte[] {7});
  }

  @Test
  void inspectPrintsTheVerdictAndWritesTheEvidencePicture() throws Exception {
    Path root = TestData.repoRoot();
    Path png = dir.resolve("evidence.png");
    String stdout = run("inspect", "--model", root.resolve("models/fashion-mnist-cnn").toString(), "--engine", "OnnxRuntime",
        "--out", png.toString(), root.resolve("models/eval/fashion-mnist-test/test-00000.png").toString());
    assertThat(stdout).contains("\"predicted_label\":\"Ankle boot\"", "\"overinterpretation\"", "\"forward_passes\"");
    assertThat(ImageIO.read(png.toFile()).getWidth()).isGreaterThanOrEqualTo(EvidencePictures.FRAME_SIDE);
  }

  /**
   * inspect's line says, as score's does, what was done to a frame that is not what the alert rates were measured on
   * (8-bit, the model's size): here a 1000x1000 photo resized to 28x28. Failed before: no "notes".
   */
  @Test
  void inspectNotesThatALargeImageWasResized() throws Exception {
    Path root = TestData.repoRoot();
    java.awt.image.BufferedImage small = ImageIO.read(root.resolve("models/eval/fashion-mnist-test/test-00000.png")
        .toFile());
    java.awt.image.BufferedImage big = new java.awt.image.BufferedImage(1000, 1000,
        java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    java.awt.Graphics2D g = big.createGraphics();
    g.drawImage(small, 0, 0, 1000, 1000, null);
    g.dispose();
    Path large = dir.resolve("large.png");
    assertThat(ImageIO.write(big, "png", large.toFile())).isTrue();

    String stdout = run("inspect", "--model", root.resolve("models/fashion-mnist-cnn").toString(), "--engine",
        "OnnxRuntime", "--out", dir.resolve("evidence.png").toString(), large.toString());

    assertThat(stdout).contains("\"notes\":[\"resized from 1000x1000 to the model's 28x28 (width x height)\"]")
        .contains("\"predicted_label\"", "\"forward_passes\"");
  }
}
