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

/**
 * A folder of images with a {@code labels.csv} ({@code file,label,...}): the committed evaluation frames' format, and
 * the one reader of it (calibrate, evaluate, evaluate-overinterpretation, audit, corrupt).
 *
 * <p>The {@code label} column holds either class indices (whole numbers, counted from 0 in the order of the
 * manifest's {@code labels}) or class names, spelled as the manifest spells them: a user's own tool exports names
 * ({@code Ankle boot}), and counting through the manifest by hand is where labels go wrong. The file is read one way
 * as a whole, so that a name which is a number cannot be read now as an index, now as a name: a column of whole
 * numbers only holds indices (the documented format, kept for every existing file, even where a model's class names
 * are numbers); any other value makes the column one of names, and then every row's value must be a name, matched
 * exactly (white space around it aside, a no-break space too, case counts; a case-blind match could pick one of two
 * classes that differ only in case, which the manifest allows).
 */
public final class LabelledFolder {

  /** How many classes an error lists before it points to the manifest for the rest. */
  private static final int LISTED = 20;

  private LabelledFolder() {}

  /** file (as written in labels.csv) -> label, in file order; empty when {@code dir} has no labels.csv. */
  public static Map<String, Integer> labels(Path dir) throws IOException {
    return labels(dir, null);
  }

  /**
   * As {@link #labels(Path)}, for {@code bundle}'s classes (null: no model, as for corrupt without --model): a column
   * of class names is read through the bundle's manifest; without a bundle it is refused, saying to name one.
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
    List<String> header = atLine(csv, 1, () -> CsvTable.header(lines.get(0)));
    int fc = header.indexOf("file");
    int lc = header.indexOf("label");
    if (fc < 0 || lc < 0) {
      throw new IllegalArgumentException(csv + ": the header needs columns 'file' and 'label', has " + header);
    }
    List<Integer> lineNumbers = new ArrayList<>();
    List<String> files = new ArrayList<>();
    List<String> values = new ArrayList<>();
    int firstName = -1; // the first row whose value is no whole number: it makes the column one of names
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      List<String> c = atLine(csv, i + 1, () -> CsvTable.fields(line));
      if (fc >= c.size() || lc >= c.size() || CsvTable.strip(c.get(lc)).isEmpty()) {
        throw new IllegalArgumentException(csv + ":" + (i + 1) + ": no label in '" + line + "': each row needs the "
            + "image's file and its class (" + whatToWrite(bundle) + ")");
      }
      String value = CsvTable.strip(c.get(lc)); // a quoted " Coat " too: no class name starts with a blank
      if (firstName < 0 && index(value) == null) {
        firstName = values.size();
      }
      lineNumbers.add(i + 1);
      files.add(c.get(fc));
      values.add(value);
    }
    String why = firstName < 0 ? null : "line " + lineNumbers.get(firstName) + " has '" + values.get(firstName) + "'";
    // the values that are no number first: in a column of indices with one misspelt name, that name is the slip to
    // report, not the first index before it, which the name made a name
    String all = why == null || bundle == null ? "" : unknown(values, lineNumbers, bundle.manifest().labels());
    for (int r = 0; why != null && r < values.size(); r++) {
      if (index(values.get(r)) == null) {
        byName(values.get(r), bundle, csv + ":" + lineNumbers.get(r), why, all);
      }
    }
    Map<String, Integer> rowOf = new HashMap<>();
    for (int r = 0; r < values.size(); r++) {
      String at = csv + ":" + lineNumbers.get(r);
      int label = why == null ? index(values.get(r)) : byName(values.get(r), bundle, at, why, all);
      Integer before = m.put(files.get(r), label);
      // a second row for an image replaced the first without a word: its class depended on the rows' order
      if (before != null && before != label) {
        throw new IllegalArgumentException(at + ": " + files.get(r) + " is listed again, as class " + said(label,
            bundle) + ", after line " + lineNumbers.get(rowOf.get(files.get(r))) + " gave it class "
            + said(before, bundle) + ": keep one row per image");
      }
      rowOf.putIfAbsent(files.get(r), r);
    }
    return m;
  }

  /** {@code read}'s fields, a malformed quote refused naming the file and line (CsvTable.fields knows neither). */
  private static List<String> atLine(Path csv, int line, java.util.function.Supplier<List<String>> read) {
    try {
      return read.get();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(csv + ":" + line + ": " + e.getMessage(), e);
    }
  }

