package dev.advmon.image;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * Decodes a frame's image bytes into 8-bit gray or RGB, treating the bytes as hostile.
 *
 * <p>Order of checks, cheapest and most protective first: the encoded size; the format's signature; the
 * header, parsed here (PNG IHDR, JPEG SOFn) so that the declared size is checked against the limits
 * before ImageIO allocates anything; the PNG chunk list, so that truncation is named as such; the JPEG
 * scan count, as each scan costs the decoder a pass over the image; only then the decoder, whose
 * result must match the header. Every failure is an {@link ImageDecodeException} with a
 * {@link ImageRejection}; no IIOException, NullPointerException or out-of-bounds error escapes.
 *
 * <p>Thread-safe: it holds only its limits, and every call uses its own ImageIO reader.
 */
public final class ImageDecoder {

  /** Largest array HotSpot allocates; a few elements short of Integer.MAX_VALUE for the array header. */
  private static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

  private final ImageLimits limits;

  public ImageDecoder(ImageLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  public ImageDecoder() {
    this(ImageLimits.defaults());
  }

  public ImageLimits limits() {
    return limits;
  }

  /** Decodes PNG or JPEG, recognised by its signature. */
  public DecodedImage decode(byte[] bytes) throws ImageDecodeException {
    return decode(bytes, null, null, null);
  }

  /**
   * Decodes {@code bytes} in {@code format}.
   *
   * @param format the frame's encoding, or null to recognise PNG or JPEG by signature
   * @param width required for GRAY8 and RGB8; for PNG and JPEG optional, and when given it must match the header
   * @param height as {@code width}
   */
  public DecodedImage decode(byte[] bytes, ImageFormat format, Integer width, Integer height)
      throws ImageDecodeException {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length > limits.maxEncodedBytes()) {
      throw new ImageDecodeException(ImageRejection.TOO_MANY_BYTES, "encoded image has " + bytes.length
          + " bytes, above " + ImageLimits.MAX_ENCODED_BYTES_SETTING + " = " + limits.maxEncodedBytes()
          + "; refused before decoding");
    }
    ImageFormat actual = format != null ? format : detect(bytes);
    if (actual.isEncoded()) {
      requireNoOtherSignature(bytes, actual);
    }
    return switch (actual) {
      case GRAY8, RGB8 -> decodeRaw(bytes, actual, width, height);
      case PNG, JPEG -> decodeEncoded(bytes, actual, width, height);
    };
  }

  /**
   * Bits per sample that PNG or JPEG {@code bytes} store (PNG bit depth, JPEG sample precision), read from the
   * header; 8 for anything else. For bytes that {@link #decode} took: the decoded image has 8 bits whatever this says.
   */
  public static int storedBitDepth(byte[] bytes) throws ImageDecodeException {
    ImageFormat format = ImageFormat.detect(bytes).orElse(null);
    if (format == ImageFormat.PNG) {
      return PngHeaderReader.readHeader(bytes).bitDepth();
    }
    if (format == ImageFormat.JPEG) {
      return JpegHeaderReader.readHeader(bytes).bitDepth();
    }
    return 8;
  }

  /** The bytes a PNG's signature and IHDR chunk take, all {@link #pngSize} needs. */
  public static final int PNG_HEADER_BYTES = 33;

  /**
   * Width and height that a PNG's first {@link #PNG_HEADER_BYTES} bytes declare, checked as {@link #decode} checks
   * them (signature, IHDR, its CRC); null for bytes that are not such a header, or that declare a width or height of
   * 0: a quick look at many files' sizes without reading them whole (evaluate's fixture check).
   */
  public static int[] pngSize(byte[] head) {
    try {
      if (ImageFormat.detect(head).orElse(null) != ImageFormat.PNG) {
        return null;
      }
      ImageHeader h = PngHeaderReader.readHeader(head);
      return h.width() > 0 && h.height() > 0 ? new int[] {(int) h.width(), (int) h.height()} : null;
    } catch (ImageDecodeException e) {
      return null;
    }
  }

  /** True for a palette (indexed-colour, PNG colour type 3) image, whose pixels are indices into its palette. */
  public static boolean isPalette(byte[] bytes) throws ImageDecodeException {
    return ImageFormat.detect(bytes).orElse(null) == ImageFormat.PNG
        && PngHeaderReader.readHeader(bytes).variant() == 3;
  }

