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
import org.junit.jupiter.api.Test;

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
}
