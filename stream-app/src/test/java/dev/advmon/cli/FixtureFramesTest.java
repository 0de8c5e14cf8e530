package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThatCode;

import dev.advmon.model.ModelBundle;
import dev.advmon.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FixtureFramesTest {

  /**
   * A PNG whose header says width 0 (a damaged file) was refused as a frame of another size, "0x28, but ... takes
   * 28x28 frames: an attack resized to the model's input is no longer the attack": the file is damaged, not resized.
   * As before the first 24 bytes were read directly, such a frame is left to the evaluation, which names it.
   */
  @Test
  void aPngWhoseHeaderSaysWidthZeroIsNotReadAsAFrameOfAnotherSize(@TempDir Path dir) throws Exception {
    Path committed = TestData.repoRoot().resolve("models/fixtures");
    Files.createDirectories(dir.resolve("fgsm"));
    byte[] png = Files.readAllBytes(committed.resolve("fgsm/fgsm-0000.png"));
    png[16] = png[17] = png[18] = png[19] = 0; // IHDR's width
    Files.write(dir.resolve("fgsm/fgsm-0000.png"), png);
    Files.writeString(dir.resolve("manifest.csv"), "file,kind,true_label,family\nfgsm/fgsm-0000.png,fgsm,3,linf\n");
    ModelBundle bundle = ModelBundle.load(TestData.defaultBundle());
    assertThatCode(() -> FixtureFrames.requireModelSize(bundle, dir)).doesNotThrowAnyException();
  }
}
