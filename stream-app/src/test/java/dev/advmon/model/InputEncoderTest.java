package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.advmon.image.FloatImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class InputEncoderTest {

  private static ModelManifest.InputSpec spec(ModelManifest.Layout layout) {
    return new ModelManifest.InputSpec("input", layout, 2, 1, 2, 1f / 255f,
        new float[] {0.5f, 0f}, new float[] {0.5f, 2f}, new float[] {0f, 0f});
  }

  /** channel 0: pixels 0.0, 1.0; channel 1: pixels 0.25, 0.75. */
  private static FloatImage image() {
    return new FloatImage(2, 1, 2, new float[] {0f, 1f, 0.25f, 0.75f});
  }

  @Test
  void appliesScaleMeanAndStdPerChannelInNchw() {
    InputEncoder e = new InputEncoder(spec(ModelManifest.Layout.NCHW));
    float[] out = e.encode(List.of(image(), image()));
    assertThat(out).hasSize(8);
    // (p - 0.5) / 0.5 for channel 0, p / 2 for channel 1
    assertThat(out[0]).isCloseTo(-1f, within(1e-6f));
    assertThat(out[1]).isCloseTo(1f, within(1e-6f));
    assertThat(out[2]).isCloseTo(0.125f, within(1e-6f));
    assertThat(out[3]).isCloseTo(0.375f, within(1e-6f));
    assertThat(out[4]).isCloseTo(-1f, within(1e-6f));
    assertThat(e.shape(2)).containsExactly(2, 2, 1, 2);
  }

  @Test
  void interleavesChannelsInNhwc() {
    InputEncoder e = new InputEncoder(spec(ModelManifest.Layout.NHWC));
    float[] out = e.encode(List.of(image()));
    assertThat(out[0]).isCloseTo(-1f, within(1e-6f));
    assertThat(out[1]).isCloseTo(0.125f, within(1e-6f));
    assertThat(out[2]).isCloseTo(1f, within(1e-6f));
    assertThat(out[3]).isCloseTo(0.375f, within(1e-6f));
    assertThat(e.shape(3)).containsExactly(3, 1, 2, 2);
  }

  @Test
  void refusesAnImageOfAnotherGeometry() {
    InputEncoder e = new InputEncoder(spec(ModelManifest.Layout.NCHW));
    assertThatThrownBy(() -> e.encode(List.of(new FloatImage(1, 1, 2, new float[2]))))
        .hasMessageContaining("model takes 2x1x2");
  }

  @Test
  void aCallTooLargeForOneArrayIsRefusedNamingTheSettingToLower() {
    // 3 x 4096 x 4096 values an image: 128 of them (model.max-batch's default) wrapped the int size before
    ModelManifest.InputSpec large = new ModelManifest.InputSpec("input", ModelManifest.Layout.NCHW, 3, 4096, 4096,
        1f / 255f, new float[3], new float[] {1f, 1f, 1f}, new float[3]);
    List<FloatImage> images = java.util.Collections.nCopies(128, image()); // refused before any image is read
    assertThatThrownBy(() -> new InputEncoder(large).encode(images))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("128 images of 3x4096x4096")
        .hasMessageContaining("set model.max-batch to at most 42");
  }
}
