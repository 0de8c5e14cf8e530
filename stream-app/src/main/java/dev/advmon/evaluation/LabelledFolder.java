package dev.advmon.evaluation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A folder of images with a {@code labels.csv} ({@code file,label,...}): the committed evaluation frames' format. */
public final class LabelledFolder {

  private LabelledFolder() {}

  /** file (as written in labels.csv) -> label, in file order; empty when {@code dir} has no labels.csv. */
  public static Map<String, Integer> labels(Path dir) throws IOException {
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
        // a label's name (Coat) is the usual slip: say what the column holds
        throw new IllegalArgumentException(csv + ":" + (i + 1) + ": no integer label in '" + line + "': write the "
            + "class index, a whole number (0 for the first of the labels in the bundle's manifest.json)");
      }
    }
    return m;
  }

  /** Labels of {@code files} from the labels.csv next to each, keyed by absolute normalised path. */
  public static Map<String, Integer> labelsOf(List<Path> files) throws IOException {
    Map<Path, Map<String, Integer>> byDir = new HashMap<>();
    Map<String, Integer> out = new HashMap<>();
    for (Path f : files) {
      Path abs = f.toAbsolutePath().normalize();
      Map<String, Integer> m = byDir.get(abs.getParent());
      if (m == null) {
        m = labels(abs.getParent());
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
