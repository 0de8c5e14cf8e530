package dev.advmon.image;

import java.util.Locale;
import java.util.Map;

/**
 * A cell bitmap to draw over an alert's frame, read from the alert's evidence map:
 * <ul>
 *   <li>{@code subset.grid}: {@code ROWSxCOLS}, e.g. {@code 7x7}, cells laid evenly over the whole frame;
 *   <li>{@code subset}: the cells as hex, row-major, most significant bit first: cell {@code i} is bit
 *       {@code 7 - i % 8} of byte {@code i / 8}; 1 = the cell is in the subset.
 * </ul>
 * The overinterpretation detector's sufficient subset is written this way; any detector may use it.
 */
public record EvidenceOverlay(int rows, int cols, boolean[] cells) {

  public static final String BITS_KEY = "subset";
  public static final String GRID_KEY = "subset.grid";
  public static final int MAX_SIDE = 64;

  /** The overlay, null when the evidence has none; a malformed one throws, naming the problem. */
  public static EvidenceOverlay from(Map<String, String> evidence) {
    String hex = evidence.get(BITS_KEY);
    String grid = evidence.get(GRID_KEY);
    if (hex == null && grid == null) {
      return null;
    }
    if (hex == null || grid == null) {
      throw new IllegalArgumentException("evidence has '" + (hex == null ? GRID_KEY : BITS_KEY) + "' without '"
          + (hex == null ? BITS_KEY : GRID_KEY) + "'; an overlay needs both");
    }
    String[] parts = grid.trim().toLowerCase(Locale.ROOT).split("x");
    int rows;
    int cols;
    try {
      rows = parts.length == 2 ? Integer.parseInt(parts[0]) : -1;
      cols = parts.length == 2 ? Integer.parseInt(parts[1]) : -1;
    } catch (NumberFormatException e) {
      rows = -1;
      cols = -1;
    }
    if (rows < 1 || cols < 1 || rows > MAX_SIDE || cols > MAX_SIDE) {
      throw new IllegalArgumentException("'" + GRID_KEY + "' must be ROWSxCOLS with 1.." + MAX_SIDE + " each, e.g. 7x7");
    }
    int n = rows * cols;
    int hexDigits = (n + 7) / 8 * 2;
    if (hex.length() != hexDigits || !hex.matches("[0-9a-fA-F]*")) {
      throw new IllegalArgumentException("'" + BITS_KEY + "' for a " + rows + "x" + cols + " grid must be "
          + hexDigits + " hex digits (one bit per cell, row-major, most significant bit first)");
    }
    boolean[] cells = new boolean[n];
    for (int i = 0; i < n; i++) {
      int b = Integer.parseInt(hex.substring(i / 8 * 2, i / 8 * 2 + 2), 16);
      cells[i] = (b >> (7 - i % 8) & 1) == 1;
    }
    return new EvidenceOverlay(rows, cols, cells);
  }

  /** Cells in the subset. */
  public int selected() {
    int k = 0;
    for (boolean c : cells) {
      k += c ? 1 : 0;
    }
    return k;
  }
}
