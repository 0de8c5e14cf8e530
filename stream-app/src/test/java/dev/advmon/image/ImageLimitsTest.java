package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class ImageLimitsTest {

  @Test
  void defaultsAreEightMebibytesAnd4096SquaredPixelsAnd16384PerSide() {
    ImageLimits limits = ImageLimits.defaults();

    assertThat(limits.maxEncodedBytes()).isEqualTo(8 * 1024 * 1024);
    assertThat(limits.maxPixels()).isEqualTo(16_777_216);
    assertThat(limits.maxDimension()).isEqualTo(16_384);
  }

  @Test
  void refusesNonPositiveValuesNamingTheSetting() {
    assertThatIllegalArgumentException().isThrownBy(() -> new ImageLimits(0, 1, 1))
        .withMessageContaining("image.max-encoded-bytes");
    assertThatIllegalArgumentException().isThrownBy(() -> new ImageLimits(1, -1, 1))
        .withMessageContaining("image.max-pixels");
    assertThatIllegalArgumentException().isThrownBy(() -> new ImageLimits(1, 1, 0))
        .withMessageContaining("image.max-dimension");
  }

  @Test
  void refusesLimitsNoJavaArrayCouldHold() {
    assertThatIllegalArgumentException().isThrownBy(() -> new ImageLimits(1L << 31, 1, 1))
        .withMessageContaining("image.max-encoded-bytes");
    assertThatIllegalArgumentException().isThrownBy(() -> new ImageLimits(1, 1L << 30, 1))
        .withMessageContaining("image.max-pixels");
  }
}
