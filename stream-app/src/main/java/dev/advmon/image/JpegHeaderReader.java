package dev.advmon.image;

/**
 * Walks JPEG markers up to the first frame header (SOFn) and reads its size and component count without
 * decoding anything.
 */
final class JpegHeaderReader {

  private static final int SOI = 0xD8;
  private static final int EOI = 0xD9;
  private static final int SOS = 0xDA;
  private static final int TEM = 0x01;

  /**
   * Most scans a JPEG may have. The decoder passes over the whole image once per scan, and a scan of a flat
   * region costs a few dozen bytes, so without a bound a small file decodes for minutes. Encoders write 1 to 3
   * scans for sequential and about 10 for progressive JPEGs; 100 keeps any real file and caps the work.
   */
  static final int MAX_SCANS = 100;

  private JpegHeaderReader() {}

  /**
   * The frame header; {@link #requireSupported} decides afterwards whether the JDK's decoder can handle it,
   * so that an oversized image is reported as such whatever its coding.
   */
  static ImageHeader readHeader(byte[] b) throws ImageDecodeException {
    requireSignature(b);
    int pos = 2;
    while (true) {
      if (pos >= b.length) {
        throw truncated("JPEG ends at byte " + b.length + " before its frame header (SOFn marker)");
      }
      if ((b[pos] & 0xFF) != 0xFF) {
        throw corrupt("expected a marker at offset " + pos + ", found byte " + Hex.of(b[pos]));
      }
      // Any number of 0xFF fill bytes may precede a marker code.
      while (pos < b.length && (b[pos] & 0xFF) == 0xFF) {
        pos++;
      }
      if (pos >= b.length) {
        throw truncated("JPEG ends at byte " + b.length + " inside a marker");
      }
      int marker = b[pos] & 0xFF;
      int markerAt = pos - 1;
      pos++;
      if (marker == TEM || (marker >= 0xD0 && marker <= 0xD7)) {
        continue; // standalone markers carry no length
      }
      if (marker == 0x00 || marker == SOI || marker == EOI || marker == SOS) {
        throw corrupt("marker FF " + Hex.of(marker) + " at offset " + markerAt + " comes before any frame header");
      }
      if (b.length - pos < 2) {
        throw truncated("JPEG ends at byte " + b.length + " inside the length of marker FF " + Hex.of(marker));
      }
      int length = u16(b, pos);
      if (length < 2) {
        throw corrupt("marker FF " + Hex.of(marker) + " at offset " + markerAt + " declares length " + length);
      }
      if (length > b.length - pos) {
        throw truncated("JPEG segment FF " + Hex.of(marker) + " at offset " + markerAt + " declares " + length
            + " bytes but the file ends " + (length - (b.length - pos)) + " bytes short: the file is truncated");
      }
      if (isStartOfFrame(marker)) {
        return frameHeader(b, pos, length, marker);
      }
      pos += length;
    }
  }

  /**
   * Refuses what the JDK's libjpeg-6b based reader cannot decode, or what this monitor does not model
   * (four-component CMYK/YCCK), with a message that says so rather than a decoder stack trace.
   */
  static void requireSupported(ImageHeader header) throws ImageDecodeException {
    int marker = header.variant();
    int precision = header.bitDepth();
    if (header.components() == 4) {
      throw new ImageDecodeException(ImageRejection.UNSUPPORTED,
          "JPEG has 4 components (CMYK or YCCK); only grayscale and RGB/YCbCr JPEGs are supported: convert to RGB");
    }
    if (header.components() != 1 && header.components() != 3) {
      throw new ImageDecodeException(ImageRejection.UNSUPPORTED,
          "JPEG has " + header.components() + " components; only 1 (grayscale) and 3 (YCbCr/RGB) are supported");
    }
    if (marker != 0xC0 && marker != 0xC1 && marker != 0xC2) {
      throw new ImageDecodeException(ImageRejection.UNSUPPORTED, "JPEG uses " + processName(marker)
          + " (SOF marker FF " + Hex.of(marker) + "); only baseline, extended and progressive Huffman JPEGs are supported");
    }
    if (precision != 8) {
      throw new ImageDecodeException(ImageRejection.UNSUPPORTED,
          "JPEG has " + precision + "-bit samples; only 8-bit JPEGs are supported");
    }
  }

  /**
   * The two checks of the markers, from one walk over the bytes (a pass over the whole file per frame):
   * {@link #requireBoundedScans}, then {@link #requireEndOfImage}.
   */
  static void requireWellFormedScans(byte[] b) throws ImageDecodeException {
    Walk walk = walk(b);
    requireBoundedScans(walk.scans());
    requireEndOfImage(walk, b.length);
  }

