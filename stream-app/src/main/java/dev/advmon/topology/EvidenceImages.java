package dev.advmon.topology;

import dev.advmon.config.MonitorConfig;
import dev.advmon.image.EvidenceOverlay;
import dev.advmon.image.DecodedImage;
import dev.advmon.image.FloatImage;
import dev.advmon.image.ImageConverter;
import dev.advmon.image.ImageDecodeException;
import dev.advmon.image.ImageDecoder;
import dev.advmon.image.ImageLimits;
import dev.advmon.schema.Alert;
import dev.advmon.schema.Frame;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optional picture on a frame alert ({@code alerts.evidence-image}): the frame, its longer side
 * {@link MonitorConfig#EVIDENCE_IMAGE_SIDE} pixels, with a cell subset in the evidence (the overinterpretation
 * detector's sufficient subset, {@link EvidenceOverlay}) outlined and the other cells dimmed; other alerts get the
 * frame alone. It lets an alert's consumer show the frame without joining with the frames topic, whose retention may
 * be short.
 *
 * <p>The alert is never lost to its picture: a picture above the bound, or one that cannot be made, is left out
 * (the field stays null) and the alert's evidence says why under {@value #EVIDENCE_KEY}.
 */
public final class EvidenceImages {

  private static final Logger log = LoggerFactory.getLogger(EvidenceImages.class);

  /** Evidence key saying why an alert carries no picture although the setting is on. */
  public static final String EVIDENCE_KEY = "evidence-image";
  /** No pictures: alerts are built as without this class. */
  public static final EvidenceImages OFF = new EvidenceImages(0, MonitorConfig.EVIDENCE_IMAGE_SIDE);
  /** Longest failure text kept in the evidence: it is the frame's decoder's message, bounded like the rest. */
  private static final int MAX_REASON_CHARS = 256;

  private final int maxBytes;
  private final int side;

  /**
   * @param maxBytes largest PNG put on an alert; 0 = off
   * @param side longer side of the picture, in pixels
   */
  public EvidenceImages(int maxBytes, int side) {
    if (maxBytes < 0 || side < 1) {
      throw new IllegalArgumentException("maxBytes must be 0 (off) or more and side positive: " + maxBytes + ", " + side);
    }
    this.maxBytes = maxBytes;
    this.side = side;
  }

  /** As {@code alerts.evidence-image} and {@code alerts.evidence-image-max-bytes} say. */
  public static EvidenceImages from(MonitorConfig config) {
    return config.bool("alerts.evidence-image")
        ? new EvidenceImages(config.intValue("alerts.evidence-image-max-bytes"), MonitorConfig.EVIDENCE_IMAGE_SIDE)
        : OFF;
  }

  public boolean enabled() {
    return maxBytes > 0;
  }

  /** Largest PNG put on an alert; 0 when off. */
  public int maxBytes() {
    return maxBytes;
  }

  /**
   * {@code alert} with the picture of {@code frame} drawn from its evidence, or, when the picture is too large or
   * cannot be made, without one and with the reason in its evidence. Never throws for the frame's sake.
   */
  Alert attach(Alert alert, Frame frame, ImageLimits limits) {
    byte[] png;
    try {
      png = render(frame, alert.getEvidence(), limits);
    } catch (ImageDecodeException | RuntimeException | java.awt.AWTError | LinkageError e) {
      // the frame was decoded once to be scored, so this is rare: a malformed overlay, or a JVM without a PNG writer;
      // and the errors of AWT itself (a JVM not headless with a broken DISPLAY, missing native libraries), which would
      // otherwise fail the task on the same frame after every restart for the sake of an optional picture
      log.warn("alert {} goes without its evidence picture: {}", LogText.of(alert.getAlertId()), e.toString());
      String reason = String.valueOf(e.getMessage());
      return noted(alert, "failed: " + (reason.length() > MAX_REASON_CHARS ? reason.substring(0, MAX_REASON_CHARS)
          + "..." : reason));
    }
    if (png.length > maxBytes) {
      return noted(alert, "omitted: " + png.length + " bytes > " + maxBytes);
    }
    alert.setEvidenceImage(ByteBuffer.wrap(png));
    return alert;
  }

  private static Alert noted(Alert alert, String note) {
    Map<String, String> evidence = new HashMap<>(alert.getEvidence());
    evidence.put(EVIDENCE_KEY, note);
    alert.setEvidence(evidence);
    return alert;
  }

  /** The picture as PNG bytes. */
  byte[] render(Frame frame, Map<String, String> evidence, ImageLimits limits) throws ImageDecodeException {
    EvidenceOverlay overlay = EvidenceOverlay.from(evidence); // first: a malformed one costs no decode
    DecodedImage decoded = new ImageDecoder(limits).decode(DecodeFrameProcessor.bytes(frame.getImage()),
        DecodeFrameProcessor.format(frame), frame.getWidth(),
        frame.getHeight());
    double scale = (double) side / Math.max(decoded.width(), decoded.height());
    int w = Math.max(1, (int) Math.round(decoded.width() * scale));
    int h = Math.max(1, (int) Math.round(decoded.height() * scale));
    // A large frame is shrunk by the resampler (averaging, as the dashboard's pictures); a small one is enlarged by
    // repeating its pixels, so that they and the cells drawn over them stay sharp.
    FloatImage base = new ImageConverter().toModelInput(decoded, decoded.channels(), Math.min(h, decoded.height()),
        Math.min(w, decoded.width()));
    BufferedImage picture = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = picture.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
      g.drawImage(ImageConverter.toBufferedImage(base), 0, 0, w, h, null);
      if (overlay != null) {
        draw(g, overlay, w, h);
      }
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(picture, "png", out)) {
        throw new IllegalStateException("this JVM has no ImageIO PNG writer");
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("writing PNG to memory failed", e);
    }
    return out.toByteArray();
  }

  /** As {@code inspect}'s pictures: the cells outside the subset dimmed, those in it outlined in green. */
  private static void draw(Graphics2D g, EvidenceOverlay overlay, int w, int h) {
    g.setColor(new Color(0, 0, 60, 170));
    for (int c = 0; c < overlay.cells().length; c++) {
      if (!overlay.cells()[c]) {
        g.fill(cell(overlay, c, w, h));
      }
    }
    g.setColor(new Color(0, 200, 0));
    g.setStroke(new BasicStroke(2));
    for (int c = 0; c < overlay.cells().length; c++) {
      if (overlay.cells()[c]) {
        java.awt.Rectangle r = cell(overlay, c, w, h);
        g.drawRect(r.x + 1, r.y + 1, Math.max(0, r.width - 2), Math.max(0, r.height - 2));
      }
    }
  }

  /** Cell {@code c} of the overlay's grid on a picture of {@code w} x {@code h}. */
  private static java.awt.Rectangle cell(EvidenceOverlay overlay, int c, int w, int h) {
    int x0 = c % overlay.cols() * w / overlay.cols();
    int y0 = c / overlay.cols() * h / overlay.rows();
    int x1 = (c % overlay.cols() + 1) * w / overlay.cols();
    int y1 = (c / overlay.cols() + 1) * h / overlay.rows();
    return new java.awt.Rectangle(x0, y0, x1 - x0, y1 - y0);
  }
}
