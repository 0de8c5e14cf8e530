package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ImageConverterTest {

  private static final float EPSILON = 1e-6f;

  private final ImageConverter converter = new ImageConverter();

  @Test
  void reducesRgbToGrayWithBt601LumaWeights() {
    DecodedImage rgb = new DecodedImage(4, 1, 3, bytes(255, 0, 0, 0, 255, 0, 0, 0, 255, 200, 100, 50));

    FloatImage gray = converter.toModelInput(rgb, 1, 1, 4);

    assertThat(gray.channels()).isEqualTo(1);
    assertThat(gray.get(0, 0, 0)).isCloseTo(0.299f, within(EPSILON));
    assertThat(gray.get(0, 0, 1)).isCloseTo(0.587f, within(EPSILON));
    assertThat(gray.get(0, 0, 2)).isCloseTo(0.114f, within(EPSILON));
    assertThat(gray.get(0, 0, 3)).isCloseTo((0.299f * 200 + 0.587f * 100 + 0.114f * 50) / 255f, within(EPSILON));
  }

  @Test
  void replicatesGrayIntoAllThreeChannels() {
    DecodedImage gray = new DecodedImage(2, 2, 1, bytes(0, 51, 102, 255));

    FloatImage rgb = converter.toModelInput(gray, 3, 2, 2);

    assertThat(rgb.channels()).isEqualTo(3);
    for (int c = 0; c < 3; c++) {
      assertThat(rgb.get(c, 0, 1)).isEqualTo(51 / 255f);
      assertThat(rgb.get(c, 1, 0)).isEqualTo(102 / 255f);
      assertThat(rgb.get(c, 1, 1)).isEqualTo(1f);
    }
  }

  @Test
  void averagesACheckerboardToHalfGrayWhenHalving56To28() {
    byte[] pixels = new byte[56 * 56];
    for (int y = 0; y < 56; y++) {
      for (int x = 0; x < 56; x++) {
        pixels[y * 56 + x] = (byte) ((x + y) % 2 == 0 ? 255 : 0);
      }
    }

    FloatImage small = converter.toModelInput(new DecodedImage(56, 56, 1, pixels), 1, 28, 28);

    for (float value : small.data()) {
      assertThat(value).isCloseTo(0.5f, within(EPSILON));
    }
  }

  @Test
  void keepsTheMeanWhenShrinkingByANonIntegerFactor() {
    Random random = new Random(3);
    byte[] pixels = new byte[30 * 30];
    random.nextBytes(pixels);
    double sourceMean = 0;
    for (byte b : pixels) {
      sourceMean += (b & 0xFF) / 255.0;
    }
    sourceMean /= pixels.length;

    FloatImage small = converter.toModelInput(new DecodedImage(30, 30, 1, pixels), 1, 7, 7);

    double mean = 0;
    for (float value : small.data()) {
      mean += value;
    }
    assertThat(mean / small.data().length).isCloseTo(sourceMean, within(1e-5));
  }

  @Test
  void keepsAConstantImageConstantWhenEnlarging14To28() {
    byte[] pixels = new byte[14 * 14 * 3];
    for (int i = 0; i < pixels.length; i += 3) {
      pixels[i] = 10;
      pixels[i + 1] = (byte) 128;
      pixels[i + 2] = (byte) 250;
    }

    FloatImage large = converter.toModelInput(new DecodedImage(14, 14, 3, pixels), 3, 28, 28);

    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        assertThat(large.get(0, y, x)).isCloseTo(10 / 255f, within(EPSILON));
        assertThat(large.get(1, y, x)).isCloseTo(128 / 255f, within(EPSILON));
        assertThat(large.get(2, y, x)).isCloseTo(250 / 255f, within(EPSILON));
      }
    }
  }

  @Test
  void interpolatesBetweenPixelCentresWhenEnlarging() {
    FloatImage row = converter.toModelInput(new DecodedImage(2, 1, 1, bytes(0, 255)), 1, 1, 4);

    assertThat(row.data()).containsExactly(new float[] {0f, 0.25f, 0.75f, 1f}, within(EPSILON));
  }

  @Test
  void shrinksOneAxisAndEnlargesTheOther() {
    DecodedImage image = new DecodedImage(4, 1, 1, bytes(0, 255, 255, 255));

    FloatImage resized = converter.toModelInput(image, 1, 2, 2);

    assertThat(resized.get(0, 0, 0)).isCloseTo(0.5f, within(EPSILON));
    assertThat(resized.get(0, 1, 0)).isCloseTo(0.5f, within(EPSILON));
    assertThat(resized.get(0, 0, 1)).isCloseTo(1f, within(EPSILON));
  }

  @Test
  void copiesEqualSizeImagesExactlyInPlanarOrder() {
    byte[] pixels = new byte[5 * 3 * 3];
    new Random(11).nextBytes(pixels);
    DecodedImage image = new DecodedImage(5, 3, 3, pixels);

    FloatImage same = converter.toModelInput(image, 3, 3, 5);

    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 3; y++) {
        for (int x = 0; x < 5; x++) {
          assertThat(same.get(c, y, x)).isEqualTo(image.sample(x, y, c) / 255f);
        }
      }
    }
  }

  @Test
  void roundTripsAnRgbImageThroughPngExactly() throws Exception {
    byte[] pixels = new byte[9 * 7 * 3];
    new Random(5).nextBytes(pixels);
    FloatImage original = converter.toModelInput(new DecodedImage(9, 7, 3, pixels), 3, 7, 9);

    DecodedImage decoded = new ImageDecoder().decode(ImageConverter.toPng(original));

    assertThat(decoded.pixels()).containsExactly(pixels);
  }

  @Test
  void roundTripsAGrayImageThroughPngExactly() throws Exception {
    byte[] pixels = new byte[6 * 4];
    new Random(9).nextBytes(pixels);
    FloatImage original = converter.toModelInput(new DecodedImage(6, 4, 1, pixels), 1, 4, 6);

    DecodedImage decoded = new ImageDecoder().decode(ImageConverter.toPng(original));

    assertThat(decoded.channels()).isEqualTo(1);
    assertThat(decoded.pixels()).containsExactly(pixels);
  }

  @Test
  void picturesClampOutOfRangeValuesAndRoundToEightBits() {
    FloatImage image = new FloatImage(1, 1, 5, new float[] {-0.5f, Float.NaN, 0.5f, 1.2f, 0.1f});

    BufferedImage picture = ImageConverter.toBufferedImage(image);

    int[] samples = picture.getRaster().getSamples(0, 0, 5, 1, 0, new int[5]);
    assertThat(samples).containsExactly(0, 0, 128, 255, 26);
  }

  @Test
  void refusesModelGeometriesItCannotProduce() {
    DecodedImage image = new DecodedImage(1, 1, 1, bytes(0));

    assertThatIllegalArgumentException().isThrownBy(() -> converter.toModelInput(image, 2, 1, 1));
    assertThatIllegalArgumentException().isThrownBy(() -> converter.toModelInput(image, 1, 0, 1));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> ImageConverter.toBufferedImage(new FloatImage(2, 1, 1, new float[2])));
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }
}
