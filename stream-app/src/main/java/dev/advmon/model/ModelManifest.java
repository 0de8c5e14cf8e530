package dev.advmon.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The contract of a model bundle, read from its {@code manifest.json} (see models/README.md).
 *
 * <p>Every field is validated on load, and an error names the file and the field, because a team that
 * drops its own classifier in learns the format from these messages.
 */
public record ModelManifest(
    String name,
    String version,
    String description,
    String modelFile,
    InputSpec input,
    OutputSpec outputs,
    List<String> labels,
    String calibrationHoldout) {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ModelManifest.class);

  public ModelManifest(String name, String version, String description, String modelFile, InputSpec input,
      OutputSpec outputs, List<String> labels) {
    this(name, version, description, modelFile, input, outputs, labels, null);
  }

  /** Tensor layouts the model boundary can write. */
  public enum Layout { NCHW, NHWC }

  /**
   * What the model expects. Model input value = (pixel * scale - mean[c]) / std[c], pixel an 8-bit value.
   * {@code maskValue} is the occlusion value per channel in the [0,1] pixel domain (the dataset mean).
   */
  public record InputSpec(
      String name, Layout layout, int channels, int height, int width,
      float scale, float[] mean, float[] std, float[] maskValue) {}

  /**
   * Output names. {@code features} may be null (then feature-space detectors are unavailable);
   * {@code probabilities} is true when the model already ends in a softmax. {@code adversarial} is an
   * optional detector head's output (logits over {@link #ADVERSARIAL_CLASSES}, in that order; null = none).
   * {@code layers}: outputs {@code [N, D]} with statistics of intermediate layers (models/recipe/layer_stats.py:
   * per-channel mean and standard deviation), for the layer-consistency detector; empty = none.
   */
  public record OutputSpec(String logits, String features, boolean probabilities, String adversarial, List<String> layers) {
    public OutputSpec {
      layers = List.copyOf(layers);
    }

    public OutputSpec(String logits, String features, boolean probabilities, String adversarial) {
      this(logits, features, probabilities, adversarial, List.of());
    }

    public OutputSpec(String logits, String features, boolean probabilities) {
      this(logits, features, probabilities, null);
    }
  }

  /** The classes a detector head's output scores, in this order (models/recipe/detector_head.py). */
  public static final List<String> ADVERSARIAL_CLASSES = List.of("clean", "perturbation", "fooling");

  public int numClasses() {
    return labels.size();
  }

  public String label(int index) {
    return index >= 0 && index < labels.size() ? labels.get(index) : Integer.toString(index);
  }

  /** Reads and validates {@code manifest.json}. */
  public static ModelManifest read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new InvalidBundleException(file + ": manifest.json not found; a model bundle is a folder with model.onnx "
          + "and manifest.json (see " + ModelDocs.readme() + ")");
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw InvalidBundleException.notJson(file, e,
          "correct the file (" + ModelDocs.readme() + " describes its fields)");
    }
    ModelManifest manifest = parse(root, file.toString());
    if (!root.path("input").hasNonNull("mask_value")) { // null too: it gets the same 0.5 as a field left out
      // the default keeps a bundle of one's own loading, but 0.5 is no data set's mean: occluded regions would stand
      // out to the model, and the overinterpretation detector's probes would measure that, not the frame
      log.warn("{}: field 'input.mask_value' is not set, so the detectors mask regions out with 0.5 of the pixel "
          + "range; set it to your training set's mean pixel, per channel, in [0,1] units ({}), then run "
          + "./monitor calibrate again", file, ModelDocs.readme("manifest.json"));
    }
    return manifest;
  }

  static ModelManifest parse(JsonNode root, String where) {
    Fields f = new Fields(root, where);
    f.noNearMisses(root, TOP_LEVEL_FIELDS);
    String name = f.text(root, "name", null);
    String version = f.text(root, "version", null);
    String description = f.text(root, "description", "");
    String modelFile = f.text(root, "model_file", "model.onnx");

    JsonNode in = f.object(root, "input");
    f.onlyKnown(in, "input", INPUT_FIELDS);
    int channels = f.positiveInt(in, "input.channels");
    if (channels != 1 && channels != 3) {
      throw f.error("input.channels", "must be 1 (grayscale) or 3 (RGB), was " + channels);
    }
    Layout layout;
    String layoutText = f.text(in, "input.layout", "NCHW").toUpperCase();
    try {
      layout = Layout.valueOf(layoutText);
    } catch (IllegalArgumentException e) {
      throw f.error("input.layout", "must be NCHW or NHWC, was " + layoutText);
    }
    float scale = (float) f.number(in, "scale", 1.0 / 255.0);
    float[] mean = f.floats(in, "mean", channels, 0f);
    float[] std = f.floats(in, "std", channels, 1f);
    for (int c = 0; c < channels; c++) {
      if (!(std[c] > 0)) {
        throw f.error("input.std", "must be positive, was " + std[c] + " for channel " + c);
      }
    }
    float[] mask = f.floats(in, "mask_value", channels, 0.5f);
    for (int c = 0; c < channels; c++) {
      if (!(mask[c] >= 0 && mask[c] <= 1)) { // written into pixels, which are 0..1 before the model's own scaling
        throw f.error("input.mask_value", "must be a pixel value from 0 to 1 (e.g. the data set's mean, 0.286), was "
            + mask[c] + " for channel " + c);
      }
    }
    int height = f.positiveInt(in, "input.height");
    int width = f.positiveInt(in, "input.width");
    long values = (long) channels * height * width;
    if (values > MAX_INPUT_VALUES) {
      // every frame is scored together with its probes (dozens of copies of the input) in one call, so a model this
      // large ends in an OutOfMemoryError at load or on the first frame; a float[] cannot hold it past 2^31 at all
      throw f.error("input.height", "and 'input.width' ask for " + channels + "x" + height + "x" + width + " = "
          + values + " input values per frame; the monitor takes at most " + MAX_INPUT_VALUES + " (2048x2048 RGB, "
          + "4096x4096 grayscale), since each frame goes through the model with its probes in one batch: export the "
          + "model at a smaller input size");
    }
    InputSpec input = new InputSpec(
        f.text(in, "input.name", "input"), layout, channels, height, width, scale, mean, std, mask);

    JsonNode out = f.object(root, "outputs");
    f.onlyKnown(out, "outputs", OUTPUT_FIELDS);
    String kind = f.text(out, "outputs.kind", "logits");
    if (!kind.equals("logits") && !kind.equals("probabilities")) {
      throw f.error("outputs.kind", "must be logits or probabilities, was " + kind);
    }
    String adversarial = out.hasNonNull("adversarial") ? f.text(out, "outputs.adversarial", null) : null;
    if (adversarial != null) {
      JsonNode classes = out.get("adversarial_classes");
      List<String> named = new ArrayList<>();
      if (classes != null && classes.isArray()) {
        classes.forEach(n -> named.add(n.asText()));
      }
      if (!named.equals(ADVERSARIAL_CLASSES)) {
        throw f.error("outputs.adversarial_classes", "must be " + ADVERSARIAL_CLASSES
            + " (the detector head's logits, in that order) when outputs.adversarial is set, was " + named);
      }
    }
    List<String> layers = new ArrayList<>();
    if (out.hasNonNull("layers")) {
      JsonNode l = out.get("layers");
      if (!l.isArray()) {
        throw f.error("outputs.layers", "must be an array of output names (" + ModelDocs.recipe("layer_stats.py")
            + " writes it), was " + l);
      }
      for (JsonNode n : l) {
        String layer = n.asText("");
        if (!n.isTextual() || layer.isBlank() || layers.contains(layer)) {
          throw f.error("outputs.layers", "must name distinct outputs, found " + n + " in " + l);
        }
        layers.add(layer);
      }
    }
    OutputSpec outputs = new OutputSpec(
        f.text(out, "outputs.logits", "logits"),
        out.hasNonNull("features") ? f.text(out, "outputs.features", null) : null,
        kind.equals("probabilities"),
        adversarial,
        layers);

    JsonNode labelsNode = root.get("labels");
    if (labelsNode != null && labelsNode.isTextual()) {
      // exports often come with a labels.txt, and naming it here is the natural guess; the message says the error is
      // the kind of value, not the file's name
      throw new InvalidBundleException(where + ": field 'labels' is the text " + labelsNode + ", but the class names "
          + "go into manifest.json itself (no label file is read): write them as an array in the order of the "
          + "model's outputs, [\"first class\", \"second class\", ...]");
    }
    if (labelsNode == null || !labelsNode.isArray() || labelsNode.isEmpty()) {
      throw f.error("labels", "must be a non-empty array of class names, in the order of the model's outputs");
    }
    List<String> labels = new ArrayList<>();
    for (JsonNode n : labelsNode) {
      if (!n.isTextual() || n.asText().isBlank()) {
        throw f.error("labels", "must hold class names (non-empty strings) only, found " + n);
      }
      labels.add(n.asText());
    }
    if (labels.size() < 2) {
      // softmax over one score is 1: every frame would be that class at 100%, whatever the model said
      throw f.error("labels", "names " + labels.size() + " class; the monitor needs one score per class, at least 2, "
          + "and applies softmax over them: for a binary model with one logit z, output [0, z] (or its two "
          + "probabilities) and name both classes");
    }
    // two outputs of one name: a verdict's predictedLabel, an alert's explanation and whoever acts on them could not
    // tell them apart (names that differ only in blanks around them look alike in every one of those)
    java.util.Map<String, Integer> seen = new java.util.HashMap<>();
    for (int i = 0; i < labels.size(); i++) {
      Integer first = seen.putIfAbsent(labels.get(i).strip(), i);
      if (first != null) {
        throw f.error("labels", "names the class \"" + labels.get(first) + "\" at index " + first + " and at index " + i
            + (labels.get(first).equals(labels.get(i)) ? "" : " (as \"" + labels.get(i) + "\")")
            + ": each of the model's outputs needs a name of its own, or verdicts cannot say which class the model "
            + "chose; rename one of them (in the order of the model's outputs)");
      }
    }
    String holdout = root.hasNonNull("calibration_holdout") ? f.text(root, "calibration_holdout", null) : null;
    return new ModelManifest(name, version, description, modelFile, input, outputs, List.copyOf(labels), holdout);
  }

  /**
   * The most input values (channels x height x width) a frame may have: 64 MB of floats per copy, and a frame is
   * scored with its probes (p99 68 forward passes) in one call.
   */
  static final long MAX_INPUT_VALUES = 1L << 24;

  /**
   * The top-level fields the monitor reads or the recipe writes. Other top-level fields are the user's own metadata and
   * are kept out of the way, but one that looks like a misspelling of these (`lables`, `model-file`) is refused:
   * otherwise its default would stay in force without a word.
   */
  private static final List<String> TOP_LEVEL_FIELDS = List.of("name", "version", "description", "model_file",
      "input", "outputs", "labels", "calibration_holdout", "training", "adversarial_head", "layer_stats");
  private static final List<String> INPUT_FIELDS = List.of("name", "layout", "channels", "height", "width", "scale",
      "mean", "std", "mask_value");
  private static final List<String> OUTPUT_FIELDS = List.of("kind", "logits", "features", "features_dim",
      "adversarial", "adversarial_classes", "layers");

  /** Small helper so that every error names the file and the field. */
  private record Fields(JsonNode root, String where) {
    /** A misspelt field ("stdev") would otherwise leave its default in force without a word. */
    void onlyKnown(JsonNode node, String at, List<String> known) {
      node.fieldNames().forEachRemaining(name -> {
        if (!known.contains(name)) {
          throw error(at + "." + name, "is not a field of " + at + " (known: " + String.join(", ", known) + ")");
        }
      });
    }

    /**
     * Refuses a field whose name differs from a known one only by case, '-' for '_', or one letter (two in names
     * of 7 or more; `lables`, `modelFile`, `calibration-holdout`); any other unknown field is free metadata.
     */
    void noNearMisses(JsonNode node, List<String> known) {
      node.fieldNames().forEachRemaining(name -> {
        if (known.contains(name)) {
          return;
        }
        String plain = name.toLowerCase(java.util.Locale.ROOT).replace('-', '_');
        for (String k : known) {
          boolean sameButSpelling = plain.replace("_", "").equals(k.replace("_", ""));
          int shorter = Math.min(plain.length(), k.length());
          // short words sit close to other words ("date" is two letters from "name"), so they get less slack
          int slack = shorter >= 7 ? 2 : shorter >= 4 ? 1 : 0;
          if (sameButSpelling || dev.advmon.config.Spelling.distance(plain, k) <= slack) {
            throw error(name, "is not a field of the manifest; did you mean '" + k + "'? (known: "
                + String.join(", ", known) + "; other fields are allowed as your own metadata, but not names this "
                + "close to a known one)");
          }
        }
      });
    }

    InvalidBundleException error(String field, String problem) {
      return new InvalidBundleException(where + ": field '" + field + "' " + problem);
    }

    String text(JsonNode node, String field, String fallback) {
      JsonNode v = node.get(field.substring(field.lastIndexOf('.') + 1));
      if (v == null || v.isNull()) {
        if (fallback == null) {
          throw error(field, "is required");
        }
        return fallback;
      }
      if (!v.isTextual() || v.asText().isBlank()) {
        throw error(field, "must be a non-empty string");
      }
      return v.asText();
    }

    JsonNode object(JsonNode node, String field) {
      JsonNode v = node.get(field);
      if (v == null || !v.isObject()) {
        throw error(field, "is required and must be an object");
      }
      return v;
    }

    int positiveInt(JsonNode node, String field) {
      JsonNode v = node.get(field.substring(field.lastIndexOf('.') + 1));
      if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() <= 0) {
        throw error(field, "is required and must be a positive integer");
      }
      return v.asInt();
    }

    double number(JsonNode node, String field, double fallback) {
      JsonNode v = node.get(field);
      if (v == null || v.isNull()) {
        return fallback;
      }
      // checked as the float the encoder uses: 1e-50 is positive as a double and 0 as a float
      if (!v.isNumber() || !((float) v.asDouble() > 0) || !Float.isFinite((float) v.asDouble())) {
        throw error("input." + field, "must be a positive number a float can hold, was " + v);
      }
      return v.asDouble();
    }

    /** One value per channel; a single value is repeated for every channel. */
    float[] floats(JsonNode node, String field, int channels, float fallback) {
      JsonNode v = node.get(field);
      float[] out = new float[channels];
      if (v == null || v.isNull()) {
        java.util.Arrays.fill(out, fallback);
        return out;
      }
      if (!v.isNumber() && (!v.isArray() || (v.size() != channels && v.size() != 1))) {
        throw error("input." + field, "must be a number or an array of " + channels + " numbers (one per channel)");
      }
      for (int c = 0; c < channels; c++) {
        JsonNode e = v.isNumber() ? v : v.get(v.size() == 1 ? 0 : c); // one value serves every channel
        if (!e.isNumber()) {
          throw error("input." + field, "must hold numbers only");
        }
        out[c] = (float) e.asDouble();
        if (!Float.isFinite(out[c])) {
          throw error("input." + field, "must be a number a float can hold, was " + e);
        }
      }
      return out;
    }
  }
}
