package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.image.FloatImage;
import dev.advmon.testing.TestData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's bundle whose manifest disagrees with its model.onnx is refused when it loads, naming manifest.json and
 * the field, instead of running with shifted labels, "confidences" above 1 or another output read as the head.
 * The real tiny RGB model (3 channels, 16x16, 3 logits, 4 features) with manifests edited one field at a time.
 */
class BundleSelfCheckTest {

  @TempDir
  Path dir;

  private final ObjectMapper json = new ObjectMapper();

  private ModelBundle bundle(Consumer<ObjectNode> edit) throws Exception {
    return bundle(model -> model, edit);
  }

  private ModelBundle bundle(UnaryOperator<byte[]> editModel, Consumer<ObjectNode> edit) throws Exception {
    Path src = TestData.repoRoot().resolve("stream-app/src/test/resources/models/tiny-rgb");
    Files.write(dir.resolve("model.onnx"), editModel.apply(Files.readAllBytes(src.resolve("model.onnx"))));
    ObjectNode manifest = (ObjectNode) json.readTree(src.resolve("manifest.json").toFile());
    edit.accept(manifest);
    Files.writeString(dir.resolve("manifest.json"), json.writeValueAsString(manifest));
    return ModelBundle.load(dir);
  }

  @Test
  void theUnchangedBundleLoadsAndClassifies() throws Exception {
    try (DjlClassifier c = DjlClassifier.load(bundle(m -> { }), EngineChoice.ONNX_RUNTIME)) {
      assertThat(c.manifest().labels()).hasSize(3);
    }
  }

  @Test
  void aLabelsListOfTheWrongLengthIsRefused() throws Exception {
    ModelBundle b = bundle(m -> ((ArrayNode) m.get("labels")).remove(2));
    assertThatThrownBy(() -> DjlClassifier.load(b, EngineChoice.ONNX_RUNTIME))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("manifest.json").hasMessageContaining("field 'labels' names 2 classes")
        .hasMessageContaining("gives 3 values per image");
  }

  @Test
  void logitsDeclaredAsProbabilitiesAreRefused() throws Exception {
    ModelBundle b = bundle(m -> ((ObjectNode) m.get("outputs")).put("kind", "probabilities"));
    assertThatThrownBy(() -> DjlClassifier.load(b, EngineChoice.ONNX_RUNTIME))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("field 'outputs.kind' is probabilities").hasMessageContaining("set kind to logits");
  }

  @Test
  void aFeatureOutputTooWideForTheFeatureSpaceDetectorsIsRefusedNamingTheField() {
    Path manifest = dir.resolve("manifest.json");
    // an unpooled convolution map (VGG's last, 512x7x7): calibrate's covariance would need 2.5 GB and hours
    assertThatThrownBy(() -> DjlClassifier.checkWidth(manifest, "outputs.features", "pool5", 25_088))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("field 'outputs.features' names output 'pool5', which gives 25088 values per image")
        .hasMessageContaining("point it at a pooled layer");
    DjlClassifier.checkWidth(manifest, "outputs.features", "fc7", 4096); // a VGG's fc layer: taken
    DjlClassifier.checkWidth(manifest, "outputs.features", null, 25_088); // no features output: nothing to check
  }

  @Test
  void anOutputNameTheModelDoesNotHaveIsRefusedNotReadByPosition() throws Exception {
    ModelBundle b = bundle(m -> ((ObjectNode) m.get("outputs")).put("features", "featurez"));
    assertThatThrownBy(() -> DjlClassifier.load(b, EngineChoice.ONNX_RUNTIME))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("names output 'featurez', which the model does not produce").hasMessageContaining("logits");
  }

  @Test
  void anInputShapeTheModelRefusesNamesTheInputFields() throws Exception {
    ModelBundle b = bundle(m -> {
      ObjectNode in = (ObjectNode) m.get("input");
      in.put("channels", 1);
      in.put("mean", 0.0);
      in.put("std", 1.0);
      in.put("mask_value", 0.5);
    });
    assertThatThrownBy(() -> DjlClassifier.load(b, EngineChoice.ONNX_RUNTIME))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("manifest.json").hasMessageContaining("field 'input'")
        .hasMessageContaining("1 channel(s), 16x16").hasMessageContaining("set input.name, channels");
  }

