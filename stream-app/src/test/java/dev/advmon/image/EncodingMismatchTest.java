package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Gateways that re-encode frames do not always update the frame's encoding field. The frame is refused (the
 * field is the contract), but the refusal must say what the bytes really are and which encoding to set.
 */
class EncodingMismatchTest {

  private final ImageDecoder decoder = new ImageDecoder();
  private final byte[] png = TestImages.png(TestImages.gray(8, 4, (x, y) -> x * 30));
  private final byte[] jpeg = TestImages.jpeg(TestImages.gray(8, 4, (x, y) -> x * 30));

  @Test
  void pngSentAsJpegNamesPngAndTheEncodingToSet() {
    assertThatThrownBy(() -> decoder.decode(png, ImageFormat.JPEG, null, null))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.BAD_MAGIC))
        .hasMessageContaining("encoding JPEG")
        .hasMessageContaining("are a PNG image")
        .hasMessageContaining("set the frame's encoding to PNG");
  }

  @Test
  void jpegSentAsPngNamesJpegAndTheEncodingToSet() {
    assertThatThrownBy(() -> decoder.decode(jpeg, ImageFormat.PNG, null, null))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.BAD_MAGIC))
        .hasMessageContaining("encoding PNG")
        .hasMessageContaining("are a JPEG image")
        .hasMessageContaining("set the frame's encoding to JPEG");
  }

  @Test
  void pngSentAsRawPixelsOfTheWrongSizeNamesPng() {
    assertThatThrownBy(() -> decoder.decode(png, ImageFormat.RGB8, 8, 4))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.BAD_DIMENSIONS))
        .hasMessageContaining("needs 96 bytes")
        .hasMessageContaining("set the frame's encoding to PNG");
  }
}
