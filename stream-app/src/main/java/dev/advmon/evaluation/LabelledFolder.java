package dev.advmon.evaluation;

import dev.advmon.model.ModelBundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A folder of images with a {@code labels.csv} ({@code file,label,...}): the committed evaluation frames' format. */
public final class LabelledFolder {

  private LabelledFolder() {}

  /** file (as written in labels.csv) -> label, in file order; empty when {@code dir} has no labels.csv. */
  public static Map<String, Integer> labels(Path dir) throws IOException {
    return labels(dir, null);
  }

  /**
   * As {@link #labels(Path)}, for {@code bundle}'s classes (null: no model, as for corrupt): a row that names a class
   * (Coat) where its index belongs is refused with the index to write, read from the bundle's manifest.
   */
  public static Map<String, Integer> labels(Path dir, ModelBundle bundle) throws IOException {
    Path csv = dir.resolve("labels.csv");
    Map<String, Integer> m = new LinkedHashMap<>();
    if (!Files.isRegularFile(csv)) {
      return m;
    }
    List<String> lines = Files.readAllLines(csv);
    if (lines.isEmpty()) {
      throw new IllegalArgumentException(csv + " is empty: it needs a header with columns 'file' and 'label'");
    }
    List<String> header = CsvTable.header(lines.get(0));
    int fc = header.indexOf("file");
    int lc = header.indexOf("label");
    if (fc < 0 || lc < 0) {
      throw new IllegalArgumentException(csv + ": the header needs columns 'file' and 'label', has " + header);
    }
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      String[] c = line.split(",");
      try {
        m.put(c[fc], Integer.parseInt(c[lc].trim()));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(csv + ":" + (i + 1) + ": no integer label in '" + line + "': "
            + whatToWrite(lc < c.length ? c[lc].trim() : "", bundle));
      }
    }
    return m;
  }

  /**
   * A label's name (Coat) is the usual slip, as the committed sets write it beside the index (label_name): the index
   * of that class where the bundle has it, else the classes to choose from (the column is an index, as the docs say:
   * a name would depend on the spelling of the manifest's labels).
   */
  private static String whatToWrite(String given, ModelBundle bundle) {
    if (bundle == null) {
      return "write the class index, a whole number (0 for the first of the labels in the bundle's manifest.json)";
    }
    List<String> classes = bundle.manifest().labels();
    Path manifest = bundle.directory().resolve(ModelBundle.MANIFEST);
    for (int k = 0; k < classes.size(); k++) {
      if (classes.get(k).equalsIgnoreCase(given)) {
        return "'" + given + "' is a class name, and the column takes its index: write " + k + " (" + classes.get(k)
            + " is label " + k + " of " + manifest + ", counted from 0)";
      }
    }
    List<String> each = new ArrayList<>();
    for (int k = 0; k < Math.min(classes.size(), 20); k++) {
      each.add(k + " " + classes.get(k));
    }
    return "write the class index, a whole number, counted from 0 in the labels of " + manifest + ": "
        + String.join(", ", each) + (classes.size() > 20 ? ", ... (" + classes.size() + " classes)" : "");
  }

  /** Labels of {@code files} from the labels.csv next to each, keyed by absolute normalised path. */
  public static Map<String, Integer> labelsOf(List<Path> files) throws IOException {
    return labelsOf(files, null);
  }

  /** As {@link #labelsOf(List)}, for {@code bundle}'s classes (see {@link #labels(Path, ModelBundle)}). */
  public static Map<String, Integer> labelsOf(List<Path> files, ModelBundle bundle) throws IOException {
    Map<Path, Map<String, Integer>> byDir = new HashMap<>();
    Map<String, Integer> out = new HashMap<>();
    for (Path f : files) {
      Path abs = f.toAbsolutePath().normalize();
      Map<String, Integer> m = byDir.get(abs.getParent());
      if (m == null) {
        m = labels(abs.getParent(), bundle);
        byDir.put(abs.getParent(), m);
      }
      Integer label = m.get(abs.getFileName().toString());
      if (label != null) {
        out.put(abs.toString(), label);
      }
    }
    return out;
  }
}
