package dev.advmon.testing;

import dev.advmon.detect.Detector;
import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import java.util.List;

/**
 * Test-only detector: flags frames whose mean pixel is above a level. Lets topology, campaign and dashboard
 * tests drive the alert path with frames whose verdict they can predict, independent of detector science.
 */
public final class MeanBrightnessDetector implements Detector {

  private final String name;
  private final double threshold;
  private final String reason;
  private final String evidence;

  public MeanBrightnessDetector(String name, double threshold) {
    this(name, threshold, "PERTURBATION", null);
  }

  /** With the reason it gives and the evidence it attaches to every frame (e.g. a sufficient subset to draw). */
  public MeanBrightnessDetector(String name, double threshold, String reason, String evidence) {
    this.name = name;
    this.threshold = threshold;
    this.reason = reason;
    this.evidence = evidence;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String reason() {
    return reason;
  }

  @Override
  public List<FloatImage> probes(FloatImage frame) {
    return List.of();
  }

  @Override
  public Detection evaluate(FloatImage frame, BatchOutput out, int frameRow, int firstProbeRow, int probeCount) {
    double sum = 0;
    for (float v : frame.data()) {
      sum += v;
    }
    return new Detection(name, reason(), sum / frame.data().length, threshold, evidence);
  }
}
