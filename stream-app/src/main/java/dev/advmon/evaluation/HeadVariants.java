package dev.advmon.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.detect.Calibration;
import dev.advmon.detect.Calibrator;
import dev.advmon.detect.Detectors;
import dev.advmon.detect.LearnedDetector;
import dev.advmon.detect.TailTable;
import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.InvalidBundleException;
import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelLoader;
import dev.advmon.model.ModelManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Detector-head variants for the leave-one-family-out check: the bundle's manifest may name, under
 * {@code adversarial_head.leave_out}, one model file per attack family, each the same classifier graph with a head
 * trained without that family ({@code models/recipe/detector_head.py --leave-out-variants}). Nothing here runs in
 * the monitor: calibrate sets each variant's threshold, evaluate measures it on the family it never saw.
 */
public final class HeadVariants {

  private HeadVariants() {}

  /** family -> model file (relative to the bundle) from manifest.json; empty when there are none. */
  public static Map<String, String> of(ModelBundle bundle) throws IOException {
    JsonNode root = new ObjectMapper().readTree(bundle.directory().resolve(ModelBundle.MANIFEST).toFile());
    JsonNode lo = root.path("adversarial_head").path("leave_out");
    Map<String, String> out = new LinkedHashMap<>();
    lo.fieldNames().forEachRemaining(f -> out.put(f, lo.get(f).asText()));
    for (Map.Entry<String, String> e : out.entrySet()) {
      if (!Files.isRegularFile(bundle.directory().resolve(e.getValue()))) {
        throw new InvalidBundleException(bundle.directory().resolve(ModelBundle.MANIFEST) + ": adversarial_head.leave_out."
            + e.getKey() + " names " + e.getValue() + ", which is not in " + bundle.directory() + ": copy it there "
            + "with the bundle's other heads (" + dev.advmon.model.ModelDocs.recipe("detector_head.py")
            + " writes them), or remove "
            + "adversarial_head.leave_out from manifest.json (calibrate then sets no thresholds for head variants, "
            + "and evaluate's leave-one-family-out table has none to use)");
      }
    }
    return out;
  }

  /**
   * The bundle with its model file replaced by {@code file} (relative to the bundle). Only the variant's head is
   * read, so the layer outputs (which a variant's graph need not carry) are not asked for.
   */
  public static ModelBundle variant(ModelBundle bundle, String file) {
    Path p = bundle.directory().resolve(file).normalize();
    ModelManifest m = bundle.manifest();
    ModelManifest.OutputSpec o = m.outputs();
    ModelManifest vm = new ModelManifest(m.name(), m.version() + "+" + p.getFileName(), m.description(), p.getFileName().toString(),
        m.input(), new ModelManifest.OutputSpec(o.logits(), o.features(), o.probabilities(), o.adversarial()), m.labels(), null);
    return new ModelBundle(p.getParent(), vm);
  }

  /**
   * Each variant's threshold: the value the top {@code share} of its 1 - p(clean) on the threshold frames it gets
   * right exceed (the share the bundle's own head has); and the tail of those scores, for the consensus.
   */
  static Map<String, Calibration.Variant> calibrate(ModelBundle bundle, Map<String, String> variants, Calibrator.Hold hold,
      double share, ModelLoader loader, int batch) throws IOException {
    List<String> families = new ArrayList<>(variants.keySet());
    List<DjlClassifier> models = new ArrayList<>();
    try {
      for (String f : families) {
        models.add(loader.load(variant(bundle, variants.get(f))));
      }
      List<List<Double>> scores = new ArrayList<>();
      families.forEach(f -> scores.add(new ArrayList<>()));
      for (int start = 0; start < hold.size(); start += batch) {
        List<FloatImage> chunk = new ArrayList<>();
        for (int i = start; i < Math.min(hold.size(), start + batch); i++) {
          chunk.add(hold.get(i));
        }
        for (int v = 0; v < models.size(); v++) {
          BatchOutput out = models.get(v).classify(chunk);
          for (int r = 0; r < chunk.size(); r++) {
            if (out.argmax(r) == hold.expected(start + r)) {
              scores.get(v).add(LearnedDetector.signal(out, r));
            }
          }
        }
      }
      Map<String, Calibration.Variant> out = new LinkedHashMap<>();
      for (int v = 0; v < families.size(); v++) {
        double[] s = scores.get(v).stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        int above = (int) Math.floor(share * s.length);
        double t = s.length == 0 ? Double.POSITIVE_INFINITY : s[Math.max(0, s.length - above - 1)];
        String file = variants.get(families.get(v));
        out.put(families.get(v), new Calibration.Variant(file, Detectors.sha256(bundle.directory().resolve(file)), t,
            s.length == 0 ? null : TailTable.of(s)));
      }
      return out;
    } finally {
      models.forEach(DjlClassifier::close);
    }
  }
}
