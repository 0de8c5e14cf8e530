package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/**
 * Before the JDK decoder sees a PNG, {@link PngHeaderReader} has checked that every chunk lies inside the
 * bytes and that IEND is reached. When the decoder still runs out of data, the file is complete and what is
 * wrong is inside it (a chunk whose contents disagree with its length, image data too short for the image):
 * calling that a truncated file sends whoever reads the dead letter looking for a transfer problem.
 */
class PngDecoderEndOfDataTest {

  private final ImageDecoder decoder = new ImageDecoder();

  @Test
  void refusesACompletePalettePngWithAShortCieChunkAsCorruptNotAsTruncated() {
    // The JDK reads cHRM as 32 bytes whatever its declared length, and then reads past IEND.
    byte[] png = TestImages.withChunkBefore(TestImages.png(new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_INDEXED)),
        "IEND", "cHRM", new byte[5]);

    assertThatThrownBy(() -> decoder.decode(png))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.CORRUPT))
        .hasMessageStartingWith("PNG data")
        .hasMessageNotContaining("the file is truncated")
        .hasMessageContaining("every chunk is complete");
  }

  @Test
  void stillCallsAPngCutInsideItsImageDataTruncated() {
    byte[] whole = TestImages.png(TestImages.rgb(32, 32, (x, y) -> x * 8 << 16 | y * 8));
    byte[] cut = java.util.Arrays.copyOf(whole, TestImages.chunkOffset(whole, "IDAT") + 20);

    assertThatThrownBy(() -> decoder.decode(cut))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.TRUNCATED));
  }

}
