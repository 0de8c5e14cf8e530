package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * image.max-pixels may be set up to {@link ImageLimits#PIXELS_ADDRESSABLE}, sized for the decoded RGB bytes;
 * the JDK decoder's own buffer holds every stored sample, alpha included, in one array. An RGBA PNG that
 * passes the pixel limit can therefore need more samples than an array holds, and used to be dead-lettered as
 * a corrupt file ("Invalid scanline stride") instead of as too large, naming the limit.
 */
class DecoderBufferLimitTest {

  private final ImageDecoder decoder =
      new ImageDecoder(new ImageLimits(ImageLimits.DEFAULT_MAX_ENCODED_BYTES, ImageLimits.PIXELS_ADDRESSABLE, 65_535));

  @Test
  void refusesAnRgbaPngWhoseSamplesDoNotFitOneArrayAsTooLargeNamingTheLimit() {
    // 26000 x 26000 = 676,000,000 pixels, under the limit; x 4 samples = 2,704,000,000, over an array's reach.
    byte[] png = TestImages.handmadePng(26_000, 26_000, 8, 6, TestImages.zlib(new byte[64]));

    assertThatThrownBy(() -> decoder.decode(png))
        .isInstanceOfSatisfying(ImageDecodeException.class, e -> {
          assertThat(e.reason()).isEqualTo(ImageRejection.TOO_MANY_PIXELS);
          assertThat(e.deadLetterReason()).isEqualTo("IMAGE_TOO_LARGE");
        })
        .hasMessageContaining("26000x26000")
        .hasMessageContaining("4 samples per pixel")
        .hasMessageContaining(ImageLimits.MAX_PIXELS_SETTING)
        .hasMessageContaining("refused before decoding");
  }
}
