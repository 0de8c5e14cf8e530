package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.advmon.image.ImageDecodeException;
import dev.advmon.image.ImageLimits;
import dev.advmon.image.ImageRejection;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `score FILE` on what is not a regular file: a pipe (`score /dev/stdin`, `score <(curl ...)`) reports size 0, so
 * the size check before reading passes whatever it will send; reading it whole filled the heap on /dev/zero.
 */
class FramePreparerFileTest {

  private static final int MAX_BYTES = 1024;

  private final FramePreparer preparer = new FramePreparer(
      new ImageLimits(MAX_BYTES, ImageLimits.DEFAULT_MAX_PIXELS, ImageLimits.DEFAULT_MAX_DIMENSION), 1, 28, 28);

  @Test
  void refusesAPipeThatSendsMoreThanTheLimitWithoutReadingItToItsEnd(@TempDir Path dir) throws Exception {
    Path fifo = fifo(dir);
    CountDownLatch done = new CountDownLatch(1);
    // The writer sends twice the limit, then holds the pipe open: a reader that waits for the end never returns,
    // as with /dev/zero or a camera stream, where it would fill the heap instead.
    Thread writer = new Thread(() -> {
      try (OutputStream out = Files.newOutputStream(fifo)) {
        out.write(new byte[2 * MAX_BYTES]);
        out.flush();
        done.await(3, TimeUnit.MINUTES); // longer than the guard below: a reader waiting for the end meets the guard
      } catch (Exception e) {
        // the reader closed its end: nothing more to send
      }
    }, "fifo-writer");
    writer.setDaemon(true);
    writer.start();
    try {
      // a guard against a reader that waits for the end, not a measure: 60 s leaves a loaded machine room
      assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
          assertThatThrownBy(() -> preparer.prepare(fifo))
              .isInstanceOfSatisfying(ImageDecodeException.class,
                  e -> assertThat(e.reason()).isEqualTo(ImageRejection.TOO_MANY_BYTES))
              .hasMessage(fifo + " is more than " + MAX_BYTES + " bytes, above image.max-encoded-bytes = " + MAX_BYTES));
    } finally {
      done.countDown();
    }
  }

  @Test
  void refusesARegularFileAboveTheLimitNamingItsSize(@TempDir Path dir) throws Exception {
    Path file = Files.write(dir.resolve("big.png"), new byte[MAX_BYTES + 1]);

    assertThatThrownBy(() -> preparer.prepare(file))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessage(file + " is " + (MAX_BYTES + 1) + " bytes, above image.max-encoded-bytes = " + MAX_BYTES);
  }

  private static Path fifo(Path dir) throws Exception {
    Path fifo = dir.resolve("frame.png");
    Process p;
    try {
      p = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      assumeTrue(false, "mkfifo is not available here: " + e.getMessage());
      throw e;
    }
    assumeTrue(p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0, "mkfifo failed");
    return fifo;
  }
}
