package dev.advmon.topology;

import dev.advmon.detect.Detector;
import dev.advmon.detect.Verdict;
import dev.advmon.model.ModelManifest;
import dev.advmon.schema.Alert;
import dev.advmon.schema.DetectorScore;
import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import dev.advmon.schema.Severity;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns a scored frame into the Avro records that leave the monitor: the verdict, and an alert when flagged. */
final class VerdictMapper {

  /** A frame with its verdict, when it was scored, and how many frames shared its inference call. */
  record Scored(Frame frame, Verdict verdict, long scoredAt, long latencyMs, int batchFrames) {}

  private final ModelManifest manifest;
  private final String engine;

  VerdictMapper(ModelManifest manifest, String engine) {
    this.manifest = manifest;
    this.engine = engine;
  }

  FrameVerdict toVerdict(Scored s) {
    Verdict v = s.verdict();
    return FrameVerdict.newBuilder()
        .setFrameId(s.frame().getFrameId())
        .setCameraId(s.frame().getCameraId())
        .setSourceId(s.frame().getSourceId())
        .setCaptureTime(s.frame().getCaptureTime())
        .setScoredTime(Instant.ofEpochMilli(s.scoredAt()))
        .setModelName(manifest.name())
        .setModelVersion(manifest.version())
        .setEngine(engine)
        .setPredictedClass(v.predictedClass())
        .setPredictedLabel(v.predictedLabel())
        .setConfidence(v.confidence())
        .setAlert(v.alert())
        .setReasons(v.reasons())
        .setScores(scores(v.detections()))
        .setForwardPasses(v.forwardPasses())
        .setProcessingLatencyMs(s.latencyMs())
        .setBatchFrames(s.batchFrames())
        .setAttributes(s.frame().getAttributes())
        .build();
  }

  static List<DetectorScore> scores(List<Detector.Detection> detections) {
    return detections.stream().map(d -> DetectorScore.newBuilder()
        .setDetector(d.detector()).setScore(d.score()).setThreshold(d.threshold()).setFlagged(d.flagged()).build())
        .toList();
  }

  /** The alert for a flagged verdict. Its id is derived from the frame id, so a replay writes the same alert. */
  static Alert toAlert(FrameVerdict v) {
    return toAlert(v, List.of());
  }

  /**
   * As above, with the evidence of the flagged {@code detections} (key=value pairs; the overinterpretation
   * detector's sufficient subset as {@code subset} and {@code subset.grid}, which the dashboard draws).
   */
  static Alert toAlert(FrameVerdict v, List<Detector.Detection> detections) {
    Map<String, String> evidence = new java.util.LinkedHashMap<>();
    for (Detector.Detection d : detections) {
      if (d.flagged()) {
        evidence.putAll(d.evidenceMap());
      }
    }
    evidence.put("model", v.getModelName() + ":" + v.getModelVersion());
    String kind = v.getReasons().get(0);
    StringBuilder why = new StringBuilder();
    why.append("Camera ").append(v.getCameraId()).append(", frame ").append(v.getFrameId()).append(": the model says '")
        .append(v.getPredictedLabel()).append("' at ").append(String.format(Locale.ROOT, "%.1f%%", 100 * v.getConfidence()))
        .append(", but ");
    List<DetectorScore> flagged = v.getScores().stream().filter(DetectorScore::getFlagged).toList();
    for (int i = 0; i < flagged.size(); i++) {
      DetectorScore d = flagged.get(i);
      why.append(i == 0 ? "" : " and ").append("the ").append(d.getDetector()).append(" score ")
          .append(String.format(Locale.ROOT, "%.3f", d.getScore())).append(" is above its threshold ")
          .append(String.format(Locale.ROOT, "%.3f", d.getThreshold()));
    }
    why.append(". Treat this prediction as untrustworthy.");
    return Alert.newBuilder()
        .setAlertId(v.getFrameId() + "/" + kind)
        .setFrameId(v.getFrameId())
        .setCameraId(v.getCameraId())
        .setSourceId(v.getSourceId())
        .setTime(v.getScoredTime())
        .setKind(kind)
        .setSeverity(v.getReasons().size() > 1 ? Severity.CRITICAL : Severity.WARNING)
        .setReasons(v.getReasons())
        .setPredictedClass(v.getPredictedClass())
        .setPredictedLabel(v.getPredictedLabel())
        .setConfidence(v.getConfidence())
        .setScores(v.getScores())
        .setExplanation(why.toString())
        .setEvidence(new java.util.HashMap<>(evidence))
        .build();
  }
}
