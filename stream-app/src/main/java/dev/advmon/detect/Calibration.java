package dev.advmon.detect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.model.AtomicFile;
import dev.advmon.model.InvalidBundleException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The bundle's {@code calibration.json}: what the detectors were fitted on and their thresholds. Written by
 * {@code ./monitor calibrate}, read when a bundle loads. Large matrices (the precision matrix, the KNN bank)
 * are base64 of little-endian float32, which keeps the file a few hundred KB instead of megabytes of text.
 *
 * @param model the bundle's name:version when it was calibrated
 * @param modelSha256 SHA-256 of model.onnx: a calibration is only valid for the weights it was fitted on
 * @param data what the fit and the thresholds used (source files, counts, seed, date), free-form
 */
public record Calibration(String model, String modelSha256, String created, double targetFpr, ObjectNode data,
    Perturbation perturbation, Fooling fooling, Overinterpretation overinterpretation, Learned learned, Stability stability,
    Consistency consistency, Consensus consensus) {

  public Calibration(String model, String modelSha256, String created, double targetFpr, ObjectNode data,
      Perturbation perturbation, Fooling fooling, Overinterpretation overinterpretation, Learned learned, Stability stability,
      Consistency consistency) {
    this(model, modelSha256, created, targetFpr, data, perturbation, fooling, overinterpretation, learned, stability, consistency, null);
  }

  public Calibration(String model, String modelSha256, String created, double targetFpr, ObjectNode data,
      Perturbation perturbation, Fooling fooling, Overinterpretation overinterpretation, Learned learned, Stability stability) {
    this(model, modelSha256, created, targetFpr, data, perturbation, fooling, overinterpretation, learned, stability, null);
  }

  public Calibration(String model, String modelSha256, String created, double targetFpr, ObjectNode data,
      Perturbation perturbation, Fooling fooling, Overinterpretation overinterpretation, Learned learned) {
    this(model, modelSha256, created, targetFpr, data, perturbation, fooling, overinterpretation, learned, null);
  }

  public Calibration(String model, String modelSha256, String created, double targetFpr, ObjectNode data,
      Perturbation perturbation, Fooling fooling) {
    this(model, modelSha256, created, targetFpr, data, perturbation, fooling, null, null);
  }

  public Calibration(String model, String modelSha256, String created, double targetFpr, ObjectNode data,
      Perturbation perturbation, Fooling fooling, Overinterpretation overinterpretation) {
    this(model, modelSha256, created, targetFpr, data, perturbation, fooling, overinterpretation, null);
  }

  public static final int FORMAT = 1;

  /** Feature-squeezing settings and threshold; {@code calibrationFpr} = alert rate on the threshold images. */
  public record Perturbation(List<String> squeezers, List<String> signals, SignalScale scale, double targetFpr,
      double calibrationFpr) {}

  /** Feature-space settings; either model may be null. */
  public record Fooling(Mahalanobis mahalanobis, KnnBank knn, SignalScale scale, double targetFpr, double calibrationFpr) {}

  /**
   * Overinterpretation settings (the trigger of the search is the clean {@code 1 - searchShare} quantile of the
   * larger cheap signal), the mask they were calibrated with, and the threshold.
   */
  public record Overinterpretation(OverinterpretationDetector.Settings settings, float[] mask, double searchShare,
      SignalScale scale, double targetFpr, double calibrationFpr) {}

  /**
   * The detector head's threshold on 1 - p(clean) (the head itself is part of model.onnx), and, for the
   * leave-one-family-out check, the thresholds of head variants trained without one attack family each (model
   * files in the bundle, same classifier graph; keyed by family), set at the same share of the threshold frames.
   */
  public record Learned(double threshold, double targetFpr, double calibrationFpr, java.util.Map<String, Variant> leaveOut) {
    public Learned(double threshold, double targetFpr, double calibrationFpr) {
      this(threshold, targetFpr, calibrationFpr, java.util.Map.of());
    }

    public Learned withLeaveOut(java.util.Map<String, Variant> variants) {
      return new Learned(threshold, targetFpr, calibrationFpr, java.util.Map.copyOf(variants));
    }
  }

  /**
   * A head variant: its model file (relative to the bundle), that file's SHA-256, its threshold, and its scores' tail
   * on the threshold frames (null in a calibration made before the consensus detector), which stands in for the
   * head's in the consensus when the variant does.
   */
  public record Variant(String modelFile, String sha256, double threshold, TailTable tail) {
    public Variant(String modelFile, String sha256, double threshold) {
      this(modelFile, sha256, threshold, null);
    }
  }

  /**
   * The consensus detector: its members (detector names), each member's score tail on the threshold frames, the
   * threshold on the sum of their surprises.
   */
  public record Consensus(List<String> members, List<TailTable> tails, double threshold, double targetFpr, double calibrationFpr) {
    public Consensus {
      members = List.copyOf(members);
      tails = List.copyOf(tails);
    }
  }

  /** Decision-stability settings: the signal scales and threshold ({@link StabilityDetector}). */
  public record Stability(SignalScale scale, boolean legacyOdds, double targetFpr, double calibrationFpr) {
    public Stability(SignalScale scale, double targetFpr, double calibrationFpr) {
      this(scale, false, targetFpr, calibrationFpr);
    }
  }

  /** Layer-consistency settings: one class-conditional Gaussian model per manifest outputs.layers entry, and the threshold. */
  public record Consistency(List<Mahalanobis> layers, SignalScale scale, double targetFpr, double calibrationFpr) {
    public Consistency {
      layers = List.copyOf(layers);
    }
  }

  /**
   * The detectors this calibration configures: stability, perturbation, fooling, overinterpretation, learned,
   * consistency, consensus (last: it reads the others' scores).
   */
  public List<Detector> detectors() {
    List<Detector> out = new ArrayList<>();
    if (stability != null) {
      out.add(new StabilityDetector(stability.scale(), stability.legacyOdds()));
    }
    if (perturbation != null) {
      out.add(new FeatureSqueezingDetector(perturbation.squeezers().stream().map(Squeezer::parse).toList(),
          perturbation.signals(), perturbation.scale()));
    }
    if (fooling != null) {
      out.add(new FeatureSpaceDetector(fooling.mahalanobis(), fooling.knn(), fooling.scale()));
    }
    if (overinterpretation != null) {
      out.add(new OverinterpretationDetector(overinterpretation.settings(), overinterpretation.mask(), overinterpretation.scale()));
    }
    if (learned != null) {
      out.add(new LearnedDetector(learned.threshold()));
    }
    if (consistency != null) {
      out.add(new LayerConsistencyDetector(consistency.layers(), consistency.scale()));
    }
    if (consensus != null) {
      out.add(new ConsensusDetector(consensus.members(), consensus.tails(), consensus.threshold()));
    }
    return out;
  }

  public void write(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("format", FORMAT);
    root.put("model", model);
    root.put("model_sha256", modelSha256);
    root.put("created", created);
    root.put("target_fpr", targetFpr);
    root.set("data", data);
    ObjectNode detectors = root.putObject("detectors");
    if (stability != null) {
      ObjectNode n = detectors.putObject(StabilityDetector.NAME);
      var names = n.putArray("signals");
      names.add(stability.legacyOdds() ? StabilityDetector.LEGACY_ODDS : StabilityDetector.SIGNALS.get(0));
      StabilityDetector.SIGNALS.subList(1, StabilityDetector.SIGNALS.size()).forEach(names::add);
      putScale(n, stability.scale(), stability.targetFpr(), stability.calibrationFpr());
    }
    if (perturbation != null) {
      ObjectNode p = detectors.putObject(FeatureSqueezingDetector.NAME);
      perturbation.squeezers().forEach(p.putArray("squeezers")::add);
      perturbation.signals().forEach(p.putArray("signals")::add);
      putScale(p, perturbation.scale(), perturbation.targetFpr(), perturbation.calibrationFpr());
    }
    if (fooling != null) {
      ObjectNode f = detectors.putObject(FeatureSpaceDetector.NAME);
      if (fooling.mahalanobis() != null) {
        putMahalanobis(f.putObject("mahalanobis"), fooling.mahalanobis());
      }
      if (fooling.knn() != null) {
        KnnBank k = fooling.knn();
        ObjectNode kn = f.putObject("knn");
        kn.put("k", k.k());
        kn.put("dim", k.dim());
        kn.put("count", k.count());
        kn.put("bank_f32le_base64", encode(k.bank()));
      }
      putScale(f, fooling.scale(), fooling.targetFpr(), fooling.calibrationFpr());
    }
    if (overinterpretation != null) {
      Overinterpretation o = overinterpretation;
      ObjectNode n = detectors.putObject(OverinterpretationDetector.NAME);
      n.put("grid", o.settings().grid());
      n.put("border", o.settings().border());
      n.put("keep_fraction", o.settings().keepFraction());
      n.put("tau", o.settings().tau());
      n.put("search_share", o.searchShare());
      n.put("trigger", o.settings().trigger());
      n.put("sparse_trigger", o.settings().sparseTrigger());
      ArrayNode m = n.putArray("mask");
      for (float v : o.mask()) {
        m.add(v);
      }
      OverinterpretationDetector.SIGNALS.forEach(n.putArray("signals")::add);
      putScale(n, o.scale(), o.targetFpr(), o.calibrationFpr());
    }
    if (learned != null) {
      ObjectNode n = detectors.putObject(LearnedDetector.NAME);
      n.put("signal", "1 - p(clean) of the model's detector-head output (manifest outputs.adversarial)");
      n.put("threshold", learned.threshold());
      n.put("target_fpr", learned.targetFpr());
      n.put("calibration_fpr", learned.calibrationFpr());
      if (!learned.leaveOut().isEmpty()) {
        ObjectNode lo = n.putObject("leave_out");
        new java.util.TreeMap<>(learned.leaveOut()).forEach((family, v) -> {
          ObjectNode vn = lo.putObject(family);
          vn.put("model_file", v.modelFile());
          vn.put("model_sha256", v.sha256());
          vn.put("threshold", v.threshold());
          if (v.tail() != null) {
            putTail(vn, v.tail());
          }
        });
      }
    }
    if (consistency != null) {
      ObjectNode n = detectors.putObject(LayerConsistencyDetector.NAME);
      n.put("signal", "per manifest outputs.layers entry: Mahalanobis distance to the predicted class minus that to the nearest class");
      ArrayNode layers = n.putArray("layers");
      consistency.layers().forEach(m -> putMahalanobis(layers.addObject(), m));
      putScale(n, consistency.scale(), consistency.targetFpr(), consistency.calibrationFpr());
    }
    if (consensus != null) {
      ObjectNode n = detectors.putObject(ConsensusDetector.NAME);
      n.put("signal", "sum over the members of -ln p, p = the share of the threshold frames on which that member scored at least as high");
      consensus.members().forEach(n.putArray("members")::add);
      ArrayNode tails = n.putArray("tails");
      consensus.tails().forEach(t -> putTail(tails.addObject(), t));
      n.put("threshold", consensus.threshold());
      n.put("target_fpr", consensus.targetFpr());
      n.put("calibration_fpr", consensus.calibrationFpr());
    }
    // streamed, not built as one string: a wide model's covariance inverse makes the file hundreds of megabytes
    AtomicFile.write(file, out -> {
      json.writerWithDefaultPrettyPrinter().without(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET)
          .writeValue(out, root);
      out.write('\n');
    });
  }

  private static void putTail(ObjectNode n, TailTable t) {
    n.put("tail_step", TailTable.STEP);
    ArrayNode a = n.putArray("tail");
    for (double v : t.values()) {
      a.add(v);
    }
  }

  private static void putMahalanobis(ObjectNode mn, Mahalanobis m) {
    mn.put("dim", m.dim());
    ArrayNode means = mn.putArray("means");
    for (float[] mu : m.means()) {
      ArrayNode row = means.addArray();
      for (float v : mu) {
        row.add(v);
      }
    }
    mn.put("precision_f32le_base64", encode(m.precision()));
  }

  private static void putScale(ObjectNode n, SignalScale s, double target, double measured) {
    ArrayNode scales = n.putArray("signal_scales");
    for (double v : s.scales()) {
      scales.add(v);
    }
    n.put("threshold", s.threshold());
    n.put("target_fpr", target);
    n.put("calibration_fpr", measured);
  }

  /** The bundle folder of a calibration file, for the command that rewrites it. */
  private static Path bundleOf(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    return parent == null ? file : parent;
  }

  /** Reads and validates {@code file}; errors name the file, the field and what to do. */
  public static Calibration read(Path file) throws IOException {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw InvalidBundleException.notJson(file, e, "run ./monitor calibrate --model " + bundleOf(file)
          + " to rewrite it");
    }
    Reader r = new Reader(file);
    int format = r.integer(root, "format");
    if (format != FORMAT) {
      throw r.error("format", "is " + format + ", this monitor reads format " + FORMAT + "; run ./monitor calibrate "
          + "--model " + bundleOf(file));
    }
    JsonNode detectors = r.object(root, "detectors");
    List<String> known = Detectors.NAMES;
    for (var it = detectors.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!known.contains(name)) { // skipped, the monitor would run without a detector the file says is calibrated
        throw r.error("detectors." + name, "is not a detector of this monitor (it has " + String.join(", ", known)
            + "); a misspelt name, or a file from a newer monitor: run ./monitor calibrate --model " + bundleOf(file));
      }
    }
    Stability st = null;
    if (detectors.has(StabilityDetector.NAME)) {
      JsonNode n = detectors.get(StabilityDetector.NAME);
      String at = "detectors." + StabilityDetector.NAME;
      JsonNode names = n.path("signals");
      String first = names.isArray() && names.size() > 0 ? names.get(0).asText() : StabilityDetector.SIGNALS.get(0);
      if (!first.equals(StabilityDetector.SIGNALS.get(0)) && !first.equals(StabilityDetector.LEGACY_ODDS)) {
        throw r.error(at + ".signals", "names " + names + ", the detector has " + StabilityDetector.SIGNALS
            + "; run ./monitor calibrate --model DIR again");
      }
      st = new Stability(r.scale(n, at, StabilityDetector.SIGNALS.size()), first.equals(StabilityDetector.LEGACY_ODDS), r.number(n, at + ".target_fpr"),
          r.number(n, at + ".calibration_fpr"));
    }
    Perturbation p = null;
    if (detectors.has(FeatureSqueezingDetector.NAME)) {
      JsonNode n = detectors.get(FeatureSqueezingDetector.NAME);
      String at = "detectors.perturbation";
      List<String> squeezers = r.strings(n, at + ".squeezers");
      for (String s : squeezers) {
        try {
          Squeezer.parse(s);
        } catch (IllegalArgumentException e) {
          throw r.error(at + ".squeezers", e.getMessage());
        }
      }
      List<String> signals = r.strings(n, at + ".signals");
      SignalScale scale = r.scale(n, at, squeezers.size() * signals.size());
      p = new Perturbation(squeezers, signals, scale, r.number(n, at + ".target_fpr"), r.number(n, at + ".calibration_fpr"));
      try {
        new Calibration("", "", "", 0, null, p, null).detectors();
      } catch (IllegalArgumentException e) {
        throw r.error(at, e.getMessage());
      }
    }
    Fooling f = null;
    if (detectors.has(FeatureSpaceDetector.NAME)) {
      JsonNode n = detectors.get(FeatureSpaceDetector.NAME);
      String at = "detectors.fooling";
      Mahalanobis m = null;
      KnnBank k = null;
      try {
        if (n.has("mahalanobis")) {
          m = r.mahalanobis(n.get("mahalanobis"), at + ".mahalanobis");
        }
        if (n.has("knn")) {
          JsonNode kn = n.get("knn");
          k = new KnnBank(r.floats(kn, at + ".knn.bank_f32le_base64"), r.integer(kn, at + ".knn.dim"), r.integer(kn, at + ".knn.k"));
        }
        int signals = (m != null ? 1 : 0) + (k != null ? 1 : 0);
        f = new Fooling(m, k, r.scale(n, at, signals), r.number(n, at + ".target_fpr"), r.number(n, at + ".calibration_fpr"));
        new FeatureSpaceDetector(m, k, f.scale());
      } catch (IllegalArgumentException e) {
        throw r.error(at, e.getMessage());
      }
    }
    Overinterpretation o = null;
    if (detectors.has(OverinterpretationDetector.NAME)) {
      JsonNode n = detectors.get(OverinterpretationDetector.NAME);
      String at = "detectors.overinterpretation";
      JsonNode m = r.array(n, at + ".mask");
      float[] mask = new float[m.size()];
      for (int i = 0; i < mask.length; i++) {
        mask[i] = (float) r.element(m.get(i), at + ".mask[" + i + "]");
      }
      try {
        double sparse = n.has("sparse_trigger") ? r.number(n, at + ".sparse_trigger") : OverinterpretationDetector.DEFAULT_SPARSE_TRIGGER;
        OverinterpretationDetector.Settings s = new OverinterpretationDetector.Settings(r.integer(n, at + ".grid"),
            r.integer(n, at + ".border"), r.number(n, at + ".keep_fraction"), r.number(n, at + ".tau"), r.number(n, at + ".trigger"), sparse);
        o = new Overinterpretation(s, mask, r.number(n, at + ".search_share"),
            overinterpretationScale(r, n, at), r.number(n, at + ".target_fpr"), r.number(n, at + ".calibration_fpr"));
      } catch (IllegalArgumentException e) {
        throw r.error(at, e.getMessage());
      }
    }
    Learned l = null;
    if (detectors.has(LearnedDetector.NAME)) {
      JsonNode n = detectors.get(LearnedDetector.NAME);
      String at = "detectors." + LearnedDetector.NAME;
      java.util.Map<String, Variant> variants = new java.util.LinkedHashMap<>();
      if (n.has("leave_out")) {
        JsonNode lo = r.object(n, at + ".leave_out");
        lo.fieldNames().forEachRemaining(family -> {
          String vat = at + ".leave_out." + family;
          JsonNode vn = lo.get(family);
          variants.put(family, new Variant(r.text(vn, vat + ".model_file"), r.text(vn, vat + ".model_sha256"), r.threshold(vn, vat + ".threshold"),
              vn.has("tail") ? r.tail(vn, vat) : null));
        });
      }
      l = new Learned(r.threshold(n, at + ".threshold"), r.number(n, at + ".target_fpr"), r.number(n, at + ".calibration_fpr"), variants);
    }
    Consistency cs = null;
    if (detectors.has(LayerConsistencyDetector.NAME)) {
      JsonNode n = detectors.get(LayerConsistencyDetector.NAME);
      String at = "detectors." + LayerConsistencyDetector.NAME;
      JsonNode ls = r.array(n, at + ".layers");
      List<Mahalanobis> layers = new ArrayList<>();
      try {
        for (int i = 0; i < ls.size(); i++) {
          layers.add(r.mahalanobis(ls.get(i), at + ".layers[" + i + "]"));
        }
        cs = new Consistency(layers, r.scale(n, at, layers.size()), r.number(n, at + ".target_fpr"), r.number(n, at + ".calibration_fpr"));
        new LayerConsistencyDetector(cs.layers(), cs.scale());
      } catch (IllegalArgumentException e) {
        throw r.error(at, e.getMessage());
      }
    }
    Consensus cn = null;
    if (detectors.has(ConsensusDetector.NAME)) {
      JsonNode n = detectors.get(ConsensusDetector.NAME);
      String at = "detectors." + ConsensusDetector.NAME;
      List<String> members = r.strings(n, at + ".members");
      JsonNode ts = r.array(n, at + ".tails");
      if (ts.size() != members.size()) {
        throw r.error(at + ".tails", "has " + ts.size() + " tables for " + members.size() + " members");
      }
      List<TailTable> tails = new ArrayList<>();
      for (int i = 0; i < ts.size(); i++) {
        tails.add(r.tail(ts.get(i), at + ".tails[" + i + "]"));
      }
      for (String m : members) {
        if (!detectors.has(m) || m.equals(ConsensusDetector.NAME)) {
          throw r.error(at + ".members", "names " + m + ", which is not another detector of this calibration");
        }
      }
      cn = new Consensus(members, tails, r.threshold(n, at + ".threshold"), r.number(n, at + ".target_fpr"), r.number(n, at + ".calibration_fpr"));
    }
    if (st == null && p == null && f == null && o == null && l == null && cs == null) {
      throw r.error("detectors", "configures no detector (expected stability, perturbation, fooling, overinterpretation, learned and/or consistency)");
    }
    JsonNode data = root.get("data");
    return new Calibration(r.text(root, "model"), r.text(root, "model_sha256"), r.text(root, "created"),
        r.number(root, "target_fpr"), data instanceof ObjectNode on ? on : new ObjectMapper().createObjectNode(), p, f, o, l, st, cs, cn);
  }

  static String encode(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putFloat(x);
    }
    return Base64.getEncoder().encodeToString(b.array());
  }

  static float[] decode(String s) {
    ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(s)).order(ByteOrder.LITTLE_ENDIAN);
    float[] v = new float[b.remaining() / 4];
    for (int i = 0; i < v.length; i++) {
      v[i] = b.getFloat();
    }
    return v;
  }

  /** Field access whose errors name the file and the field. */
  private record Reader(Path file) {
    InvalidBundleException error(String field, String what) {
      return new InvalidBundleException(file + ": field '" + field + "' " + what
          + (what.contains("calibrate") ? "" : "; run ./monitor calibrate --model " + file.getParent() + " to rewrite it"));
    }

    private JsonNode need(JsonNode n, String path) {
      String leaf = path.substring(path.lastIndexOf('.') + 1);
      JsonNode v = n == null ? null : n.get(leaf);
      if (v == null || v.isNull()) {
        throw error(path, "is missing");
      }
      return v;
    }

    JsonNode object(JsonNode n, String path) {
      JsonNode v = need(n, path);
      if (!v.isObject()) {
        throw error(path, "must be an object");
      }
      return v;
    }

    JsonNode array(JsonNode n, String path) {
      JsonNode v = need(n, path);
      if (!v.isArray() || v.isEmpty()) {
        throw error(path, "must be a non-empty array");
      }
      return v;
    }

    String text(JsonNode n, String path) {
      return need(n, path).asText();
    }

    double number(JsonNode n, String path) {
      return element(need(n, path), path);
    }

    /**
     * One number, finite: JSON's 1e999 reads as infinity, and a score compared with an infinite or NaN threshold
     * never alerts, so a hand-edited or corrupted file must fail here, not make a silent monitor.
     */
    double element(JsonNode v, String path) {
      if (v == null || !v.isNumber()) {
        throw error(path, "must be a number, was " + v);
      }
      if (!Double.isFinite(v.asDouble())) {
        throw error(path, "must be a finite number, was " + v.asText());
      }
      return v.asDouble();
    }

    /** A detector threshold: finite and not negative (a negative one would flag every frame). */
    double threshold(JsonNode n, String path) {
      double t = number(n, path);
      if (t < 0) {
        throw error(path, "must be 0 or more, was " + t);
      }
      return t;
    }

    int integer(JsonNode n, String path) {
      JsonNode v = need(n, path);
      if (!v.canConvertToInt()) {
        throw error(path, "must be an integer, was " + v);
      }
      return v.asInt();
    }

    List<String> strings(JsonNode n, String path) {
      List<String> out = new ArrayList<>();
      array(n, path).forEach(v -> out.add(v.asText()));
      return out;
    }

    float[] floats(JsonNode n, String path) {
      float[] v;
      try {
        v = decode(text(n, path));
      } catch (IllegalArgumentException e) {
        throw error(path, "is not base64: " + e.getMessage());
      }
      for (int i = 0; i < v.length; i++) {
        if (!Float.isFinite(v[i])) {
          throw error(path, "holds " + v[i] + " at index " + i + "; every value must be finite");
        }
      }
      return v;
    }

    /** A class-conditional Gaussian model at {@code at}: dim, means (one row per class), precision. */
    Mahalanobis mahalanobis(JsonNode mn, String at) {
      int dim = integer(mn, at + ".dim");
      JsonNode means = array(mn, at + ".means");
      float[][] mu = new float[means.size()][dim];
      for (int c = 0; c < means.size(); c++) {
        if (means.get(c).size() != dim) {
          throw error(at + ".means[" + c + "]", "has " + means.get(c).size() + " values, dim is " + dim);
        }
        for (int j = 0; j < dim; j++) {
          mu[c][j] = (float) element(means.get(c).get(j), at + ".means[" + c + "][" + j + "]");
        }
      }
      return new Mahalanobis(mu, floats(mn, at + ".precision_f32le_base64"));
    }

    /** A {@link TailTable} at {@code at}: tail_step (must be this monitor's) and the non-decreasing tail values. */
    TailTable tail(JsonNode n, String at) {
      double step = number(n, at + ".tail_step");
      if (step != TailTable.STEP) {
        throw error(at + ".tail_step", "is " + step + ", this monitor reads tails at step " + TailTable.STEP);
      }
      JsonNode a = array(n, at + ".tail");
      double[] v = new double[a.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = element(a.get(i), at + ".tail[" + i + "]");
      }
      try {
        return new TailTable(v);
      } catch (IllegalArgumentException e) {
        throw error(at + ".tail", e.getMessage());
      }
    }

    int size(JsonNode n, String at) {
      return array(n, at + ".signal_scales").size();
    }

    SignalScale scale(JsonNode n, String at, int expected) {
      JsonNode s = array(n, at + ".signal_scales");
      if (s.size() != expected) {
        throw error(at + ".signal_scales", "has " + s.size() + " values, the detector has " + expected + " signals");
      }
      double[] scales = new double[expected];
      for (int i = 0; i < expected; i++) {
        scales[i] = element(s.get(i), at + ".signal_scales[" + i + "]");
      }
      double threshold = threshold(n, at + ".threshold");
      try {
        return new SignalScale(scales, threshold);
      } catch (IllegalArgumentException e) {
        throw error(at + ".signal_scales", e.getMessage());
      }
    }
  }

  /**
   * The overinterpretation scales; a calibration made before the noise- and blur-fill signals runs without them
   * (their scales set so high that they never decide the score) instead of failing, and one made before the
   * scarcity signal has its emptiness scale converted.
   */
  private static SignalScale overinterpretationScale(Reader r, JsonNode n, String at) {
    int k = OverinterpretationDetector.SIGNALS.size();
    int before = OverinterpretationDetector.SIGNALS_BEFORE_FILLS;
    SignalScale read;
    if (r.size(n, at) == before) {
      SignalScale old = r.scale(n, at, before);
      double[] s = java.util.Arrays.copyOf(old.scales(), k);
      java.util.Arrays.fill(s, before, k, Double.MAX_VALUE);
      read = new SignalScale(s, old.threshold());
    } else {
      read = r.scale(n, at, k);
    }
    int i = OverinterpretationDetector.SCARCITY;
    JsonNode names = n.path("signals");
    if (names.size() > i && names.get(i).asText().equals(OverinterpretationDetector.LEGACY_EMPTINESS)) {
      // that scale is a quantile of 1 - share on the threshold frames; scarcity is increasing in 1 - share, so the
      // same quantile of scarcity is the scarcity of that emptiness: the conversion is exact
      double[] s = read.scales().clone();
      s[i] = Math.max(OverinterpretationDetector.scarcity(1 - s[i], 1 << 20), 1e-9);
      read = new SignalScale(s, read.threshold());
    }
    return read;
  }
}
