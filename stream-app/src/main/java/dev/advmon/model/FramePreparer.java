package dev.advmon.model;

import dev.advmon.image.DecodedImage;
import dev.advmon.image.FloatImage;
import dev.advmon.image.ImageConverter;
import dev.advmon.image.ImageDecodeException;
import dev.advmon.image.ImageDecoder;
import dev.advmon.image.ImageFormat;
import dev.advmon.image.ImageLimits;
import dev.advmon.image.ImageRejection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Encoded frame -> image in the model's geometry: decoding under the size limits, then conversion to the
 * bundle's channels, height and width. The same path serves the stream and the offline commands, so that
 * `score` and the topology see identical inputs. Thread-safe.
 */
public final class FramePreparer {

  private final ImageDecoder decoder;
  private final ImageConverter converter = new ImageConverter();
  private final int channels;
  private final int height;
  private final int width;

  public FramePreparer(ImageLimits limits, int channels, int height, int width) {
    this.decoder = new ImageDecoder(limits);
    this.channels = channels;
    this.height = height;
    this.width = width;
  }

  public static FramePreparer forModel(ImageLimits limits, ModelManifest manifest) {
    ModelManifest.InputSpec in = manifest.input();
    return new FramePreparer(limits, in.channels(), in.height(), in.width());
  }

  /** The decoder's size limits. */
  public ImageLimits limits() {
    return decoder.limits();
  }

  /** Decodes {@code bytes} (format null = detect from the magic bytes; width/height needed for raw formats). */
  public FloatImage prepare(byte[] bytes, ImageFormat format, Integer w, Integer h) throws ImageDecodeException {
    DecodedImage img = decoder.decode(bytes, format, w, h);
    return converter.toModelInput(img, channels, height, width);
  }

  /**
   * Reads and prepares an image file; the size limit is checked before the file is read, and again while it is
   * read: a pipe or device (`score /dev/stdin`, `score <(curl ...)`) reports size 0, and read whole it could fill
   * the heap ({@code /dev/zero} did, with an OutOfMemoryError that ended the command).
   */
  public FloatImage prepare(Path file) throws IOException, ImageDecodeException {
    return prepare(read(file), null, null, null);
  }

  /**
   * An image file prepared for the model, with {@code notes} on what preparing it changed beyond what the alert rates
   * were measured on (8-bit frames of the model's size and channels): a resize, 16-bit samples rounded to 8 bits, 1, 2
   * or 4-bit samples or palette indices expanded to 8 bits, a gray image copied into a colour model's channels or a
   * colour one reduced to a gray model's; empty when none.
   */
  public record PreparedFile(FloatImage image, List<String> notes) {
    public PreparedFile {
      notes = List.copyOf(notes);
    }
  }

  /** As {@link #prepare(Path)}, saying what was changed: for `score` and `inspect`, whose user reads the alert. */
  public PreparedFile prepareNoting(Path file) throws IOException, ImageDecodeException {
    byte[] bytes = read(file);
    DecodedImage img = decoder.decode(bytes, null, null, null);
    List<String> notes = new ArrayList<>();
    if (img.width() != width || img.height() != height) {
      notes.add("resized from " + img.width() + "x" + img.height() + " to the model's " + width + "x" + height
          + " (width x height)");
    }
    int bits = ImageDecoder.storedBitDepth(bytes);
    if (bits > 8) {
      notes.add(bits + "-bit samples rounded to 8 bits");
    }
    // a 1, 2 or 4-bit image (samples or palette indices) holds fewer levels than the 8-bit frames the rates were
    // measured on; an 8-bit palette's entries are 8-bit colours, up to 256 of them: its pixels are those of the same
    // picture stored as 8-bit gray or RGB (as an optimiser such as optipng stores one losslessly), and are not noted
    if (bits < 8) {
      notes.add(bits + (ImageDecoder.isPalette(bytes) ? "-bit palette indices expanded to the palette's 8-bit colours"
          : "-bit samples expanded to 8 bits"));
    }
    if (img.channels() == 1 && channels == 3) {
      notes.add("gray image copied into the model's 3 colour channels");
    } else if (img.channels() == 3 && channels == 1 && hasColour(img)) {
      // a colour file whose pixels are all gray gives the model what a gray file would: nothing to note
      notes.add("colour image reduced to the model's 1 gray channel (BT.601 luma)");
    }
    return new PreparedFile(converter.toModelInput(img, channels, height, width), notes);
  }

  private static boolean hasColour(DecodedImage img) {
    for (int y = 0; y < img.height(); y++) {
      for (int x = 0; x < img.width(); x++) {
        int r = img.sample(x, y, 0);
        if (img.sample(x, y, 1) != r || img.sample(x, y, 2) != r) {
          return true;
        }
      }
    }
    return false;
  }

  private byte[] read(Path file) throws IOException, ImageDecodeException {
    if (Files.isDirectory(file)) {
      throw new java.nio.file.FileSystemException(file.toString(), null, "is a folder; give an image file");
    }
    long size = Files.size(file);
    int max = (int) decoder.limits().maxEncodedBytes(); // ImageLimits keeps it within an int
    if (size > max) {
      throw tooLarge(file, size + " bytes", max);
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(max);
      if (in.read() >= 0) {
        throw tooLarge(file, "more than " + max + " bytes", max);
      }
    }
    return bytes;
  }

  private static ImageDecodeException tooLarge(Path file, String size, int max) {
    return new ImageDecodeException(ImageRejection.TOO_MANY_BYTES, file + " is " + size + ", above "
        + ImageLimits.MAX_ENCODED_BYTES_SETTING + " = " + max);
  }
}
