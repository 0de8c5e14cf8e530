package dev.advmon.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Turns whatever {@link BufferedImage} layout ImageIO produced into 8-bit interleaved gray or RGB.
 *
 * <p>Samples are read from the raster, not through {@code getRGB}, because {@code getRGB} converts linear
 * gray colour spaces to sRGB and would change the values of gray PNGs. Alpha is dropped, not composited:
 * the colour samples are passed on as stored, which is what a model fed the same file sees. Samples
 * deeper than 8 bits (16-bit PNG) are rounded to the nearest 8-bit value.
 */
final class Rasters {

  private Rasters() {}

  static DecodedImage toDecoded(BufferedImage image, String source) throws ImageDecodeException {
    ColorModel model = image.getColorModel();
    if (model instanceof IndexColorModel palette) {
      return fromPalette(image.getRaster(), palette);
    }
    int channels = switch (model.getColorSpace().getType()) {
      case ColorSpace.TYPE_GRAY -> 1;
      case ColorSpace.TYPE_RGB -> 3;
      default -> throw new ImageDecodeException(ImageRejection.UNSUPPORTED, source + " decoded to a "
          + model.getNumColorComponents() + "-component colour space that is neither gray nor RGB (CMYK?)");
    };
    if (model.getNumColorComponents() != channels) {
      throw new ImageDecodeException(ImageRejection.UNSUPPORTED,
          source + " decoded to " + model.getNumColorComponents() + " colour components, expected " + channels);
    }
    Raster raster = image.getRaster();
    DecodedImage direct = fromInterleavedBytes(raster, model, channels);
    if (direct != null) {
      return direct;
    }
    int width = raster.getWidth();
    int height = raster.getHeight();
    int bands = raster.getNumBands();
    int[] maxValue = new int[channels];
    for (int c = 0; c < channels; c++) {
      maxValue[c] = (1 << model.getComponentSize(c)) - 1;
    }
    byte[] out = new byte[width * height * channels];
    int[] row = new int[width * bands];
    int o = 0;
    for (int y = 0; y < height; y++) {
      raster.getPixels(0, y, width, 1, row);
      for (int x = 0; x < width; x++) {
        for (int c = 0; c < channels; c++) {
          out[o++] = (byte) to8Bits(row[x * bands + c], maxValue[c]);
        }
      }
    }
    return DecodedImage.adopt(width, height, channels, out);
  }

  /**
   * Copies 8-bit interleaved layouts (what ImageIO produces for 8-bit PNG and JPEG) straight from the data
   * buffer, which takes a fraction of the time of the generic per-row path; null for other layouts.
   */
  private static DecodedImage fromInterleavedBytes(Raster raster, ColorModel model, int channels) {
    if (!(raster.getDataBuffer() instanceof DataBufferByte buffer)
        || !(raster.getSampleModel() instanceof ComponentSampleModel layout)
        || buffer.getNumBanks() != 1
        || raster.getMinX() != 0 || raster.getMinY() != 0
        || raster.getSampleModelTranslateX() != 0 || raster.getSampleModelTranslateY() != 0) {
      return null;
    }
    for (int c = 0; c < channels; c++) {
      if (model.getComponentSize(c) != 8 || layout.getBankIndices()[c] != 0) {
        return null;
      }
    }
    byte[] data = buffer.getData();
    int[] offsets = layout.getBandOffsets();
    int pixelStride = layout.getPixelStride();
    int scanlineStride = layout.getScanlineStride();
    int width = raster.getWidth();
    int height = raster.getHeight();
    byte[] out = new byte[width * height * channels];
    int o = 0;
    for (int y = 0; y < height; y++) {
      int row = buffer.getOffset() + y * scanlineStride;
      for (int x = 0; x < width; x++) {
        int pixel = row + x * pixelStride;
        for (int c = 0; c < channels; c++) {
          out[o++] = data[pixel + offsets[c]];
        }
      }
    }
    return DecodedImage.adopt(width, height, channels, out);
  }

  /** Palettes whose entries are all gray (as ImageIO uses for 1, 2 and 4-bit gray PNGs) stay one channel. */
  private static DecodedImage fromPalette(Raster raster, IndexColorModel palette) {
    int entries = palette.getMapSize();
    byte[] r = new byte[entries];
    byte[] g = new byte[entries];
    byte[] b = new byte[entries];
    palette.getReds(r);
    palette.getGreens(g);
    palette.getBlues(b);
    boolean gray = true;
    for (int i = 0; i < entries && gray; i++) {
      gray = r[i] == g[i] && g[i] == b[i];
    }
    int width = raster.getWidth();
    int height = raster.getHeight();
    int channels = gray ? 1 : 3;
    byte[] out = new byte[width * height * channels];
    int[] row = new int[width];
    int o = 0;
    for (int y = 0; y < height; y++) {
      raster.getSamples(0, y, width, 1, 0, row);
      for (int x = 0; x < width; x++) {
        // An index past the palette's end is treated as black rather than failing the frame.
        int i = row[x] < entries ? row[x] : -1;
        out[o++] = i < 0 ? 0 : r[i];
        if (!gray) {
          out[o++] = i < 0 ? 0 : g[i];
          out[o++] = i < 0 ? 0 : b[i];
        }
      }
    }
    return DecodedImage.adopt(width, height, channels, out);
  }

  private static int to8Bits(int sample, int maxValue) {
    if (maxValue == 255) {
      return sample;
    }
    return (int) ((2L * sample * 255 + maxValue) / (2L * maxValue));
  }
}
