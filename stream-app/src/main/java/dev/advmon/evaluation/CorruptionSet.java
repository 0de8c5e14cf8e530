package dev.advmon.evaluation;

import dev.advmon.image.DecodedImage;
import dev.advmon.image.FloatImage;
import dev.advmon.image.ImageConverter;
import dev.advmon.image.ImageDecodeException;
import dev.advmon.image.ImageDecoder;
import dev.advmon.model.AtomicFile;
import dev.advmon.model.ModelBundle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A corruption set made from a folder of labelled clean TEST frames ({@code labels.csv}: {@code file,label}), in
 * the format {@code evaluate --corruptions} reads: every {@link Corruption} applied to the same frames, each frame
 * at its own size and channels (gray stays gray, RGB stays RGB), written as
 * {@code <out>/<corruption>/<frame's row in labels.csv, 5 digits>.png} and {@code <out>/manifest.csv}
 * ({@code file,corruption,severity,param,source,true_label}). No model is involved: the conditions do not depend on
 * it, and {@code evaluate} counts only frames the evaluated model still gets right; a model is read only for the
 * class names of a labels.csv that holds names ({@link LabelledFolder}).
 *
 * <p>As {@code models/recipe/corruptions.py} makes the committed set: at most {@code perCorruption} frames, a seeded
 * sample kept in labels.csv order when the folder holds more (a labels.csv sorted by class still gives every class);
 * frame {@code k} of the sample gets severity {@code 1 + k mod 3} in every corruption; the random draws of a frame
 * come from {@code new Random(seed * 1_000_003 + corruption number * 100_003 + its row)}, so the same seed writes
 * the same bytes. Every frame is read once before anything is written, so a folder with a bad frame is refused
 * whole, and manifest.csv comes last: a folder without it is not a set {@code evaluate} reads.
 */
public final class CorruptionSet {

  private CorruptionSet() {}

  /** What one run wrote. */
  public record Summary(int frames, int perCorruption, List<String> geometries) {}

  public static Summary write(Path images, Path out, int perCorruption, long seed) throws IOException {
    return write(images, out, perCorruption, seed, null);
  }

  /**
   * As {@link #write(Path, Path, int, long)}, the labels read for {@code bundle}'s classes (null: none): a labels.csv
   * of class names needs the model whose manifest names them, as the set records indices, and an index the model
   * does not have is refused here rather than when evaluate reads the set.
   */
  public static Summary write(Path images, Path out, int perCorruption, long seed, ModelBundle bundle)
      throws IOException {
    if (perCorruption < 1) {
      throw new IllegalArgumentException("--per-corruption must be at least 1, got " + perCorruption);
    }
    Path labelsCsv = images.resolve("labels.csv");
    if (!Files.isDirectory(images)) {
      throw new IllegalArgumentException(images + " is not a folder: give the folder of clean test frames with labels.csv");
    }
    Map<String, Integer> labels = LabelledFolder.labels(images, bundle);
    if (bundle != null) {
      for (Map.Entry<String, Integer> e : labels.entrySet()) {
        CalibrationRun.requireClass(bundle, e.getValue(), labelsCsv + ": " + e.getKey());
      }
    }
    if (labels.isEmpty()) {
      throw new IllegalArgumentException(labelsCsv + " not found or without rows: the corrupted frames carry each "
          + "frame's true label (evaluate counts a frame where the model is still right); write it with the columns "
          + "file,label (one row per image, label = the class index, or the class name with --model)");
    }
    requireEmpty(out, images);
    List<String> files = new ArrayList<>(labels.keySet());
    List<Integer> chosen = sample(files.size(), perCorruption, seed);

    // read every chosen frame first: a bad one is refused before anything is written
    ImageDecoder decoder = new ImageDecoder();
    List<String> geometries = new ArrayList<>();
    for (int row : chosen) {
      DecodedImage d = decode(decoder, images, files.get(row));
      String g = d.channels() + "x" + d.height() + "x" + d.width();
      if (!geometries.contains(g)) {
        geometries.add(g);
      }
    }

    ImageConverter converter = new ImageConverter();
    Corruption[] all = Corruption.values();
    List<List<String>> rows = new ArrayList<>();
    for (Corruption c : all) {
      Files.createDirectories(out.resolve(c.id()));
      rows.add(new ArrayList<>());
    }
    for (int k = 0; k < chosen.size(); k++) {
      int row = chosen.get(k);
      String source = files.get(row);
      DecodedImage d = decode(decoder, images, source);
      FloatImage frame = converter.toModelInput(d, d.channels(), d.height(), d.width()); // its own geometry
      int severity = 1 + k % 3;
      for (Corruption c : all) {
        FloatImage corrupted = c.apply(frame, severity, new Random(seed * 1_000_003L + c.ordinal() * 100_003L + row));
        String file = c.id() + "/" + String.format(Locale.ROOT, "%05d", row) + ".png";
        Files.write(out.resolve(file), ImageConverter.toPng(corrupted));
        rows.get(c.ordinal()).add(String.join(",", file, c.id(), Integer.toString(severity),
            num(c.parameter(severity)), CsvTable.quote(source), Integer.toString(labels.get(source))));
      }
    }
    StringBuilder manifest = new StringBuilder("file,corruption,severity,param,source,true_label\n");
    rows.forEach(r -> r.forEach(line -> manifest.append(line).append('\n')));
    AtomicFile.write(out.resolve("manifest.csv"), manifest.toString().getBytes(StandardCharsets.UTF_8));
    return new Summary(chosen.size() * all.length, chosen.size(), geometries);
  }

  /** Rows {@code 0..n-1} when {@code max >= n}, else a seeded sample of {@code max} rows, in row order. */
  static List<Integer> sample(int n, int max, long seed) {
    List<Integer> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      rows.add(i);
    }
    if (max >= n) {
      return rows;
    }
    Collections.shuffle(rows, new Random(seed));
    List<Integer> chosen = new ArrayList<>(rows.subList(0, max));
    Collections.sort(chosen);
    return chosen;
  }

  private static DecodedImage decode(ImageDecoder decoder, Path images, String file) throws IOException {
    Path f = images.resolve(file);
    if (!Files.isRegularFile(f)) {
      throw new IllegalArgumentException(f + " is named in " + images.resolve("labels.csv")
          + " but is not there: add the image or remove its row");
    }
    try {
      return decoder.decode(Files.readAllBytes(f));
    } catch (ImageDecodeException e) {
      throw new IllegalArgumentException(f + " cannot be read as an image (" + e.getMessage() + "): replace it with a "
          + "PNG or JPEG, or remove its row from " + images.resolve("labels.csv"));
    }
  }

  /** A new set goes into a new or empty folder: old frames left beside a new manifest would mislead. */
  private static void requireEmpty(Path out, Path images) throws IOException {
    if (out.toAbsolutePath().normalize().equals(images.toAbsolutePath().normalize())) {
      throw new IllegalArgumentException("--out " + out + " is the --images folder: give a new folder for the set");
    }
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new IllegalArgumentException("--out " + out + " is a file: give a new or empty folder");
    }
    if (Files.isDirectory(out)) {
      try (Stream<Path> s = Files.list(out)) {
        if (s.findAny().isPresent()) {
          throw new IllegalArgumentException("--out " + out + " is not empty: give a new or empty folder (or remove "
              + "the old set first), so that no frame of an earlier set stays beside the new manifest.csv");
        }
      }
    }
  }

  private static String num(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