  /** Refuses a JPEG with more than {@link #MAX_SCANS} scans, before the decoder works through them. */
  private static void requireBoundedScans(int scans) throws ImageDecodeException {
    if (scans > MAX_SCANS) {
      throw new ImageDecodeException(ImageRejection.UNSUPPORTED, "JPEG has " + scans + " scans, at most " + MAX_SCANS
          + " are decoded: each scan is a pass over the whole image (a progressive JPEG has about 10); "
          + "refused before decoding");
    }
  }

  /**
   * Refuses a JPEG whose bytes end before its EOI marker, before the decoder sees it. Cut short inside a scan,
   * the decoder only warns (and fills the rest with gray); cut inside the tables between the scans of a
   * progressive JPEG, it fails with whatever the half table looks like ("Bogus Huffman table definition"). Both
   * are the same fault, a truncated file, and are named as such. Bytes after EOI are ignored, as decoders do.
   */
  private static void requireEndOfImage(Walk walk, int length) throws ImageDecodeException {
    if (!walk.reachedEndOfImage()) {
      throw truncated("JPEG ends at byte " + length + " without its end-of-image marker (FF D9), after "
          + walk.scans() + (walk.scans() == 1 ? " scan" : " scans") + ": the file is truncated; send the whole file");
    }
  }

  /** Start-of-scan markers before EOI; see {@link #walk}. */
  static int countScans(byte[] b) {
    return walk(b).scans();
  }

  /** What {@link #walk} found: the scans before EOI, and whether EOI was reached inside the bytes. */
  record Walk(int scans, boolean reachedEndOfImage) {}

  /**
   * Walks the markers the way the decoder finds them: marker segments are skipped by their length, and
   * anything between markers (entropy-coded data, or stray bytes the decoder would skip with a warning and
   * then go on) is passed over byte by byte up to the next marker. The walk stops at EOI, where the decoder
   * stops too; a segment whose length runs past the end leaves EOI unreached.
   */
  static Walk walk(byte[] b) {
    int scans = 0;
    int pos = 2;
    while (pos < b.length - 1) {
      int marker = b[pos + 1] & 0xFF;
      if ((b[pos] & 0xFF) != 0xFF || marker == 0xFF) {
        pos++; // entropy-coded data, garbage, or a fill byte before a marker
      } else if (marker == 0x00 || marker == TEM || marker == SOI || (marker >= 0xD0 && marker <= 0xD7)) {
        pos += 2; // a stuffed 0xFF in entropy-coded data, or a marker without a segment
      } else if (marker == EOI) {
        return new Walk(scans, true);
      } else {
        if (marker == SOS) {
          scans++;
        }
        // A length below 2 is invalid; stepping over the marker alone keeps the walk moving.
        pos += 2 + (pos + 3 < b.length ? Math.max(u16(b, pos + 2), 0) : 0);
      }
    }
    return new Walk(scans, false);
  }

  /** SOF0..SOF15, less the markers in that range that are not frame headers: DHT, JPG and DAC. */
  static boolean isStartOfFrame(int marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
  }

  private static ImageHeader frameHeader(byte[] b, int pos, int length, int marker) throws ImageDecodeException {
    if (length < 8) {
      throw corrupt("frame header FF " + Hex.of(marker) + " is " + length + " bytes long, at least 8 are needed");
    }
    int precision = b[pos + 2] & 0xFF;
    int height = u16(b, pos + 3);
    int width = u16(b, pos + 5);
    int components = b[pos + 7] & 0xFF;
    if (length != 8 + 3 * components) {
      throw corrupt("frame header declares " + components + " components but is " + length + " bytes long");
    }
    return new ImageHeader(ImageFormat.JPEG, width, height, components, precision, marker,
        "SOF marker FF " + Hex.of(marker) + ", precision " + precision);
  }

  private static String processName(int marker) {
    return switch (marker) {
      case 0xC3 -> "lossless coding";
      case 0xC5, 0xC6, 0xC7 -> "hierarchical coding";
      case 0xC9, 0xCA, 0xCB -> "arithmetic coding";
      case 0xCD, 0xCE, 0xCF -> "hierarchical arithmetic coding";
      default -> "an unknown coding process";
    };
  }

  private static void requireSignature(byte[] b) throws ImageDecodeException {
    if (ImageFormat.JPEG.matches(b)) {
      return;
    }
    if (ImageFormat.JPEG.isTruncatedMagic(b)) {
      throw truncated("JPEG ends after " + b.length + " bytes, inside its signature");
    }
    throw new ImageDecodeException(ImageRejection.BAD_MAGIC,
        "bytes do not start with the JPEG signature FF D8 FF (found " + Hex.prefix(b, 3) + ")");
  }

  private static int u16(byte[] b, int at) {
    return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
  }

  private static ImageDecodeException truncated(String message) {
    return new ImageDecodeException(ImageRejection.TRUNCATED, message);
  }

  private static ImageDecodeException corrupt(String message) {
    return new ImageDecodeException(ImageRejection.CORRUPT, "JPEG is corrupt: " + message);
  }
}
