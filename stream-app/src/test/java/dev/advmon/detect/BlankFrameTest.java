package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.image.ImageLimits;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import dev.advmon.testing.TestData;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A blank frame (a covered lens, a dead sensor) carries no evidence for any class: a decision the model still
 * commits to on it rests on nothing. The bundled model labels black frames Sneaker at 86% and white ones Bag at 87%,
 * under the overinterpretation detector's tau of 0.9, where its signals do not look.
 */
class BlankFrameTest {

  private static ModelBundle bundle;
  private static DjlClassifier model;
  private static FrameScorer scorer;
  private static FramePreparer preparer;

  @BeforeAll
  static void load() throws Exception {
    bundle = ModelBundle.load(TestData.repoRoot().resolve("models/fashion-mnist-cnn"));
    model = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME);
    scorer = new FrameScorer(model, Detectors.forBundle(bundle), 128);
    preparer = FramePreparer.forModel(new ImageLimits(1 << 20, 1 << 20, 4096), bundle.manifest());
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private static byte[] png(int w, int h, Color fill, Color dot) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(fill);
    g.fillRect(0, 0, w, h);
    if (dot != null) {
      g.setColor(dot);
      g.fillRect(w / 2 - 3, h / 2 - 3, 6, 6);
    }
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  @Test
  void flagsEveryBlankFrameTheModelStillLabelsAtHalfConfidenceOrMore() throws Exception {
    List<String> silent = new ArrayList<>();
    int committed = 0;
    for (int level = 0; level < 256; level += 5) {
      Color c = new Color(level, level, level);
      Verdict v = scorer.score(preparer.prepare(png(64, 48, c, null), null, null, null));
      if (v.confidence() >= OverinterpretationDetector.NO_EVIDENCE_CONFIDENCE) {
        committed++;
        if (!v.reasons().contains(OverinterpretationDetector.REASON)) {
          silent.add("level " + level + ": " + v.predictedLabel() + " at " + v.confidence());
        }
      }
    }
    assertThat(committed).as("blank frames the model commits to (the case at issue)").isGreaterThan(10);
    assertThat(silent).as("blank frames labelled at >= 0.5 without an overinterpretation alert").isEmpty();
  }

  @Test
  void aFrameWithAnyContentIsNotTakenForBlank() throws Exception {
    Verdict v = scorer.score(preparer.prepare(png(28, 28, Color.BLACK, Color.WHITE), null, null, null));
    Detector.Detection oi = v.detections().stream()
        .filter(d -> d.detector().equals(OverinterpretationDetector.NAME)).findFirst().orElseThrow();
    assertThat(oi.evidence()).doesNotContain("no-evidence");
  }
}
