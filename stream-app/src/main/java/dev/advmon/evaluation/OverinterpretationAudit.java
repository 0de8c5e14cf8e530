package dev.advmon.evaluation;

import dev.advmon.image.EvidenceOverlay;
import dev.advmon.detect.BackwardSelection;
import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.FramePreparer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A model-level overinterpretation report like Carter et al.'s, from exact backward-selection sufficient input
 * subsets over grid cells: median sufficient fraction, accuracy and confidence on the frames reduced to the cells
 * backward selection removed last (5% of the cells, at least one), the share of subsets on the grid's rim, and a
 * picture of every subset, as an HTML page with PNGs ({@code ./monitor audit}).
 */
public final class OverinterpretationAudit {

  /** How a page the audit wrote (a report, or one not finished) begins its title: what tells it from a user's page. */
  private static final String REPORT_TITLE = "<title>Overinterpretation audit: ";

  /**
   * A report written earlier into {@code out} leaves pictures the new index.html does not show (it had more images):
   * those its index.html names go. Only those: a folder that is not an earlier report (no index.html naming them) may
   * hold a user's own img-0042.png, which --out . or an images folder given as --out would otherwise have deleted,
   * and an image being audited is never deleted.
   */
  private static void removeEarlierReportPictures(Path out, List<Path> inputs) throws java.io.IOException {
    java.util.Set<Path> audited = absolute(inputs);
    for (String picture : earlierReportPictures(out)) {
      Path p = out.resolve(picture);
      if (!audited.contains(p.toAbsolutePath().normalize())) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** The pictures an earlier report's index.html in {@code out} names; none when there is no such file. */
  private static java.util.Set<String> earlierReportPictures(Path out) throws java.io.IOException {
    Path index = out.resolve("index.html");
    java.util.Set<String> pictures = new java.util.HashSet<>();
    if (!Files.isRegularFile(index)) {
      return pictures;
    }
    String page = Files.readString(index, java.nio.charset.StandardCharsets.UTF_8);
    if (!page.contains(REPORT_TITLE)) {
      // a page of the user's own that shows pictures named like the report's (a gallery) was taken for a report:
      // its pictures were deleted and the page replaced
      return pictures;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("<img src=\"(img-\\d{4,}\\.png)\"").matcher(page);
    while (m.find()) {
      pictures.add(m.group(1));
    }
    return pictures;
  }

  private static java.util.Set<Path> absolute(List<Path> files) {
    java.util.Set<Path> out = new java.util.HashSet<>();
    for (Path f : files) {
      out.add(f.toAbsolutePath().normalize());
    }
    return out;
  }

  /**
   * Refuses, before anything is written, an {@code out} where the report would overwrite what is not an earlier
   * report's own: an image being audited (--out its own folder, images named img-0000.png, img-0001.png, ...), a file
   * of the user's named like a picture the report writes, or an index.html that is not an earlier report's.
   */
  private static void refuseToOverwrite(Path out, List<Path> inputs, int pictures) throws java.io.IOException {
    if (!Files.isDirectory(out)) {
      return;
    }
    java.util.Set<Path> audited = absolute(inputs);
    java.util.Set<String> earlier = earlierReportPictures(out);
    Path index = out.resolve("index.html");
    if (Files.exists(index) && earlier.isEmpty()) {
      throw new IllegalArgumentException(index + " exists and is not an earlier audit report (its title is not "
          + "the report's, or it names none of a report's img-NNNN.png pictures): the report would overwrite it; choose another --out folder");
    }
    for (int i = 0; i < pictures; i++) {
      String name = picture(i);
      Path p = out.resolve(name);
      if (audited.contains(p.toAbsolutePath().normalize())) {
        throw new IllegalArgumentException(p + " is an image being audited and the report would overwrite it with "
            + "its picture " + name + ": choose an --out folder other than the images' own");
      }
      if (Files.exists(p) && !earlier.contains(name)) {
        throw new IllegalArgumentException(p + " exists and is not a picture of an earlier audit report in "
            + out + " (its index.html does not name it): the report would overwrite it; choose another --out folder");
      }
    }
  }

  private static String picture(int i) {
    return String.format(Locale.ROOT, "img-%04d.png", i);
  }

  /**
   * What the report says, in numbers. {@code keptPixelShare}: the mean share of each image's pixels that its
   * {@code keepCells} cells cover, which is {@code keepCells / grid^2} only where the grid divides the image's sides.
   */
  public record Summary(int images, int withSubset, double medianFraction, double rimShare, int allOnRim,
      int keepCells, double keptPixelShare, double meanConfidenceReduced, int labelled, int correctReduced,
      int correctFull, double seconds) {}

  private OverinterpretationAudit() {}

  /**
   * Audits {@code files} with {@code classifier} over a {@code grid} x {@code grid} grid at {@code tau}; writes
   * index.html and one PNG per image into {@code out}. {@code labels} (absolute normalised path -> class) may be
   * empty: {@link LabelledFolder#labelsOf} reads them from the labels.csv next to the images.
   */
  public static Summary run(BatchClassifier classifier, FramePreparer preparer, List<Path> files, int grid, double tau,
      Map<String, Integer> labels, Path out, String modelId) throws Exception {
    refuseToOverwrite(out, files, files.size());
    // every frame read before anything is written: an unreadable image among them stopped the audit halfway, with a
    // folder of some pictures and no index.html, and a decoder message that did not say which file it was
    List<FloatImage> frames = new ArrayList<>();
    for (Path f : files) {
      try {
        frames.add(preparer.prepare(f));
      } catch (java.nio.file.FileSystemException e) {
        throw e; // names its file already
      } catch (Exception e) {
        throw new IllegalArgumentException(f + " cannot be read as an image (" + e.getMessage()
            + "): replace it with a PNG or JPEG, or leave it out of IMAGES", e);
      }
    }
    Files.createDirectories(out);
    removeEarlierReportPictures(out, files);
    // an audit stopped halfway (Ctrl-C, a model that failed) left pictures that no index.html named, and the next audit
    // into the same folder refused them as a user's own files: a page naming them is written before they are
    StringBuilder pending = new StringBuilder();
    for (int i = 0; i < files.size(); i++) {
      pending.append(String.format(Locale.ROOT, "<div class=c><img src=\"%s\" alt=\"%s\"></div>%n", picture(i),
          html(files.get(i).getFileName().toString())));
    }
    Files.writeString(out.resolve("index.html"), "<!doctype html><html><head><meta charset=utf-8>" + REPORT_TITLE
        + html(modelId) + " (not finished)</title></head><body><h1>Overinterpretation audit: " + html(modelId)
        + " (not finished)</h1><p>This audit has not finished: it is still running, or it stopped. The pictures written "
        + "so far are below; run the audit again for the report.</p>" + pending + "</body></html>\n");
    float[] mask = classifier.manifest().input().maskValue();
    long t0 = System.nanoTime();
    int n = grid * grid;
    int keepCells = Math.max(1, (int) Math.floor(0.05 * n));
    List<Double> fractions = new ArrayList<>();
    double rimCells = 0;
    int subsetCells = 0;
    int allOnRim = 0;
    int withSubset = 0;
    int labelled = 0;
    int correctReduced = 0;
    int correctFull = 0;
    double confReduced = 0;
    double keptPixelShares = 0;
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < files.size(); i++) {
      Path f = files.get(i);
      FloatImage frame = frames.get(i);
      BackwardSelection.Result r = BackwardSelection.run(classifier, frame, grid, mask, tau);
      boolean[] kept = r.lastRemoved(keepCells);
      keptPixelShares += pixelShare(kept, grid, frame.height(), frame.width());
      FloatImage reduced = keep(frame, kept, mask);
      BatchOutput o = classifier.classify(List.of(reduced));
      confReduced += o.confidence(0);
      Integer label = labels.get(f.toAbsolutePath().normalize().toString());
      if (label != null) {
        labelled++;
        correctReduced += o.argmax(0) == label ? 1 : 0;
        correctFull += r.predicted() == label ? 1 : 0;
      }
      String picture = picture(i);
      String fractionText = "no SIS (confidence below tau)";
      if (r.subset() != null) {
        withSubset++;
        int k = r.subsetSize();
        fractions.add((double) k / n);
        int rim = 0;
        for (int c = 0; c < n; c++) {
          if (r.subset()[c] && (c / grid == 0 || c % grid == 0 || c / grid == grid - 1 || c % grid == grid - 1)) {
            rim++;
          }
        }
        rimCells += rim;
        subsetCells += k;
        allOnRim += k > 0 && rim == k ? 1 : 0;
        fractionText = String.format(Locale.ROOT, "%d of %d cells (%.1f%%), %d on the rim", k, n, 100.0 * k / n, rim);
        ImageIO.write(EvidencePictures.renderSubset(frame, new EvidenceOverlay(grid, grid, r.subset()), 196), "png", out.resolve(picture).toFile());
      } else {
        ImageIO.write(EvidencePictures.renderSubset(frame, null, 196), "png", out.resolve(picture).toFile());
      }
      rows.append(String.format(Locale.ROOT, "<div class=c><img src=\"%s\" alt=\"%s\"><br>%s<br>%s %.3f<br>%s</div>%n",
          picture, html(f.getFileName().toString()), html(f.getFileName().toString()), html(classifier.manifest().label(r.predicted())),
          r.confidence(), fractionText));
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double[] fr = fractions.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double median = fr.length == 0 ? Double.NaN : fr.length % 2 == 1 ? fr[fr.length / 2] : (fr[fr.length / 2 - 1] + fr[fr.length / 2]) / 2;
    Summary s = new Summary(files.size(), withSubset, median, subsetCells == 0 ? Double.NaN : rimCells / subsetCells, allOnRim,
        keepCells, keptPixelShares / Math.max(1, files.size()), confReduced / Math.max(1, files.size()), labelled,
        correctReduced, correctFull, seconds);
    String page = "<!doctype html><html><head><meta charset=utf-8>" + REPORT_TITLE + html(modelId) + "</title>"
        + "<style>body{font-family:sans-serif;margin:1em}td{padding:2px 8px}.c{display:inline-block;width:210px;margin:4px;font-size:12px;vertical-align:top}</style></head><body>"
        + "<h1>Overinterpretation audit: " + html(modelId) + "</h1>"
        + String.format(Locale.ROOT, "<p>Exact backward selection (Carter et al. 2019) over a %dx%d grid, masked cells set to the manifest's mask value, tau %.2f; "
            + "%d forward passes per image; %.0f s. Green: the sufficient input subset; the rest is dimmed.</p>", grid, grid, tau, n * (n + 1) / 2 + 2, seconds)
        + "<table>" + summaryRows(s, grid, tau) + "</table><h2>Subsets</h2>" + rows + "</body></html>\n";
    Files.writeString(out.resolve("index.html"), page);
    return s;
  }

  /** The summary as HTML table rows (the report) and, with the tags stripped, as text lines (stdout). */
  public static String summaryRows(Summary s, int grid, double tau) {
    int n = grid * grid;
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "<tr><td>images</td><td>%d</td></tr>%n", s.images()));
    b.append(String.format(Locale.ROOT, "<tr><td>with a sufficient subset (confidence &ge; %.2f)</td><td>%d</td></tr>%n", tau, s.withSubset()));
    // no image reaching tau leaves no subset: n/a, where "NaN%" was printed
    b.append(String.format(Locale.ROOT, "<tr><td>median sufficient fraction (cells of the %dx%d grid)</td><td>%s</td></tr>%n", grid, grid,
        DetectionEvaluation.pct(s.medianFraction())));
    b.append(String.format(Locale.ROOT, "<tr><td>share of subset cells on the grid's rim (the rim is %.0f%% of the cells)</td><td>%s</td></tr>%n",
        100.0 * (n - Math.max(0, grid - 2) * Math.max(0, grid - 2)) / n, DetectionEvaluation.pct(s.rimShare())));
    b.append(String.format(Locale.ROOT, "<tr><td>subsets entirely on the rim</td><td>%d of %d</td></tr>%n", s.allOnRim(), s.withSubset()));
    b.append(String.format(Locale.ROOT, "<tr><td>mean confidence on the %d cells removed last (%.1f%% of the pixels)</td><td>%.3f</td></tr>%n",
        s.keepCells(), 100.0 * s.keptPixelShare(), s.meanConfidenceReduced()));
    if (s.labelled() > 0) {
      b.append(String.format(Locale.ROOT, "<tr><td>accuracy on those reduced frames / on the full frames (%d labelled)</td><td>%.1f%% / %.1f%%</td></tr>%n",
          s.labelled(), 100.0 * s.correctReduced() / s.labelled(), 100.0 * s.correctFull() / s.labelled()));
    }
    return b.toString();
  }

  public static String asText(String rows) {
    return rows.replace("<tr><td>", "").replace("</td><td>", ": ").replace("</td></tr>", "").replace("&ge;", ">=");
  }

  /**
   * The share of a {@code height} x {@code width} frame's pixels in {@code cells}, with {@link #keep}'s mapping of
   * pixels to cells: the cells differ in size by a pixel where the grid does not divide a side.
   */
  static double pixelShare(boolean[] cells, int grid, int height, int width) {
    long inside = 0;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        inside += cells[(y * grid / height) * grid + x * grid / width] ? 1 : 0;
      }
    }
    return (double) inside / ((long) height * width);
  }

  private static FloatImage keep(FloatImage frame, boolean[] cells, float[] mask) {
    FloatImage out = frame.copy();
    int grid = (int) Math.round(Math.sqrt(cells.length));
    for (int y = 0; y < frame.height(); y++) {
      for (int x = 0; x < frame.width(); x++) {
        if (!cells[(y * grid / frame.height()) * grid + x * grid / frame.width()]) {
          for (int c = 0; c < frame.channels(); c++) {
            out.data()[out.index(c, y, x)] = mask[Math.min(c, mask.length - 1)];
          }
        }
      }
    }
    return out;
  }

  private static String html(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
