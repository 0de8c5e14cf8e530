package dev.advmon.evaluation;

import dev.advmon.image.EvidenceOverlay;
import dev.advmon.detect.Verdict;
import dev.advmon.image.FloatImage;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * Pictures a person can read: a frame enlarged with a cell subset outlined (the rest dimmed), and the probes the
 * model saw with the predicted class's probability on each. Used by {@code inspect} and the audit report.
 */
public final class EvidencePictures {

  public static final int FRAME_SIDE = 448;
  public static final int THUMB_SIDE = 140;

  private EvidencePictures() {}

  /** The frame enlarged with the subset cells outlined and the rest dimmed; the probes as thumbnails below. */
  public static BufferedImage render(FloatImage frame, Verdict v, EvidenceOverlay subset, List<FloatImage> probes,
      List<String> captions, double[] p) {
    int thumbs = Math.max(1, probes.size());
    int width = Math.max(FRAME_SIDE, thumbs * (THUMB_SIDE + 10) + 10) + 20;
    int height = 72 + FRAME_SIDE + 20 + THUMB_SIDE + 40;
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setColor(v.alert() ? new Color(170, 0, 0) : new Color(0, 110, 0));
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString(String.format(Locale.ROOT, "%s at %.1f%%", v.predictedLabel(), 100 * v.confidence()), 10, 20);
    g.drawString(v.alert() ? "FLAGGED: " + String.join(", ", v.reasons()) : "not flagged", 10, 40);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setColor(Color.DARK_GRAY);
    g.drawString(subset == null ? "no sufficient-subset search ran for this frame (its cheap probes cleared it)"
        : String.format(Locale.ROOT, "green: the %d of %d cells that alone keep '%s' at >= 0.9 (rest dimmed); %d forward passes",
            subset.selected(), subset.rows() * subset.cols(), v.predictedLabel(), v.forwardPasses()), 10, 60);
    int fx = 10;
    int fy = 72;
    draw(g, frame, fx, fy, FRAME_SIDE, subset);
    int ty = fy + FRAME_SIDE + 20;
    for (int i = 0; i < probes.size(); i++) {
      int tx = 10 + i * (THUMB_SIDE + 10);
      draw(g, probes.get(i), tx, ty, THUMB_SIDE, null);
      g.setColor(Color.BLACK);
      g.drawString(captions.get(i), tx, ty + THUMB_SIDE + 14);
      g.drawString(String.format(Locale.ROOT, "p(%s) = %.3f", v.predictedLabel(), p[i]), tx, ty + THUMB_SIDE + 28);
    }
    g.dispose();
    return img;
  }

  /** The frame enlarged to {@code side} with {@code subset} outlined and the rest dimmed (for audit pages). */
  public static BufferedImage renderSubset(FloatImage frame, EvidenceOverlay subset, int side) {
    BufferedImage img = new BufferedImage(side + 2, side + 2, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, side + 2, side + 2);
    draw(g, frame, 0, 0, side, subset);
    g.dispose();
    return img;
  }

  private static void draw(Graphics2D g, FloatImage f, int x0, int y0, int side, EvidenceOverlay subset) {
    double sx = (double) side / f.width();
    double sy = (double) side / f.height();
    for (int y = 0; y < f.height(); y++) {
      for (int x = 0; x < f.width(); x++) {
        int r;
        int gr;
        int b;
        if (f.channels() >= 3) {
          r = level(f.get(0, y, x));
          gr = level(f.get(1, y, x));
          b = level(f.get(2, y, x));
        } else {
          r = gr = b = level(f.get(0, y, x));
        }
        if (subset != null && !subset.cells()[(y * subset.rows() / f.height()) * subset.cols() + x * subset.cols() / f.width()]) {
          r = r / 3;
          gr = gr / 3;
          b = b / 3 + 40;
        }
        g.setColor(new Color(r, gr, b));
        g.fillRect(x0 + (int) Math.floor(x * sx), y0 + (int) Math.floor(y * sy), (int) Math.ceil(sx), (int) Math.ceil(sy));
      }
    }
    if (subset != null) {
      g.setStroke(new BasicStroke(3));
      g.setColor(new Color(0, 200, 0));
      double cw = (double) side / subset.cols();
      double ch = (double) side / subset.rows();
      for (int c = 0; c < subset.cells().length; c++) {
        if (subset.cells()[c]) {
          g.drawRect(x0 + (int) Math.round(c % subset.cols() * cw), y0 + (int) Math.round(c / subset.cols() * ch),
              (int) Math.round(cw), (int) Math.round(ch));
        }
      }
    }
    g.setStroke(new BasicStroke(1));
    g.setColor(Color.GRAY);
    g.drawRect(x0, y0, side, side);
  }

  private static int level(float v) {
    return Math.max(0, Math.min(255, Math.round(v * 255)));
  }
}
