package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImageFormatTest {

  @Test
  void detectsPngAndJpegByTheirSignatures() {
    assertThat(ImageFormat.detect(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0}))
        .contains(ImageFormat.PNG);
    assertThat(ImageFormat.detect(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0}))
        .contains(ImageFormat.JPEG);
  }

  @Test
  void detectsNothingInRawPixelsOrBytesShorterThanASignature() {
    assertThat(ImageFormat.detect(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0})).isEmpty();
    assertThat(ImageFormat.detect(new byte[] {(byte) 0x89, 'P', 'N', 'G'})).isEmpty();
    assertThat(ImageFormat.detect(new byte[0])).isEmpty();
  }

  @Test
  void onlyRawFormatsNeedWidthAndHeight() {
    assertThat(ImageFormat.PNG.isEncoded()).isTrue();
    assertThat(ImageFormat.JPEG.isEncoded()).isTrue();
    assertThat(ImageFormat.GRAY8.isEncoded()).isFalse();
    assertThat(ImageFormat.RGB8.isEncoded()).isFalse();
  }
}
