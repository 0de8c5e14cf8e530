package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import java.util.List;

/**
 * A detector adds probe images to a frame's batched inference call and turns the model's outputs on the
 * frame and its probes into one score. It never runs the model itself: the {@link FrameScorer} makes one
 * call for the frame and every detector's probes together.
 */
public interface Detector {

  /** Name used in verdicts ({@code scores.<name>}). */
  String name();

  /** The verdict reason when this detector flags a frame (PERTURBATION, FOOLING, OVERINTERPRETATION). */
  String reason();

  /** Images the model must also score for {@code frame}; may be empty. */
  List<FloatImage> probes(FloatImage frame);

  /**
   * Scores the frame from {@code outputs}: the frame's row is {@code frameRow}, this detector's probes are
   * the {@code probeCount} rows from {@code firstProbeRow}, in the order {@link #probes} returned them.
   */
  Detection evaluate(FloatImage frame, BatchOutput outputs, int frameRow, int firstProbeRow, int probeCount);

  /**
   * One detector's result on one frame. {@code evidence} is optional machine-readable detail,
   * {@code key=value} pairs separated by {@code ;} (flagged detections' pairs go into the alert's evidence);
   * {@code signals} the raw signals before scaling, where the detector reports them (calibration reads them).
   */
  record Detection(String detector, String reason, double score, double threshold, String evidence, double[] signals) {
    public Detection(String detector, String reason, double score, double threshold, String evidence) {
      this(detector, reason, score, threshold, evidence, new double[0]);
    }

    /** The evidence as a map (empty when there is none; a part without '=' is kept under "detail"). */
    public java.util.Map<String, String> evidenceMap() {
      java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
      if (evidence != null && !evidence.isBlank()) {
        for (String part : evidence.split(";")) {
          int eq = part.indexOf('=');
          if (eq > 0) {
            m.put(part.substring(0, eq), part.substring(eq + 1));
          } else if (!part.isBlank()) {
            m.put("detail", part);
          }
        }
      }
      return m;
    }

    public boolean flagged() {
      return score > threshold;
    }
  }
}
