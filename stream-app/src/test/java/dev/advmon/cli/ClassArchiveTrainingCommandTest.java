package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.detect.Detector;
import dev.advmon.detect.Detectors;
import dev.advmon.model.InvalidBundleException;
import dev.advmon.model.ModelBundle;
import dev.advmon.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassArchiveTrainingCommandTest {

  @TempDir
  Path dir;

  @Test
  void aStaleCalibrationDoesNotFailTheBuildsTrainingRunButRunStillRefusesIt() throws Exception {
    Path src = TestData.repoRoot().resolve("models/fashion-mnist-cnn");
    for (String f : List.of("model.onnx", "manifest.json", "calibration.json", "holdout.txt")) {
      Files.copy(src.resolve(f), dir.resolve(f));
    }
    ModelBundle bundle = ModelBundle.load(dir);
    List<Detector> calibrated = ClassArchiveTrainingCommand.detectorsOrNone(bundle);
    assertThat(calibrated).as("the bundled calibration matches its model: every detector").hasSize(7);

    // what a retrained head leaves behind: calibration.json names the model it was made for, not this one
    ObjectMapper json = new ObjectMapper();
    ObjectNode cal = (ObjectNode) json.readTree(dir.resolve("calibration.json").toFile());
    cal.put("model_sha256", "0".repeat(64));
    json.writeValue(dir.resolve("calibration.json").toFile(), cal);

    assertThat(ClassArchiveTrainingCommand.detectorsOrNone(bundle)).as("no detectors, and no exception").isEmpty();
    assertThatThrownBy(() -> Detectors.forBundle(bundle)).isInstanceOf(InvalidBundleException.class)
        .hasMessageContaining("model_sha256").hasMessageContaining("./monitor calibrate --model");
  }
}
