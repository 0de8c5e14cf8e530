package dev.advmon.topology;

import dev.advmon.campaign.AlertIds;
import dev.advmon.detect.ConsensusDetector;
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

  /**
   * A frame with its verdict, when it was scored, how many frames shared its inference call, and the record it came
   * from ({@code source}: for its dead letter, should its verdict be unwritable).
   */
  record Scored(Frame frame, Verdict verdict, long scoredAt, long latencyMs, int batchFrames, DecodedFrame source) {}

  private final ModelManifest manifest;
  private final String engine;

  VerdictMapper(ModelManifest manifest, String engine) {
    this.manifest = manifest;
    this.engine = engine;
  }

  FrameVerdict toVerdict(Scored s) {
    return toVerdict(s, null);
  }

  /** The verdict of {@code s}; {@code partitionChanged}, when not null, is what {@link RecordKeys} said of it. */
  FrameVerdict toVerdict(Scored s, String partitionChanged) {
    Verdict v = s.verdict();
    CaptureTimeUnits.Read capture = CaptureTimeUnits.read(s.frame().getCaptureTime());
    return FrameVerdict.newBuilder()
        .setFrameId(s.frame().getFrameId())
        .setCameraId(s.frame().getCameraId())
        .setSourceId(s.frame().getSourceId())
        .setCaptureTime(capture.time())
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
        .setAttributes(boundedAttributes(s.frame().getAttributes(), ownAttributes(capture, partitionChanged,
            s.source() == null ? null : s.source().redrivenFrom())))
        .build();
  }

  /** What the monitor has to say of the frame's record in its verdict's attributes, in key order; often nothing. */
  private static Map<String, String> ownAttributes(CaptureTimeUnits.Read capture, String partitionChanged,
      String redrivenFrom) {
    Map<String, String> own = new java.util.TreeMap<>();
    if (redrivenFrom != null) {
      own.put(REDRIVEN_FROM, redrivenFrom);
    }
    if (capture.note() != null) {
      own.put(CAPTURE_TIME_WRITTEN, capture.note());
    }
    if (partitionChanged != null) {
      own.put(PARTITION_CHANGED, partitionChanged);
    }
    return own;
  }

  /** Most attributes copied into a verdict; beyond it they are dropped (and counted). */
  static final int MAX_ATTRIBUTES = 64;
  static final int MAX_ATTRIBUTE_KEY_CHARS = 128;
  static final int MAX_ATTRIBUTE_VALUE_CHARS = 1024;
  static final int MAX_ATTRIBUTES_CHARS = 16 * 1024;
  /**
   * The monitor's own attribute keys start with it. A frame's keys that do are dropped (and counted): copied, they
   * would read as the monitor's to a consumer (a producer's {@code advmon.captureTime.written} as the monitor's
   * note, its {@code advmon.attributes.dropped} as the monitor's count).
   */
  static final String OWN_PREFIX = "advmon.";
  /** Added to a verdict's attributes when some of the frame's were left out, with how many. */
  static final String DROPPED_ATTRIBUTES = OWN_PREFIX + "attributes.dropped";
  /**
   * Added to a verdict's attributes when the frame's captureTime could not be epoch milliseconds and was read in
   * another unit ({@link CaptureTimeUnits}): the value as read, the unit and the year it gave as milliseconds.
   */
  static final String CAPTURE_TIME_WRITTEN = OWN_PREFIX + "captureTime.written";
  /**
   * Added to a verdict's attributes when the frame came from another frames partition than its camera's previous frame
   * ({@link RecordKeys}): the two partitions and the record key, so that the producer to fix can be found.
   */
  static final String PARTITION_CHANGED = OWN_PREFIX + "partitionChanged";
  /**
   * Added to a verdict's attributes when redrive sent the frame back: the dead letter it came from,
   * {@code <dead-letter topic>-<partition>@<offset>} ({@link RedrivenFrames#FROM_HEADER}), so that downstream can tell
   * a second verdict from a first and find what failed before.
   */
  static final String REDRIVEN_FROM = RedrivenFrames.FROM_HEADER;

  /**
   * The frame's attributes as far as they fit a verdict: at most {@value #MAX_ATTRIBUTES} entries, keys of at
   * most {@value #MAX_ATTRIBUTE_KEY_CHARS} and values of at most {@value #MAX_ATTRIBUTE_VALUE_CHARS} characters,
   * {@value #MAX_ATTRIBUTES_CHARS} in all, taken in key order so that a replay copies the same ones. The rest are
   * dropped whole (a cut value could mislead) and counted in {@value #DROPPED_ATTRIBUTES}: a camera cannot make its
   * verdicts too large to write, and the verdict still says that something was left out. Keys starting with
   * {@value #OWN_PREFIX} are the monitor's: a frame's are dropped and counted the same way.
   */
  static Map<String, String> boundedAttributes(Map<String, String> attributes) {
    return boundedAttributes(attributes, Map.of());
  }

  /** As below, with the monitor's one entry {@code key}={@code value}. */
  static Map<String, String> boundedAttributes(Map<String, String> attributes, String key, String value) {
    return boundedAttributes(attributes, Map.of(key, value));
  }

  /**
   * As above, with the monitor's own entries {@code own} (a few, each bounded by its maker) kept first, within the
   * same bounds.
   */
  static Map<String, String> boundedAttributes(Map<String, String> attributes, Map<String, String> own) {
    if (own.isEmpty() && (attributes == null || attributes.isEmpty())) {
      return attributes == null ? Map.of() : attributes;
    }
    Map<String, String> kept = new java.util.TreeMap<>(own);
    int chars = 0;
    for (Map.Entry<String, String> e : own.entrySet()) {
      chars += e.getKey().length() + e.getValue().length();
    }
    int dropped = 0;
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(attributes == null ? Map.of() : attributes).entrySet()) {
      String k = e.getKey();
      String v = e.getValue() == null ? "" : e.getValue();
      int size = k.length() + v.length();
      if (k.startsWith(OWN_PREFIX) || kept.size() >= MAX_ATTRIBUTES - 1 || k.length() > MAX_ATTRIBUTE_KEY_CHARS
          || v.length() > MAX_ATTRIBUTE_VALUE_CHARS || chars + size > MAX_ATTRIBUTES_CHARS) {
        dropped++;
        continue;
      }
      kept.put(k, v);
      chars += size;
    }
    if (dropped == 0) {
      return own.isEmpty() ? attributes : kept;
    }
    kept.put(DROPPED_ATTRIBUTES, Integer.toString(dropped));
    return kept;
  }

  static List<DetectorScore> scores(List<Detector.Detection> detections) {
    return detections.stream().map(d -> DetectorScore.newBuilder()
        .setDetector(d.detector()).setScore(d.score()).setThreshold(d.threshold()).setFlagged(d.flagged()).build())
        .toList();
  }

  /** "stability p=0.030, learned p=0.012" from the consensus detector's evidence ({@code <member>_p}), least likely first. */
  private static String consensusParts(Map<String, String> evidence) {
    return evidence.entrySet().stream().filter(e -> e.getKey().endsWith("_p"))
        .sorted(java.util.Comparator.comparingDouble(e -> Double.parseDouble(e.getValue())))
        .map(e -> e.getKey().substring(0, e.getKey().length() - 2) + " p=" + e.getValue())
        .collect(java.util.stream.Collectors.joining(", "));
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
    boolean membersAlone = flagged.stream().anyMatch(d -> !d.getDetector().equals(ConsensusDetector.NAME));
    for (int i = 0; i < flagged.size(); i++) {
      DetectorScore d = flagged.get(i);
      why.append(i == 0 ? "" : " and ").append("the ").append(d.getDetector()).append(" score ")
          .append(String.format(Locale.ROOT, "%.3f", d.getScore()));
      if (d.getDetector().equals(ConsensusDetector.NAME)) {
        // its score is a sum of surprises; say what that means and which detectors it adds up
        // "none enough alone" only when it is so: other detectors may have flagged the frame by themselves too
        why.append(membersAlone ? " (the surprise of several detectors added up: " : " (several detectors unusual at once, "
            + "none enough alone: ").append(consensusParts(evidence)).append(')');
      }
      why.append(" is above its threshold ").append(String.format(Locale.ROOT, "%.3f", d.getThreshold()));
    }
    why.append(". Treat this prediction as untrustworthy.");
    return Alert.newBuilder()
        // with its camera: cameras commonly number their own frames (frame-000123 on every camera of a fleet), and a
        // consumer that removes repeats by alertId dropped one camera's alert as another's repeat
        .setAlertId(AlertIds.camera(v.getCameraId()) + "/" + v.getFrameId() + "/" + kind)
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
