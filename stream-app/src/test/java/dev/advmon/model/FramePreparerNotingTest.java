package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.image.ImageDecodeException;
import dev.advmon.image.ImageLimits;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `score` and `inspect` prepare files with {@link FramePreparer#prepareNoting}, the other commands and the stream with
 * {@link FramePreparer#prepare}: the two must give the model the same pixels for every layout a PNG or JPEG can have,
 * and every change the alert rates were not measured on is noted: a resize, samples deeper or shallower than 8 bits, a
 * palette expanded, a gray image given to a colour model or a colour one to a gray model.
 */
class FramePreparerNotingTest {

  @TempDir
  Path dir;

  private final FramePreparer gray28 = new FramePreparer(ImageLimits.defaults(), 1, 28, 28);
  private final FramePreparer rgb28 = new FramePreparer(ImageLimits.defaults(), 3, 28, 28);

  /** PNG colour type, bit depth, and the channels of a pixel (palette: 1 index). */
  private record Layout(String name, int colourType, int depth, int samples) {}

  private static final List<Layout> LAYOUTS = List.of(
      new Layout("gray-1", 0, 1, 1), new Layout("gray-2", 0, 2, 1), new Layout("gray-4", 0, 4, 1),
      new Layout("gray-8", 0, 8, 1), new Layout("gray-16", 0, 16, 1), new Layout("rgb-8", 2, 8, 3),
      new Layout("rgb-16", 2, 16, 3), new Layout("palette-1", 3, 1, 1), new Layout("palette-2", 3, 2, 1),
      new Layout("palette-4", 3, 4, 1), new Layout("palette-8", 3, 8, 1), new Layout("gray-alpha-8", 4, 8, 2),
      new Layout("gray-alpha-16", 4, 16, 2), new Layout("rgba-8", 6, 8, 4), new Layout("rgba-16", 6, 16, 4));

  @Test
  void everyPngLayoutIsPreparedAsPrepareDoesAndEveryChangeFromItsStoredFormIsNoted() throws Exception {
    for (int width : new int[] {28, 40}) {
      for (Layout l : LAYOUTS) {
        Path file = Files.write(dir.resolve(l.name() + "-" + width + ".png"), png(l, width, 28));
        for (FramePreparer preparer : List.of(gray28, rgb28)) {
          FramePreparer.PreparedFile noted = preparer.prepareNoting(file);
          assertThat(noted.image().data()).as(file.toString()).containsExactly(preparer.prepare(file).data());
          List<String> expected = new java.util.ArrayList<>();
          if (width != 28) {
            expected.add("resized from " + width + "x28 to the model's 28x28 (width x height)");
          }
          if (l.depth() > 8) {
            expected.add("16-bit samples rounded to 8 bits");
          }
          if (l.colourType() == 3 && l.depth() < 8) {
            expected.add(l.depth() + "-bit palette indices expanded to the palette's 8-bit colours");
          } else if (l.depth() < 8) {
            expected.add(l.depth() + "-bit samples expanded to 8 bits");
          }
          // the test's palettes hold colours, so a palette image is a colour one
          boolean gray = l.colourType() == 0 || l.colourType() == 4;
          if (gray && preparer == rgb28) {
            expected.add("gray image copied into the model's 3 colour channels");
          } else if (!gray && preparer == gray28) {
            expected.add("colour image reduced to the model's 1 gray channel (BT.601 luma)");
          }
          assertThat(noted.notes()).as(file.toString() + " for " + (preparer == gray28 ? "gray" : "rgb"))
              .isEqualTo(expected);
        }
      }
    }
  }

  @Test
  void aColourPngWhosePixelsAreAllGrayIsNotNotedForAGrayModel() throws Exception {
    java.awt.image.BufferedImage neutral = new java.awt.image.BufferedImage(28, 28,
        java.awt.image.BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        int v = (x * 9 + y) & 0xFF;
        neutral.setRGB(x, y, v << 16 | v << 8 | v);
      }
    }
    Path png = dir.resolve("neutral.png");
    assertThat(javax.imageio.ImageIO.write(neutral, "png", png.toFile())).isTrue();
    // luma of equal R, G and B is that value: the gray model sees what a gray file would have given it
    assertThat(gray28.prepareNoting(png).notes()).isEmpty();
    assertThat(rgb28.prepareNoting(png).notes()).isEmpty();
  }

  /**
   * An 8-bit palette holds 8-bit colours: a gray picture stored with a 256-entry gray palette (as optimisers store one)
   * gives the model the pixels of the same picture stored as 8-bit gray, and was noted as expanded all the same.
   */
  @Test
  void anEightBitPaletteIsNotNotedItsPixelsAreThoseOfTheSamePictureStoredAsEightBitGray() throws Exception {
    byte[] grays = new byte[3 * 256];
    for (int i = 0; i < grays.length; i++) {
      grays[i] = (byte) (i / 3);
    }
    Path palette = Files.write(dir.resolve("gray-palette-8.png"), png(new Layout("palette-8", 3, 8, 1), 28, 28, grays));
    Path gray = Files.write(dir.resolve("gray-8.png"), png(new Layout("gray-8", 0, 8, 1), 28, 28));
    assertThat(gray28.prepareNoting(palette).image().data()).containsExactly(gray28.prepare(gray).data());
    assertThat(gray28.prepareNoting(palette).notes()).isEmpty();
    assertThat(rgb28.prepareNoting(palette).notes()).isEqualTo(rgb28.prepareNoting(gray).notes())
        .containsExactly("gray image copied into the model's 3 colour channels");
  }

  @Test
  void aJpegIsPreparedAsPrepareDoesItsColourReductionNotedAndA12BitOneIsRefusedByBothAlike() throws Exception {
    java.awt.image.BufferedImage rgb = new java.awt.image.BufferedImage(28, 28,
        java.awt.image.BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        rgb.setRGB(x, y, (x * 9) << 16 | (y * 9) << 8 | ((x + y) * 4));
      }
    }
    Path jpeg = dir.resolve("rgb.jpg");
    assertThat(javax.imageio.ImageIO.write(rgb, "jpeg", jpeg.toFile())).isTrue();
    for (FramePreparer preparer : List.of(gray28, rgb28)) {
      FramePreparer.PreparedFile noted = preparer.prepareNoting(jpeg);
      assertThat(noted.image().data()).containsExactly(preparer.prepare(jpeg).data());
      assertThat(noted.notes()).isEqualTo(preparer == rgb28 ? List.of()
          : List.of("colour image reduced to the model's 1 gray channel (BT.601 luma)"));
    }
    // a 12-bit (extended, SOF1) JPEG's header: refused, with the same words, by both
    byte[] twelve = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC1, 0, 11, 12, 0, 28, 0, 28, 1, 1, 0x11, 0,
        (byte) 0xFF, (byte) 0xD9};
    Path deep = Files.write(dir.resolve("twelve.jpg"), twelve);
    String refused = catchMessage(() -> gray28.prepare(deep));
    assertThat(refused).isNotNull();
    assertThatThrownBy(() -> gray28.prepareNoting(deep)).isInstanceOf(ImageDecodeException.class)
        .hasMessage(refused);
  }

  private static String catchMessage(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    try {
      call.call();
      return null;
    } catch (Throwable t) {
      return t.getMessage();
    }
  }

  /** A PNG of {@code layout}, {@code width} x {@code height}, its samples a ramp over the whole range. */
  private static byte[] png(Layout layout, int width, int height) throws Exception {
    byte[] palette = new byte[3 * (1 << layout.depth())];
    for (int i = 0; i < palette.length; i++) {
      palette[i] = (byte) (i * 29);
    }
    return png(layout, width, height, palette);
  }

  /** As {@link #png(Layout, int, int)}, a palette image's PLTE chunk being {@code palette}. */
  private static byte[] png(Layout layout, int width, int height, byte[] palette) throws Exception {
    int bitsPerPixel = layout.depth() * layout.samples();
    int rowBytes = (width * bitsPerPixel + 7) / 8;
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    int max = (1 << layout.depth()) - 1;
    for (int y = 0; y < height; y++) {
      raw.write(0); // filter: none
      byte[] row = new byte[rowBytes];
      for (int x = 0; x < width; x++) {
        for (int s = 0; s < layout.samples(); s++) {
          int v = ((x * 7 + y * 3 + s * 11) * 37) % (max + 1);
          int bit = (x * layout.samples() + s) * layout.depth();
          if (layout.depth() == 16) {
            row[bit / 8] = (byte) (v >> 8);
            row[bit / 8 + 1] = (byte) v;
          } else {
            row[bit / 8] |= (byte) (v << (8 - layout.depth() - bit % 8));
          }
        }
      }
      raw.write(row);
    }
    Deflater deflater = new Deflater();
    deflater.setInput(raw.toByteArray());
    deflater.finish();
    byte[] buf = new byte[raw.size() + 1024];
    int n = deflater.deflate(buf);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) layout.depth())
        .put((byte) layout.colourType()).put((byte) 0).put((byte) 0).put((byte) 0).array());
    if (layout.colourType() == 3) {
      chunk(out, "PLTE", palette);
    }
    chunk(out, "IDAT", java.util.Arrays.copyOf(buf, n));
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws Exception {
    CRC32 crc = new CRC32();
    crc.update(type.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    crc.update(data);
    out.write(ByteBuffer.allocate(4).putInt(data.length).array());
    out.write(type.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    out.write(data);
    out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }
}
