package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import javax.imageio.ImageTypeSpecifier;
import org.junit.jupiter.api.Test;

class ImageDecoderPngTest {

  private final ImageDecoder decoder = new ImageDecoder();

  @Test
  void decodesGrayPngExactly() throws Exception {
    byte[] png = TestImages.png(TestImages.gray(7, 5, (x, y) -> x * 30 + y));
    assertThat(TestImages.pngColourType(png)).isZero();

    DecodedImage image = decoder.decode(png);

    assertThat(image.width()).isEqualTo(7);
    assertThat(image.height()).isEqualTo(5);
    assertThat(image.channels()).isEqualTo(1);
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 7; x++) {
        assertThat(image.sample(x, y, 0)).isEqualTo(x * 30 + y);
      }
    }
  }

  @Test
  void decodesRgbPngExactly() throws Exception {
    byte[] png = TestImages.png(TestImages.rgb(6, 4, (x, y) -> (x * 40) << 16 | (y * 60) << 8 | (x + y)));
    assertThat(TestImages.pngColourType(png)).isEqualTo(2);

    DecodedImage image = decoder.decode(png, ImageFormat.PNG, 6, 4);

    assertThat(image.channels()).isEqualTo(3);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 6; x++) {
        assertThat(new int[] {image.sample(x, y, 0), image.sample(x, y, 1), image.sample(x, y, 2)})
            .containsExactly(x * 40, y * 60, x + y);
      }
    }
  }

  @Test
  void reducesSixteenBitGrayPngToTheNearestEightBitValue() throws Exception {
    // 8-bit value v stands for 257 * v; values round at the midpoints 257 * v + 128.5.
    int[] values = {0, 128, 129, 257 * 100 + 128, 257 * 100 + 129, 65535};
    BufferedImage image = new BufferedImage(values.length, 1, BufferedImage.TYPE_USHORT_GRAY);
    for (int x = 0; x < values.length; x++) {
      image.getRaster().setSample(x, 0, 0, values[x]);
    }
    byte[] png = TestImages.png(image);
    assertThat(TestImages.pngBitDepth(png)).isEqualTo(16);

    DecodedImage decoded = decoder.decode(png);

    assertThat(decoded.channels()).isEqualTo(1);
    assertThat(decoded.pixels()).containsExactly(0, 0, 1, 100, 101, (byte) 255);
  }

  @Test
  void reducesSixteenBitRgbPngToEightBits() throws Exception {
    BufferedImage image = ImageTypeSpecifier.createInterleaved(ColorSpace.getInstance(ColorSpace.CS_sRGB),
        new int[] {0, 1, 2}, DataBuffer.TYPE_USHORT, false, false).createBufferedImage(2, 1);
    image.getRaster().setPixel(0, 0, new int[] {65535, 257 * 7, 0});
    image.getRaster().setPixel(1, 0, new int[] {257 * 200, 257 * 100 + 129, 128});
    byte[] png = TestImages.png(image);
    assertThat(TestImages.pngColourType(png)).isEqualTo(2);
    assertThat(TestImages.pngBitDepth(png)).isEqualTo(16);

    DecodedImage decoded = decoder.decode(png);

    assertThat(rgbAt(decoded, 0, 0)).containsExactly(255, 7, 0);
    assertThat(rgbAt(decoded, 1, 0)).containsExactly(200, 101, 0);
  }

  @Test
  void expandsPalettePngToRgb() throws Exception {
    byte[] reds = {(byte) 255, 0, 0, 10};
    byte[] greens = {0, (byte) 255, 0, 20};
    byte[] blues = {0, 0, (byte) 255, 30};
    IndexColorModel palette = new IndexColorModel(2, 4, reds, greens, blues);
    BufferedImage image = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_BINARY, palette);
    for (int x = 0; x < 4; x++) {
      image.getRaster().setSample(x, 0, 0, x);
      image.getRaster().setSample(x, 1, 0, 3 - x);
    }
    byte[] png = TestImages.png(image);
    assertThat(TestImages.pngColourType(png)).isEqualTo(3);

    DecodedImage decoded = decoder.decode(png);

    assertThat(decoded.channels()).isEqualTo(3);
    assertThat(rgbAt(decoded, 0, 0)).containsExactly(255, 0, 0);
    assertThat(rgbAt(decoded, 1, 0)).containsExactly(0, 255, 0);
    assertThat(rgbAt(decoded, 2, 0)).containsExactly(0, 0, 255);
    assertThat(rgbAt(decoded, 3, 0)).containsExactly(10, 20, 30);
    assertThat(rgbAt(decoded, 0, 1)).containsExactly(10, 20, 30);
  }

  @Test
  void keepsOneBitGrayPngAsOneChannel() throws Exception {
    BufferedImage image = new BufferedImage(9, 2, BufferedImage.TYPE_BYTE_BINARY);
    for (int x = 0; x < 9; x++) {
      image.getRaster().setSample(x, 0, 0, x % 2);
    }
    byte[] png = TestImages.png(image);

    DecodedImage decoded = decoder.decode(png);

    assertThat(decoded.channels()).isEqualTo(1);
    assertThat(decoded.sample(0, 0, 0)).isZero();
    assertThat(decoded.sample(1, 0, 0)).isEqualTo(255);
    assertThat(decoded.sample(1, 1, 0)).isZero();
  }

  @Test
  void dropsAlphaOfRgbaPngKeepingColourAsStored() throws Exception {
    BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
    image.setRGB(0, 0, 0x00_11_22_33); // fully transparent: its colour is still passed on
    image.setRGB(1, 0, 0x80_40_50_60);
    byte[] png = TestImages.png(image);
    assertThat(TestImages.pngColourType(png)).isEqualTo(6);

    DecodedImage decoded = decoder.decode(png);

    assertThat(decoded.channels()).isEqualTo(3);
    assertThat(rgbAt(decoded, 0, 0)).containsExactly(0x11, 0x22, 0x33);
    assertThat(rgbAt(decoded, 1, 0)).containsExactly(0x40, 0x50, 0x60);
  }

  @Test
  void dropsAlphaOfGrayAlphaPng() throws Exception {
    BufferedImage image = ImageTypeSpecifier.createGrayscale(8, DataBuffer.TYPE_BYTE, false, false)
        .createBufferedImage(3, 1);
    WritableRaster raster = image.getRaster();
    raster.setPixel(0, 0, new int[] {10, 0});
    raster.setPixel(1, 0, new int[] {20, 128});
    raster.setPixel(2, 0, new int[] {30, 255});
    byte[] png = TestImages.png(image);
    assertThat(TestImages.pngColourType(png)).isEqualTo(4);

    DecodedImage decoded = decoder.decode(png);

    assertThat(decoded.channels()).isEqualTo(1);
    assertThat(decoded.pixels()).containsExactly(10, 20, 30);
  }

  @Test
  void decodesInterlacedPng() throws Exception {
    byte[] png = TestImages.interlacedPng(TestImages.gray(13, 11, (x, y) -> (x * 17 + y * 5) & 0xFF));
    assertThat(png[28]).isEqualTo((byte) 1);

    DecodedImage decoded = decoder.decode(png);

    assertThat(decoded.sample(12, 10, 0)).isEqualTo(12 * 17 + 50);
  }

  @Test
  void refusesDeclaredDimensionsThatDisagreeWithTheHeader() {
    byte[] png = TestImages.png(TestImages.gray(8, 6, (x, y) -> 0));

    assertThatThrownBy(() -> decoder.decode(png, ImageFormat.PNG, 6, 8))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.BAD_DIMENSIONS))
        .hasMessageContaining("6x8").hasMessageContaining("8x6");
  }

  @Test
  void refusesJpegBytesLabelledAsPng() {
    byte[] jpeg = TestImages.jpeg(TestImages.gray(8, 8, (x, y) -> 0));

    assertThatThrownBy(() -> decoder.decode(jpeg, ImageFormat.PNG, null, null))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.BAD_MAGIC))
        .hasMessageContaining("are a JPEG image");
  }

  private static int[] rgbAt(DecodedImage image, int x, int y) {
    return new int[] {image.sample(x, y, 0), image.sample(x, y, 1), image.sample(x, y, 2)};
  }
}
