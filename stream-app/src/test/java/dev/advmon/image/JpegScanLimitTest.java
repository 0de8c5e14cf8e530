package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import javax.imageio.ImageWriteParam;
import org.junit.jupiter.api.Test;

/**
 * A progressive JPEG makes the decoder pass over the whole image once per scan, and a scan of a flat image
 * can be a few dozen bytes: a small file can hold thousands of them and keep the stream thread busy for
 * minutes. The scans are counted before decoding.
 */
class JpegScanLimitTest {

  private final ImageDecoder decoder = new ImageDecoder();

  @Test
  void refusesAProgressiveJpegWithThousandsOfScansBeforeDecodingAnyOfThem() {
    // 4096 x 4096 is within the default pixel limit; 2000 repeated AC scans add only ~70 KB to the file
    // but took the JDK decoder about 24 s before this check existed.
    byte[] bomb = repeatLastScan(progressiveJpeg(4096, 4096), 2000);
    assertThat(bomb.length).isLessThan(200_000);

    assertTimeoutPreemptively(Duration.ofSeconds(5), () ->
        assertThatThrownBy(() -> decoder.decode(bomb))
            .isInstanceOfSatisfying(ImageDecodeException.class, e -> {
              assertThat(e.reason()).isEqualTo(ImageRejection.UNSUPPORTED);
              assertThat(e.deadLetterReason()).isEqualTo("UNDECODABLE_IMAGE");
            })
            .hasMessageContaining(JpegHeaderReader.countScans(bomb) + " scans")
            .hasMessageContaining("at most " + JpegHeaderReader.MAX_SCANS));
  }

  @Test
  void stillDecodesAnOrdinaryProgressiveJpeg() throws Exception {
    byte[] jpeg = progressiveJpeg(64, 48);
    assertThat(JpegHeaderReader.countScans(jpeg)).isGreaterThan(1).isLessThanOrEqualTo(JpegHeaderReader.MAX_SCANS);

    DecodedImage image = decoder.decode(jpeg);

    assertThat(image.width()).isEqualTo(64);
    assertThat(image.height()).isEqualTo(48);
  }

  @Test
  void countsScansBehindGarbageThatTheDecoderWouldSkip() {
    // libjpeg skips bytes that are not a marker with a warning and goes on decoding, so a counter that stopped
    // at the first surprise could be blinded by one stray byte.
    byte[] jpeg = progressiveJpeg(64, 48);
    int scans = JpegHeaderReader.countScans(jpeg);
    int last = lastScanStart(jpeg);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, last);
    out.write(0x42);
    out.write(jpeg, last, jpeg.length - last);

    assertThat(JpegHeaderReader.countScans(out.toByteArray())).isEqualTo(scans);
  }

  private static byte[] progressiveJpeg(int width, int height) {
    return TestImages.write(TestImages.gray(width, height, (x, y) -> 128), "jpeg",
        param -> param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT));
  }

  /** The JPEG with its last scan (SOS segment and entropy-coded data) written {@code extra} more times. */
  private static byte[] repeatLastScan(byte[] jpeg, int extra) {
    int start = lastScanStart(jpeg);
    int end = jpeg.length - 2; // ImageIO ends the last scan with EOI
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, end);
    for (int i = 0; i < extra; i++) {
      out.write(jpeg, start, end - start);
    }
    out.write(jpeg, end, 2);
    return out.toByteArray();
  }

  private static int lastScanStart(byte[] jpeg) {
    for (int i = jpeg.length - 2; i >= 0; i--) {
      if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xDA) {
        return i;
      }
    }
    throw new IllegalArgumentException("no SOS marker");
  }
}
