package dev.advmon.detect;

import dev.advmon.model.InvalidBundleException;
import dev.advmon.model.ModelBundle;
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

  private static final Logger log = LoggerFactory.getLogger(Detectors.class);

  private Detectors() {}

  /**
   * The detectors of {@code bundle}'s calibration.json; none (with a log line saying how to calibrate) when
   * the bundle has no calibration. A calibration for other weights than model.onnx is refused.
   */
  public static List<Detector> forBundle(ModelBundle bundle) throws IOException {
    Path file = bundle.calibrationFile();
    if (!Files.isRegularFile(file)) {
      log.info("no {} in {}: adversarial detectors are off; run ./monitor calibrate --model {} to enable them",
          ModelBundle.CALIBRATION, bundle.directory(), bundle.directory());
      return List.of();
    }
    Calibration c = Calibration.read(file);
    String sha = sha256(bundle.modelFile());
    if (!sha.equals(c.modelSha256())) {
      throw new InvalidBundleException(file + ": field 'model_sha256' does not match " + bundle.modelFile()
          + " (the model changed since calibration); run ./monitor calibrate --model " + bundle.directory());
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
