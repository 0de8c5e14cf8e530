package dev.advmon.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.advmon.image.FloatImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CorruptionTest {

  /** A grey square on black, like a garment on Fashion-MNIST's background. */
  private static FloatImage square(int channels, int side) {
    float[] d = new float[channels * side * side];
    for (int c = 0; c < channels; c++) {
      for (int y = side / 4; y < 3 * side / 4; y++) {
        for (int x = side / 4; x < 3 * side / 4; x++) {
          d[(c * side + y) * side + x] = 0.6f;
        }
      }
    }
    return new FloatImage(channels, side, side, d);
  }

  private static double meanAbsDiff(FloatImage a, FloatImage b) {
    double s = 0;
    for (int i = 0; i < a.data().length; i++) {
      s += Math.abs(a.data()[i] - b.data()[i]);
    }
    return s / a.data().length;
  }

  @Test
  void everyCorruptionChangesTheFrameMoreAtHigherSeverityAndKeepsEightBitValuesInRange() {
    FloatImage f = square(1, 28);
    for (Corruption c : Corruption.values()) {
      double[] change = new double[3];
      for (int s = 1; s <= 3; s++) {
        FloatImage out = c.apply(f, s, new Random(7));
        assertThat(out.height()).isEqualTo(28);
        for (float v : out.data()) {
          assertThat(v).as(c.id()).isBetween(0f, 1f);
          assertThat(Math.abs(v * 255 - Math.round(v * 255))).as("8-bit value from %s", c.id()).isLessThan(1e-3f);
        }
        change[s - 1] = meanAbsDiff(f, out);
      }
      assertThat(change[0]).as("%s changes the frame", c.id()).isGreaterThan(0);
      if (c != Corruption.GAMMA && c != Corruption.ZOOM && c != Corruption.SHIFT) { // direction drawn at random
        assertThat(change[2]).as("%s severity 3 vs 1", c.id()).isGreaterThan(change[0]);
      }
    }
  }

  @Test
  void sameSeedSameFrameAndRgbFramesOfOtherSizesWork() {
    FloatImage rgb = square(3, 40);
    for (Corruption c : Corruption.values()) {
      FloatImage a = c.apply(rgb, 2, new Random(3));
      FloatImage b = c.apply(rgb, 2, new Random(3));
      assertThat(a.data()).as(c.id()).containsExactly(b.data());
      assertThat(a.channels()).isEqualTo(3);
      assertThat(a.width()).isEqualTo(40);
    }
  }

  @Test
  void framesWhoseShorterSideIsUnderFourteenPixelsGetEveryCorruption() {
    // the shift scales with the shorter side (1 recipe pixel of 28): round(12 / 28) = 0 pixels was drawn from a ring
    // of no offsets, and ./monitor calibrate failed with "bound must be positive" for a 12x40 or an 8x8 model
    for (int[] size : new int[][] {{3, 12, 40}, {1, 40, 6}, {1, 8, 8}}) {
      float[] d = new float[size[0] * size[1] * size[2]];
      for (int i = 0; i < d.length; i++) {
        d[i] = (i * 37 % 11) / 10f;
      }
      FloatImage f = new FloatImage(size[0], size[1], size[2], d);
      for (Corruption c : Corruption.values()) {
        for (int s = 1; s <= 3; s++) {
          FloatImage out = c.apply(f, s, new Random(5));
          assertThat(out.height()).isEqualTo(size[1]);
          assertThat(out.width()).isEqualTo(size[2]);
          if (c == Corruption.SHIFT) {
            assertThat(meanAbsDiff(f, out)).as("a shift of a %dx%d frame moves it", size[1], size[2]).isGreaterThan(0);
          }
        }
      }
    }
  }

  @Test
  void definitionsMatchTheRecipe() {
    FloatImage f = square(1, 28);
    // dusk multiplies, glare adds, contrast pulls towards the frame's mean
    assertThat(Corruption.DUSK.apply(f, 2, new Random(1)).get(0, 14, 14)).isCloseTo(Math.round(0.6 * 0.5 * 255) / 255f, within(1e-6f));
    assertThat(Corruption.GLARE.apply(f, 3, new Random(1)).get(0, 0, 0)).isCloseTo(Math.round(0.3 * 255) / 255f, within(1e-6f));
    double mean = 0.6 * 0.25;
    assertThat(Corruption.CONTRAST.apply(f, 1, new Random(1)).get(0, 0, 0)).isCloseTo(Math.round((0 - mean) * 0.6 * 255 + mean * 255) / 255f, within(1e-6f));
    // a shift by p moves the square by p in x or y: the total brightness stays (the square stays inside)
    FloatImage shifted = Corruption.SHIFT.apply(f, 3, new Random(5));
    assertThat(sum(shifted)).isCloseTo(sum(f), within(1e-3));
    assertThat(meanAbsDiff(f, shifted)).isGreaterThan(0);
    // blur kernels sum to one; the disk of radius 1 is 3x3
    assertThat(Corruption.diskKernel(1.0)).hasNumberOfRows(3);
    assertThat(total(Corruption.diskKernel(2.0))).isCloseTo(1.0, within(1e-9));
    assertThat(total(Corruption.lineKernel(7, 33))).isCloseTo(1.0, within(1e-9));
    // shot noise keeps black black
    assertThat(Corruption.SHOT_NOISE.apply(f, 3, new Random(9)).get(0, 0, 0)).isZero();
    assertThat(Corruption.parse("fog")).isEqualTo(Corruption.FOG);
    assertThatThrownBy(() -> Corruption.parse("snow")).hasMessageContaining("known");
    assertThatThrownBy(() -> Corruption.FOG.apply(f, 4, new Random(1))).hasMessageContaining("severity");
  }

  @Test
  void scratchesAreHardShortStrokesOfPureBlackOrWhiteThatScaleWithTheFrame() {
    // a mid-grey frame: every pixel a stroke touches becomes exactly 0 or 1, nothing is blended
    int[] changed28 = new int[3];
    long total28 = 0;
    long total56 = 0;
    for (int seed = 0; seed < 60; seed++) {
      for (int s = 1; s <= 3; s++) {
        FloatImage out = Corruption.SCRATCHES.apply(grey(28), s, new Random(seed));
        int n = 0;
        for (float v : out.data()) {
          if (v != GREY) {
            assertThat(v).as("seed %d severity %d", seed, s).isIn(0f, 1f);
            n++;
          }
        }
        // one stroke is at most 40 px long: at most 41 pixels per stroke
        assertThat(n).as("seed %d severity %d", seed, s).isBetween(1, 41 * s);
        changed28[s - 1] += n;
        if (s == 1) {
          total28 += n;
          FloatImage big = Corruption.SCRATCHES.apply(grey(56), 1, new Random(seed));
          for (float v : big.data()) {
            total56 += v != GREY ? 1 : 0;
          }
        }
      }
    }
    assertThat(changed28[2]).as("three strokes touch more pixels than one").isGreaterThan(changed28[0]);
    // lengths are given in the recipe's 28-px pixels: a 56-px frame gets strokes twice as long
    assertThat((double) total56 / total28).isBetween(1.6, 2.4);
  }

  /**
   * The recipe's committed {@code scratches} frames (Python) and this port agree: each frame differs from its clean
   * source only in pixels set to pure black or white, at most 41 per stroke, and the port changes as many pixels per
   * severity on the same sources, within a quarter (the random streams differ, the definition is one).
   */
  @Test
  void theCommittedScratchesFramesAndThisPortFollowOneDefinition() throws Exception {
    java.nio.file.Path root = dev.advmon.testing.TestData.repoRoot();
    double[] recipe = new double[3];
    double[] port = new double[3];
    int[] frames = new int[3];
    Random rng = new Random(2019);
    for (String line : java.nio.file.Files.readAllLines(root.resolve("models/corruptions/manifest.csv"))) {
      String[] f = line.split(",");
      if (!f[1].equals("scratches")) {
        continue;
      }
      int severity = Integer.parseInt(f[2]);
      FloatImage clean = gray(root.resolve(String.format("models/eval/fashion-mnist-test/test-%05d.png", Integer.parseInt(f[4]))));
      FloatImage scratched = gray(root.resolve("models/corruptions").resolve(f[0]));
      int changed = 0;
      for (int i = 0; i < clean.data().length; i++) {
        if (clean.data()[i] != scratched.data()[i]) {
          assertThat(scratched.data()[i]).as("%s pixel %d", f[0], i).isIn(0f, 1f);
          changed++;
        }
      }
      assertThat(changed).as(f[0]).isLessThanOrEqualTo(41 * severity);
      FloatImage ours = Corruption.SCRATCHES.apply(clean, severity, rng);
      int ourChanged = 0;
      for (int i = 0; i < clean.data().length; i++) {
        ourChanged += clean.data()[i] != ours.data()[i] ? 1 : 0;
      }
      recipe[severity - 1] += changed;
      port[severity - 1] += ourChanged;
      frames[severity - 1]++;
    }
    for (int s = 0; s < 3; s++) {
      assertThat(frames[s]).as("committed frames of severity %d", s + 1).isGreaterThan(50);
      assertThat(port[s] / recipe[s]).as("pixels changed by the port / by the recipe, severity %d", s + 1).isBetween(0.75, 1.25);
    }
  }

  private static FloatImage gray(java.nio.file.Path png) throws java.io.IOException {
    java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
    float[] d = new float[img.getWidth() * img.getHeight()];
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        d[y * img.getWidth() + x] = img.getRaster().getSample(x, y, 0) / 255f;
      }
    }
    return new FloatImage(1, img.getHeight(), img.getWidth(), d);
  }

  private static final float GREY = 128 / 255f; // an 8-bit value: the corruption's rounding keeps it

  private static FloatImage grey(int side) {
    float[] d = new float[side * side];
    java.util.Arrays.fill(d, GREY);
    return new FloatImage(1, side, side, d);
  }

  @Test
  void poissonHasTheRightMean() {
    Random r = new Random(11);
    double s = 0;
    for (int i = 0; i < 20000; i++) {
      s += Corruption.poisson(30, r);
    }
    assertThat(s / 20000).isCloseTo(30, within(0.3));
  }

  private static double sum(FloatImage f) {
    double s = 0;
    for (float v : f.data()) {
      s += v;
    }
    return s;
  }

  private static double total(double[][] k) {
    double s = 0;
    for (double[] row : k) {
      for (double v : row) {
        s += v;
      }
    }
    return s;
  }
}
