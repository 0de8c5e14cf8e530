package dev.advmon.evaluation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A small comma-separated table with a header row: the recipe's manifests, corrupt's, and labels.csv. One rule reads
 * every CSV of the project ({@link #fields}): a field in double quotes is taken whole, so a file or class name may hold
 * a comma, as a spreadsheet or R's write.csv quotes it; what the project writes is quoted by the same rule
 * ({@link #quote}), so that it reads back.
 */
public record CsvTable(Path file, List<String> header, List<String[]> rows) {

  public static CsvTable read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      Path folder = file.getParent();
      if (folder != null && Files.exists(folder) && !Files.isDirectory(folder)) {
        throw new IllegalArgumentException(folder + " is a file; give the folder that holds " + file.getFileName()
            + " (made by the recipe, " + recipe() + ")");
      }
      // a relative path is the working folder's, while the commands' defaults are the monitor's home's: say where
      String where = file.isAbsolute() ? "" : " (looked for " + file.toAbsolutePath() + ": a relative path is read "
          + "from the working folder)";
      throw new IllegalArgumentException(file + " not found" + where + "; give a folder with " + file.getFileName()
          + " (made by the recipe, " + recipe() + ")");
    }
    List<String> lines = Files.readAllLines(file);
    if (lines.isEmpty()) {
      throw new IllegalArgumentException(file + " is empty: it needs a header row");
    }
    List<String> header;
    try {
      header = header(lines.get(0));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ":1: " + e.getMessage(), e);
    }
    List<String[]> rows = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      try {
        // split at every comma, a quoted "shirt, red.png" moved the later columns one to the right
        rows.add(fields(line).toArray(String[]::new));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return new CsvTable(file, header, rows);
  }

  /** By its path in the monitor's folder: "models/recipe" alone named nothing to a user in another folder. */
  private static String recipe() {
    return dev.advmon.model.ModelDocs.project("models/recipe");
  }

  /**
   * The column names of a header line, without the byte-order mark a spreadsheet's "CSV UTF-8" export puts first:
   * kept, it made "file" another name, and the error listed the columns as [file, label], the mark being invisible.
   * A quoted name is read without its quotes ({@link #fields}): R's write.csv quotes every header name. White space
   * inside the quotes is dropped too (it was before {@link #fields} kept it): no column is named with a blank.
   */
  static List<String> header(String line) {
    String h = line.startsWith("\uFEFF") ? line.substring(1) : line;
    return fields(h).stream().map(CsvTable::strip).toList();
  }

  /**
   * The fields of one row, a field in double quotes taken whole ({@code "tench, Tinca tinca"}, {@code ""} for a
   * quote): a class name may hold a comma, and a spreadsheet then quotes it. White space around a field is dropped,
   * of any kind ({@link #strip}: a spreadsheet's no-break space too), and kept inside the quotes of a quoted one.
   * A quote that never closes, or text after a closing
   * quote, is refused (an IllegalArgumentException without the file, which the caller names): read anyway, the text
   * after the quote was dropped.
   */
  public static List<String> fields(String line) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (true) {
      int j = i;
      while (j < line.length() && space(line.charAt(j))) {
        j++;
      }
      if (j < line.length() && line.charAt(j) == '"') {
        StringBuilder f = new StringBuilder();
        int k = j + 1;
        while (k < line.length() && !(line.charAt(k) == '"' && (k + 1 >= line.length() || line.charAt(k + 1) != '"'))) {
          f.append(line.charAt(k));
          k += line.charAt(k) == '"' ? 2 : 1;
        }
        if (k >= line.length()) {
          throw new IllegalArgumentException("the quote opening " + line.substring(j) + " never closes (a quote inside "
              + "a quoted field is written twice, \"\")");
        }
        // what follows the closing quote up to the comma was dropped: "Big" cat was read as Big
        int comma = line.indexOf(',', k);
        String after = comma < 0 ? line.substring(k + 1) : line.substring(k + 1, comma);
        if (!strip(after).isEmpty()) {
          throw new IllegalArgumentException("text after the closing quote of \"" + f + "\": '" + after + "' (quote "
              + "the whole field, a quote inside it written twice, \"\")");
        }
        out.add(f.toString());
        if (comma < 0) {
          return out;
        }
        i = comma + 1;
      } else {
        int comma = line.indexOf(',', i);
        out.add(strip(comma < 0 ? line.substring(i) : line.substring(i, comma)));
        if (comma < 0) {
          return out;
        }
        i = comma + 1;
      }
    }
  }

  /**
   * {@code value} as one field of a row {@link #fields} reads back as it is: in double quotes, a quote inside written
   * twice, where it holds a comma or a quote or starts or ends with white space (which the reader drops around an
   * unquoted field); as it is otherwise, so that a plain manifest stays plain. A line break inside a value is refused:
   * the tables are read a line at a time.
   */
  public static String quote(String value) {
    if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("'" + value + "' holds a line break, which no row of a table can hold: "
          + "rename it without one");
    }
    boolean plain = value.indexOf(',') < 0 && value.indexOf('"') < 0
        && (value.isEmpty() || !space(value.charAt(0)) && !space(value.charAt(value.length() - 1)));
    return plain ? value : '"' + value.replace("\"", "\"\"") + '"';
  }

  /**
   * {@code value} without the white space around it, of any kind: String.strip leaves the no-break spaces (U+00A0,
   * U+2007, U+202F) a spreadsheet or a copied web page puts after a name, and "Ankle boot\u00A0" named no class.
   */
  public static String strip(String value) {
    int from = 0;
    int to = value.length();
    while (from < to && space(value.charAt(from))) {
      from++;
    }
    while (to > from && space(value.charAt(to - 1))) {
      to--;
    }
    return value.substring(from, to);
  }

  /** White space of any kind: Java's own, and the no-break spaces (U+00A0, U+2007, U+202F) it leaves out. */
  static boolean space(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c);
  }

  /** Index of {@code column}; an error naming the file and the columns it has when it is missing. */
  public int column(String column) {
    int i = header.indexOf(column);
    if (i < 0) {
      throw new IllegalArgumentException(file + ": the header needs a column '" + column + "', has " + header);
    }
    return i;
  }

  public boolean has(String column) {
    return header.contains(column);
  }

  /** Row {@code r}'s value in {@code column} ("" when the row is short), as {@link #fields} read it. */
  public String get(int r, int column) {
    String[] row = rows.get(r);
    return column < row.length ? row[column] : "";
  }

  public int size() {
    return rows.size();
  }
}
