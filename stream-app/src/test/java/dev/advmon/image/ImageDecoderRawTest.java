package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImageDecoderRawTest {

  private final ImageDecoder decoder = new ImageDecoder();

  @Test
  void decodesGray8RowMajor() throws Exception {
    byte[] bytes = {1, 2, 3, 4, 5, 6};

    DecodedImage image = decoder.decode(bytes, ImageFormat.GRAY8, 3, 2);

    assertThat(image.width()).isEqualTo(3);
    assertThat(image.height()).isEqualTo(2);
    assertThat(image.channels()).isEqualTo(1);
    assertThat(image.sample(2, 0, 0)).isEqualTo(3);
    assertThat(image.sample(0, 1, 0)).isEqualTo(4);
  }

  @Test
  void decodesRgb8InterleavedRowMajor() throws Exception {
    byte[] bytes = {10, 20, 30, 40, 50, 60, (byte) 200, (byte) 210, (byte) 220, 1, 2, 3};

    DecodedImage image = decoder.decode(bytes, ImageFormat.RGB8, 2, 2);

    assertThat(image.channels()).isEqualTo(3);
    assertThat(image.sample(1, 0, 2)).isEqualTo(60);
    assertThat(image.sample(0, 1, 0)).isEqualTo(200);
    assertThat(image.pixels()).containsExactly(bytes);
  }

  @Test
  void keepsItsPixelsWhenTheCallerChangesTheInputArray() throws Exception {
    byte[] bytes = {1, 2, 3, 4};
    DecodedImage image = decoder.decode(bytes, ImageFormat.GRAY8, 2, 2);

    bytes[0] = 99;
    image.pixels()[1] = 99;

    assertThat(image.pixels()).containsExactly(1, 2, 3, 4);
  }

  @Test
  void refusesRgb8WhoseLengthDisagreesWithItsSizeNamingBothNumbers() {
    byte[] bytes = new byte[28 * 28 * 3 - 1];

    assertThatThrownBy(() -> decoder.decode(bytes, ImageFormat.RGB8, 28, 28))
        .isInstanceOfSatisfying(ImageDecodeException.class, e -> {
          assertThat(e.reason()).isEqualTo(ImageRejection.BAD_DIMENSIONS);
          assertThat(e.deadLetterReason()).isEqualTo("UNDECODABLE_IMAGE");
        })
        .hasMessage("RGB8 frame of 28x28 needs 2352 bytes (28 x 28 x 3), got 2351");
  }

  @Test
  void refusesRawFrameWithoutWidthOrHeight() {
    assertThatThrownBy(() -> decoder.decode(new byte[4], ImageFormat.GRAY8, null, 2))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.BAD_DIMENSIONS))
        .hasMessageContaining("needs width and height");
  }

  @Test
  void refusesRawFrameWithZeroOrNegativeSize() {
    assertThatThrownBy(() -> decoder.decode(new byte[0], ImageFormat.GRAY8, 0, 5))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.BAD_DIMENSIONS));
    assertThatThrownBy(() -> decoder.decode(new byte[4], ImageFormat.GRAY8, -2, -2))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.BAD_DIMENSIONS));
  }

  @Test
  void appliesPixelLimitToRawFramesBeforeCheckingTheirLength() {
    ImageDecoder strict = new ImageDecoder(new ImageLimits(1 << 20, 64, 100));

    assertThatThrownBy(() -> strict.decode(new byte[9 * 9], ImageFormat.GRAY8, 9, 9))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.TOO_MANY_PIXELS))
        .hasMessage("GRAY8 frame declares 9x9 = 81 pixels, above image.max-pixels = 64; refused before decoding");
  }

  @Test
  void refusesRawFrameWhoseSizeOverflowsAnInt() {
    assertThatThrownBy(() -> decoder.decode(new byte[3], ImageFormat.RGB8, Integer.MAX_VALUE, Integer.MAX_VALUE))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.TOO_MANY_PIXELS));
  }
}
