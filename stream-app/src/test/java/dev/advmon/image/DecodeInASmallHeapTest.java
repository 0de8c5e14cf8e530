package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.testing.ChildProcess;
import dev.advmon.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decoded picture and its 8-bit copy ({@link Rasters}) are in the heap at the same time, so a frame can fit the
 * decoder and not the copy: that OutOfMemoryError escaped the decoder as an Error, which the stream does not
 * dead-letter (README: a decoder that runs out of heap refuses the frame as IMAGE_TOO_LARGE). Forced in a child
 * JVM whose heap holds one 4096x4096 RGB picture (48 MiB) and not two.
 */
class DecodeInASmallHeapTest {

  @Test
  void aFrameWhoseDecodedCopyDoesNotFitTheHeapIsRefusedAsTooLargeNotThrownAsAnError(@TempDir Path dir)
      throws Exception {
    Path png = Files.write(dir.resolve("big.png"), blackRgbPng(4096, 4096));
    Path log = dir.resolve("child.log");
    String classpath = TestData.repoRoot().resolve("stream-app/target/classes") + File.pathSeparator
        + TestData.repoRoot().resolve("stream-app/target/test-classes");
    Process p = new ProcessBuilder(List.of(ChildProcess.java(), "-Xmx96m", "-XX:+UseSerialGC", "-cp", classpath,
        Decode.class.getName(), png.toString())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the child decoding the frame ends").isTrue();
    String out = Files.readString(log, StandardCharsets.UTF_8);

    assertThat(out).as(out).contains("REFUSED TOO_MANY_PIXELS PNG of 4096x4096 did not fit in the Java heap");
    assertThat(p.exitValue()).as(out).isZero();
  }

  /** The child: decodes one file with the default limits and says how it ended. */
  static final class Decode {
    public static void main(String[] args) throws Exception {
      byte[] bytes = Files.readAllBytes(Path.of(args[0]));
      try {
        DecodedImage image = new ImageDecoder().decode(bytes);
        System.out.println("DECODED " + image);
      } catch (ImageDecodeException e) {
        System.out.println("REFUSED " + e.reason() + " " + e.getMessage());
      }
    }
  }

  /** An 8-bit RGB PNG of zeros: a few KiB on disk, width x height x 3 bytes decoded. */
  private static byte[] blackRgbPng(int width, int height) throws Exception {
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(idat)) {
      byte[] row = new byte[1 + width * 3]; // filter type 0, then the samples
      for (int y = 0; y < height; y++) {
        z.write(row);
      }
    }
    return TestImages.handmadePng(width, height, 8, 2, idat.toByteArray());
  }
}
