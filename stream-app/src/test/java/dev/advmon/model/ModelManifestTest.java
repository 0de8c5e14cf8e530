package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.testing.LogLines;
import dev.advmon.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelManifestTest {

  private static final String VALID = """
      {"name":"m","version":"1","model_file":"model.onnx",
       "input":{"name":"input","layout":"NCHW","channels":3,"height":16,"width":20,"scale":0.00392156862745098,
                "mean":[0.5,0.4,0.3],"std":[0.2],"mask_value":0.25},
       "outputs":{"logits":"logits","features":"features","kind":"logits"},
       "labels":["a","b"]}
      """;

  private final ObjectMapper json = new ObjectMapper();

  private ObjectNode valid() throws Exception {
    return (ObjectNode) json.readTree(VALID);
  }

  @Test
  void aFolderWithoutAManifestNamesTheModelsReadmeByAPathThatWorksFromAnyFolder(@TempDir Path notABundle)
      throws Exception {
    // a user runs ./monitor from their own folder, where "see models/README.md" named nothing
    String before = System.getProperty("advmon.home");
    System.setProperty("advmon.home", TestData.repoRoot().toString());
    try {
      assertThatThrownBy(() -> ModelManifest.read(notABundle.resolve("manifest.json")))
          .isInstanceOf(InvalidBundleException.class)
          .hasMessageContaining("see " + TestData.repoRoot().resolve("models/README.md"));
      Files.writeString(notABundle.resolve("manifest.json"), "{\"name\": ");
      assertThatThrownBy(() -> ModelManifest.read(notABundle.resolve("manifest.json")))
          .hasMessageContaining("not valid JSON")
          .hasMessageContaining(TestData.repoRoot().resolve("models/README.md") + " describes its fields");
      // the project's README and folders too (the default evaluation sets are folders)
      assertThat(ModelDocs.projectReadme("Configuration"))
          .isEqualTo(TestData.repoRoot().resolve("README.md") + ", \"Configuration\"");
      assertThat(ModelDocs.project("models/eval/fashion-mnist-test"))
          .isEqualTo(TestData.repoRoot().resolve("models/eval/fashion-mnist-test").toString());
    } finally {
      if (before == null) {
        System.clearProperty("advmon.home");
      } else {
        System.setProperty("advmon.home", before);
      }
    }
    // without a home that holds it (a bare jar), the repository's file, said as such
    assertThat(ModelDocs.file(notABundle, "models/README.md")).isEqualTo("models/README.md of the advmon repository");
    assertThat(ModelDocs.file(null, "models/README.md")).isEqualTo("models/README.md of the advmon repository");
  }

  @Test
  void readsEveryFieldAndRepeatsSingleValuesPerChannel() throws Exception {
    ModelManifest m = ModelManifest.parse(valid(), "manifest.json");
    assertThat(m.input().channels()).isEqualTo(3);
    assertThat(m.input().height()).isEqualTo(16);
    assertThat(m.input().width()).isEqualTo(20);
    assertThat(m.input().mean()).containsExactly(0.5f, 0.4f, 0.3f);
    assertThat(m.input().std()).containsExactly(0.2f, 0.2f, 0.2f);
    assertThat(m.input().maskValue()).containsExactly(0.25f, 0.25f, 0.25f);
    assertThat(m.outputs().features()).isEqualTo("features");
    assertThat(m.outputs().probabilities()).isFalse();
    assertThat(m.labels()).containsExactly("a", "b");
    assertThat(m.label(1)).isEqualTo("b");
    assertThat(m.label(7)).isEqualTo("7");
  }

  @Test
  void refusesAChannelCountOtherThanOneOrThreeNamingTheField() throws Exception {
    ObjectNode n = valid();
    ((ObjectNode) n.get("input")).put("channels", 4);
    assertThatThrownBy(() -> ModelManifest.parse(n, "bundle/manifest.json"))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("bundle/manifest.json")
        .hasMessageContaining("input.channels");
  }

  @Test
  void refusesASingleClassSayingHowToExportABinaryModel() throws Exception {
    // one score per frame (a binary model's one logit or sigmoid) read through softmax is every frame's class at 1.0:
    // the monitor ran and labelled every frame alike, with no detector able to say anything
    ObjectNode one = valid();
    one.putArray("labels").add("cat");
    assertThatThrownBy(() -> ModelManifest.parse(one, "m.json")).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("m.json").hasMessageContaining("field 'labels'").hasMessageContaining("at least 2")
        .hasMessageContaining("[0, z]");
  }

  @Test
  void refusesTwoClassesOfOneNameNamingTheNameAndBothIndexes() throws Exception {
    // two outputs named alike: a verdict's predictedLabel (and a consumer acting on it) could not tell them apart
    ObjectNode twice = valid();
    twice.putArray("labels").add("cat").add("dog").add("bird").add("dog");
    assertThatThrownBy(() -> ModelManifest.parse(twice, "m.json")).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("m.json").hasMessageContaining("field 'labels'")
        .hasMessageContaining("\"dog\" at index 1 and at index 3");
    ObjectNode blanks = valid();
    blanks.putArray("labels").add("cat").add("cat ");
    assertThatThrownBy(() -> ModelManifest.parse(blanks, "m.json")).as("names that differ only in blanks look alike")
        .isInstanceOf(InvalidBundleException.class).hasMessageContaining("at index 0 and at index 1");
  }

  @Test
  void refusesMissingLabelsAndMissingName() throws Exception {
    ObjectNode noLabels = valid();
    noLabels.remove("labels");
    assertThatThrownBy(() -> ModelManifest.parse(noLabels, "m.json")).hasMessageContaining("'labels'");
    ObjectNode noName = valid();
    noName.remove("name");
    assertThatThrownBy(() -> ModelManifest.parse(noName, "m.json")).hasMessageContaining("'name' is required");
  }

  @Test
  void aLabelFileNamedInsteadOfTheLabelsSaysTheNamesGoIntoTheManifest() throws Exception {
    // torchvision and Keras exports often come with a labels.txt; a user who named it here was told only that an
    // array was needed, as if the file's name had been misspelt
    ObjectNode file = valid();
    file.put("labels", "labels.txt");
    assertThatThrownBy(() -> ModelManifest.parse(file, "m.json"))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("m.json").hasMessageContaining("field 'labels' is the text \"labels.txt\"")
        .hasMessageContaining("no label file is read")
        .hasMessageContaining("[\"first class\", \"second class\", ...]");
  }

  @Test
  void aMaskValueLeftOutIsAWarningNamingTheFieldAndWhatToSetItTo(@TempDir Path bundle) throws Exception {
    // left out, detectors occlude with 0.5, which is no data set's mean: nothing told the user who skipped it
    ObjectNode without = valid();
    ((ObjectNode) without.get("input")).remove("mask_value");
    Path file = bundle.resolve("manifest.json");
    Files.writeString(file, json.writeValueAsString(without));
    try (LogLines lines = LogLines.of(ModelManifest.class)) {
      assertThat(ModelManifest.read(file).input().maskValue()).containsExactly(0.5f, 0.5f, 0.5f);
      assertThat(lines.messages()).singleElement().asString()
          .contains(file.toString(), "field 'input.mask_value' is not set", "0.5", "training set's mean pixel");
    }
    Files.writeString(file, json.writeValueAsString(valid()));
    try (LogLines lines = LogLines.of(ModelManifest.class)) {
      ModelManifest.read(file);
      assertThat(lines.messages()).as("a manifest that sets it").isEmpty();
    }
  }

  @Test
  void aMaskValueWrittenAsNullIsWarnedAboutAsOneLeftOut(@TempDir Path bundle) throws Exception {
    // an exporter that writes Python's None ("mask_value": null) got the same 0.5 as a manifest without the field,
    // without the warning
    ObjectNode nulled = valid();
    ((ObjectNode) nulled.get("input")).putNull("mask_value");
    Path file = bundle.resolve("manifest.json");
    Files.writeString(file, json.writeValueAsString(nulled));
    try (LogLines lines = LogLines.of(ModelManifest.class)) {
      assertThat(ModelManifest.read(file).input().maskValue()).containsExactly(0.5f, 0.5f, 0.5f);
      assertThat(lines.messages()).singleElement().asString()
          .contains(file.toString(), "field 'input.mask_value' is not set");
    }
  }

  @Test
  void refusesZeroStdAndAnUnknownLayout() throws Exception {
    ObjectNode zeroStd = valid();
    ((ObjectNode) zeroStd.get("input")).putArray("std").add(1).add(0).add(1);
    assertThatThrownBy(() -> ModelManifest.parse(zeroStd, "m.json")).hasMessageContaining("input.std");
    ObjectNode layout = valid();
    ((ObjectNode) layout.get("input")).put("layout", "CHWN");
    assertThatThrownBy(() -> ModelManifest.parse(layout, "m.json")).hasMessageContaining("input.layout");
  }

  @Test
  void readsADetectorHeadOnlyWithItsClassesInTheExpectedOrder() throws Exception {
    assertThat(ModelManifest.parse(valid(), "m.json").outputs().adversarial()).isNull();
    ObjectNode head = valid();
    ((ObjectNode) head.get("outputs")).put("adversarial", "adversarial");
    ((ObjectNode) head.get("outputs")).putArray("adversarial_classes").add("clean").add("perturbation").add("fooling");
    head.put("calibration_holdout", "holdout.txt");
    ModelManifest m = ModelManifest.parse(head, "m.json");
    assertThat(m.outputs().adversarial()).isEqualTo("adversarial");
    assertThat(m.calibrationHoldout()).isEqualTo("holdout.txt");
    ObjectNode swapped = valid();
    ((ObjectNode) swapped.get("outputs")).put("adversarial", "adversarial");
    ((ObjectNode) swapped.get("outputs")).putArray("adversarial_classes").add("perturbation").add("clean").add("fooling");
    assertThatThrownBy(() -> ModelManifest.parse(swapped, "m.json")).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("outputs.adversarial_classes").hasMessageContaining("[clean, perturbation, fooling]");
  }

  @Test
  void readsLayerOutputsInOrderAndRefusesAnythingButDistinctNames() throws Exception {
    assertThat(ModelManifest.parse(valid(), "m.json").outputs().layers()).isEmpty();
    ObjectNode layered = valid();
    ((ObjectNode) layered.get("outputs")).putArray("layers").add("layers/0").add("layers/1");
    assertThat(ModelManifest.parse(layered, "m.json").outputs().layers()).containsExactly("layers/0", "layers/1");
    ObjectNode twice = valid();
    ((ObjectNode) twice.get("outputs")).putArray("layers").add("layers/0").add("layers/0");
    assertThatThrownBy(() -> ModelManifest.parse(twice, "m.json")).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("m.json").hasMessageContaining("outputs.layers").hasMessageContaining("distinct");
    ObjectNode notAList = valid();
    ((ObjectNode) notAList.get("outputs")).put("layers", "layers/0");
    assertThatThrownBy(() -> ModelManifest.parse(notAList, "m.json")).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("outputs.layers").hasMessageContaining("layer_stats.py");
  }

  @Test
  void refusesWhatWouldOtherwiseRunSilentlyWrongNamingTheField() throws Exception {
    ObjectNode misspelt = valid();
    ((ObjectNode) misspelt.get("input")).put("stdev", 0.5);
    assertThatThrownBy(() -> ModelManifest.parse(misspelt, "manifest.json"))
        .hasMessageContaining("field 'input.stdev' is not a field of input").hasMessageContaining("std");
    ObjectNode outputTypo = valid();
    ((ObjectNode) outputTypo.get("outputs")).put("feature", "features");
    assertThatThrownBy(() -> ModelManifest.parse(outputTypo, "manifest.json"))
        .hasMessageContaining("field 'outputs.feature' is not a field of outputs");
    ObjectNode mask = valid();
    ((ObjectNode) mask.get("input")).put("mask_value", 128);
    assertThatThrownBy(() -> ModelManifest.parse(mask, "manifest.json"))
        .hasMessageContaining("field 'input.mask_value' must be a pixel value from 0 to 1");
    ObjectNode fractional = valid();
    ((ObjectNode) fractional.get("input")).put("height", 16.9);
    assertThatThrownBy(() -> ModelManifest.parse(fractional, "manifest.json"))
        .hasMessageContaining("field 'input.height' is required and must be a positive integer");
    ObjectNode tiny = valid();
    ((ObjectNode) tiny.get("input")).put("scale", 1e-50);
    assertThatThrownBy(() -> ModelManifest.parse(tiny, "manifest.json"))
        .hasMessageContaining("field 'input.scale' must be a positive number a float can hold");
    ObjectNode huge = valid();
    ((ObjectNode) huge.get("input")).put("mean", 1e39);
    assertThatThrownBy(() -> ModelManifest.parse(huge, "manifest.json"))
        .hasMessageContaining("field 'input.mean' must be a number a float can hold");
    ObjectNode labels = valid();
    labels.set("labels", json.readTree("[\"a\", 2]"));
    assertThatThrownBy(() -> ModelManifest.parse(labels, "manifest.json"))
        .hasMessageContaining("field 'labels' must hold class names");
  }

  @Test
  void refusesATopLevelFieldThatLooksLikeAMisspellingButKeepsOwnMetadata() throws Exception {
    for (String typo : new String[] {"lables", "modelFile", "calibration-holdout", "Description", "label"}) {
      ObjectNode m = valid();
      m.put(typo, "x");
      assertThatThrownBy(() -> ModelManifest.parse(m, "manifest.json")).as(typo)
          .isInstanceOf(InvalidBundleException.class)
          .hasMessageContaining("field '" + typo + "' is not a field of the manifest; did you mean");
    }
    ObjectNode own = valid();
    own.put("date", "2026-12-05").put("owner", "team-a").put("license", "MIT").put("notes", "retrained");
    assertThat(ModelManifest.parse(own, "manifest.json").name()).isEqualTo("m");
  }

  @Test
  void refusesAnInputTooLargeToScoreWithItsProbesNamingTheSize() throws Exception {
    ObjectNode huge = valid();
    ((ObjectNode) huge.get("input")).put("height", 30000).put("width", 30000);
    assertThatThrownBy(() -> ModelManifest.parse(huge, "manifest.json")).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("field 'input.height' and 'input.width' ask for 3x30000x30000 = 2700000000 input values")
        .hasMessageContaining("export the model at a smaller input size");
    ObjectNode largest = valid();
    ((ObjectNode) largest.get("input")).put("channels", 1).put("height", 4096).put("width", 4096)
        .put("mean", 0.0).put("std", 1.0).put("mask_value", 0.5);
    assertThat(ModelManifest.parse(largest, "manifest.json").input().width()).isEqualTo(4096);
  }
  @Test
  void aWrongTypedFieldOfInputOrOutputsIsNamedWithItsSectionAndFeaturesMustBeAName() throws Exception {
    // 'name' alone reads as the bundle's top-level name, 'kind' and 'layout' as fields of no section: the user looked
    // in the wrong place; a number as outputs.features was read as the output "5" and refused later without the field
    String[][] cases = {
        {"input", "layout", "input.layout"}, {"input", "name", "input.name"},
        {"outputs", "kind", "outputs.kind"}, {"outputs", "logits", "outputs.logits"},
        {"outputs", "features", "outputs.features"}};
    for (String[] c : cases) {
      ObjectNode n = valid();
      ((ObjectNode) n.get(c[0])).put(c[1], 5);
      assertThatThrownBy(() -> ModelManifest.parse(n, "bundle/manifest.json")).as(c[2])
          .isInstanceOf(InvalidBundleException.class)
          .hasMessageContaining("bundle/manifest.json: field '" + c[2] + "' must be a non-empty string");
    }
    ObjectNode object = valid();
    ((ObjectNode) object.get("outputs")).putObject("features");
    assertThatThrownBy(() -> ModelManifest.parse(object, "bundle/manifest.json"))
        .hasMessageContaining("field 'outputs.features' must be a non-empty string");
  }
}
