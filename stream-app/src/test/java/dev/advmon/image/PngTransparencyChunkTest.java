package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/**
 * PNG forbids a tRNS chunk in images that carry their own alpha (colour types 4 and 6). The JDK decoder then
 * loses its place in the chunk list and reports whatever it reads next: a negative chunk length, or the end of
 * a file that is in fact complete, which dead-lettered such frames as truncated.
 */
class PngTransparencyChunkTest {

  private final ImageDecoder decoder = new ImageDecoder();

  @Test
  void refusesAnRgbaPngWithATrnsChunkAsCorruptNamingTheChunkRatherThanAsTruncated() {
    byte[] png = TestImages.withChunkBefore(TestImages.png(new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB)),
        "IDAT", "tRNS", new byte[3]);
    assertThat(TestImages.pngColourType(png)).isEqualTo(6);

    assertThatThrownBy(() -> decoder.decode(png))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.CORRUPT))
        .hasMessageContaining("tRNS")
        .hasMessageContaining("colour type 6")
        .hasMessageNotContaining("truncated");
  }

  @Test
  void refusesAGrayAlphaPngWithATrnsChunkAsCorruptNamingTheChunk() {
    byte[] gray = TestImages.handmadePng(8, 8, 8, 4, TestImages.zlib(new byte[8 * (1 + 8 * 2)]));
    byte[] png = TestImages.withChunkBefore(gray, "IDAT", "tRNS", new byte[2]);

    assertThatThrownBy(() -> decoder.decode(png))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.CORRUPT))
        .hasMessageContaining("tRNS")
        .hasMessageContaining("colour type 4");
  }

  @Test
  void stillDecodesAnRgbPngWithAValidTrnsChunk() throws Exception {
    byte[] png = TestImages.withChunkBefore(TestImages.png(TestImages.rgb(8, 8, (x, y) -> 0x102030)), "IDAT", "tRNS",
        new byte[6]);

    DecodedImage image = decoder.decode(png);

    assertThat(image.sample(3, 3, 0)).isEqualTo(0x10);
    assertThat(image.channels()).isEqualTo(3);
  }

}
