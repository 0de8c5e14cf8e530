package dev.advmon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.config.MonitorConfig;
import dev.advmon.image.EvidenceOverlay;
import dev.advmon.detect.Detector;
import dev.advmon.detect.Detectors;
import dev.advmon.detect.FrameScorer;
import dev.advmon.detect.OverinterpretationDetector;
import dev.advmon.detect.Verdict;
import dev.advmon.evaluation.EvidencePictures;
import dev.advmon.image.FloatImage;
import dev.advmon.image.ImageDecodeException;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code monitor inspect FILE --out evidence.png}: scores one image, prints its verdict (with every detector's
 * evidence) as a JSON line, and writes a picture a person can read: the frame enlarged with the
 * overinterpretation detector's sufficient subset drawn over it, and below it the probes the model saw with
 * the predicted class's probability on each.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    exitCodeListHeading = ExitStatus.HEADING,
    exitCodeList = {
        "0:the verdict was printed and the picture written (alert or not)",
        ExitStatus.ERROR},
    description = "Score one image, print its verdict and write an evidence picture (the frame with the "
    + "sufficient subset and the probes).")
final class InspectCommand implements Callable<Integer> {

  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--out", paramLabel = "PNG", required = true, description = "Evidence picture to write (PNG).")
  Path out;

  @Parameters(paramLabel = "FILE", description = "The image (PNG or JPEG).")
  Path file;

  /** What scores: the loaded model itself, or (a test's) the model wrapped so that it fails. */
  private final UnaryOperator<BatchClassifier> model;

  InspectCommand() {
    this(UnaryOperator.identity());
  }

  InspectCommand(UnaryOperator<BatchClassifier> model) {
    this.model = model;
  }

  @Override
  public Integer call() throws Exception {
    if (java.nio.file.Files.isDirectory(out)) {
      // checked before the model loads; the write said only "error: NAME: Is a directory" after scoring
      throw new IllegalArgumentException("--out " + out + " is a folder: give the PNG file to write, for example "
          + out.resolve("evidence.png"));
    }
    String name = out.getFileName() == null ? "" : out.getFileName().toString();
    if (!name.toLowerCase(Locale.ROOT).endsWith(".png")
        && (ScoreCommand.looksLikeImage(out) || ScoreCommand.looksLikeOtherImage(out))) {
      // PNG bytes under a JPEG (or GIF, ...) name, written without a word, mislead whatever reads the file by its name
      throw new IllegalArgumentException("--out " + out + ": the evidence picture is a PNG; name it "
          + out.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".png"));
    }
    MonitorConfig config = modelOptions.config();
    ModelBundle bundle = BundleSetting.load(config);
    // read before the model loads: a file that is no image is said at once, not after the model's start-up
    FramePreparer.PreparedFile prepared =
        read(FramePreparer.forModel(Wiring.imageLimits(config), bundle.manifest()), file);
    FloatImage frame = prepared.image();
    try (DjlClassifier loaded = Wiring.offlineModelLoader(config).load(bundle)) {
      BatchClassifier classifier = model.apply(loaded);
      List<Detector> detectors = Detectors.forBundle(bundle);
      FrameScorer scorer = new FrameScorer(classifier, detectors, config.intValue("model.max-batch"));
      Verdict v = scored(scorer, frame, file);
      OverinterpretationDetector oi = detectors.stream().filter(d -> d instanceof OverinterpretationDetector)
          .map(d -> (OverinterpretationDetector) d).findFirst().orElse(null);
      Detector.Detection oiDetection = v.detections().stream()
          .filter(d -> d.detector().equals(OverinterpretationDetector.NAME)).findFirst().orElse(null);
      EvidenceOverlay subset = oiDetection == null ? null : EvidenceOverlay.from(oiDetection.evidenceMap());
      List<FloatImage> probes = new ArrayList<>();
      List<String> captions = new ArrayList<>();
      if (oi != null) {
        probes.addAll(oi.cheapProbes(frame));
        captions.addAll(List.of("border only", "border masked", String.format(Locale.ROOT, "%.0f%% of pixels", 100 * oi.settings().keepFraction())));
        if (subset != null) {
          probes.add(oi.keepOnly(frame, subset.cells()));
          captions.add("sufficient subset");
        }
      }
      double[] p = new double[probes.size()];
      if (!probes.isEmpty()) {
        BatchOutput o;
        try {
          o = classifier.classify(probes);
        } catch (RuntimeException e) { // the model's words name a batch, not the file
          throw new IllegalStateException(file + ": the image was scored, but the probes of its evidence picture"
              + " could not be: " + Main.describe(e), e);
        }
        for (int i = 0; i < p.length; i++) {
          p[i] = o.probability(i, v.predictedClass());
        }
      }
      BufferedImage picture = EvidencePictures.render(frame, v, subset, probes, captions, p);
      // through a stream: a missing folder is then a NoSuchFileException naming it, where ImageIO's own file
      // output prints a stack trace and says only "Can't create an ImageOutputStream!"
      try (var stream = java.nio.file.Files.newOutputStream(out)) {
        ImageIO.write(picture, "png", stream);
      }
      System.out.println(verdictJson(file, v, prepared.notes(), out));
    }
    return 0;
  }

  /**
   * The image's verdict, or an error that names the file, as score's line for it would: the model's own words ("a class
   * score of NaN for image 0 of a batch of 13") name a batch of probes, and inspect printed them alone. A model that
   * fails on a plain frame too is said to be broken, not the image (FailureIsolatingScorer).
   */
  private static Verdict scored(FrameScorer scorer, FloatImage frame, Path file) {
    FailureIsolatingScorer.Outcome o = new FailureIsolatingScorer(scorer).score(List.of(frame), List.of(file)).get(0);
    if (o instanceof FailureIsolatingScorer.Scored s) {
      return s.verdict();
    }
    throw new IllegalStateException(o instanceof FailureIsolatingScorer.Failed f ? file + ": " + f.error()
        : ((FailureIsolatingScorer.Broken) o).error());
  }

  /**
   * The image, or an error that names it: the decoder's own message is about bytes ("the image is empty (0 bytes)"),
   * and inspect printed it alone, naming no file, where audit and evaluate name theirs.
   */
  private static FramePreparer.PreparedFile read(FramePreparer preparer, Path file) throws java.io.IOException {
    try {
      return preparer.prepareNoting(file);
    } catch (ImageDecodeException e) {
      String why = e.getMessage() == null ? e.reason().toString() : e.getMessage();
      // the advice is for bytes of no accepted format only: a cut-off PNG or a 12-bit JPEG is a PNG or JPEG already
      String advice = e.reason() == dev.advmon.image.ImageRejection.BAD_MAGIC ? ": give a PNG or JPEG file" : "";
      throw new IllegalArgumentException(why.contains(file.toString()) ? why
          : file + " cannot be read as an image (" + why + ")" + advice, e);
    }
  }

  static String verdictJson(Path file, Verdict v, Path picture) throws Exception {
    return verdictJson(file, v, List.of(), picture);
  }

  /** The verdict line, with {@code notes} on what preparing the image changed (see ScoreCommand.verdictLine). */
  static String verdictJson(Path file, Verdict v, List<String> notes, Path picture) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode line = ScoreCommand.verdictLine(json, file, v, notes, true);
    line.put("evidence_picture", picture.toString());
    return json.writeValueAsString(line);
  }
}