  /**
   * model.engine=OnnxRuntimeCuda with this manifest said "the first inference on the GPU failed" and sent the user
   * after drivers: ONNX Runtime refuses the input before any execution provider runs, so the GPU route gets the same
   * refusal (ONNX Runtime's own exception, taken from the CPU route here, which has no GPU) and says the same.
   */
  @Test
  void anExplicitGpuEngineReportsAnInputTheModelRefusesAsTheCpuEngineDoes() throws Exception {
    ModelBundle b = bundle(m -> ((ObjectNode) m.get("input")).put("layout", "NHWC"));
    InvalidBundleException onCpu = org.assertj.core.api.Assertions.catchThrowableOfType(
        () -> DjlClassifier.load(b, EngineChoice.ONNX_RUNTIME), InvalidBundleException.class);
    RuntimeException refusal = (RuntimeException) onCpu.getCause();
    for (EngineChoice gpu : List.of(EngineChoice.ONNX_RUNTIME_CUDA, EngineChoice.ONNX_RUNTIME_TENSORRT)) {
      assertThat(DjlClassifier.firstCallFailed(b, EngineRoute.of(gpu), gpu, refusal))
          .isInstanceOf(InvalidBundleException.class).hasMessage(onCpu.getMessage());
    }
    // a failure of the provider itself is still the GPU's
    RuntimeException cuda = new IllegalStateException("inference failed", new ai.djl.translate.TranslateException(
        new ai.onnxruntime.OrtException(ai.onnxruntime.OrtException.OrtErrorCode.ORT_EP_FAIL, "CUDA failure 100")));
    assertThat(DjlClassifier.firstCallFailed(b, EngineRoute.ONNX_RUNTIME_CUDA, EngineChoice.ONNX_RUNTIME_CUDA, cuda))
        .isInstanceOf(EngineUnavailableException.class).hasMessageContaining("the first inference on the GPU failed");
  }

  @Test
  void aLayoutTheModelRefusesIsRefusedNamingTheShapeTheModelDeclaresInManifestTerms() throws Exception {
    // a user who wrote NHWC for an NCHW export saw only ONNX Runtime's "index: 1 Got: 16 Expected: 3": the shape the
    // model declares, read as the manifest's fields, says what to write instead
    ModelBundle b = bundle(m -> ((ObjectNode) m.get("input")).put("layout", "NHWC"));
    assertThatThrownBy(() -> DjlClassifier.load(b, EngineChoice.ONNX_RUNTIME))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("the model declares: 'input' [N, 3, 16, 16]")
        .hasMessageContaining("layout NCHW, channels 3, height 16, width 16")
        .as("one line: ONNX Runtime's own text breaks lines (' index: 1 Got: 16 Expected: 3')")
        .hasMessageNotContaining("\n").hasMessageContaining("index: 1 Got: 16 Expected: 3")
        .as("the batch axis (index 0) was not refused, and the model's is free: no advice to export a dynamic one")
        .hasMessageNotContaining("dynamic batch axis");
  }

  @Test
  void aDeclaredShapeReadsAsTheManifestsFieldsWhereItsLayoutIsClear() {
    assertThat(DeclaredInputs.reading(new long[] {-1, 1, 28, 28}))
        .isEqualTo("layout NCHW, channels 1, height 28, width 28");
    assertThat(DeclaredInputs.reading(new long[] {-1, 224, 200, 3}))
        .isEqualTo("layout NHWC, channels 3, height 224, width 200");
    assertThat(DeclaredInputs.reading(new long[] {-1, 3, 3, 3})).isNull(); // either layout: no guess
    assertThat(DeclaredInputs.reading(new long[] {-1, 784})).isNull(); // a flat input the monitor cannot feed
    assertThat(DeclaredInputs.reading(new long[] {-1, -1, -1, 3})).isNull(); // a free size says nothing of it
  }

  @Test
  void anInputNameTheModelDoesNotHaveIsRefusedNamingTheInputItDeclares() throws Exception {
    String[] real = new String[1];
    ModelBundle b = bundle(m -> {
      real[0] = m.get("input").get("name").asText();
      ((ObjectNode) m.get("input")).put("name", "not-" + real[0]);
    });
    assertThatThrownBy(() -> DjlClassifier.load(b, EngineChoice.ONNX_RUNTIME))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("name 'not-" + real[0] + "'")
        .hasMessageContaining("the model declares: '" + real[0] + "'");
  }