  private static ImageFormat detect(byte[] bytes) throws ImageDecodeException {
    if (bytes.length == 0) {
      throw new ImageDecodeException(ImageRejection.BAD_MAGIC, "the image is empty (0 bytes)");
    }
    String other = otherFormat(bytes);
    if (other != null) {
      // a user who sent a GIF should read that GIF is not accepted, not have to decode the signature in hex
      throw new ImageDecodeException(ImageRejection.BAD_MAGIC, "this is " + other + " (it starts "
          + Hex.prefix(bytes, 8) + "); only PNG and JPEG images are accepted: convert it to PNG");
    }
    // Only bytes with no declared format come here: files (score, inspect, audit, evaluate, ...) and pictures the
    // monitor made itself; a Kafka frame always declares its encoding (UNKNOWN is refused before decoding), so a
    // hint about the frame's encoding field was read only by users of files, to whom it said nothing
    return ImageFormat.detect(bytes).orElseThrow(() -> new ImageDecodeException(ImageRejection.BAD_MAGIC,
        "bytes start with neither the PNG signature (89 50 4E 47 0D 0A 1A 0A) nor the JPEG signature (FF D8 FF): found "
            + Hex.prefix(bytes, 8) + ": not a PNG or JPEG image, whatever the file's name says"));
  }

  /**
   * Refuses a PNG sent as JPEG or the other way round, or a common format not accepted (GIF, WebP, ...) sent as
   * either, naming what the bytes are. Such a frame comes from a
   * gateway that re-encoded frames without updating their encoding field: the field stays the contract, but
   * the integrator must read which value to set, not a signature in hex.
   */
  private static void requireNoOtherSignature(byte[] bytes, ImageFormat declared) throws ImageDecodeException {
    String other = otherFormat(bytes);
    if (other != null) {
      // a gateway that forwards a camera's GIF (WebP, ...) under PNG or JPEG: name it, as for an undeclared file
      throw new ImageDecodeException(ImageRejection.BAD_MAGIC, "the frame says encoding " + declared
          + " but its bytes are " + other + " (they start " + Hex.prefix(bytes, 8) + "); only PNG and JPEG images are "
          + "accepted: convert it to PNG and set the frame's encoding to PNG");
    }
    ImageFormat found = ImageFormat.detect(bytes).orElse(null);
    if (found != null && found != declared) {
      throw new ImageDecodeException(ImageRejection.BAD_MAGIC, "the frame says encoding " + declared
          + " but its bytes are a " + found + " image (they start " + Hex.prefix(bytes, 8)
          + "): set the frame's encoding to " + found);
    }
  }

  /** For a raw frame whose size is wrong: the hint that its bytes are an encoded image, or "". */
  private static String encodedImageHint(byte[] bytes) {
    return ImageFormat.detect(bytes)
        .map(found -> "; the bytes are a " + found + " image: set the frame's encoding to " + found)
        .orElse("");
  }

  /** The common image formats that are not accepted, named by their signatures; null for anything else. */
  private static String otherFormat(byte[] b) {
    if (startsWith(b, 0, "GIF87a") || startsWith(b, 0, "GIF89a")) {
      return "a GIF image";
    }
    if (startsWith(b, 0, "RIFF") && startsWith(b, 8, "WEBP")) {
      return "a WebP image";
    }
    if (startsWith(b, 0, "II*\0") || startsWith(b, 0, "MM\0*")) {
      return "a TIFF image";
    }
    if (startsWith(b, 4, "ftyp") && (startsWith(b, 8, "heic") || startsWith(b, 8, "heix") || startsWith(b, 8, "mif1")
        || startsWith(b, 8, "msf1") || startsWith(b, 8, "avif") || startsWith(b, 8, "avis"))) {
      return "a HEIF/AVIF image";
    }
    if (startsWith(b, 0, "BM") && b.length >= 26) { // the file size, reserved words and header size follow
      return "a BMP image";
    }
    return null;
  }

