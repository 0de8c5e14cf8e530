package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.model.DjlClassifier;
import dev.advmon.testing.TestData;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `monitor calibrate` in-process on a copy of the bundled model (detector head included) and real training images. */
class CalibrateCommandTest {

  @TempDir
  Path dir;

  private Path bundle;
  private Path idx;

  @BeforeEach
  void copyBundleAndWriteTrainingIdx() throws Exception {
    bundle = Files.createDirectory(dir.resolve("bundle"));
    for (String f : List.of("model.onnx", "manifest.json")) {
      Files.copy(TestData.defaultBundle().resolve(f), bundle.resolve(f));
    }
    // the detector-head variants trained without one attack family each, which the manifest names
    Path heads = TestData.defaultBundle().resolve("heads");
    if (Files.isDirectory(heads)) {
      Files.createDirectory(bundle.resolve("heads"));
      try (var files = Files.list(heads)) {
        for (Path f : files.toList()) {
          Files.copy(f, bundle.resolve("heads").resolve(f.getFileName()));
        }
      }
    }
    // a holdout of 300: the thresholds must come from these images, however many --hold asks for
    Files.writeString(bundle.resolve("holdout.txt"),
        IntStream.range(0, 300).map(i -> i * 3).mapToObj(Integer::toString).collect(Collectors.joining("\n")) + "\n");
    // the committed training sample as an IDX file, the format of the training split calibrate reads
    List<TestData.Labelled> train = TestData.trainSample();
    idx = dir.resolve("train-images-idx3-ubyte.gz");
    try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(idx)))) {
      out.writeInt(0x00000803);
      out.writeInt(train.size());
      out.writeInt(28);
      out.writeInt(28);
      for (TestData.Labelled l : train) {
        BufferedImage img = ImageIO.read(l.file().toFile());
        for (int y = 0; y < 28; y++) {
          for (int x = 0; x < 28; x++) {
            out.writeByte(img.getRaster().getSample(x, y, 0));
          }
        }
      }
    }
  }

  private int calibrate(String... extra) {
    System.setProperty("advmon.home", TestData.repoRoot().toString());
    List<String> args = new java.util.ArrayList<>(List.of("calibrate", "--model", bundle.toString(), "--engine", "OnnxRuntime",
        "--images", idx.toString(), "--fit", "400", "--hold", "400", "--copies", "1", "--knn-bank", "200", "--no-overinterpretation"));
    args.addAll(List.of(extra));
    return Main.commandLine().execute(args.toArray(String[]::new));
  }

  @Test
  void setsThresholdsOnTheBundlesHoldoutAndItsCorruptedCopiesWithinTheCaps() throws Exception {
    assertThat(calibrate("--weights", "learned=2,fooling=0.5", "--clean-cap", "0.05", "--corruption-cap", "0.08")).isZero();
    JsonNode c = new ObjectMapper().readTree(bundle.resolve("calibration.json").toFile());
    assertThat(c.at("/data/threshold_images").asInt()).as("only the 300 holdout images set thresholds").isEqualTo(300);
    assertThat(c.at("/data/threshold_source").asText()).contains("holdout.txt");
    assertThat(c.at("/data/fit_images").asInt()).isEqualTo(400);
    assertThat(c.at("/data/mix").asText()).contains("corruption", "severity");
    // the outputs the detectors were fitted on, which a bundle loading this calibration must still name
    assertThat(c.at("/data/outputs/features").asText()).isEqualTo("features");
    assertThat(c.at("/data/outputs/layers/0").asText()).isEqualTo("layers/0");
    JsonNode d = c.get("detectors");
    assertThat(d.fieldNames()).toIterable().containsExactlyInAnyOrder("stability", "perturbation", "fooling", "learned", "consistency",
        "consensus");
    // the consensus of the default members, each with its tail on the threshold frames; every head variant has its own
    assertThat(d.at("/consensus/members")).extracting(JsonNode::asText).containsExactly("stability", "perturbation", "learned", "consistency");
    assertThat(d.at("/consensus/tails").size()).isEqualTo(4);
    assertThat(d.at("/consensus/threshold").asDouble()).isPositive();
    assertThat(c.at("/data/weights/consensus").asDouble()).isEqualTo(0.3);
    // the bundle's one layer output (manifest outputs.layers: 64 channels, mean and std) gets one Gaussian model per class
    assertThat(d.at("/consistency/layers").size()).isEqualTo(1);
    assertThat(d.at("/consistency/layers/0/dim").asInt()).isEqualTo(128);
    assertThat(d.at("/consistency/layers/0/means").size()).isEqualTo(10);
    assertThat(d.at("/consistency/threshold").asDouble()).isPositive();
    // every corruption of the recipe appears among the threshold frames, and the clean ones stay within their cap
    JsonNode rates = c.at("/data/any_alert_rate_on_threshold_frames");
    assertThat(rates.fieldNames()).toIterable().contains("clean", "gaussian-noise", "jpeg", "fog", "lines");
    assertThat(rates.get("clean").asDouble()).isLessThanOrEqualTo(0.05);
    assertThat(c.at("/data/weights/learned").asDouble()).isEqualTo(2.0);
    assertThat(d.at("/learned/calibration_fpr").asDouble()).isLessThanOrEqualTo(0.05);
    // every head variant the manifest names gets its own threshold, for evaluate's leave-one-family-out table
    JsonNode named = new ObjectMapper().readTree(bundle.resolve("manifest.json").toFile()).at("/adversarial_head/leave_out");
    assertThat(d.at("/learned/leave_out").size()).isEqualTo(named.size());
    named.fieldNames().forEachRemaining(f -> {
      assertThat(d.at("/learned/leave_out/" + f + "/threshold").isNumber()).as(f).isTrue();
      assertThat(d.at("/learned/leave_out/" + f + "/tail").size()).as(f + " tail").isPositive();
    });
    // the training labels are read next to the images (none here): the model's class on the clean frame is kept
    assertThat(c.at("/data/labels").asText()).startsWith("none");
  }

  /**
   * {@code --copies 0} sets and checks the thresholds on clean frames alone, so the corruption cap binds nothing and
   * ordinary camera conditions may alert above it: it was taken without a word. It still runs, with a warning.
   * {@code --fit-copies 0} (the feature-space models learn clean frames only; the caps still checked) was taken
   * without a word too, and the summary said the fit frames were each "also under" --copies corruptions whatever
   * --fit-copies was: it now says, for each kind of frame, how many corrupted copies it had.
   */
  @Test
  void noCorruptedCopiesAreTakenWithAWarningThatTheCorruptionCapIsNotCheckedAndTheSummarySaysSo() throws Exception {
    System.setProperty("advmon.home", TestData.repoRoot().toString());
    PrintStream old = System.out;
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    try (dev.advmon.testing.LogLines log = dev.advmon.testing.LogLines.of(CalibrateCommand.class)) {
      System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
      int rc = Main.commandLine().execute("calibrate", "--model", bundle.toString(), "--engine", "OnnxRuntime",
          "--images", idx.toString(), "--fit", "400", "--hold", "400", "--copies", "0", "--fit-copies", "0",
          "--knn-bank", "200", "--no-overinterpretation");
      assertThat(rc).isZero();
      // (this IDX file has no labels file beside it: that warning comes too)
      assertThat(log.messages()).filteredOn(l -> l.startsWith("--copies 0")).singleElement().asString()
          .contains("--copies 0", "clean frames only", "--corruption-cap", "--copies 1");
      // and it names the IDX label file calibrate looks for: labels.csv, which it told IDX users to add, is read
      // only beside a folder's images
      assertThat(log.messages()).filteredOn(l -> l.contains("no labels")).singleElement().asString()
          .contains(idx.resolveSibling("train-labels-idx1-ubyte.gz").toString()).doesNotContain("labels.csv");
    } finally {
      System.setOut(old);
    }
    assertThat(bundle.resolve("calibration.json")).exists();
    assertThat(stdout.toString(StandardCharsets.UTF_8)).contains("400 fit frames, clean only (--fit-copies 0)",
        "300 threshold training frames (the bundle's holdout), clean only (--copies 0)");
    assertThat(new ObjectMapper().readTree(bundle.resolve("calibration.json").toFile())
        .at("/data/corrupted_copies_per_fit_image").asInt()).isZero();
  }

  @Test
  void refusesAnUnknownDetectorWeightOrConsensusMemberAndAHoldoutIndexOutsideTheImages() throws Exception {
    assertThat(calibrate("--weights", "squeezing=2")).isNotZero();
    assertThat(bundle.resolve("calibration.json")).doesNotExist();
    assertThat(calibrate("--consensus", "stability,squeezing")).as("an unknown consensus member").isNotZero();
    assertThat(calibrate("--consensus", "stability")).as("a consensus of one").isNotZero();
    assertThat(calibrate("--consensus", "stability,learned,stability")).as("a member named twice").isNotZero();
    assertThat(calibrate("--fooling", "mahalanobis,mahalonobis")).as("a misspelt fooling signal").isNotZero();
    assertThat(calibrate("--fooling", "mahalonobis")).as("a misspelt fooling signal, alone").isNotZero();
    assertThat(bundle.resolve("calibration.json")).doesNotExist();
    Files.writeString(bundle.resolve("holdout.txt"), "5\n1000\n");
    assertThat(calibrate()).as("index 1000 of a 1,000-image file").isNotZero();
    assertThat(bundle.resolve("calibration.json")).doesNotExist();
  }

  @Test
  void refusesGrayscale28PixelTrainingImagesForAnRgbBundleAndSaysToPassItsOwnImages() throws Exception {
    // a bundle of another geometry (tiny-rgb: 3x16x16) given the Fashion-MNIST IDX format, as the default --images is
    Path rgb = TestData.tinyRgbCopy(dir, "rgb");
    String err = calibrateFails("calibrate", "--model", rgb.toString(), "--engine", "OnnxRuntime", "--images",
        idx.toString(), "--fit", "50", "--hold", "50", "--copies", "1", "--no-overinterpretation");
    assertThat(err).contains(idx.toString(), "1x28x28", "3x16x16", "--images", "labels.csv");
    assertThat(rgb.resolve("calibration.json")).doesNotExist();
  }

  @Test
  void theDefaultImagesAreRefusedForAnotherGeometryWhetherOrNotTheyAreInstalled() throws Exception {
    // where Debian's dataset-fashion-mnist was not installed, a 3x16x16 bundle was told only that the default file was
    // not found and to pass --images: a user who installed the package was then refused for the geometry
    Path rgb = TestData.tinyRgbCopy(dir, "rgb");
    String err = calibrateFails("calibrate", "--model", rgb.toString(), "--engine", "OnnxRuntime");
    assertThat(err).contains(rgb.resolve("manifest.json").toString(), "3x16x16", "1x28x28",
        // "the default --images": the words of the check before the file is looked for, so that the test fails
        // without it also where the data set is installed (the later geometry check names the rest too)
        CalibrateCommand.DEFAULT_TRAIN.toString(), "--images", "labels.csv", "the default --images")
        .doesNotContain("not found");
    assertThat(rgb.resolve("calibration.json")).doesNotExist();
  }

  @Test
  void aHeadVariantMissingFromTheBundleIsRefusedBeforeTheModelLoads() throws Exception {
    // a user who copied the bundle without heads/ was told so only after the whole calibration had run, with
    // nothing written: the error's advice (copy them, or remove adversarial_head.leave_out) costs no run now
    try (var heads = Files.list(bundle.resolve("heads"))) {
      for (Path f : heads.toList()) {
        Files.delete(f);
      }
    }
    try (dev.advmon.testing.LogLines loads = dev.advmon.testing.LogLines.of(DjlClassifier.class)) {
      String err = calibrateFails("calibrate", "--model", bundle.toString(), "--engine", "OnnxRuntime", "--images",
          idx.toString(), "--fit", "400", "--hold", "400", "--copies", "1", "--knn-bank", "200",
          "--no-overinterpretation");
      assertThat(err).contains("adversarial_head.leave_out.", "which is not in " + bundle, "copy it there");
      assertThat(loads.messages()).as("the model was loaded (and the calibration run) first").isEmpty();
    }
    assertThat(bundle.resolve("calibration.json")).doesNotExist();
  }

  @Test
  void aFolderWithoutImagesIsNamedWithTheFormatsLookedFor() throws Exception {
    Path empty = Files.createDirectory(dir.resolve("no-images"));
    Files.writeString(empty.resolve("readme.txt"), "the PNGs are elsewhere");
    String err = calibrateFails("calibrate", "--model", bundle.toString(), "--engine", "OnnxRuntime", "--images", empty.toString());
    assertThat(err).contains(empty + " holds no .png, .jpg or .jpeg image", "--images");
    assertThat(bundle.resolve("calibration.json")).doesNotExist();
  }

  @Test
  void aBundleWithoutAFeaturesOutputIsCalibratedWithoutTheFoolingDetector() throws Exception {
    // models/README.md: outputs.features "may be omitted, and then feature-space detectors are unavailable"; the
    // documented `calibrate --model my-bundle --images ...` stopped instead, asking for --fooling none, while a bundle
    // without a head or layer outputs is calibrated with learned and consistency off
    ObjectMapper json = new ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode manifest =
        (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(bundle.resolve("manifest.json").toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) manifest.get("outputs")).remove(List.of("features", "features_dim"));
    json.writeValue(bundle.resolve("manifest.json").toFile(), manifest);
    assertThat(calibrate("--no-learned", "--no-consistency", "--consensus", "none")).isZero();
    JsonNode d = json.readTree(bundle.resolve("calibration.json").toFile()).get("detectors");
    assertThat(d.fieldNames()).toIterable().containsExactlyInAnyOrder("stability", "perturbation");
  }

  @Test
  void foolingSignalsNamedForABundleWithoutFeaturesAreRefused() throws Exception {
    ObjectMapper json = new ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode manifest =
        (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(bundle.resolve("manifest.json").toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) manifest.get("outputs")).remove("features");
    json.writeValue(bundle.resolve("manifest.json").toFile(), manifest);
    String err = calibrateFails("calibrate", "--model", bundle.toString(), "--engine", "OnnxRuntime", "--images",
        idx.toString(), "--fooling", "mahalanobis");
    assertThat(err).contains("names no features output (outputs.features)", "--fooling none");
    assertThat(bundle.resolve("calibration.json")).doesNotExist();
  }

  @Test
  void refusesToWriteACalibrationFromTooFewCleanThresholdFramesAndSaysWhatToGive() throws Exception {
    // 40 threshold images: each detector's threshold would be the largest score of about 40 frames
    String err = calibrateFails("calibrate", "--model", bundle.toString(), "--engine", "OnnxRuntime", "--images",
        idx.toString(), "--fit", "200", "--hold", "40", "--copies", "1", "--knn-bank", "100", "--no-overinterpretation");
    assertThat(err).contains("clean threshold frames", "of 40 threshold images", "at least 100", "--images", "--hold");
    assertThat(bundle.resolve("calibration.json")).doesNotExist();
  }

  @Test
  void aFolderOfOneImageIsRefusedWithHowManyThresholdFramesItNeeds() throws Exception {
    // of a folder, two thirds fit and a third sets thresholds: one image left none to fit on, and the error was the
    // fooling detector's "(got none)", which said nothing of the 100 clean threshold frames a calibration needs
    Path one = Files.createDirectory(dir.resolve("one"));
    Files.copy(TestData.trainSample().get(0).file(), one.resolve("a.png"));
    String err = calibrateFails("calibrate", "--model", bundle.toString(), "--engine", "OnnxRuntime", "--images", one.toString());
    assertThat(err).contains("of 1 threshold images from " + one, "at least 100", "300 or more", "--images");
    assertThat(bundle.resolve("calibration.json")).doesNotExist();
  }

  @Test
  void aLabelTheModelCannotGiveIsRefusedNamingItsFile() throws Exception {
    // the committed training sample as a folder, one label 1-based: the frame counted as one the model gets wrong and
    // was left out of the thresholds without a word (every label so: "only 0 clean threshold frames", blaming the count)
    List<TestData.Labelled> train = TestData.trainSample();
    Path folder = trainFolder(i -> i == 7 ? 10 : train.get(i).label());
    String err = calibrateFails("calibrate", "--model", bundle.toString(), "--engine", "OnnxRuntime", "--images", folder.toString(),
        "--fit", "200", "--copies", "1", "--knn-bank", "100", "--no-overinterpretation");
    assertThat(err).contains(folder.resolve("labels.csv") + ": " + train.get(7).file().getFileName(), "label 10", "0-9");
    assertThat(bundle.resolve("calibration.json")).doesNotExist();
  }

  @Test
  void aFolderWithoutLabelsCsvCalibratesWithAWarningThatWrongFramesCountAsClean() throws Exception {
    // allowed (unlabelled camera frames), but the frames the model gets wrong then set thresholds as clean ones and
    // the summary still said "model wrong on N of the threshold frames", as if labels had told it which
    List<TestData.Labelled> train = TestData.trainSample();
    Path folder = trainFolder(i -> train.get(i).label());
    Files.delete(folder.resolve("labels.csv"));
    System.setProperty("advmon.home", TestData.repoRoot().toString());
    PrintStream old = System.out;
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    try (dev.advmon.testing.LogLines log = dev.advmon.testing.LogLines.of(CalibrateCommand.class)) {
      System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
      int rc = Main.commandLine().execute("calibrate", "--model", bundle.toString(), "--engine", "OnnxRuntime",
          "--images", folder.toString(), "--fit", "200", "--copies", "1", "--knn-bank", "100",
          "--no-overinterpretation");
      assertThat(rc).isZero();
      assertThat(log.messages()).singleElement().asString()
          .contains(folder.toString(), "no labels.csv", "the model's own class", "labels.csv (columns file,label");
    } finally {
      System.setOut(old);
    }
    assertThat(stdout.toString(StandardCharsets.UTF_8)).contains("no labels: ").doesNotContain("model wrong on");
  }

  /**
   * A user's labels.csv of class names, end to end. Its summary read "150 threshold training frames, each also under
   * 2 corrupted copies; model wrong on 82 of the threshold frames": 82 of 150 reads as a model wrong on half its
   * frames, or names misread, while the 82 were among all 450 frames and copies (10 clean). It says of how many now,
   * and that a clean rate held on so few frames may not hold on new ones.
   */
  @Test
  void aSmallFolderLabelledWithClassNamesCalibratesSayingWhatItsNumbersCover() throws Exception {
    List<TestData.Labelled> train = TestData.trainSample();
    List<String> names = dev.advmon.model.ModelBundle.load(bundle).manifest().labels();
    Path folder = trainFolder(i -> train.get(i).label());
    StringBuilder csv = new StringBuilder("file,label\n");
    for (int i = 0; i < 400; i++) {
      csv.append(train.get(i).file().getFileName()).append(',').append(names.get(train.get(i).label())).append('\n');
    }
    Files.writeString(folder.resolve("labels.csv"), csv);
    System.setProperty("advmon.home", TestData.repoRoot().toString());
    PrintStream old = System.out;
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
      assertThat(Main.commandLine().execute("calibrate", "--model", bundle.toString(), "--engine", "OnnxRuntime",
          "--images", folder.toString(), "--fit", "200", "--copies", "2", "--knn-bank", "100",
          "--no-overinterpretation")).isZero();
    } finally {
      System.setOut(old);
    }
    JsonNode data = new ObjectMapper().readTree(bundle.resolve("calibration.json").toFile()).get("data");
    assertThat(data.get("labels").asText()).isEqualTo("labels.csv");
    int wrong = data.get("frames_skipped_model_wrong").asInt();
    int counted = 0;
    for (JsonNode n : data.get("threshold_frames_counted")) {
      counted += n.asInt();
    }
    int frames = data.get("threshold_images").asInt();
    int cleanWrong = frames - data.at("/threshold_frames_counted/clean").asInt();
    assertThat(counted + wrong).as("every threshold frame and copy, counted or not").isEqualTo(frames * 3);
    assertThat(wrong).isGreaterThan(cleanWrong).isPositive();
    // 450 training PNGs calibrated to "clean 0.036 (140 frames)" under the 0.040 cap without a word, and the same
    // model then alerted on 18.8% of 186 clean test frames: the clean line says how little so few frames hold
    String cleanLine = stdout.toString(StandardCharsets.UTF_8).lines().filter(l -> l.trim().startsWith("clean "))
        .findFirst().orElseThrow();
    assertThat(cleanLine).contains("(" + (frames - cleanWrong) + " frames)", "few to set thresholds on",
        "./monitor evaluate", "a few thousand");
    assertThat(stdout.toString(StandardCharsets.UTF_8)).contains("model wrong on " + wrong + " of the " + frames * 3
        + " threshold frames and copies (" + cleanWrong + " clean, " + (wrong - cleanWrong) + " corrupted; not "
        + "counted)");
  }

  @Test
  void anImageWithoutARowInLabelsCsvIsRefusedRatherThanEveryLabelDropped() throws Exception {
    // one of 400 images without a row: every label was dropped without a word (data.labels "none ..."), so the frames
    // the model gets wrong set the thresholds as clean ones
    List<TestData.Labelled> train = TestData.trainSample();
    Path folder = trainFolder(i -> i == 123 ? null : train.get(i).label());
    String err = calibrateFails("calibrate", "--model", bundle.toString(), "--engine", "OnnxRuntime", "--images", folder.toString(),
        "--fit", "200", "--copies", "1", "--knn-bank", "100", "--no-overinterpretation");
    assertThat(err).contains("1 of the 400 images", folder.resolve(train.get(123).file().getFileName()).toString(),
        "labels.csv");
    assertThat(bundle.resolve("calibration.json")).doesNotExist();
  }

  @Test
  void aKnnBankOfNoVectorsIsRefusedNamingTheOption() throws Exception {
    for (String bank : List.of("0", "-1")) {
      String err = calibrateFails("calibrate", "--model", bundle.toString(), "--engine", "OnnxRuntime", "--images",
          idx.toString(), "--fit", "400", "--hold", "400", "--copies", "1", "--knn-bank", bank, "--no-overinterpretation");
      assertThat(err).contains("--knn-bank must be at least 1", "got " + bank);
    }
    assertThat(bundle.resolve("calibration.json")).doesNotExist();
  }

  /**
   * {@code --knn-bank 0}, an unknown --fooling signal or an --images that is not there were refused only after the
   * model had loaded (seconds on a CPU, far longer where an engine builds its plan first). They are refused before:
   * a model.onnx that cannot load at all shows it, as its error would otherwise come first.
   */
  @Test
  void optionsAreRefusedBeforeTheModelLoads() throws Exception {
    Files.writeString(bundle.resolve("model.onnx"), "not an ONNX model");
    Map<List<String>, String> refusals = new java.util.LinkedHashMap<>();
    refusals.put(List.of("--knn-bank", "0"), "--knn-bank must be at least 1");
    refusals.put(List.of("--fooling", "mahalonobis"), "unknown signal 'mahalonobis'");
    refusals.put(List.of("--consensus", "stability"), "a consensus needs at least two members");
    refusals.put(List.of("--images", dir.resolve("missing.gz").toString()), dir.resolve("missing.gz") + " not found");
    refusals.put(List.of("--weights", "stabilty=1"), "--weights: unknown detector 'stabilty'");
    refusals.put(List.of("--weights", "stability=0"), "--weights: stability must weigh a positive number, was 0.0");
    // the help allows --fit 0 ("at least 0"); with the fooling detector on (the default where the bundle has a
    // features output) it ended in "the fooling and consistency detectors need frames to fit their models on (got
    // none)", after the model had loaded, naming neither the option nor the way out (for a bundle without layer
    // outputs, the tiny RGB one, naming consistency too)
    refusals.put(List.of("--fit", "0"), "--fit 0 leaves the fooling and consistency detectors no frames to fit their "
        + "models on: give --fit 1 or more (default 10000; of a folder, two thirds at most), or turn them off with "
        + "--fooling none and --no-consistency");
    for (var r : refusals.entrySet()) {
      List<String> args = new java.util.ArrayList<>(List.of("calibrate", "--model", bundle.toString(), "--engine",
          "OnnxRuntime"));
      if (!r.getKey().contains("--images")) {
        args.addAll(List.of("--images", idx.toString()));
      }
      args.addAll(r.getKey());
      assertThat(calibrateFails(args.toArray(String[]::new))).as(r.getKey().toString()).contains(r.getValue())
          .doesNotContain("could not load the model");
    }
  }

  /**
   * Each out-of-range option is refused naming itself, its value and its range. Before, some named no option
   * ("false-alarm caps must be in (0,1): clean 2.0, ...", "overinterpretation settings out of range: grid 7, border 2,
   * ..."), one listed four options for one bad value, and --oi-border wider than half the frame (every pixel then
   * "border"), --oi-grid finer than the frame and --oi-search-share above 1 were taken, a calibration written.
   */
  @Test
  void anOutOfRangeOptionIsRefusedNamingItselfItsValueAndItsRange() throws Exception {
    Map<List<String>, String> refusals = new java.util.LinkedHashMap<>();
    refusals.put(List.of("--clean-cap", "2"), "--clean-cap must be between 0 and 1 (both excluded), got 2.0");
    refusals.put(List.of("--corruption-cap", "0"), "--corruption-cap must be between 0 and 1 (both excluded), got 0.0");
    refusals.put(List.of("--fit", "-5"), "--fit must be at least 0, got -5");
    refusals.put(List.of("--copies", "-1"), "--copies must be at least 0, got -1");
    refusals.put(List.of("--hold", "0"), "--hold must be at least 1, got 0");
    refusals.put(List.of("--oi-tau", "2"), "--oi-tau must be above 0 and at most 1, got 2.0");
    refusals.put(List.of("--oi-keep", "0"), "--oi-keep must be between 0 and 1 (both excluded), got 0.0");
    refusals.put(List.of("--oi-grid", "29"), "--oi-grid must be 1..28 (cells per side of the model's 28x28 input), got 29");
    refusals.put(List.of("--oi-border", "14"), "--oi-border must be 1..13 (pixels, less than half the model's 28x28 input), got 14");
    refusals.put(List.of("--oi-search-share", "1.5"), "--oi-search-share must be 0..1, got 1.5");
    refusals.put(List.of("--oi-sparse-trigger", "2"), "--oi-sparse-trigger must be -1..1 (a share of the "
        + "frame's pixels, 0..1; a negative value, e.g. -1, sends no frame to the search on this trigger), got 2.0");
    for (var r : refusals.entrySet()) {
      Map<String, String> options = new java.util.LinkedHashMap<>(Map.of("--fit", "400", "--hold", "400", "--copies",
          "1", "--knn-bank", "200"));
      options.put(r.getKey().get(0), r.getKey().get(1)); // the option under test, in place of its small value
      List<String> args = new java.util.ArrayList<>(List.of("calibrate", "--model", bundle.toString(), "--engine",
          "OnnxRuntime", "--images", idx.toString(), "--no-overinterpretation"));
      options.forEach((k, v) -> args.addAll(List.of(k, v)));
      assertThat(calibrateFails(args.toArray(String[]::new))).as(r.getKey().toString()).contains(r.getValue());
      assertThat(bundle.resolve("calibration.json")).as(r.getKey().toString()).doesNotExist();
    }
  }

  @Test
  void aRefusedFoolingSignalIsNotOfferedAsTheFix() throws Exception {
    // the refusal listed 'both' among the values to use, and --fooling both is itself refused
    String err = calibrateFails("calibrate", "--model", bundle.toString(), "--engine", "OnnxRuntime", "--images",
        idx.toString(), "--fooling", "both");
    assertThat(err).contains("unknown signal 'both'", "mahalanobis,knn");
    assertThat(err).doesNotContain("knn, both");
    assertThat(bundle.resolve("calibration.json")).doesNotExist();
  }

  /** The first 400 images of the committed training sample in a folder, its labels.csv row i saying {@code label(i)}. */
  private Path trainFolder(java.util.function.IntFunction<Integer> label) throws Exception {
    Path folder = Files.createDirectory(dir.resolve("train"));
    StringBuilder csv = new StringBuilder("file,label\n");
    List<TestData.Labelled> train = TestData.trainSample();
    for (int i = 0; i < 400; i++) {
      Path file = train.get(i).file();
      Files.copy(file, folder.resolve(file.getFileName()));
      if (label.apply(i) != null) { // null: no row for that image
        csv.append(file.getFileName()).append(',').append(label.apply(i)).append('\n');
      }
    }
    Files.writeString(folder.resolve("labels.csv"), csv);
    return folder;
  }

  /** Runs {@code ./monitor} with {@code args}, which must fail; returns what it wrote to stderr. */
  private static String calibrateFails(String... args) {
    java.io.StringWriter err = new java.io.StringWriter();
    System.setProperty("advmon.home", TestData.repoRoot().toString());
    picocli.CommandLine cl = Main.commandLine();
    cl.setErr(new java.io.PrintWriter(err, true));
    int rc = cl.execute(args);
    assertThat(rc).as(err.toString()).isNotZero();
    return err.toString();
  }
}
