package dev.advmon.dashboard;

import dev.advmon.image.DecodedImage;
import dev.advmon.image.FloatImage;
import dev.advmon.image.ImageConverter;
import dev.advmon.image.ImageDecodeException;
import dev.advmon.image.ImageDecoder;
import dev.advmon.image.ImageFormat;
import dev.advmon.image.ImageLimits;
import dev.advmon.schema.Frame;
import java.nio.ByteBuffer;

/**
 * A frame as the dashboard shows it: decoded under the monitor's limits, shrunk to at most {@code maxSide}
 * pixels a side, and re-encoded as a PNG written here. The browser therefore never decodes the camera's own
 * bytes (which an attacker controls), and the memory per kept alert is bounded whatever the camera sends.
 */
public record FramePicture(byte[] png, int width, int height) {

  /** The picture of {@code frame}, or null if it cannot be decoded (it was decoded once already, so rarely). */
  public static FramePicture of(Frame frame, ImageLimits limits, int maxSide) {
    return of(bytes(frame.getImage()), format(frame), frame.getWidth(), frame.getHeight(), limits, maxSide);
  }

  /** The picture of encoded image bytes (format null = PNG or JPEG by signature), or null if undecodable. */
  public static FramePicture of(byte[] image, ImageFormat format, Integer width, Integer height, ImageLimits limits,
      int maxSide) {
    DecodedImage decoded;
    try {
      decoded = new ImageDecoder(limits).decode(image, format, width, height);
    } catch (ImageDecodeException | RuntimeException e) {
      return null;
    }
    double shrink = Math.min(1.0, (double) maxSide / Math.max(decoded.width(), decoded.height()));
    int w = Math.max(1, (int) Math.round(decoded.width() * shrink));
    int h = Math.max(1, (int) Math.round(decoded.height() * shrink));
    FloatImage shown = new ImageConverter().toModelInput(decoded, decoded.channels(), h, w);
    return new FramePicture(ImageConverter.toPng(shown), w, h);
  }

  private static ImageFormat format(Frame frame) {
    return switch (frame.getEncoding()) {
      case PNG -> ImageFormat.PNG;
      case JPEG -> ImageFormat.JPEG;
      case GRAY8 -> ImageFormat.GRAY8;
      case RGB8 -> ImageFormat.RGB8;
      case UNKNOWN -> null; // let the decoder recognise it by its signature
    };
  }

  static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate(); // Avro may hand out a view into a larger array
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