  @Test
  void aModelExportedWithAFixedBatchOfOneIsRefusedAtLoadNotOnTheFirstFrame() throws Exception {
    // it takes the load's one frame, but every frame of the monitor comes with its probes in one batched call
    ModelBundle b = bundle(BundleSelfCheckTest::fixedBatchOfOne, m -> { });
    assertThatThrownBy(() -> DjlClassifier.load(b, EngineChoice.ONNX_RUNTIME))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("model.onnx").hasMessageContaining("batch of 2")
        .hasMessageContaining("dynamic batch axis")
        .as("one line, as the refused-input error: ONNX Runtime's text breaks lines (' index: 0 Got: 2 Expected: 1')")
        .hasMessageNotContaining("\n").hasMessageContaining("index: 0 Got: 2 Expected: 1");
  }

  @Test
  void aBatchAxisFixedAtAnotherSizeThanOneIsRefusedWithTheAdviceToMakeItDynamic() throws Exception {
    // the load check's first call is one frame: a model fixed at a batch of 4 refuses index 0 there, and only then is
    // the advice to export a dynamic batch axis the right one (beside a wrong channel or size it is not)
    ModelBundle b = bundle(model -> replaceAll(model, new byte[] {0x12, 0x01, 'N'},
        new byte[] {0x08, (byte) 0x84, 0x00}, 3), m -> { });
    assertThatThrownBy(() -> DjlClassifier.load(b, EngineChoice.ONNX_RUNTIME))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("index: 0 Got: 1 Expected: 4")
        .hasMessageContaining("export the model with a dynamic batch axis: index 0 is the batch")
        .hasMessageContaining("the model declares: 'input' [4, 3, 16, 16]");
  }

  @Test
  void aModelThatEndsInASoftmaxDeclaredAsLogitsIsRefused() throws Exception {
    // read as logits, its probabilities went through a second softmax: a 0.9995 decision came out as 0.58
    ModelBundle b = bundle(BundleSelfCheckTest::endingInSoftmax, m -> { });
    assertThatThrownBy(() -> DjlClassifier.load(b, EngineChoice.ONNX_RUNTIME))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("manifest.json").hasMessageContaining("field 'outputs.kind' is logits")
        .hasMessageContaining("set kind to probabilities");
  }

  @Test
  void aModelThatEndsInASigmoidDeclaredAsLogitsLoadsWithAWarningNamingTheFieldToChange() throws Exception {
    // a multi-label model's sigmoid scores (each from 0 to 1, not summing to 1) read as logits: softmax squeezes them
    // towards uniform (3 x 0.993 read as 0.33 each), and no check refused them, since they are not a distribution
    try (dev.advmon.testing.LogLines lines = dev.advmon.testing.LogLines.of(DjlClassifier.class);
        DjlClassifier c = DjlClassifier.load(bundle(BundleSelfCheckTest::endingInSigmoid, m -> { }),
            EngineChoice.ONNX_RUNTIME)) {
      assertThat(lines.messages()).filteredOn(l -> l.contains("sigmoid")).singleElement().asString()
          .contains("manifest.json", "field 'outputs.kind' is logits", "outputs.logits", "before the sigmoid");
    }
    try (dev.advmon.testing.LogLines lines = dev.advmon.testing.LogLines.of(DjlClassifier.class);
        DjlClassifier c = DjlClassifier.load(bundle(m -> { }), EngineChoice.ONNX_RUNTIME)) {
      assertThat(lines.messages()).as("real logits (10 x a channel's mean: 5 on grey)").noneMatch(l -> l.contains("sigmoid"));
    }
  }

  @Test
  void aModelThatEndsInASoftmaxDeclaredAsProbabilitiesClassifiesAsItsLogitsWould() throws Exception {
    float[] red = new float[3 * 16 * 16];
    Arrays.fill(red, 0, 16 * 16, 1f);
    try (DjlClassifier c = DjlClassifier.load(bundle(BundleSelfCheckTest::endingInSoftmax,
        m -> ((ObjectNode) m.get("outputs")).put("kind", "probabilities")), EngineChoice.ONNX_RUNTIME)) {
      BatchOutput o = c.classify(List.of(new FloatImage(3, 16, 16, red)));
      assertThat(o.argmax(0)).isZero();
      assertThat(o.confidence(0)).isGreaterThan(0.999f); // softmax of logits [10, 0, 0]
    }
  }