  private static boolean startsWith(byte[] b, int at, String ascii) {
    if (b.length < at + ascii.length()) {
      return false;
    }
    for (int i = 0; i < ascii.length(); i++) {
      if (b[at + i] != (byte) ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private DecodedImage decodeRaw(byte[] bytes, ImageFormat format, Integer width, Integer height)
      throws ImageDecodeException {
    String source = format + " frame";
    if (width == null || height == null) {
      throw new ImageDecodeException(ImageRejection.BAD_DIMENSIONS,
          source + " needs width and height (got " + width + "x" + height + "): raw pixels carry no size"
              + encodedImageHint(bytes));
    }
    checkGeometry(source, width, height);
    int channels = format.rawChannels();
    long expected = (long) width * height * channels;
    if (bytes.length != expected) {
      throw new ImageDecodeException(ImageRejection.BAD_DIMENSIONS, source + " of " + width + "x" + height
          + " needs " + expected + " bytes (" + width + " x " + height + " x " + channels + "), got " + bytes.length
          + encodedImageHint(bytes));
    }
    return new DecodedImage(width, height, channels, bytes);
  }

  private DecodedImage decodeEncoded(byte[] bytes, ImageFormat format, Integer width, Integer height)
      throws ImageDecodeException {
    ImageHeader header = format == ImageFormat.PNG
        ? PngHeaderReader.readHeader(bytes)
        : JpegHeaderReader.readHeader(bytes);
    String source = format + " header";
    checkGeometry(source, header.width(), header.height());
    if ((width != null && width != header.width()) || (height != null && height != header.height())) {
      throw new ImageDecodeException(ImageRejection.BAD_DIMENSIONS, "frame declares " + width + "x" + height
          + " but its " + source + " declares " + header.width() + "x" + header.height());
    }
    checkDecoderBuffer(source, header);
    if (format == ImageFormat.PNG) {
      PngHeaderReader.requireCompleteChunks(bytes);
    } else {
      JpegHeaderReader.requireSupported(header);
      JpegHeaderReader.requireWellFormedScans(bytes);
    }
    BufferedImage image = ImageIoReader.read(bytes, header);
    try {
      return Rasters.toDecoded(image, format.name());
    } catch (OutOfMemoryError e) {
      // The decoded picture and its 8-bit copy are in the heap together, so a frame that fit the decoder may not fit
      // here; as an Error it would not be dead-lettered but replayed into the same failure. The copy that did not
      // fit is garbage once thrown, and the picture once this returns.
      throw ImageIoReader.classify(header, e);
    }
  }

  /**
   * The JDK decoder keeps every stored sample (alpha included) of 8 and 16-bit images in one array, so
   * pixels x samples must fit one even where the pixel count is within {@link ImageLimits#maxPixels()}, which
   * is sized for the RGB output. Packed 1, 2 and 4-bit images need less and pass.
   */
  private void checkDecoderBuffer(String source, ImageHeader header) throws ImageDecodeException {
    long samples = header.width() * header.height() * header.components();
    if (header.bitDepth() >= 8 && samples > MAX_ARRAY_LENGTH) {
      throw new ImageDecodeException(ImageRejection.TOO_MANY_PIXELS, source + " declares " + header.width() + "x"
          + header.height() + " with " + header.components() + " samples per pixel = " + samples
          + " samples, more than the decoder's single array can hold (" + MAX_ARRAY_LENGTH + "); "
          + ImageLimits.MAX_PIXELS_SETTING + " = " + limits.maxPixels() + " admits the pixels but not their "
          + "samples: lower it to at most " + MAX_ARRAY_LENGTH / header.components() + "; refused before decoding");
    }
  }

  private void checkGeometry(String source, long width, long height) throws ImageDecodeException {
    if (width <= 0 || height <= 0) {
      throw new ImageDecodeException(ImageRejection.BAD_DIMENSIONS,
          source + " declares " + width + "x" + height + ": width and height must be positive");
    }
    long pixels = width * height; // both are below 2^31, so this cannot overflow
    if (pixels > limits.maxPixels()) {
      throw new ImageDecodeException(ImageRejection.TOO_MANY_PIXELS, source + " declares " + width + "x" + height
          + " = " + pixels + " pixels, above " + ImageLimits.MAX_PIXELS_SETTING + " = " + limits.maxPixels()
          + "; refused before decoding");
    }
    long largest = Math.max(width, height);
    if (largest > limits.maxDimension()) {
      throw new ImageDecodeException(ImageRejection.TOO_MANY_PIXELS, source + " declares " + width + "x" + height
          + ", a dimension of " + largest + " is above " + ImageLimits.MAX_DIMENSION_SETTING + " = "
          + limits.maxDimension() + "; refused before decoding");
    }
  }
}
