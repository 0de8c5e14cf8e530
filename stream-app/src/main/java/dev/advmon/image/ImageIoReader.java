package dev.advmon.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Runs the JDK's ImageIO decoder on bytes whose header {@link ImageDecoder} has already checked, and turns
 * every way it can fail into an {@link ImageDecodeException}.
 */
final class ImageIoReader {

  private ImageIoReader() {}

  static BufferedImage read(byte[] bytes, ImageHeader header) throws ImageDecodeException {
    String name = header.format().name();
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(name.toLowerCase(Locale.ROOT));
    if (!readers.hasNext()) {
      throw new ImageDecodeException(ImageRejection.UNSUPPORTED, "this JVM has no ImageIO reader for " + name);
    }
    ImageReader reader = readers.next();
    Warnings warnings = new Warnings();
    // MemoryCacheImageInputStream rather than ImageIO.createImageInputStream, which may spill to temp files.
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      // ignoreMetadata: text and profile chunks are not needed and could themselves be compressed bombs.
      reader.setInput(in, true, true);
      reader.addIIOReadWarningListener(warnings);
      BufferedImage image = reader.read(0, reader.getDefaultReadParam());
      warnings.rethrow(name);
      if (image == null) {
        throw new ImageDecodeException(ImageRejection.CORRUPT, name + " decoder returned no image");
      }
      if (image.getWidth() != header.width() || image.getHeight() != header.height()) {
        throw new ImageDecodeException(ImageRejection.CORRUPT, name + " decoded to " + image.getWidth() + "x"
            + image.getHeight() + " but its header declares " + header.width() + "x" + header.height());
      }
      return image;
    } catch (IOException | RuntimeException | OutOfMemoryError e) {
      // ImageIO reports broken data as IIOException, and some malformed streams as unchecked exceptions
      // from deep inside the decoder; neither may escape as such. Nor may the decoder's OutOfMemoryError: as an
      // Error it would count as systemic, and the frame would be replayed into the same failure after every
      // restart; the buffer that did not fit is garbage once it is thrown.
      throw classify(header, e);
    } finally {
      reader.dispose();
    }
  }

  /** Why the decoder failed, as a rejection; package-private for its test (an OutOfMemoryError cannot be forced). */
  static ImageDecodeException classify(ImageHeader header, Throwable e) {
    ImageFormat format = header.format();
    String name = format.name();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof OutOfMemoryError) {
        // the PNG reader wraps it in an IIOException ("Java heap space"): looked for along the whole chain
        return new ImageDecodeException(ImageRejection.TOO_MANY_PIXELS, name + " of " + header.width() + "x"
            + header.height() + " did not fit in the Java heap while decoding (" + describe(t) + "); lower "
            + "image.max-pixels to what the heap holds, or give the monitor more heap (ADVMON_JAVA_OPTS=-Xmx...)", e);
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EOFException) {
        if (format == ImageFormat.PNG) {
          // PngHeaderReader.requireCompleteChunks has already found every chunk whole and IEND present, so
          // the file is not cut short: the decoder read past a chunk whose contents disagree with its length,
          // or the compressed image data ends before the image does.
          return new ImageDecodeException(ImageRejection.CORRUPT, name + " data could not be decoded: the decoder"
              + " ran out of data although every chunk is complete, so a chunk's contents disagree with its length"
              + " or the image data is too short for the image (" + describe(e) + ")", e);
        }
        return new ImageDecodeException(ImageRejection.TRUNCATED,
            name + " data ends early: the file is truncated (" + describe(e) + ")", e);
      }
    }
    return new ImageDecodeException(ImageRejection.CORRUPT, name + " data could not be decoded: " + describe(e), e);
  }

  private static String describe(Throwable e) {
    StringBuilder out = new StringBuilder(e.getClass().getSimpleName());
    if (e.getMessage() != null) {
      out.append(": ").append(e.getMessage());
    }
    Throwable cause = e.getCause();
    if (cause != null && cause != e && cause.getMessage() != null) {
      out.append(" (").append(cause.getMessage()).append(')');
    }
    return out.toString();
  }

  /**
   * The JPEG reader does not fail on a file cut short or damaged: it warns, and fills what it could not
   * decode with gray or garbage. Such a frame would be scored as if it were real, so decoder warnings refuse
   * the frame, except the few known to concern only metadata (fail closed on anything unrecognised).
   */
  private static final class Warnings implements IIOReadWarningListener {
    private static final List<String> METADATA_ONLY = List.of(
        "unknown jfif revision", "color profile is invalid", "jfif markers not allowed in jfif jpeg thumbnail");

    private String first;

    @Override
    public void warningOccurred(ImageReader source, String warning) {
      String text = warning == null ? "unspecified warning" : warning;
      String lower = text.toLowerCase(Locale.ROOT);
      if (first == null && METADATA_ONLY.stream().noneMatch(lower::contains)) {
        first = text;
      }
    }

    void rethrow(String name) throws ImageDecodeException {
      if (first == null) {
        return;
      }
      String lower = first.toLowerCase(Locale.ROOT);
      boolean truncated = lower.contains("truncated") || lower.contains("premature end") || lower.contains("missing eoi");
      throw new ImageDecodeException(truncated ? ImageRejection.TRUNCATED : ImageRejection.CORRUPT,
          name + " decoder warned '" + first + "'" + (truncated ? ": the file is truncated" : ": the data is damaged"));
    }
  }
}
