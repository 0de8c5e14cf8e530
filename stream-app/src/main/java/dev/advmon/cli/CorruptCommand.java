package dev.advmon.cli;

import dev.advmon.evaluation.Corruption;
import dev.advmon.evaluation.CorruptionSet;
import dev.advmon.model.ModelBundle;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code monitor corrupt}: the corruption set {@code evaluate --corruptions} reads, made from a user's own clean
 * test frames ({@link CorruptionSet}). A command of its own, writing files, rather than sets made on the fly inside
 * {@code evaluate}: the set can be looked at, kept beside the results and handed to a rerun or another model, as the
 * committed models/corruptions is. It needs no model: the conditions do not depend on one; {@code --model} only reads
 * the class names of a labels.csv that holds names (the set records indices), and has no default, so that names are
 * never read through a model the user did not name.
 */
@Command(name = "corrupt", mixinStandardHelpOptions = true,
    exitCodeListHeading = ExitStatus.HEADING,
    exitCodeList = {
        "0:the set was written (manifest.csv and one folder per corruption)",
        // not ExitStatus.ERROR: that names an engine, and this command loads none (a bundle only as --model)
        "2:an error stopped it (an invalid option, a folder without labels.csv, a label it cannot read, an image it "
            + "cannot read, an --out folder that is not empty or cannot be written, a --model bundle that cannot "
            + "load); the error says which"},
    description = "Write a corruption set for evaluate "
    + "--corruptions from your own clean test frames (labels.csv): the 17 ordinary camera conditions, each frame at its "
    + "own size and channels, seeded.")
final class CorruptCommand implements Callable<Integer> {

  @Option(names = "--images", paramLabel = "DIR", required = true, description = "Clean TEST frames (PNG or JPEG, any "
      + "size, gray or RGB) with labels.csv (columns file,label).")
  Path images;

  @Option(names = "--out", paramLabel = "DIR", required = true, description = "New or empty folder for the set "
      + "(<corruption>/*.png and manifest.csv).")
  Path out;

  @Option(names = "--model", paramLabel = "DIR", description = "The model bundle whose manifest.json labels name the "
      + "classes, for a labels.csv of class names (the set records class indices) and to check the labels against "
      + "its classes (default: none; labels.csv then holds class indices).")
  Path model;

  @Option(names = "--per-corruption", paramLabel = "N", defaultValue = "200", description = "Frames per corruption (default 200, as "
      + "models/corruptions in " + Main.HOME_IN_HELP + "; a seeded sample when the folder holds more, all of them "
      + "when fewer), severities 1-3 in turn.")
  int perCorruption;

  @Option(names = "--seed", paramLabel = "SEED", defaultValue = "2019", description = "Seed of the sample and the random draws (default 2019): "
      + "the same seed writes the same files.")
  long seed;

  @Override
  public Integer call() throws Exception {
    long t0 = System.nanoTime();
    ModelBundle bundle = model == null ? null : ModelBundle.load(model);
    CorruptionSet.Summary s = CorruptionSet.write(images, out, perCorruption, seed, bundle);
    System.out.printf(Locale.ROOT, "wrote %d frames (%d corruptions x %d frames, frames %s) and %s in %.0f s%n", s.frames(),
        Corruption.values().length, s.perCorruption(), String.join(", ", s.geometries()), out.resolve("manifest.csv"),
        (System.nanoTime() - t0) / 1e9);
    return 0;
  }
}
