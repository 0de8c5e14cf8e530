package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageDecoderHostileInputTest {

  private final ImageDecoder decoder = new ImageDecoder();

  @Test
  void refusesPngWhoseHeaderClaimsFiftyThousandSquaredPixels() {
    byte[] bomb = TestImages.handmadePng(50_000, 50_000);
    assertThat(bomb.length).isLessThan(100);

    ImageDecodeException e = assertTimeoutPreemptively(Duration.ofSeconds(1),
        () -> catchDecode(bomb));

    assertThat(e.reason()).isEqualTo(ImageRejection.TOO_MANY_PIXELS);
    assertThat(e.deadLetterReason()).isEqualTo("IMAGE_TOO_LARGE");
    assertThat(e).hasMessage("PNG header declares 50000x50000 = 2500000000 pixels, above image.max-pixels"
        + " = 16777216; refused before decoding");
  }

  @Test
  void refusesPngWiderThanTheMaximumDimensionEvenWhenThePixelCountFits() {
    byte[] png = TestImages.handmadePng(20_000, 1);

    assertThatThrownBy(() -> decoder.decode(png))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.TOO_MANY_PIXELS))
        .hasMessageContaining("image.max-dimension = 16384");
  }

  @Test
  void appliesConfiguredLimitsRatherThanDefaults() {
    ImageDecoder strict = new ImageDecoder(new ImageLimits(1024, 100, 50));
    byte[] png = TestImages.png(TestImages.gray(11, 10, (x, y) -> 0));

    assertThatThrownBy(() -> strict.decode(png))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.TOO_MANY_PIXELS))
        .hasMessageContaining("11x10 = 110 pixels, above image.max-pixels = 100");
  }

  @Test
  void refusesTooManyEncodedBytesBeforeLookingAtThem() {
    ImageDecoder small = new ImageDecoder(new ImageLimits(100, ImageLimits.DEFAULT_MAX_PIXELS, 16_384));
    byte[] garbage = new byte[101];

    assertThatThrownBy(() -> small.decode(garbage))
        .isInstanceOfSatisfying(ImageDecodeException.class, e -> {
          assertThat(e.reason()).isEqualTo(ImageRejection.TOO_MANY_BYTES);
          assertThat(e.deadLetterReason()).isEqualTo("IMAGE_TOO_LARGE");
        })
        .hasMessage("encoded image has 101 bytes, above image.max-encoded-bytes = 100; refused before decoding");
  }

  @Test
  void refusesBytesWithNeitherPngNorJpegSignature() {
    byte[] gif = "GIF89a....".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    assertThatThrownBy(() -> decoder.decode(gif))
        .isInstanceOfSatisfying(ImageDecodeException.class, e -> {
          assertThat(e.reason()).isEqualTo(ImageRejection.BAD_MAGIC);
          assertThat(e.deadLetterReason()).isEqualTo("UNDECODABLE_IMAGE");
        })
        .hasMessageContaining("47 49 46 38");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "a GIF image, 474946383961",
      "a WebP image, 52494646240000005745425056503820",
      "a TIFF image, 49492A0008000000",
      "a TIFF image, 4D4D002A00000008",
      "a HEIF/AVIF image, 0000001C6674797068656963",
      "a HEIF/AVIF image, 0000001C6674797061766966",
      "a BMP image, 424D3A0000000000000036000000280000000100000001000100180000000000",
  })
  void namesACommonImageFormatThatIsNotAcceptedRatherThanOnlyItsSignatureInHex(String named, String hexStart) {
    byte[] bytes = java.util.HexFormat.of().parseHex(hexStart);

    assertThatThrownBy(() -> decoder.decode(bytes))
        .isInstanceOfSatisfying(ImageDecodeException.class, e -> {
          assertThat(e.reason()).isEqualTo(ImageRejection.BAD_MAGIC);
          assertThat(e.deadLetterReason()).isEqualTo("UNDECODABLE_IMAGE");
        })
        .hasMessageStartingWith("this is " + named + " (it starts ")
        .hasMessageEndingWith("only PNG and JPEG images are accepted: convert it to PNG");
  }

  @ParameterizedTest(name = "{0} sent as {1}")
  @CsvSource({
      "a GIF image, PNG, 474946383961",
      "a GIF image, JPEG, 474946383961",
      "a WebP image, JPEG, 52494646240000005745425056503820",
      "a BMP image, PNG, 424D3A0000000000000036000000280000000100000001000100180000000000",
  })
  void namesACommonImageFormatThatIsNotAcceptedWhenTheFrameSaysPngOrJpeg(String named, ImageFormat declared,
      String hexStart) {
    // a frame on Kafka always names its encoding: a gateway that forwards a camera's GIF as PNG must read the same
    // advice as `score` gives for the file, not only the PNG signature it lacks in hex
    byte[] bytes = java.util.HexFormat.of().parseHex(hexStart);

    assertThatThrownBy(() -> decoder.decode(bytes, declared, null, null))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.deadLetterReason()).isEqualTo("UNDECODABLE_IMAGE"))
        .hasMessageStartingWith("the frame says encoding " + declared + " but its bytes are " + named + " (they start ")
        .hasMessageEndingWith("only PNG and JPEG images are accepted: convert it to PNG and set the frame's encoding "
            + "to PNG");
  }

  @Test
  void saysAnEmptyImageIsEmpty() {
    assertThatThrownBy(() -> decoder.decode(new byte[0])).hasMessage("the image is empty (0 bytes)");
  }

  @Test
  void refusesEmptyBytesAsBadMagic() {
    assertThatThrownBy(() -> decoder.decode(new byte[0]))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.BAD_MAGIC));
  }

  @Test
  void refusesPngCutInTheMiddleOfItsImageDataAsTruncated() {
    byte[] png = TestImages.png(noise(64, 64));
    int idat = TestImages.chunkOffset(png, "IDAT");
    byte[] cut = Arrays.copyOf(png, idat + 8 + 500);

    assertThatThrownBy(() -> decoder.decode(cut))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.TRUNCATED))
        .hasMessageContaining("IDAT at offset " + idat).hasMessageContaining("truncated");
  }

  @Test
  void refusesPngCutInsideItsSignatureOrHeaderAsTruncated() {
    byte[] png = TestImages.png(TestImages.gray(4, 4, (x, y) -> 0));

    for (int length : new int[] {3, 8, 20, 32}) {
      assertThatThrownBy(() -> decoder.decode(Arrays.copyOf(png, length), ImageFormat.PNG, null, null))
          .as("cut at %d bytes", length)
          .isInstanceOfSatisfying(ImageDecodeException.class,
              e -> assertThat(e.reason()).isEqualTo(ImageRejection.TRUNCATED));
    }
  }

  @Test
  void refusesPngWithUndecodableImageDataAsCorruptWithoutLeakingTheDecoderException() {
    // zlib header, then a final block of the reserved type 3
    byte[] png = TestImages.handmadePng(4, 4, 8, 0, new byte[] {0x78, (byte) 0x9C, 0x07, 0, 0, 0});

    assertThatThrownBy(() -> decoder.decode(png))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isIn(ImageRejection.CORRUPT, ImageRejection.TRUNCATED))
        .hasMessageStartingWith("PNG data");
  }

  @Test
  void refusesPngWithTooLittleImageDataForItsSize() {
    byte[] png = TestImages.handmadePng(64, 64);

    assertThatThrownBy(() -> decoder.decode(png))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isIn(ImageRejection.CORRUPT, ImageRejection.TRUNCATED))
        .hasMessageStartingWith("PNG data");
  }

  @Test
  void refusesPngWithZeroWidthHeader() {
    byte[] png = TestImages.handmadePng(0, 10);

    assertThatThrownBy(() -> decoder.decode(png))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.BAD_DIMENSIONS))
        .hasMessageContaining("0x10").hasMessageContaining("must be positive");
  }

  @Test
  void refusesJpegWithZeroHeightFrameHeader() {
    byte[] jpeg = TestImages.jpegHeaderOnly(0xC0, 8, 16, 0, 1);

    assertThatThrownBy(() -> decoder.decode(jpeg))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.BAD_DIMENSIONS));
  }

  @Test
  void refusesPngWithBitDepthTheColourTypeDoesNotAllow() {
    byte[] png = TestImages.handmadePng(4, 4, 4, 2, TestImages.zlib(new byte[4]));

    assertThatThrownBy(() -> decoder.decode(png))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.CORRUPT))
        .hasMessageContaining("bit depth 4 for colour type 2");
  }

  @Test
  void refusesPngWhoseHeaderFailsItsCrc() {
    byte[] png = TestImages.handmadePng(4, 4);
    png[19] ^= 1; // width changes, CRC does not

    assertThatThrownBy(() -> decoder.decode(png))
        .isInstanceOfSatisfying(ImageDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageRejection.CORRUPT))
        .hasMessageContaining("CRC");
  }

  @Test
  void refusesEveryPrefixOfAPngWithADecodeExceptionOnly() {
    byte[] png = TestImages.png(noise(12, 9));
    for (int length = 0; length < png.length; length++) {
      byte[] prefix = Arrays.copyOf(png, length);
      assertThat(catchDecode(prefix)).as("prefix of %d bytes", length).isNotNull();
    }
  }

  @Test
  void survivesRandomByteDamageToPngAndJpegWithoutLeakingOtherExceptions() {
    Random random = new Random(42);
    byte[][] originals = {TestImages.png(noise(16, 16)), TestImages.jpeg(noise(16, 16))};
    for (byte[] original : originals) {
      for (int round = 0; round < 300; round++) {
        byte[] damaged = original.clone();
        for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
          damaged[2 + random.nextInt(damaged.length - 2)] = (byte) random.nextInt(256);
        }
        try {
          DecodedImage image = decoder.decode(damaged);
          assertThat(image.width()).isEqualTo(16);
        } catch (ImageDecodeException expected) {
          assertThat(expected.getMessage()).isNotBlank();
        } catch (RuntimeException | Error e) {
          fail("round " + round + " leaked " + e, e);
        }
      }
    }
  }

  private ImageDecodeException catchDecode(byte[] bytes) {
    try {
      decoder.decode(bytes);
      return null;
    } catch (ImageDecodeException e) {
      return e;
    }
  }

  private static java.awt.image.BufferedImage noise(int width, int height) {
    Random random = new Random(7);
    return TestImages.rgb(width, height, (x, y) -> random.nextInt(1 << 24));
  }
}
