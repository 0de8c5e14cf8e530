package dev.advmon.detect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.model.InvalidBundleException;
import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelManifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place that turns a bundle into its detectors, so score, run and evaluate all agree. */
public final class Detectors {

  /** Every detector this monitor has, in the order verdicts list them: what calibrate makes and calibration.json may name. */
  public static final List<String> NAMES = List.of(StabilityDetector.NAME, FeatureSqueezingDetector.NAME,
      FeatureSpaceDetector.NAME, OverinterpretationDetector.NAME, LearnedDetector.NAME, LayerConsistencyDetector.NAME,
      ConsensusDetector.NAME);

  private static final Logger log = LoggerFactory.getLogger(Detectors.class);

  private Detectors() {}

  /**
   * The detectors of {@code bundle}'s calibration.json; none (with a log line saying how to calibrate) when
   * the bundle has no calibration. A calibration for other weights than model.onnx is refused.
   */
  public static List<Detector> forBundle(ModelBundle bundle) throws IOException {
    Path file = bundle.calibrationFile();
    if (!Files.isRegularFile(file)) {
      log.warn("no {} in {}: adversarial detectors are off, no frame will raise an alert; run ./monitor calibrate "
          + "--model {} to enable them",
          ModelBundle.CALIBRATION, bundle.directory(), bundle.directory());
      return List.of();
    }
    Calibration c = Calibration.read(file);
    String sha = sha256(bundle.modelFile());
    if (!sha.equals(c.modelSha256())) {
      throw new InvalidBundleException(file + ": field 'model_sha256' does not match " + bundle.modelFile()
          + " (the model changed since calibration); run ./monitor calibrate --model " + bundle.directory());
    }
    JsonNode recorded = c.data().get(INPUT);
    if (recorded == null) {
      log.warn("{} does not record the input preparation it was calibrated with (data.{}: made by an older calibrate); "
          + "if the input section of {} changed since, run ./monitor calibrate --model {}", file, INPUT,
          ModelBundle.MANIFEST, bundle.directory());
    } else {
      String difference = inputDifference(recorded, bundle.manifest().input());
      if (difference != null) {
        throw new InvalidBundleException(file + ": " + difference + " (frames are prepared differently from the frames "
            + "the thresholds were set on, so they no longer hold); run ./monitor calibrate --model " + bundle.directory());
      }
    }
    JsonNode outputs = c.data().get(OUTPUTS);
    // a calibration made before outputs were recorded is taken as it is: model_sha256 and the checks below still hold
    if (outputs != null) {
      String difference = difference(OUTPUTS, outputs, describeOutputs(bundle.manifest().outputs()));
      if (difference != null) {
        // another output of the same width is read without an error: the default bundle's layers/0 read as its
        // features flagged every frame FOOLING
        throw new InvalidBundleException(file + ": " + difference + " (the detectors were fitted on the outputs named at "
            + "calibration); set it back or run ./monitor calibrate --model " + bundle.directory());
      }
    }
    if (c.fooling() != null && bundle.manifest().outputs().features() == null) {
      throw new InvalidBundleException(file + ": the fooling detector needs the model's features output, but "
          + bundle.directory().resolve(ModelBundle.MANIFEST) + " names none (outputs.features)");
    }
    if (c.learned() != null && bundle.manifest().outputs().adversarial() == null) {
      throw new InvalidBundleException(file + ": the learned detector needs the model's detector-head output, but "
          + bundle.directory().resolve(ModelBundle.MANIFEST) + " names none (outputs.adversarial)");
    }
    int layers = bundle.manifest().outputs().layers().size();
    if (c.consistency() != null && c.consistency().layers().size() != layers) {
      throw new InvalidBundleException(file + ": the consistency detector was fitted on " + c.consistency().layers().size()
          + " layer outputs, but " + bundle.directory().resolve(ModelBundle.MANIFEST) + " names " + layers
          + " (outputs.layers); run ./monitor calibrate --model " + bundle.directory());
    }
    List<Detector> detectors = c.detectors();
    log.info("detectors from {}: {}", file, detectors.stream().map(Detector::name).toList());
    return detectors;
  }

  /** The key under calibration.json's {@code data} that records the manifest's input section of the calibration. */
  public static final String INPUT = "input";

  /**
   * What of the manifest's input section decides the values the model and the detectors see (everything but the
   * input's name), as {@code ./monitor calibrate} records it: thresholds set on frames prepared one way do not hold
   * for frames prepared another (a changed mean, scale or mask value), although model.onnx is the same.
   */
  public static ObjectNode describeInput(ModelManifest.InputSpec in) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("layout", in.layout().name());
    n.put("channels", in.channels());
    n.put("height", in.height());
    n.put("width", in.width());
    n.put("scale", in.scale());
    putFloats(n, "mean", in.mean());
    putFloats(n, "std", in.std());
    putFloats(n, "mask_value", in.maskValue());
    return n;
  }

  private static void putFloats(ObjectNode n, String field, float[] values) {
    var a = n.putArray(field);
    for (float v : values) {
      a.add(v);
    }
  }

  /** The key under calibration.json's {@code data} that records the manifest's outputs the detectors were fitted on. */
  public static final String OUTPUTS = "outputs";

  /**
   * The manifest's output names as {@code ./monitor calibrate} records them: the feature-space and layer models, the
   * head's threshold and every signal scale were fitted on what these outputs returned for this model.onnx.
   */
  public static ObjectNode describeOutputs(ModelManifest.OutputSpec out) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("logits", out.logits());
    n.put("features", out.features());
    n.put("adversarial", out.adversarial());
    out.layers().forEach(n.putArray("layers")::add);
    return n;
  }

  /** Null when {@code recorded} (data.input) describes {@code now}; else which field differs, both values. */
  static String inputDifference(JsonNode recorded, ModelManifest.InputSpec now) {
    return difference(INPUT, recorded, describeInput(now));
  }

  private static String difference(String section, JsonNode recorded, ObjectNode expected) {
    for (var it = expected.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      JsonNode was = recorded.get(field);
      if (!same(was, expected.get(field))) {
        return section + "." + field + " is " + expected.get(field) + " in " + ModelBundle.MANIFEST + ", but was "
            + (was == null ? "not recorded" : was.toString()) + " at calibration (data." + section + "." + field + ")";
      }
    }
    return null;
  }

  // numbers as float, the precision the manifest holds them in (a double read back from the file then compares equal)
  private static boolean same(JsonNode was, JsonNode is) {
    if (was == null) {
      return false;
    }
    if (is.isArray()) {
      if (!was.isArray() || was.size() != is.size()) {
        return false;
      }
      for (int i = 0; i < is.size(); i++) {
        if (!same(was.get(i), is.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (is.isNumber()) {
      return was.isNumber() && (float) was.asDouble() == (float) is.asDouble();
    }
    return was.asText().equals(is.asText());
  }

  public static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
