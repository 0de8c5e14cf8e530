package dev.advmon.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.image.ImageLimits;
import dev.advmon.model.FramePreparer;
import dev.advmon.testing.BreakableClassifier;
import dev.advmon.testing.SharedCnn;
import dev.advmon.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit report's folder across runs: what a run that stopped halfway leaves, and what the next run makes of it. */
class OverinterpretationAuditTest {

  @TempDir
  Path dir;

  /**
   * An audit stopped halfway (Ctrl-C, a model that failed) left its first pictures and no index.html; the next audit
   * into the same --out was refused ("img-0000.png exists and is not a picture of an earlier audit report ... choose
   * another --out folder") for the audit's own pictures. Its pictures are now named by an index.html before they are
   * written, so the next run takes them for what they are and clears them.
   */
  @Test
  void anAuditStoppedHalfwayLeavesAReportTheNextAuditIntoTheSameFolderReplaces() throws Exception {
    Path out = dir.resolve("report");
    List<Path> images = TestData.evalSet().subList(0, 5).stream().map(TestData.Labelled::file).toList();
    FramePreparer preparer = FramePreparer.forModel(ImageLimits.defaults(), SharedCnn.get().manifest());
    BreakableClassifier model = new BreakableClassifier(SharedCnn.get());
    // the model goes away once two pictures are written: the run stops on the third image
    model.fault = frames -> Files.exists(out.resolve("img-0001.png")) ? new IllegalStateException("injected: stopped") : null;
    assertThatThrownBy(() -> OverinterpretationAudit.run(model, preparer, images, 2, 0.9, Map.of(), out, "cnn"))
        .hasMessageContaining("injected");
    assertThat(out.resolve("img-0000.png")).exists();
    assertThat(Files.readString(out.resolve("index.html"))).as("the stopped run's page names what it was writing")
        .contains("img-0000.png", "img-0004.png", "not finished");

    model.fault = frames -> null;
    OverinterpretationAudit.run(model, preparer, images.subList(0, 1), 2, 0.9, Map.of(), out, "cnn");
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("index.html", "img-0000.png");
    }
    assertThat(Files.readString(out.resolve("index.html"))).doesNotContain("img-0001.png", "not finished");
  }

  /**
   * "(11.1% of the pixels)" was the share of grid cells kept, exact only where the grid divides the image side: a 3x3
   * grid on 28x28 has cells of 10x10, 10x9 and 9x9 pixels, so one cell kept is 12.8%, 11.5% or 10.3% of the pixels,
   * never 11.1%. The report says the share of pixels the kept cells cover.
   */
  @Test
  void theShareOfPixelsKeptIsThePixelsTheKeptCellsCoverNotTheShareOfCells() throws Exception {
    List<Path> images = TestData.evalSet().subList(0, 1).stream().map(TestData.Labelled::file).toList();
    FramePreparer preparer = FramePreparer.forModel(ImageLimits.defaults(), SharedCnn.get().manifest());
    OverinterpretationAudit.Summary s = OverinterpretationAudit.run(SharedCnn.get(), preparer, images, 3, 0.9,
        Map.of(), dir.resolve("uneven"), "cnn");
    String uneven = OverinterpretationAudit.asText(OverinterpretationAudit.summaryRows(s, 3, 0.9));
    // the one cell removed last (5% of 9 cells, at least 1) is one of the three sizes a 3x3 grid on 28 pixels has
    List<String> oneCell = java.util.stream.IntStream.of(10 * 10, 10 * 9, 9 * 9)
        .mapToObj(px -> String.format(java.util.Locale.ROOT, "on the 1 cells removed last (%.1f%% of the pixels)",
            100.0 * px / (28 * 28))).toList();
    assertThat(oneCell).as(uneven).anyMatch(uneven::contains);

    // where the grid divides the side (7 on 28: 4x4-pixel cells), the 2 cells kept are 2 of 49 shares exactly
    s = OverinterpretationAudit.run(SharedCnn.get(), preparer, images, 7, 0.9, Map.of(), dir.resolve("even"), "cnn");
    assertThat(OverinterpretationAudit.asText(OverinterpretationAudit.summaryRows(s, 7, 0.9)))
        .contains(String.format(java.util.Locale.ROOT, "on the 2 cells removed last (%.1f%% of the pixels)",
            100.0 * 2 * 16 / (28 * 28)));
  }

  /**
   * Any index.html that showed a picture named like the report's (img-0000.png) was taken for an earlier report: an
   * audit into a folder of the user's own pages and pictures (a gallery, a web export) deleted the pictures it did
   * not write again and replaced the user's index.html. Only a page the audit wrote (its title) is an earlier report.
   */
  @Test
  void anIndexHtmlTheAuditDidNotWriteIsNoEarlierReportWhateverPicturesItShows() throws Exception {
    Path out = Files.createDirectories(dir.resolve("gallery"));
    String page = "<!doctype html><html><head><title>My pictures</title></head><body>"
        + "<img src=\"img-0000.png\"><img src=\"img-0001.png\"></body></html>";
    Files.writeString(out.resolve("index.html"), page);
    Files.write(out.resolve("img-0000.png"), new byte[] {1});
    Files.write(out.resolve("img-0001.png"), new byte[] {2});
    List<Path> images = TestData.evalSet().subList(0, 1).stream().map(TestData.Labelled::file).toList();
    FramePreparer preparer = FramePreparer.forModel(ImageLimits.defaults(), SharedCnn.get().manifest());
    assertThatThrownBy(() -> OverinterpretationAudit.run(SharedCnn.get(), preparer, images, 2, 0.9, Map.of(), out, "cnn"))
        .hasMessageContaining(out.resolve("index.html") + " exists and is not an earlier audit report");
    assertThat(Files.readString(out.resolve("index.html"))).isEqualTo(page);
    assertThat(Files.readAllBytes(out.resolve("img-0000.png"))).containsExactly(1);
    assertThat(Files.readAllBytes(out.resolve("img-0001.png"))).containsExactly(2);
  }
}
