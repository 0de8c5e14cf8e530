package dev.advmon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.Detector;
import dev.advmon.detect.Detectors;
import dev.advmon.detect.FrameScorer;
import dev.advmon.detect.Verdict;
import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.ModelBundle;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code monitor score}: scores image files and folders offline, one line per image, in input order. An
 * unreadable image, or one the model cannot score (a NaN score), gets a line with its error and the command goes
 * on; the exit status is 1 if any failed. A model that fails on every image stops it (status 2).
 */
@Command(name = "score", mixinStandardHelpOptions = true, description = "Score image files and folders (PNG, JPEG) offline, one line per image.",
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
        "0:every input was scored (alert or not)",
        "1:an input could not be scored: its line has file and error; the others were scored",
        "2:an error stopped it (an invalid option, a bundle or engine that cannot load, a model that fails on every "
            + "image, an empty folder, stdout that can no longer be written); the error says which"})
final class ScoreCommand implements Callable<Integer> {

  enum Format { jsonl, table }

  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "jsonl", description = "jsonl (default) or table.")
  Format format;

  @Parameters(paramLabel = "PATH", arity = "1..*", description = "Image files or folders (searched "
      + "recursively for PNG and JPEG, the formats accepted: .png, .jpg and .jpeg; a .gif, .bmp, .webp, .tif(f), .heic, "
      + ".heif or .avif file there gets an error line).")
  List<Path> paths;

  private final ObjectMapper json = new ObjectMapper();

  /** What scores: the loaded model itself, or (a test's) the model wrapped so that it fails on chosen images. */
  private final UnaryOperator<BatchClassifier> model;

  ScoreCommand() {
    this(UnaryOperator.identity());
  }

  ScoreCommand(UnaryOperator<BatchClassifier> model) {
    this.model = model;
  }

  /** Width of the table's file column, set once the files are known. */
  private int fileColumn = 48;

  @Override
  public Integer call() throws IOException {
    MonitorConfig config = modelOptions.config();
    List<Path> files = expand(paths, true);
    PrintStream out = System.out;
    ModelBundle bundle = BundleSetting.load(config);
    int failures = 0;
    int noted = 0;
    try (DjlClassifier classifier = Wiring.offlineModelLoader(config).load(bundle)) {
      List<Detector> detectors = Detectors.forBundle(bundle);
      FailureIsolatingScorer scoring = new FailureIsolatingScorer(
          new FrameScorer(model.apply(classifier), detectors, config.intValue("model.max-batch")));
      FramePreparer preparer = FramePreparer.forModel(Wiring.imageLimits(config), bundle.manifest());
      // as wide as the longest name (at least 48): a longer one pushed its row's columns out from under the header
      fileColumn = Math.max(48, files.stream().mapToInt(f -> f.toString().length()).max().orElse(0));
      if (format == Format.table) {
        out.printf("%-" + fileColumn + "s %5s %-16s %10s %5s %s%n", "file", "class", "label", "confidence", "alert",
            "reasons");
      }
      int chunk = config.intValue("model.max-batch");
      for (int start = 0; start < files.size(); start += chunk) {
        List<Path> slice = files.subList(start, Math.min(files.size(), start + chunk));
        List<FloatImage> images = new ArrayList<>();
        List<List<String>> notes = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (Path f : slice) {
          try {
            FramePreparer.PreparedFile prepared = preparer.prepareNoting(f);
            images.add(prepared.image());
            notes.add(prepared.notes());
            errors.add(null);
          } catch (Exception e) {
            images.add(null);
            notes.add(List.of());
            errors.add(describe(f, e));
          }
        }
        List<FloatImage> read = new ArrayList<>();
        List<Path> readFiles = new ArrayList<>();
        for (int i = 0; i < slice.size(); i++) {
          if (images.get(i) != null) {
            read.add(images.get(i));
            readFiles.add(slice.get(i));
          }
        }
        List<FailureIsolatingScorer.Outcome> outcomes = scoring.score(read, readFiles);
        int v = 0;
        for (int i = 0; i < slice.size(); i++) {
          FailureIsolatingScorer.Outcome o = errors.get(i) != null ? null : outcomes.get(v++);
          if (o instanceof FailureIsolatingScorer.Broken broken) {
            // the lines before it are out; the model is at fault, so no image is blamed with an error line
            throw new IllegalStateException(broken.error() + "; stopped after " + (start + i) + " of " + files.size()
                + " images: check the bundle and model.engine (--engine)");
          }
          if (errors.get(i) != null) {
            failures++;
            printError(out, slice.get(i), errors.get(i));
          } else if (o instanceof FailureIsolatingScorer.Failed failed) {
            failures++;
            printError(out, slice.get(i), failed.error());
          } else {
            printVerdict(out, slice.get(i), ((FailureIsolatingScorer.Scored) o).verdict(), notes.get(i));
            noted += notes.get(i).isEmpty() ? 0 : 1;
          }
          // System.out swallows a write error, and the JVM ignores SIGPIPE: `score FOLDER | head -1` scored every
          // image for nobody and exited 0, and so did a run whose output file filled the disk
          if (out.checkError()) {
            throw new IOException("stdout can no longer be written (the reader of its pipe has gone, or the disk is "
                + "full): stopped after " + (start + i + 1) + " of " + files.size() + " images");
          }
        }
      }
      if (format == Format.table && noted > 0) {
        // the jsonl lines carry their "notes"; a table's reader is told here what such a note means for its alert
        out.printf("note: %d image(s) above were resized, converted to 8 bits or between gray and colour (their note "
            + "says which): the alert rates (BENCHMARKS.md) were measured on 8-bit frames of the model's size and "
            + "channels, and such a frame may alert for that%n", noted);
      }
      if (format == Format.table && detectors.isEmpty()) {
        // the jsonl lines say it each (detectors_off); a table's reader sees only "false" in the alert column
        out.printf("detectors off: no %s in %s, so alert=false above means not checked, not clean; run ./monitor "
            + "calibrate --model %s%n", ModelBundle.CALIBRATION, bundle.directory(), bundle.directory());
      }
    }
    return failures == 0 ? 0 : 1;
  }

  private void printVerdict(PrintStream out, Path file, Verdict v, List<String> notes) throws IOException {
    if (format == Format.table) {
      out.printf("%-" + fileColumn + "s %5d %-16s %10.4f %5s %s%s%n", file, v.predictedClass(), v.predictedLabel(),
          v.confidence(), v.alert(), String.join(",", v.reasons()),
          notes.isEmpty() ? "" : "  note: " + String.join("; ", notes));
      return;
    }
    ObjectNode line = verdictLine(json, file, v, notes, false);
    out.println(json.writeValueAsString(line));
  }

  /**
   * One verdict as the JSON line that `score` prints; {@code notes} (what preparing the image changed: a resize, a
   * 16-bit image rounded to 8 bits, ...: FramePreparer.prepareNoting) go into "notes" when there are any;
   * {@code detailed} (for `inspect`) adds the forward passes and every detector's evidence.
   */
  static ObjectNode verdictLine(ObjectMapper json, Path file, Verdict v, List<String> notes, boolean detailed) {
    ObjectNode line = json.createObjectNode();
    line.put("file", file.toString());
    line.put("predicted_class", v.predictedClass());
    line.put("predicted_label", v.predictedLabel());
    line.put("confidence", v.confidence());
    line.put("alert", v.alert());
    if (v.detections().isEmpty()) {
      // no detector scored it (a bundle without calibration.json): "alert":false alone reads as clean to a script
      line.put("detectors_off", true);
    }
    ArrayNode reasons = line.putArray("reasons");
    v.reasons().forEach(reasons::add);
    if (!notes.isEmpty()) {
      // the alert rates hold for 8-bit frames of the model's size; such a frame may alert for what was done to it
      ArrayNode n = line.putArray("notes");
      notes.forEach(n::add);
    }
    if (detailed) {
      line.put("forward_passes", v.forwardPasses());
    }
    ObjectNode scores = line.putObject("scores");
    for (Detector.Detection d : v.detections()) {
      ObjectNode s = scores.putObject(d.detector());
      s.put("score", d.score());
      s.put("threshold", d.threshold());
      s.put("flagged", d.flagged());
      if (detailed) {
        ObjectNode e = s.putObject("evidence");
        d.evidenceMap().forEach(e::put);
      }
    }
    return line;
  }

  private void printError(PrintStream out, Path file, String error) throws IOException {
    if (format == Format.table) {
      out.printf("%-" + fileColumn + "s error: %s%n", file, error);
      return;
    }
    ObjectNode line = json.createObjectNode();
    line.put("file", file.toString());
    line.put("error", error);
    out.println(json.writeValueAsString(line));
  }

  private static String describe(Path file, Exception e) {
    if (e instanceof java.nio.file.NoSuchFileException || e instanceof java.nio.file.AccessDeniedException) {
      return Main.describe(e); // as every command words them, with what to check
    }
    if (e instanceof java.io.IOException) {
      return "cannot read " + file + ": " + e.getMessage();
    }
    return e.getMessage() != null ? e.getMessage() : e.toString();
  }

  /** Files as given, folders searched recursively for images, each folder's files in name order. */
  static List<Path> expand(List<Path> paths) throws IOException {
    return expand(paths, false);
  }

  /**
   * As {@link #expand(List)}; with {@code otherImages}, files in folders named as images of formats that are not
   * accepted (.gif, .bmp, ...) are listed too, for `score` to give each its error line.
   */
  static List<Path> expand(List<Path> paths, boolean otherImages) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        int before = out.size();
        try (Stream<Path> s = Files.walk(p)) {
          // for score, images in formats that are not accepted are listed too, so that each gets its error line and
          // the exit status 1 instead of being left out of a run that then reads as complete
          s.filter(Files::isRegularFile).filter(f -> looksLikeImage(f) || otherImages && looksLikeOtherImage(f))
              .sorted().forEach(out::add);
        }
        if (out.size() == before) { // scoring nothing and exiting 0 would read as "all clean"
          throw new IllegalArgumentException(p + ": no .png, .jpg or .jpeg files in this folder or below it; "
              + "check the path");
        }
      } else {
        out.add(p); // a missing or unreadable file still gets its error line
      }
    }
    return out;
  }

  static boolean looksLikeImage(Path p) {
    String n = p.getFileName().toString().toLowerCase();
    return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
  }

  private static final List<String> OTHER_IMAGE_SUFFIXES =
      List.of(".gif", ".bmp", ".webp", ".tif", ".tiff", ".heic", ".heif", ".avif");

  static boolean looksLikeOtherImage(Path p) {
    String n = p.getFileName().toString().toLowerCase();
    return OTHER_IMAGE_SUFFIXES.stream().anyMatch(n::endsWith);
  }
}
