package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import dev.advmon.evaluation.LabelledFolder;
import dev.advmon.evaluation.OverinterpretationAudit;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.ModelBundle;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code monitor audit}: the model-level overinterpretation report of {@link OverinterpretationAudit} (exact
 * backward-selection sufficient input subsets over grid cells) as an HTML page with PNGs.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
    exitCodeListHeading = ExitStatus.HEADING,
    exitCodeList = {
        "0:the report was written (index.html and its PNGs)",
        ExitStatus.ERROR},
    description = "Exact backward-selection sufficient input subsets (patch level) for a model: an HTML report "
    + "with PNGs.")
final class AuditCommand implements Callable<Integer> {

  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--grid", paramLabel = "N",
      description = "Cells per side (default 7: 4x4-pixel patches on 28x28, or the input's shorter side on an input "
      + "under 7 pixels a side; the image side = pixel level, n(n+1)/2 passes per image).")
  Integer grid;

  @Option(names = "--tau", paramLabel = "P", defaultValue = "0.9",
      description = "Confidence a sufficient subset keeps (default 0.9).")
  double tau;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
      description = "Audit at most this many images (default 100).")
  int limit;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "audit-report", description = "Report folder (index.html + PNGs; default audit-report).")
  Path out;

  @Parameters(paramLabel = "IMAGES", arity = "1..*", description = "Image files or folders; a labels.csv (file,label) next to the images adds accuracy.")
  List<Path> images;

  @Override
  public Integer call() throws Exception {
    MonitorConfig config = modelOptions.config();
    ModelBundle bundle = BundleSetting.load(config);
    var input = bundle.manifest().input();
    int side = Math.min(input.height(), input.width());
    if (limit < 1) {
      throw new IllegalArgumentException("--limit must be at least 1, got " + limit);
    }
    if (grid == null) {
      grid = Math.min(CalibrateCommand.DEFAULT_GRID, side); // one pixel a cell where 7 cells do not fit a side
    }
    if (grid < 1 || grid > side) {
      throw new IllegalArgumentException("--grid must be 1.." + side + " (cells per side of the model's " + input.height()
          + "x" + input.width() + " input), got " + grid);
    }
    if (!(tau > 0 && tau < 1)) {
      throw new IllegalArgumentException("--tau must be a probability between 0 and 1 (both excluded), got " + tau);
    }
    List<Path> files = ScoreCommand.expand(images);
    files = files.subList(0, Math.min(limit, files.size()));
    FramePreparer preparer = FramePreparer.forModel(Wiring.imageLimits(config), bundle.manifest());
    try (DjlClassifier classifier = Wiring.offlineModelLoader(config).load(bundle)) {
      OverinterpretationAudit.Summary s = OverinterpretationAudit.run(classifier, preparer, files, grid, tau,
          LabelledFolder.labelsOf(files, bundle), out, bundle.id());
      System.out.print(OverinterpretationAudit.asText(OverinterpretationAudit.summaryRows(s, grid, tau)));
      System.out.printf(Locale.ROOT, "wrote %s (%d images, %.0f s)%n", out.resolve("index.html"), files.size(), s.seconds());
    }
    return 0;
  }
}