  /**
   * Every value no class is named, with its first line and its rows, where there is more than one such row: a
   * file exported in lower case was refused one class at a time, ten runs for ten classes.
   */
  private static String unknown(List<String> values, List<Integer> lineNumbers, List<String> classes) {
    Map<String, int[]> each = new LinkedHashMap<>(); // value -> first line, rows
    int rows = 0;
    for (int r = 0; r < values.size(); r++) {
      if (classOf(values.get(r), classes) < 0) {
        rows++;
        int line = lineNumbers.get(r);
        each.computeIfAbsent(values.get(r), v -> new int[] {line, 0})[1]++;
      }
    }
    if (rows < 2) {
      return "";
    }
    List<String> said = new ArrayList<>();
    for (Map.Entry<String, int[]> e : each.entrySet()) {
      if (said.size() == LISTED) {
        said.add("...");
        break;
      }
      said.add("'" + e.getKey() + "' (line " + e.getValue()[0] + (e.getValue()[1] > 1 ? ", " + e.getValue()[1]
          + " rows" : "") + ")");
    }
    return " [" + rows + " rows name no class of the model: " + String.join(", ", said) + "]";
  }

  /** The index of the class named exactly {@code name} (blanks around the manifest's names aside), or -1. */
  private static int classOf(String name, List<String> classes) {
    for (int k = 0; k < classes.size(); k++) {
      if (classes.get(k).strip().equals(name)) {
        return k; // the manifest refuses two classes of one name, blanks around them aside
      }
    }
    return -1;
  }

  /** "6 (Shirt)", or "6" without a model or for an index it does not have. */
  private static String said(int label, ModelBundle bundle) {
    List<String> classes = bundle == null ? List.of() : bundle.manifest().labels();
    return label + (label >= 0 && label < classes.size() ? " (" + classes.get(label).strip() + ")" : "");
  }

  /** A whole number (an index), or null. */
  private static Integer index(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A number but no int (3.0, 1e2, 99999999999): an index written wrong, far likelier than a class of that name. */
  private static boolean decimal(String value) {
    return index(value) == null && value.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
  }

  /** The index of the class {@code name} names in {@code bundle}'s manifest, or an error saying what to write. */
  private static int byName(String name, ModelBundle bundle, String at, String why, String all) {
    if (bundle == null && decimal(name)) {
      // a spreadsheet's or pandas' export of indices (3.0): "is a class name" sent the user after a model
      throw new IllegalArgumentException(at + ": '" + name + "' is a number but no class index: write indices as "
          + "whole numbers, counted from 0 in the order of the model's manifest.json labels (or, if the model has a "
          + "class of that name, give the model whose labels they are, --model DIR)");
    }
    if (bundle == null) {
      // the values that are no number are checked first, so this is the first of them: "why" would name this line
      throw new IllegalArgumentException(at + ": '" + name + "' is a class name, and names are read through a "
          + "model's manifest.json: give the model whose labels they are (--model DIR), or write class indices, "
          + "counted from 0 in the order of that manifest's labels");
    }
    List<String> classes = bundle.manifest().labels();
    Path manifest = bundle.directory().resolve(ModelBundle.MANIFEST);
    int exact = classOf(name, classes);
    if (exact >= 0) {
      return exact;
    }
    List<Integer> caseBlind = new ArrayList<>();
    for (int k = 0; k < classes.size(); k++) {
      if (classes.get(k).strip().equalsIgnoreCase(name)) {
        caseBlind.add(k);
      }
    }
    String numberToo = decimal(name) ? " (a number but no class index: write indices as whole numbers, counted "
        + "from 0)" : index(name) == null ? "" : " (the label column holds names, " + why + ", so a number in it "
        + "is read as a name too: write every row's class as a name, or every row's as an index)";
    if (caseBlind.size() == 1) {
      int k = caseBlind.get(0);
      return fail(at + ": '" + name + "' is not one of the model's class names, which are matched exactly, case "
          + "and all: write '" + classes.get(k).strip() + "' (label " + k + " of " + manifest + ")" + all);
    }
    return fail(at + ": '" + name + "' is not one of the model's class names" + numberToo + "; write a name exactly "
        + "as the labels of " + manifest + " spell it (case counts), or its index counted from 0: " + listed(classes)
        + all);
  }

  private static int fail(String message) {
    throw new IllegalArgumentException(message);
  }

  private static String whatToWrite(ModelBundle bundle) {
    if (bundle == null) {
      return "a class index, counted from 0 in the order of the model's manifest.json labels, or the class's name "
          + "there";
    }
    return "a class index or name of " + bundle.directory().resolve(ModelBundle.MANIFEST) + ": "
        + listed(bundle.manifest().labels());
  }

  /** "0 T-shirt/top, 1 Trouser, ...", the first {@link #LISTED} where there are more. */
  private static String listed(List<String> classes) {
    List<String> each = new ArrayList<>();
    for (int k = 0; k < Math.min(classes.size(), LISTED); k++) {
      each.add(k + " " + classes.get(k).strip());
    }
    return String.join(", ", each) + (classes.size() > LISTED ? ", ... (" + classes.size() + " classes)" : "");
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
