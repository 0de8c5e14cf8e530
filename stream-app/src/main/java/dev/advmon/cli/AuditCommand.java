package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import dev.advmon.dashboard.EvidenceOverlay;
import dev.advmon.detect.BackwardSelection;
import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code monitor audit}: a model-level overinterpretation report like Carter et al.'s, from exact backward
 * selection SIS over grid cells: median sufficient fraction, accuracy and confidence on the frames reduced to
 * the cells backward selection removed last (<= 5% of the pixels), the share of subsets on the grid's rim, and
 * a picture of every subset, as an HTML page with PNGs.
 */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Exact backward-selection sufficient input subsets (patch level) for a model: an HTML report with PNGs.")
final class AuditCommand implements Callable<Integer> {

  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--grid", defaultValue = "7", description = "Cells per side (default 7: 4x4-pixel patches on 28x28; the image side = pixel level, n(n+1)/2 passes per image).")
  int grid;

  @Option(names = "--tau", defaultValue = "0.9", description = "Confidence a sufficient subset keeps (default 0.9).")
  double tau;

  @Option(names = "--limit", defaultValue = "100", description = "Audit at most this many images (default 100).")
  int limit;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "audit-report", description = "Report folder (index.html + PNGs; default audit-report).")
  Path out;

  @Parameters(paramLabel = "IMAGES", arity = "1..*", description = "Image files or folders; a labels.csv (file,label) next to the images adds accuracy.")
  List<Path> images;

  @Override
  public Integer call() throws Exception {
    MonitorConfig config = modelOptions.config();
    ModelBundle bundle = ModelBundle.load(config.path("model.dir"));
    List<Path> files = ScoreCommand.expand(images);
    files = files.subList(0, Math.min(limit, files.size()));
    Files.createDirectories(out);
    FramePreparer preparer = FramePreparer.forModel(Wiring.imageLimits(config), bundle.manifest());
    float[] mask = bundle.manifest().input().maskValue();
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
    StringBuilder rows = new StringBuilder();
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.parse(config.string("model.engine")))) {
      for (int i = 0; i < files.size(); i++) {
        Path f = files.get(i);
        FloatImage frame = preparer.prepare(f);
        BackwardSelection.Result r = BackwardSelection.run(classifier, frame, grid, mask, tau);
        FloatImage reduced = keep(frame, r.lastRemoved(keepCells), mask);
        BatchOutput o = classifier.classify(List.of(reduced));
        confReduced += o.confidence(0);
        Integer label = label(f);
        if (label != null) {
          labelled++;
          correctReduced += o.argmax(0) == label ? 1 : 0;
          correctFull += r.predicted() == label ? 1 : 0;
        }
        String picture = String.format(Locale.ROOT, "img-%04d.png", i);
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
          ImageIO.write(InspectCommand.renderSubset(frame, new EvidenceOverlay(grid, grid, r.subset()), 196), "png", out.resolve(picture).toFile());
        } else {
          ImageIO.write(InspectCommand.renderSubset(frame, null, 196), "png", out.resolve(picture).toFile());
        }
        rows.append(String.format(Locale.ROOT, "<div class=c><img src=\"%s\" alt=\"%s\"><br>%s<br>%s %.3f<br>%s</div>%n",
            picture, html(f.getFileName().toString()), html(f.getFileName().toString()), html(bundle.manifest().label(r.predicted())),
            r.confidence(), fractionText));
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double[] fr = fractions.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double median = fr.length == 0 ? Double.NaN : fr.length % 2 == 1 ? fr[fr.length / 2] : (fr[fr.length / 2 - 1] + fr[fr.length / 2]) / 2;
    StringBuilder summary = new StringBuilder();
    summary.append(String.format(Locale.ROOT, "<tr><td>images</td><td>%d</td></tr>%n", files.size()));
    summary.append(String.format(Locale.ROOT, "<tr><td>with a sufficient subset (confidence &ge; %.2f)</td><td>%d</td></tr>%n", tau, withSubset));
    summary.append(String.format(Locale.ROOT, "<tr><td>median sufficient fraction (cells of the %dx%d grid)</td><td>%.1f%%</td></tr>%n", grid, grid, 100 * median));
    summary.append(String.format(Locale.ROOT, "<tr><td>share of subset cells on the grid's rim (the rim is %.0f%% of the cells)</td><td>%.1f%%</td></tr>%n",
        100.0 * (n - Math.max(0, grid - 2) * Math.max(0, grid - 2)) / n, subsetCells == 0 ? Double.NaN : 100 * rimCells / subsetCells));
    summary.append(String.format(Locale.ROOT, "<tr><td>subsets entirely on the rim</td><td>%d of %d</td></tr>%n", allOnRim, withSubset));
    summary.append(String.format(Locale.ROOT, "<tr><td>mean confidence on the %d cells removed last (%.1f%% of the pixels)</td><td>%.3f</td></tr>%n",
        keepCells, 100.0 * keepCells / n, confReduced / Math.max(1, files.size())));
    if (labelled > 0) {
      summary.append(String.format(Locale.ROOT, "<tr><td>accuracy on those reduced frames / on the full frames (%d labelled)</td><td>%.1f%% / %.1f%%</td></tr>%n",
          labelled, 100.0 * correctReduced / labelled, 100.0 * correctFull / labelled));
    }
    String page = "<!doctype html><html><head><meta charset=utf-8><title>Overinterpretation audit: " + html(bundle.id()) + "</title>"
        + "<style>body{font-family:sans-serif;margin:1em}td{padding:2px 8px}.c{display:inline-block;width:210px;margin:4px;font-size:12px;vertical-align:top}</style></head><body>"
        + "<h1>Overinterpretation audit: " + html(bundle.id()) + "</h1>"
        + String.format(Locale.ROOT, "<p>Exact backward selection (Carter et al. 2019) over a %dx%d grid, masked cells set to the manifest's mask value, tau %.2f; "
            + "%d forward passes per image; %.0f s. Green: the sufficient input subset; the rest is dimmed.</p>", grid, grid, tau, n * (n + 1) / 2 + 2, seconds)
        + "<table>" + summary + "</table><h2>Subsets</h2>" + rows + "</body></html>\n";
    Files.writeString(out.resolve("index.html"), page);
    System.out.print(summary.toString().replace("<tr><td>", "").replace("</td><td>", ": ").replace("</td></tr>", "").replace("&ge;", ">="));
    System.out.printf(Locale.ROOT, "wrote %s (%d images, %.0f s)%n", out.resolve("index.html"), files.size(), seconds);
    return 0;
  }

  private final Map<Path, Map<String, Integer>> labels = new HashMap<>();

  private Integer label(Path file) throws Exception {
    Path dir = file.toAbsolutePath().getParent();
    Map<String, Integer> m = labels.computeIfAbsent(dir, d -> new HashMap<>());
    if (m.isEmpty() && Files.isRegularFile(dir.resolve("labels.csv"))) {
      List<String> lines = Files.readAllLines(dir.resolve("labels.csv"));
      List<String> header = Arrays.asList(lines.get(0).split(","));
      int fc = header.indexOf("file");
      int lc = header.indexOf("label");
      if (fc >= 0 && lc >= 0) {
        for (String line : lines.subList(1, lines.size())) {
          String[] c = line.split(",");
          m.put(c[fc], Integer.parseInt(c[lc]));
        }
      }
    }
    return m.get(file.getFileName().toString());
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
