package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;

import javax.imageio.IIOException;
import org.junit.jupiter.api.Test;

/**
 * A decoder that runs out of heap must refuse the frame (a dead letter naming the limit), not throw an Error that
 * the stream counts as systemic and replays the frame into after every restart. The OutOfMemoryError itself cannot
 * be forced in a test JVM of unknown heap, so the mapping is tested on the two shapes the JDK decoders throw.
 */
class DecoderOutOfMemoryTest {

  private static final ImageHeader JPEG = new ImageHeader(ImageFormat.JPEG, 30_000, 23_000, 3, 8, 0xC0, "baseline");
  private static final ImageHeader PNG = new ImageHeader(ImageFormat.PNG, 23_170, 23_170, 2, 8, 4, "gray+alpha");

  @Test
  void refusesAFrameWhoseDecoderRanOutOfHeapAsTooLargeNamingTheSettingAndTheHeap() {
    ImageDecodeException e = ImageIoReader.classify(JPEG, new OutOfMemoryError("Java heap space"));

    assertThat(e.reason()).isEqualTo(ImageRejection.TOO_MANY_PIXELS);
    assertThat(e.deadLetterReason()).isEqualTo("IMAGE_TOO_LARGE");
    assertThat(e.getMessage()).contains("30000x23000", "Java heap", "image.max-pixels", "-Xmx");
  }

  @Test
  void findsTheOutOfMemoryErrorThePngReaderWrapsInAnImageIoException() {
    IIOException wrapped = new IIOException("Caught exception during read: ", new OutOfMemoryError("Java heap space"));

    ImageDecodeException e = ImageIoReader.classify(PNG, wrapped);

    assertThat(e.reason()).isEqualTo(ImageRejection.TOO_MANY_PIXELS);
    assertThat(e.getMessage()).contains("23170x23170", "image.max-pixels");
  }

  @Test
  void stillCallsDamagedDataCorrupt() {
    ImageDecodeException e = ImageIoReader.classify(PNG, new IIOException("Error reading PNG image data"));

    assertThat(e.reason()).isEqualTo(ImageRejection.CORRUPT);
  }
}
