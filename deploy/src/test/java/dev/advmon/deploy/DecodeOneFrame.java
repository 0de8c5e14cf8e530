package dev.advmon.deploy;

import dev.advmon.image.DecodedImage;
import dev.advmon.image.ImageDecodeException;
import dev.advmon.image.ImageDecoder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link ImageJvmFlagsTest}: decodes one image file as the monitor decodes a frame, and says
 * what became of it ("decoded WxH" or "rejected REASON"). Exit 0 either way: a frame the monitor refuses is a dead
 * letter, not a dead process.
 */
public final class DecodeOneFrame {

  private DecodeOneFrame() {}

  public static void main(String[] args) throws Exception {
    byte[] bytes = Files.readAllBytes(Path.of(args[0]));
    try {
      DecodedImage image = new ImageDecoder().decode(bytes);
      System.out.println("decoded " + image.width() + "x" + image.height());
    } catch (ImageDecodeException e) {
      System.out.println("rejected " + e.deadLetterReason() + ": " + e.getMessage());
    }
  }
}
