package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
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
    Path src = TestData.repoRoot().resolve("stream-app/src/test/resources/models/tiny-rgb");
    Files.copy(src.resolve("model.onnx"), dir.resolve("model.onnx"));
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
  void anOutputNameTheModelDoesNotHaveIsRefusedNotReadByPosition() throws Exception {
    ModelBundle b = bundle(m -> ((ObjectNode) m.get("outputs")).put("features", "featurez"));
    assertThatThrownBy(() -> DjlClassifier.load(b, EngineChoice.ONNX_RUNTIME))
        .isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("output 'featurez' not produced by the model").hasMessageContaining("logits");
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
}