  @Test
  void aModelThatGivesNanScoresIsRefusedAsBrokenNotAsAnInputShapeToChange() throws Exception {
    ModelBundle b = bundle(BundleSelfCheckTest::nanLogitBias, m -> { });
    assertThatThrownBy(() -> DjlClassifier.load(b, EngineChoice.ONNX_RUNTIME))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("model.onnx").hasMessageContaining("class score of NaN")
        .hasMessageNotContaining("refused an input").hasMessageNotContaining("set input.name");
  }

  @Test
  void aModelTheEngineCannotLoadSaysWhy() throws Exception {
    // DJL's own message was all the user saw: "ONNX Model cannot be loaded", for an operator ONNX Runtime lacks as for
    // a truncated copy; ONNX Runtime's reason is its cause
    ModelBundle unknownOp = bundle(model -> replaceAll(model, "\"\u0007Flatten".getBytes(StandardCharsets.US_ASCII),
        "\"\u0007Flattex".getBytes(StandardCharsets.US_ASCII), 1), m -> { });
    assertThatThrownBy(() -> DjlClassifier.load(unknownOp, EngineChoice.ONNX_RUNTIME))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("model.onnx").hasMessageContaining("Flattex");
    ModelBundle truncated = bundle(model -> Arrays.copyOf(model, model.length / 2), m -> { });
    assertThatThrownBy(() -> DjlClassifier.load(truncated, EngineChoice.ONNX_RUNTIME))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("model.onnx").hasMessageContaining("Protobuf parsing failed");
  }

  @Test
  void aFileThatIsNotAnOnnxModelSaysWhatToExport() throws Exception {
    // the user saw only ONNX Runtime's "Protobuf parsing failed" and had to guess that the file was not a model
    ModelBundle text = bundle(model -> "not a model\n".getBytes(StandardCharsets.US_ASCII), m -> { });
    assertThatThrownBy(() -> DjlClassifier.load(text, EngineChoice.ONNX_RUNTIME))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("model.onnx").hasMessageContaining("model_file")
        .hasMessageContaining("models/README.md")
        // the ONNX Runtime on the classpath, not a version written into the text (the GPU build is 1.21.0)
        .hasMessageContaining("operators ONNX Runtime " + ai.onnxruntime.OrtEnvironment.class.getPackage().getImplementationVersion() + " has");
  }

  @Test
  void anOutputNameTheModelDoesNotHaveNamesTheFieldThatNamesIt() throws Exception {
    // "correct the outputs field that names it" left the user to find which of logits, features, adversarial, layers
    ModelBundle b = bundle(m -> ((ObjectNode) m.get("outputs")).put("features", "featurez"));
    assertThatThrownBy(() -> DjlClassifier.load(b, EngineChoice.ONNX_RUNTIME))
        .hasMessageContaining("manifest.json: field 'outputs.features' names output 'featurez'");
    ModelBundle layer = bundle(m -> ((ObjectNode) m.get("outputs")).putArray("layers").add("layers/9"));
    assertThatThrownBy(() -> DjlClassifier.load(layer, EngineChoice.ONNX_RUNTIME))
        .hasMessageContaining("manifest.json: field 'outputs.layers' names output 'layers/9'");
  }

  @Test
  void aModelFileThatIsAFolderIsRefusedAsAFolder() throws Exception {
    // "names heads, which is not in <bundle>" while heads/ was plainly there
    Files.createDirectories(dir.resolve("heads"));
    assertThatThrownBy(() -> bundle(m -> m.put("model_file", "heads")))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("manifest.json: field 'model_file' names heads, which is a folder")
        .hasMessageContaining("the ONNX file");
  }

  @Test
  void aCalibrationHoldoutThatIsAFolderIsRefusedAsAFolder() throws Exception {
    Files.createDirectories(dir.resolve("holdout"));
    assertThatThrownBy(() -> bundle(m -> m.put("calibration_holdout", "holdout")))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("manifest.json: field 'calibration_holdout' names holdout, which is a folder");
  }

  @Test
  void aFileTheManifestNamesButTheFolderLacksSaysWhatToDo() throws Exception {
    // a user who copied a shipped bundle to start their own, leaving holdout.txt or heads/ behind, was told only that
    // the file "is not in" the folder
    assertThatThrownBy(() -> bundle(m -> m.put("calibration_holdout", "holdout.txt")))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("field 'calibration_holdout' names holdout.txt, which is not in " + dir)
        .hasMessageContaining("put it there, or remove the field");
    assertThatThrownBy(() -> bundle(m -> m.put("model_file", "my-model.onnx")))
        .hasMessageContaining("field 'model_file' names my-model.onnx, which is not in " + dir)
        .hasMessageContaining("set it to the name of your ONNX file in " + dir);
    ModelBundle heads = bundle(m -> m.putObject("adversarial_head").putObject("leave_out")
        .put("linf", "heads/leave-out-linf.onnx"));
    assertThatThrownBy(() -> dev.advmon.evaluation.HeadVariants.of(heads))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("adversarial_head.leave_out.linf names heads/leave-out-linf.onnx, which is not in " + dir)
        .hasMessageContaining("copy it there with the bundle's other heads")
        .hasMessageContaining("remove adversarial_head.leave_out");
  }

