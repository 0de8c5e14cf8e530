package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.image.EvidenceOverlay;
import dev.advmon.detect.Detector;
import dev.advmon.detect.Verdict;
import dev.advmon.evaluation.EvidencePictures;
import dev.advmon.image.FloatImage;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import dev.advmon.model.BatchClassifier;
import dev.advmon.testing.BreakableClassifier;
import dev.advmon.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {

  @Test
  void evidencePictureDimsTheCellsOutsideTheSubsetAndShowsTheProbes() {
    float[] d = new float[28 * 28];
    java.util.Arrays.fill(d, 1f);
    FloatImage frame = new FloatImage(1, 28, 28, d);
    Detector.Detection oi = new Detector.Detection("overinterpretation", "OVERINTERPRETATION", 2, 1,
        "subset.grid=7x7;subset=80000000000000");
    Verdict v = new Verdict(8, "Bag", 0.99, List.of(oi), 62);
    EvidenceOverlay subset = EvidenceOverlay.from(oi.evidenceMap());
    BufferedImage img = EvidencePictures.render(frame, v, subset, List.of(frame, frame), List.of("a", "b"), new double[] {0.5, 0.9});
    assertThat(img.getWidth()).isGreaterThanOrEqualTo(EvidencePictures.FRAME_SIDE);
    int inside = img.getRGB(10 + 30, 72 + 30) & 0xffffff; // in cell 0 (kept): white
    int outside = img.getRGB(10 + 300, 72 + 300) & 0xffffff; // dimmed
    assertThat(inside).isEqualTo(0xffffff);
    assertThat(outside).isNotEqualTo(0xffffff);
    int thumb = img.getRGB(10 + 70, 72 + EvidencePictures.FRAME_SIDE + 20 + 70) & 0xffffff;
    assertThat(thumb).as("first probe thumbnail drawn").isEqualTo(0xffffff);
  }

  @Test
  void verdictLineCarriesTheEvidence() throws Exception {
    Detector.Detection oi = new Detector.Detection("overinterpretation", "OVERINTERPRETATION", 2, 1,
        "subset.grid=7x7;subset=80000000000000");
    String line = InspectCommand.verdictJson(Path.of("f.png"), new Verdict(8, "Bag", 0.99, List.of(oi), 62), Path.of("e.png"));
    assertThat(line).contains("\"reasons\":[\"OVERINTERPRETATION\"]", "\"subset\":\"80000000000000\"", "\"forward_passes\":62");
  }

  @Test
  void aVerdictNoDetectorScoredSaysSoInsteadOfReadingAsClean() throws Exception {
    String off = InspectCommand.verdictJson(Path.of("f.png"), new Verdict(8, "Bag", 0.99, List.of(), 1), Path.of("e.png"));
    assertThat(off).contains("\"alert\":false", "\"detectors_off\":true");
    Detector.Detection d = new Detector.Detection("perturbation", "PERTURBATION", 0.1, 1, "");
    String on = InspectCommand.verdictJson(Path.of("f.png"), new Verdict(8, "Bag", 0.99, List.of(d), 2), Path.of("e.png"));
    assertThat(on).doesNotContain("detectors_off");
  }

  /**
   * An image the model cannot score (a NaN class score) stopped inspect with the model's words alone ("... for image 0
   * of a batch of 13 ..."): the batch is the probes of one image, and no file was named. The error names the file and
   * says it was read but could not be scored, as score's error line for such an image does.
   */
  @Test
  void anImageTheModelCannotScoreIsNamedInTheError(@TempDir Path tmp) throws Exception {
    Path image = java.nio.file.Files.copy(TestData.evalSet().get(0).file(), tmp.resolve("frame-7.png"));
    float[] pixels = dev.advmon.model.FramePreparer.forModel(dev.advmon.image.ImageLimits.defaults(),
        dev.advmon.model.ModelBundle.load(TestData.repoRoot().resolve("models/fashion-mnist-cnn")).manifest())
        .prepare(image).data();
    java.io.StringWriter err = new java.io.StringWriter();
    int exit = inspect(model -> {
      BreakableClassifier broken = new BreakableClassifier(model);
      // only calls that hold this image fail, as a model's NaN row for it would: a plain frame still scores
      broken.fault = batch -> batch.stream().anyMatch(i -> java.util.Arrays.equals(pixels, i.data()))
          ? new IllegalStateException("model returned a class score of NaN for image 0 of a batch of " + batch.size())
          : null;
      return broken;
    }, err, "--engine", "OnnxRuntime", "--out", tmp.resolve("evidence.png").toString(), image.toString());

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: " + image + ": the image was read but could not be scored: "
        + "model returned a class score of NaN for image 0 of a batch of ");
    assertThat(tmp.resolve("evidence.png")).doesNotExist();
  }

  /**
   * A model that fails on every frame, a plain mid-grey one too, is not the image's fault: the error says scoring
   * itself is broken, and names the file, as score's does when it stops.
   */
  @Test
  void aModelThatFailsOnEveryFrameIsNamedAsBrokenNotTheImage(@TempDir Path tmp) throws Exception {
    Path image = java.nio.file.Files.copy(TestData.evalSet().get(0).file(), tmp.resolve("frame-7.png"));
    java.io.StringWriter err = new java.io.StringWriter();
    int exit = inspect(model -> {
      BreakableClassifier broken = new BreakableClassifier(model);
      broken.fault = batch -> new IllegalStateException("injected: the accelerator went away");
      return broken;
    }, err, "--engine", "OnnxRuntime", "--out", tmp.resolve("evidence.png").toString(), image.toString());

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("scoring fails for every image (the model or its engine is broken, not the "
        + "images): " + image + " failed (injected: the accelerator went away), and so did a plain mid-grey frame");
  }

  /**
   * The picture's probes are scored in a call of their own, after the verdict: a failure there named no file either.
   * The last model call of a run is found by counting the calls of a run that does not fail.
   */
  @Test
  void aProbeTheModelCannotScoreNamesTheFile(@TempDir Path tmp) throws Exception {
    Path image = java.nio.file.Files.copy(TestData.evalSet().get(0).file(), tmp.resolve("frame-7.png"));
    String[] args = {"--engine", "OnnxRuntime", "--out", tmp.resolve("evidence.png").toString(), image.toString()};
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    assertThat(inspect(model -> {
      BreakableClassifier counted = new BreakableClassifier(model);
      counted.fault = batch -> {
        calls.incrementAndGet();
        return null;
      };
      return counted;
    }, new java.io.StringWriter(), args)).isZero();
    java.io.StringWriter err = new java.io.StringWriter();
    java.util.concurrent.atomic.AtomicInteger call = new java.util.concurrent.atomic.AtomicInteger();
    int exit = inspect(model -> {
      BreakableClassifier broken = new BreakableClassifier(model);
      broken.fault = batch -> call.incrementAndGet() == calls.get()
          ? new IllegalStateException("model returned a class score of NaN for image 1 of a batch of " + batch.size())
          : null;
      return broken;
    }, err, args);

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: " + image + ": the image was scored, but the probes of its evidence"
        + " picture could not be: model returned a class score of NaN for image 1 of a batch of ");
  }

  /** {@code inspect ARGS} whose model is {@code model} applied to the loaded one, its errors into {@code err}. */
  private static int inspect(UnaryOperator<BatchClassifier> model, java.io.StringWriter err, String... args) {
    System.setProperty("advmon.home", TestData.repoRoot().toString());
    List<String> all = new java.util.ArrayList<>(List.of("inspect"));
    all.addAll(List.of(args));
    picocli.CommandLine cl = CommandLineWith.of(InspectCommand.class, new InspectCommand(model));
    cl.setErr(new java.io.PrintWriter(err, true));
    return cl.execute(all.toArray(String[]::new));
  }
}
