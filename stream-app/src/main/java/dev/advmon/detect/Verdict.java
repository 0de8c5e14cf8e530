package dev.advmon.detect;

import java.util.List;

/** What the monitor concluded about one frame, before it is written to Kafka or printed. */
public record Verdict(
    int predictedClass,
    String predictedLabel,
    double confidence,
    List<Detector.Detection> detections,
    int forwardPasses) {

  /** True when any detector flagged the frame. */
  public boolean alert() {
    return detections.stream().anyMatch(Detector.Detection::flagged);
  }

  /**
   * The reasons of the detectors that flagged the frame, in detector order, each once (the learned detector
   * gives PERTURBATION or FOOLING too; which detectors fired is in the scores).
   */
  public List<String> reasons() {
    return detections.stream().filter(Detector.Detection::flagged).map(Detector.Detection::reason).distinct().toList();
  }
}