  @Test
  void aMissingHoldoutOfABundleWithADetectorHeadIsNotCalledSafeToRemove() throws Exception {
    // the holdout is the images the head did not train on: without it calibrate sets the learned detector's threshold
    // on images the head has seen, so "remove the field (it is optional)" was the wrong advice for such a bundle
    assertThatThrownBy(() -> bundle(m -> {
      m.put("calibration_holdout", "holdout.txt");
      ((ObjectNode) m.get("outputs")).put("adversarial", "adversarial").putArray("adversarial_classes")
          .add("clean").add("perturbation").add("fooling");
    })).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("field 'calibration_holdout' names holdout.txt, which is not in " + dir)
        .hasMessageContaining("detector_head.py")
        .hasMessageNotContaining("remove the field");
  }

  /** The tiny model with NaN logit biases: head.bias's raw_data (field 9, 12 bytes of zeros) set to three NaNs. */
  static byte[] nanLogitBias(byte[] model) {
    return replaceAll(model, HexFormat.of().parseHex("686561642e626961734a0c000000000000000000000000"),
        HexFormat.of().parseHex("686561642e626961734a0c0000c07f0000c07f0000c07f"), 1);
  }

  /**
   * The tiny model as exported without dynamic axes: its three tensors' first dimension, the symbol N (dim_param,
   * bytes 12 01 4E), becomes dim_value 1, written as the three-byte varint 81 00 so that no length around it changes
   * (protobuf readers accept a varint with a redundant continuation byte).
   */
  static byte[] fixedBatchOfOne(byte[] model) {
    return replaceAll(model, new byte[] {0x12, 0x01, 'N'}, new byte[] {0x08, (byte) 0x81, 0x00}, 3);
  }

  /**
   * The tiny model with one more node after its logits: the Gemm's output is renamed logitz (same length) and
   * {@code graphHex}, a ModelProto.graph field holding a node logitz -> logits, is appended, which protobuf merges
   * into the first graph (repeated GraphProto.node gains the node).
   */
  static byte[] endingIn(byte[] model, String graphHex) {
    // NodeProto.output (field 2) "logits" followed by NodeProto.name (field 3): the Gemm's output, not the graph's
    byte[] renamed = replaceAll(model, HexFormat.of().parseHex("12066c6f676974731a"),
        HexFormat.of().parseHex("12066c6f6769747a1a"), 1);
    byte[] graph = HexFormat.of().parseHex(graphHex);
    byte[] out = Arrays.copyOf(renamed, renamed.length + graph.length);
    System.arraycopy(graph, 0, out, renamed.length, graph.length);
    return out;
  }

  /** The tiny model with a Softmax (axis 1) after its logits. */
  static byte[] endingInSoftmax(byte[] model) {
    return endingIn(model, "3a280a260a066c6f6769747a12066c6f676974732207536f66746d61782a0b0a04617869731801a00102");
  }

  /** The tiny model with a Sigmoid after its logits, as a multi-label model ends (built as {@link #endingInSoftmax}). */
  static byte[] endingInSigmoid(byte[] model) {
    // ModelProto.graph { node { input "logitz" output "logits" op_type "Sigmoid" } }, merged into the graph
    return endingIn(model, "3a1b0a190a066c6f6769747a12066c6f6769747322075369676d6f6964");
  }

  private static byte[] replaceAll(byte[] in, byte[] from, byte[] to, int expected) {
    byte[] out = in.clone();
    int found = 0;
    for (int i = 0; i + from.length <= out.length; i++) {
      if (Arrays.equals(out, i, i + from.length, from, 0, from.length)) {
        System.arraycopy(to, 0, out, i, to.length);
        found++;
      }
    }
    assertThat(found).as("occurrences of %s in the tiny model", HexFormat.of().formatHex(from)).isEqualTo(expected);
    return out;
  }
}
