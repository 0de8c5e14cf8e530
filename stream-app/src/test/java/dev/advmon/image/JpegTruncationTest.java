package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageWriteParam;
import org.junit.jupiter.api.Test;

/**
 * A JPEG cut short anywhere after its frame header is one fault, a truncated file, whatever the decoder would
 * have made of the half it got: gray fill after a warning, or an error about a half-read table.
 */
class JpegTruncationTest {

  private final ImageDecoder decoder = new ImageDecoder();

  @Test
  void progressiveJpegCutAnywhereAfterItsFrameHeaderIsRefusedAsTruncated() {
    byte[] jpeg = TestImages.write(TestImages.rgb(24, 16, (x, y) -> (x * 10) << 16 | (y * 15) << 8 | (x ^ y) * 8),
        "jpeg", param -> param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT));
    assertThat(JpegHeaderReader.countScans(jpeg)).isGreaterThan(1);

    assertEveryCutAfterTheFrameHeaderIsTruncated(jpeg);
  }

  @Test
  void baselineJpegCutAnywhereAfterItsFrameHeaderIsRefusedAsTruncated() {
    byte[] jpeg = TestImages.jpeg(TestImages.gray(16, 16, (x, y) -> x * 16));

    assertEveryCutAfterTheFrameHeaderIsTruncated(jpeg);
  }

  @Test
  void jpegWithBytesAfterItsEndMarkerIsDecodedAsTheImageBeforeThem() throws Exception {
    byte[] jpeg = TestImages.jpeg(TestImages.gray(16, 16, (x, y) -> x * 16));
    byte[] trailing = Arrays.copyOf(jpeg, jpeg.length + 5);
    System.arraycopy(new byte[] {'J', 'U', 'N', 'K', (byte) 0xFF}, 0, trailing, jpeg.length, 5);

    assertThat(decoder.decode(trailing).pixels()).isEqualTo(decoder.decode(jpeg).pixels());
  }

  private void assertEveryCutAfterTheFrameHeaderIsTruncated(byte[] jpeg) {
    assertThatCode(() -> decoder.decode(jpeg)).doesNotThrowAnyException();
    List<String> wrong = new ArrayList<>();
    for (int length = TestImages.sofOffset(jpeg) + 2; length < jpeg.length; length++) {
      try {
        decoder.decode(Arrays.copyOf(jpeg, length));
        wrong.add(length + " bytes: decoded");
      } catch (ImageDecodeException e) {
        if (e.reason() != ImageRejection.TRUNCATED) {
          wrong.add(length + " bytes: " + e.reason() + " " + e.getMessage());
        }
      }
    }
    assertThat(wrong).as("cuts of a %d-byte JPEG not refused as truncated", jpeg.length).isEmpty();
  }
}
