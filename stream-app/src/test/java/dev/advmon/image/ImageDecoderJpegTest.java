package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageDecoderJpegTest {

  /** JPEG is lossy; at quality 0.95 flat 16x16 areas come back within a few levels. */
  private static final int TOLERANCE = 6;

  private final ImageDecoder decoder = new ImageDecoder();

  @Test
  void decodesRgbJpegWithinTolerance() throws Exception {
    int[] colours = {0xC83214, 0x1E96DC, 0x28B43C, 0xF0F0F0};
    byte[] jpeg = TestImages.jpeg(TestImages.rgb(32, 32, (x, y) -> colours[(y / 16) * 2 + x / 16]));

    DecodedImage image = decoder.decode(jpeg);

    assertThat(image.width()).isEqualTo(32);
    assertThat(image.height()).isEqualTo(32);
    assertThat(image.channels()).isEqualTo(3);
    for (int q = 0; q < 4; q++) {
      int x = (q % 2) * 16 + 8;
      int y = (q / 2) * 16 + 8;
      assertThat(image.sample(x, y, 0)).isCloseTo(colours[q] >> 16 & 0xFF, within(TOLERANCE));
      assertThat(image.sample(x, y, 1)).isCloseTo(colours[q] >> 8 & 0xFF, within(TOLERANCE));
      assertThat(image.sample(x, y, 2)).isCloseTo(colours[q] & 0xFF, within(TOLERANCE));
    }
  }

  @Test
  void decodesGrayJpegWithinTolerance() throws Exception {
    byte[] jpeg = TestImages.jpeg(TestImages.gray(24, 16, (x, y) -> x < 8 ? 20 : x < 16 ? 128 : 230));

    DecodedImage image = decoder.decode(jpeg, ImageFormat.JPEG, 24, 16);

    assertThat(image.channels()).isEqualTo(1);
    assertThat(image.sample(4, 8, 0)).isCloseTo(20, within(TOLERANCE));
    assertThat(image.sample(12, 8, 0)).isCloseTo(128, within(TOLERANCE));
    assertThat(image.sample(20, 8, 0)).isCloseTo(230, within(TOLERANCE));
  }

  @Test
  void refusesJpegWhoseFrameHeaderClaimsAHugeSize() {
    byte[] jpeg = TestImages.jpeg(TestImages.gray(16, 16, (x, y) -> 0));
    int sof = TestImages.sofOffset(jpeg);
    // height and width follow the marker (2), length (2) and precision (1)
    jpeg[sof + 5] = (byte) 0xEA;
    jpeg[sof + 6] = (byte) 0x60;
    jpeg[sof + 7] = (byte) 0xEA;
    jpeg[sof + 8] = (byte) 0x60;

    assertThatThrownBy(() -> decoder.decode(jpeg))
        .isInstanceOfSatisfying(ImageDecodeException.class, e -> {
          assertThat(e.reason()).isEqualTo(ImageRejection.TOO_MANY_PIXELS);
          assertThat(e.deadLetterReason()).isEqualTo("IMAGE_TOO_LARGE");
        })
        .hasMessage("JPEG header declares 60000x60000 = 3600000000 pixels, above image.max-pixels = 16777216;"
            + " refused before decoding");
  }

  @Test
  void refusesCmykJpegAsUnsupported() {
    byte[] jpeg = TestImages.jpegHeaderOnly(0xC0, 8, 16, 16, 4);

    assertThatThrownBy(() -> decoder.decode(jpeg))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.UNSUPPORTED))
        .hasMessageContaining("CMYK").hasMessageContaining("convert to RGB");
  }

  @Test
  void refusesArithmeticCodedJpegAsUnsupported() {
    byte[] jpeg = TestImages.jpegHeaderOnly(0xC9, 8, 16, 16, 3);

    assertThatThrownBy(() -> decoder.decode(jpeg))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.UNSUPPORTED))
        .hasMessageContaining("arithmetic coding");
  }

  @Test
  void refusesTwelveBitJpegAsUnsupported() {
    byte[] jpeg = TestImages.jpegHeaderOnly(0xC1, 12, 16, 16, 1);

    assertThatThrownBy(() -> decoder.decode(jpeg))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.UNSUPPORTED))
        .hasMessageContaining("12-bit");
  }

  @Test
  void refusesJpegCutInHalfAsTruncatedInsteadOfFillingItWithGray() {
    byte[] jpeg = TestImages.jpeg(TestImages.rgb(64, 64, (x, y) -> (x * 4) << 16 | (y * 4) << 8 | (x ^ y)));
    byte[] half = Arrays.copyOf(jpeg, jpeg.length / 2);

    assertThatThrownBy(() -> decoder.decode(half))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.TRUNCATED))
        .hasMessageContaining("truncated");
  }

  @Test
  void refusesJpegCutInsideItsHeaderAsTruncated() {
    byte[] jpeg = TestImages.jpeg(TestImages.gray(16, 16, (x, y) -> 0));
    byte[] cut = Arrays.copyOf(jpeg, TestImages.sofOffset(jpeg) + 6);

    assertThatThrownBy(() -> decoder.decode(cut))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.TRUNCATED))
        .hasMessageContaining("truncated");
  }

  @Test
  void refusesJpegWithGarbageWhereAMarkerShouldBe() {
    byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 4, 1, 2, 0x42, 0x42, 0x42};

    assertThatThrownBy(() -> decoder.decode(jpeg))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.CORRUPT))
        .hasMessageContaining("expected a marker at offset 8");
  }
}
