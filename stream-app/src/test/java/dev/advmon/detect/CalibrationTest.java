package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.InvalidBundleException;
import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelManifest;
import dev.advmon.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationTest {

  @TempDir
  Path dir;

  @BeforeEach
  void copyTinyBundle() throws Exception {
    Path src = TestData.repoRoot().resolve("stream-app/src/test/resources/models/tiny-rgb");
    for (String f : List.of("model.onnx", "manifest.json")) {
      Files.copy(src.resolve(f), dir.resolve(f));
    }
  }

  private static List<FloatImage> noise(ModelManifest m, int n, long seed) {
    Random r = new Random(seed);
    List<FloatImage> out = new ArrayList<>();
    int c = m.input().channels();
    int h = m.input().height();
    int w = m.input().width();
    for (int i = 0; i < n; i++) {
      float[] v = new float[c * h * w];
      for (int j = 0; j < v.length; j++) {
        v[j] = Math.round(r.nextFloat() * 255) / 255f;
      }
      out.add(new FloatImage(c, h, w, v));
    }
    return out;
  }

  /** Noise frames as "clean" and the same frames brightened as a condition; expected = the model's own class. */
  private static Calibrator.Hold hold(BatchClassifier classifier, List<FloatImage> clean) {
    List<FloatImage> frames = new ArrayList<>(clean);
    List<String> groups = new ArrayList<>();
    clean.forEach(f -> groups.add(Calibrator.CLEAN));
    for (FloatImage f : clean) {
      float[] d = f.data().clone();
      for (int i = 0; i < d.length; i++) {
        d[i] = Math.min(1f, d[i] + 0.1f);
      }
      frames.add(new FloatImage(f.channels(), f.height(), f.width(), d));
      groups.add("brighter");
    }
    BatchOutput out = classifier.classify(frames);
    int[] expected = new int[frames.size()];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = out.argmax(i);
    }
    return new Calibrator.Hold() {
      public int size() {
        return frames.size();
      }

      public FloatImage get(int i) {
        return frames.get(i);
      }

      public String group(int i) {
        return groups.get(i);
      }

      public int expected(int i) {
        return expected[i];
      }
    };
  }

  private static Calibrator.Frames frames(List<FloatImage> list) {
    return new Calibrator.Frames() {
      public int size() {
        return list.size();
      }

      public FloatImage get(int i) {
        return list.get(i);
      }
    };
  }

  @Test
  void aWrittenCalibrationReadsBackIntoDetectorsThatAlertExactlyAsOftenAsDuringCalibration() throws Exception {
    ModelBundle bundle = ModelBundle.load(dir);
    assertThat(Detectors.forBundle(bundle)).as("no calibration.json: detectors off").isEmpty();
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.parse("OnnxRuntime"))) {
      Calibrator.Hold hold = hold(classifier, noise(bundle.manifest(), 300, 2));
      Calibrator.Budget budget = new Calibrator.Budget(0.06, 0.08);
      Calibrator.Result r = Calibrator.calibrate(classifier, frames(noise(bundle.manifest(), 100, 1)), hold,
          new Calibrator.Settings(true, List.of("bit-depth-3", "median-2x2"), List.of("softmax-l1", "margin-drop"),
              true, true, 1, 50, 1e-3, 64, null, false, java.util.Map.of("fooling", 0.5), budget, false));
      assertThat(r.groupRates().get(Calibrator.CLEAN)).isLessThanOrEqualTo(0.06);
      assertThat(r.groupRates().get("brighter")).isLessThanOrEqualTo(0.08);
      assertThat(r.groupCounts().get(Calibrator.CLEAN)).isEqualTo(300);
      new Calibration(bundle.id(), Detectors.sha256(bundle.modelFile()), "2026-12-01T00:00:00Z", 0.06,
          new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("source", "noise"),
          r.perturbation(), r.fooling(), null, null, r.stability()).write(bundle.calibrationFile());

      List<Detector> detectors = Detectors.forBundle(bundle);
      assertThat(detectors).extracting(Detector::name).containsExactly("stability", "perturbation", "fooling");
      FrameScorer scorer = new FrameScorer(classifier, detectors, 64);
      List<FloatImage> all = new ArrayList<>();
      for (int i = 0; i < hold.size(); i++) {
        all.add(hold.get(i));
      }
      List<Verdict> verdicts = scorer.score(all);
      assertThat(verdicts.get(0).detections().get(1).threshold()).isEqualTo(r.perturbation().scale().threshold());
      assertThat(verdicts.get(0).forwardPasses()).isEqualTo(1 + 4 + 2); // frame + 4 shifts + 2 squeezed probes, one call
      alertsExactlyAsDuringCalibration(hold, verdicts, r);
    }
  }

  /** The same frames through the read-back detectors alert exactly as often as during calibration, per group. */
  private static void alertsExactlyAsDuringCalibration(Calibrator.Hold hold, List<Verdict> verdicts, Calibrator.Result r) {
    for (String group : List.of(Calibrator.CLEAN, "brighter")) {
      int n = 0;
      int flagged = 0;
      for (int i = 0; i < hold.size(); i++) {
        if (hold.group(i).equals(group) && verdicts.get(i).predictedClass() == hold.expected(i)) {
          n++;
          flagged += verdicts.get(i).alert() ? 1 : 0;
        }
      }
      assertThat((double) flagged / n).as(group).isEqualTo(r.groupRates().get(group));
    }
  }

  @Test
  void aConsensusOfTheDetectorsReadsBackAndAlertsExactlyAsOftenAsDuringCalibration() throws Exception {
    ModelBundle bundle = ModelBundle.load(dir);
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.parse("OnnxRuntime"))) {
      Calibrator.Hold hold = hold(classifier, noise(bundle.manifest(), 300, 2));
      Calibrator.Result r = Calibrator.calibrate(classifier, frames(noise(bundle.manifest(), 100, 1)), hold,
          new Calibrator.Settings(true, List.of("bit-depth-3", "median-2x2"), List.of("softmax-l1", "margin-drop"),
              true, true, 1, 50, 1e-3, 64, null, false, java.util.Map.of("consensus", 0.5), new Calibrator.Budget(0.06, 0.08), false,
              List.of("stability", "perturbation", "fooling", "learned")));
      assertThat(r.consensus()).as("members the calibration has: the head is off").isNotNull();
      assertThat(r.consensus().members()).containsExactly("stability", "perturbation", "fooling");
      assertThat(r.consensus().tails()).hasSize(3);
      new Calibration(bundle.id(), Detectors.sha256(bundle.modelFile()), "2026-12-01T00:00:00Z", 0.06,
          new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode(), r.perturbation(), r.fooling(), null, null,
          r.stability(), null, r.consensus()).write(bundle.calibrationFile());

      List<Detector> detectors = Detectors.forBundle(bundle);
      assertThat(detectors).extracting(Detector::name).containsExactly("stability", "perturbation", "fooling", "consensus");
      List<FloatImage> all = new ArrayList<>();
      for (int i = 0; i < hold.size(); i++) {
        all.add(hold.get(i));
      }
      List<Verdict> verdicts = new FrameScorer(classifier, detectors, 64).score(all);
      assertThat(verdicts.get(0).forwardPasses()).as("the consensus adds no probe").isEqualTo(1 + 4 + 2);
      assertThat(verdicts).as("the consensus has a share of its own").anyMatch(v -> v.detections().get(3).flagged());
      alertsExactlyAsDuringCalibration(hold, verdicts, r);
    }
  }

  @Test
  void aConsensusNamingADetectorTheCalibrationLacksIsRefused() throws Exception {
    ModelBundle bundle = ModelBundle.load(dir);
    TailTable t = TailTable.of(new double[] {0, 1, 2});
    Calibration.Consensus c = new Calibration.Consensus(List.of("stability", "learned"), List.of(t, t), 3, 0.01, 0.01);
    Calibration.Stability st = new Calibration.Stability(new SignalScale(new double[] {1, 1, 1}, 1.0), 0.01, 0.01);
    new Calibration(bundle.id(), Detectors.sha256(bundle.modelFile()), "2026-12-01T00:00:00Z", 0.06,
        new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode(), null, null, null, null, st, null, c)
        .write(bundle.calibrationFile());
    assertThatThrownBy(() -> Detectors.forBundle(bundle)).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("detectors.consensus.members").hasMessageContaining("learned")
        .hasMessageContaining("run ./monitor calibrate");
  }

  @Test
  void aDetectorThatAloneFloodsOneConditionGivesUpItsShareNotTheOthers() {
    // 3 detectors over 1000 clean frames and 500 frames of condition "lines"; scores are ranks, so shares are exact
    int clean = 1000;
    int lines = 500;
    int n = clean + lines;
    double[][] scores = new double[3][n];
    java.util.Random r = new java.util.Random(3);
    for (int d = 0; d < 3; d++) {
      for (int i = 0; i < n; i++) {
        scores[d][i] = r.nextDouble();
      }
    }
    for (int i = clean; i < n; i++) {
      scores[2][i] += 1; // detector 2 scores every "lines" frame above every clean one
    }
    java.util.Map<String, List<Integer>> groups = new java.util.LinkedHashMap<>();
    groups.put(Calibrator.CLEAN, java.util.stream.IntStream.range(0, clean).boxed().toList());
    groups.put("lines", java.util.stream.IntStream.range(clean, n).boxed().toList());
    double[][] sorted = new double[3][];
    for (int d = 0; d < 3; d++) {
      sorted[d] = scores[d].clone();
      java.util.Arrays.sort(sorted[d]);
    }
    double[] shares = Calibrator.shares(sorted, scores, new double[] {1, 1, 1}, groups, new Calibrator.Budget(0.05, 0.06));
    assertThat(shares[2]).as("the detector that flags the lines frames").isLessThan(shares[0] / 2);
    assertThat(shares[0]).as("the others keep a real share").isGreaterThan(0.01);
    assertThat(shares[1]).isGreaterThan(0.01);
  }

  @Test
  void aCalibrationForOtherWeightsIsRefusedWithWhatToDo() throws Exception {
    ModelBundle bundle = ModelBundle.load(dir);
    SignalScale s = new SignalScale(new double[] {1}, 1);
    new Calibration(bundle.id(), "0".repeat(64), "now", 0.05, new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode(),
        new Calibration.Perturbation(List.of("bit-depth-3"), List.of("softmax-l1"), s, 0.025, 0.025), null)
        .write(bundle.calibrationFile());
    assertThatThrownBy(() -> Detectors.forBundle(bundle)).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("model_sha256").hasMessageContaining("./monitor calibrate --model");
  }

  @Test
  void aCalibrationMadeForAnotherInputPreparationIsRefusedNamingTheField() throws Exception {
    ModelBundle bundle = ModelBundle.load(dir);
    var data = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    data.set(Detectors.INPUT, Detectors.describeInput(bundle.manifest().input()));
    new Calibration(bundle.id(), Detectors.sha256(bundle.modelFile()), "now", 0.05, data,
        new Calibration.Perturbation(List.of("bit-depth-3"), List.of("softmax-l1"), new SignalScale(new double[] {1}, 1),
            0.025, 0.025), null).write(bundle.calibrationFile());
    assertThat(Detectors.forBundle(bundle)).as("the same preparation as at calibration").hasSize(1);

    // same model.onnx, but the normalization edited after calibrating: the thresholds were set on other values
    Path manifest = dir.resolve(ModelBundle.MANIFEST);
    var json = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(manifest.toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("input")).putArray("mean").add(0.5).add(0.5).add(0.5);
    Files.writeString(manifest, json.toPrettyString());
    ModelBundle edited = ModelBundle.load(dir);
    assertThatThrownBy(() -> Detectors.forBundle(edited)).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining(bundle.calibrationFile().toString()).hasMessageContaining("input.mean is [0.5,0.5,0.5]")
        .hasMessageContaining("./monitor calibrate --model");
  }

  @Test
  void aCalibrationMadeOnOtherOutputsOfTheSameModelIsRefusedNamingTheField() throws Exception {
    ModelBundle bundle = ModelBundle.load(dir);
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    var data = mapper.createObjectNode();
    // data.outputs as ./monitor calibrate records it for the tiny model
    data.set("outputs", mapper.readTree("{\"logits\": \"logits\", \"features\": \"features\", \"adversarial\": null, \"layers\": []}"));
    new Calibration(bundle.id(), Detectors.sha256(bundle.modelFile()), "now", 0.05, data,
        new Calibration.Perturbation(List.of("bit-depth-3"), List.of("softmax-l1"), new SignalScale(new double[] {1}, 1),
            0.025, 0.025), null).write(bundle.calibrationFile());
    assertThat(Detectors.forBundle(bundle)).as("the outputs it was calibrated on").hasSize(1);

    // same model.onnx, features pointed at another output after calibrating: a fooling model fitted on one output
    // reads another (one of the same width, a layer-statistics output, flagged every frame of the default bundle)
    Path manifest = dir.resolve(ModelBundle.MANIFEST);
    var json = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(manifest.toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("outputs")).put("features", "logits");
    Files.writeString(manifest, json.toPrettyString());
    ModelBundle edited = ModelBundle.load(dir);
    assertThatThrownBy(() -> Detectors.forBundle(edited)).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining(bundle.calibrationFile().toString()).hasMessageContaining("outputs.features is \"logits\"")
        .hasMessageContaining("was \"features\" at calibration").hasMessageContaining("./monitor calibrate --model");
  }

  @Test
  void aLearnedThresholdReadsBackButNeedsABundleWithADetectorHead() throws Exception {
    ModelBundle bundle = ModelBundle.load(dir);
    new Calibration(bundle.id(), Detectors.sha256(bundle.modelFile()), "now", 0.05,
        new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode(), null, null, null,
        new Calibration.Learned(0.375, 0.02, 0.019)).write(bundle.calibrationFile());
    Calibration back = Calibration.read(bundle.calibrationFile());
    assertThat(back.learned()).isEqualTo(new Calibration.Learned(0.375, 0.02, 0.019));
    assertThat(back.detectors()).extracting(Detector::name).containsExactly("learned");
    assertThatThrownBy(() -> Detectors.forBundle(bundle)).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("detector-head output").hasMessageContaining("outputs.adversarial");
  }

  @Test
  void aConsistencyCalibrationNeedsABundleWithAsManyLayerOutputs() throws Exception {
    ModelBundle bundle = ModelBundle.load(dir);
    Mahalanobis layer = new Mahalanobis(new float[][] {{0f}, {1f}}, new float[] {1f});
    new Calibration(bundle.id(), Detectors.sha256(bundle.modelFile()), "now", 0.05,
        new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode(), null, null, null, null, null,
        new Calibration.Consistency(List.of(layer), new SignalScale(new double[] {1}, 2), 0.01, 0.01)).write(bundle.calibrationFile());
    assertThat(Calibration.read(bundle.calibrationFile()).detectors()).extracting(Detector::name).containsExactly("consistency");
    assertThatThrownBy(() -> Detectors.forBundle(bundle)).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("fitted on 1 layer outputs").hasMessageContaining("names 0").hasMessageContaining("outputs.layers")
        .hasMessageContaining("./monitor calibrate --model");
  }

  @Test
  void aDetectorThisMonitorDoesNotKnowIsRefusedNotDropped() throws Exception {
    // a misspelt detector, or one a newer monitor calibrated: dropping it ran the monitor without that detector
    // while the file said it was calibrated
    Path f = dir.resolve("calibration.json");
    Files.writeString(f, """
        {"format": 1, "model": "m", "model_sha256": "x", "created": "now", "target_fpr": 0.05,
         "detectors": {"perturbation": {"squeezers": ["bit-depth-3"], "signals": ["softmax-l1"],
           "signal_scales": [1.0], "threshold": 1.0, "target_fpr": 0.025, "calibration_fpr": 0.025},
           "stabilty": {"signal_scales": [1.0, 1.0, 1.0], "threshold": 1.0, "target_fpr": 0.025, "calibration_fpr": 0.025}}}
        """);
    assertThatThrownBy(() -> Calibration.read(f)).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining(f.toString()).hasMessageContaining("detectors.stabilty")
        .hasMessageContaining("stability, perturbation").hasMessageContaining("./monitor calibrate");
  }

  @Test
  void aBrokenFieldIsNamedWithTheFile() throws Exception {
    Path f = dir.resolve("calibration.json");
    Files.writeString(f, """
        {"format": 1, "model": "m", "model_sha256": "x", "created": "now", "target_fpr": 0.05,
         "detectors": {"perturbation": {"squeezers": ["bit-depth-3"], "signals": ["softmax-l1"],
           "signal_scales": [1.0, 2.0], "threshold": 1.0, "target_fpr": 0.025, "calibration_fpr": 0.025}}}
        """);
    assertThatThrownBy(() -> Calibration.read(f)).hasMessageContaining(f.toString())
        .hasMessageContaining("detectors.perturbation.signal_scales").hasMessageContaining("1 signals");
    Files.writeString(f, """
        {"format": 1, "model": "m", "model_sha256": "x", "created": "now", "target_fpr": 0.05,
         "detectors": {"perturbation": {"squeezers": ["jpeg"], "signals": ["softmax-l1"],
           "signal_scales": [1.0], "threshold": 1.0, "target_fpr": 0.025, "calibration_fpr": 0.025}}}
        """);
    assertThatThrownBy(() -> Calibration.read(f)).hasMessageContaining("detectors.perturbation.squeezers")
        .hasMessageContaining("unknown squeezer 'jpeg'");
  }

  @Test
  void aCalibrationFromBeforeTheScarcitySignalHasItsEmptinessScaleConverted() throws Exception {
    Path f = dir.resolve("calibration.json");
    Files.writeString(f, """
        {"format": 1, "model": "m", "model_sha256": "x", "created": "now", "target_fpr": 0.05,
         "detectors": {"overinterpretation": {"grid": 7, "border": 2, "keep_fraction": 0.05, "tau": 0.9,
           "search_share": 0.08, "trigger": 0.67, "sparse_trigger": 0.25, "mask": [0.286],
           "signals": ["border-reliance", "sparse-probe", "insufficiency", "subset-border-share", "emptiness",
             "noise-fill", "blur-fill"],
           "signal_scales": [0.7, 0.9, 0.97, 0.75, 0.75, 0.1, 700.0], "threshold": 1.3, "target_fpr": 0.01,
           "calibration_fpr": 0.01}}}
        """);
    double[] scales = Calibration.read(f).overinterpretation().scale().scales();
    assertThat(scales[OverinterpretationDetector.SCARCITY]).as("emptiness 0.75 = a quarter of the pixels informative = 2 halvings")
        .isCloseTo(2.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(scales[0]).isEqualTo(0.7);
    Files.writeString(f, Files.readString(f).replace("\"emptiness\"", "\"scarcity\""));
    assertThat(Calibration.read(f).overinterpretation().scale().scales()[OverinterpretationDetector.SCARCITY])
        .as("a current calibration is read as it is").isEqualTo(0.75);
  }

  @Test
  void thresholdsAndValuesThatWouldSilenceOrFloodADetectorAreRefusedNamingTheField() throws Exception {
    Path f = dir.resolve("calibration.json");
    String template = """
        {"format": 1, "model": "m", "model_sha256": "x", "created": "now", "target_fpr": 0.05,
         "detectors": {"perturbation": {"squeezers": ["bit-depth-3"], "signals": ["softmax-l1"],
           "signal_scales": [SCALE], "threshold": THRESHOLD, "target_fpr": 0.025, "calibration_fpr": 0.025},
          "fooling": {"knn": {"bank_f32le_base64": "BANK", "dim": 2, "k": 1},
           "signal_scales": [1.0], "threshold": 1.0, "target_fpr": 0.025, "calibration_fpr": 0.025}}}
        """;
    String finite = Calibration.encode(new float[] {0.1f, 0.2f, 0.3f, 0.4f});
    java.util.function.Function<String[], String> make = v -> template.replace("SCALE", v[0])
        .replace("THRESHOLD", v[1]).replace("BANK", v[2]);
    Files.writeString(f, make.apply(new String[] {"1.0", "1.0", finite}));
    assertThat(Calibration.read(f).perturbation().scale().threshold()).as("the well-formed file reads").isEqualTo(1.0);

    Files.writeString(f, make.apply(new String[] {"1.0", "1e999", finite}));
    assertThatThrownBy(() -> Calibration.read(f)).hasMessageContaining(f.toString())
        .hasMessageContaining("detectors.perturbation.threshold").hasMessageContaining("finite");
    Files.writeString(f, make.apply(new String[] {"1.0", "-1", finite}));
    assertThatThrownBy(() -> Calibration.read(f)).hasMessageContaining("detectors.perturbation.threshold")
        .hasMessageContaining("0 or more");
    Files.writeString(f, make.apply(new String[] {"\"6.4\"", "1.0", finite}));
    assertThatThrownBy(() -> Calibration.read(f)).hasMessageContaining("detectors.perturbation.signal_scales[0]")
        .hasMessageContaining("must be a number");
    Files.writeString(f, make.apply(new String[] {"1.0", "1.0",
        Calibration.encode(new float[] {0.1f, Float.NaN, 0.3f, 0.4f})}));
    assertThatThrownBy(() -> Calibration.read(f)).hasMessageContaining("detectors.fooling.knn.bank_f32le_base64")
        .hasMessageContaining("NaN at index 1");
  }
}
