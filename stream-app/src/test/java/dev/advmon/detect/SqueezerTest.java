package dev.advmon.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.image.FloatImage;
import org.junit.jupiter.api.Test;

class SqueezerTest {

  private static FloatImage image3x3(float... v) {
    return new FloatImage(1, 3, 3, v);
  }

  @Test
  void median2x2MatchesScipyReflectWithCentreAtLowerRightAndUpperMedian() {
    // scipy.ndimage.median_filter([[1,2,3],[4,50,6],[7,8,9]], size=2, mode='reflect') ==
    // [[1,2,3],[4,4,6],[7,8,9]]: (1,1) sees {1,2,4,50} and takes the upper middle value 4, not the mean 3.
    FloatImage out = new MedianSqueezer(2).apply(image3x3(1, 2, 3, 4, 50, 6, 7, 8, 9));
    assertThat(out.data()).containsExactly(1, 2, 3, 4, 4, 6, 7, 8, 9);
  }

  @Test
  void median3x3MatchesScipyReflectAtTheEdges() {
    // scipy.ndimage.median_filter(same, size=3, mode='reflect') == [[2,3,3],[4,6,6],[7,8,9]]
    FloatImage out = new MedianSqueezer(3).apply(image3x3(1, 2, 3, 4, 50, 6, 7, 8, 9));
    assertThat(out.data()).containsExactly(2, 3, 3, 4, 6, 6, 7, 8, 9);
  }

  @Test
  void switchingMedianRemovesAnIsolatedImpulseAndKeepsEveryOtherPixel() {
    // 3x3 medians of this frame (SciPy reflect): [[.2,.3,.3],[.4,.6,.6],[.7,.8,.9]]; only the centre (1.0 against
    // its median .6) differs by more than 0.35, so only the centre changes, where a plain median moves 3 pixels.
    FloatImage in = image3x3(.1f, .2f, .3f, .4f, 1f, .6f, .7f, .8f, .9f);
    assertThat(new SwitchingMedianSqueezer(3, 0.35).apply(in).data())
        .containsExactly(.1f, .2f, .3f, .4f, .6f, .6f, .7f, .8f, .9f);
    assertThat(new SwitchingMedianSqueezer(3, 0.45).apply(in).data()).as("0.4 from its median: within 0.45")
        .containsExactly(in.data());
    assertThat(in.data()).as("the frame itself").containsExactly(.1f, .2f, .3f, .4f, 1f, .6f, .7f, .8f, .9f);
  }

  @Test
  void switchingMedianComparesTheFloatDifferenceAsADoubleLikeTheAdaptiveAttackersCopy() {
    // 8-bit frames: 255/255 against a median of 102/255 is 153/255, "0.6" in float but above the double 0.6;
    // models/recipe/adaptive.py makes the same comparison, so the attack models the squeezer the monitor runs
    float lo = 102 / 255f;
    FloatImage in = image3x3(lo, lo, lo, lo, 1f, lo, lo, lo, lo);
    assertThat(new SwitchingMedianSqueezer(3, 0.6).apply(in).get(0, 1, 1)).isEqualTo(lo);
    assertThat(new SwitchingMedianSqueezer(3, 0.61).apply(in).get(0, 1, 1)).isEqualTo(1f);
  }

  @Test
  void switchingMedianLeavesAStepEdgeAlone() {
    // a garment's edge: every pixel equals the median of its window, so nothing switches (a 2x2 median would
    // move the edge by a pixel)
    float[] step = new float[36];
    for (int y = 0; y < 6; y++) {
      for (int x = 3; x < 6; x++) {
        step[y * 6 + x] = 1f;
      }
    }
    FloatImage in = new FloatImage(1, 6, 6, step);
    assertThat(Squeezer.parse("switching-median-3x3-0.5").apply(in).data()).containsExactly(step);
  }

  @Test
  void reflectRepeatsTheEdgePixel() {
    assertThat(FloatImage.reflect(-1, 5)).isEqualTo(0);
    assertThat(FloatImage.reflect(-2, 5)).isEqualTo(1);
    assertThat(FloatImage.reflect(5, 5)).isEqualTo(4);
    assertThat(FloatImage.reflect(6, 5)).isEqualTo(3);
  }

  @Test
  void bitDepthRoundsToTheNearestOfTwoToTheBitsLevels() {
    FloatImage in = new FloatImage(1, 1, 5, new float[] {0f, 0.2f, 0.49f, 0.51f, 1f});
    assertThat(new BitDepthSqueezer(1).apply(in).data()).containsExactly(0f, 0f, 0f, 1f, 1f);
    // 3 bits: 7 steps of 1/7; 0.2*7 = 1.4 -> 1/7, 0.49*7 = 3.43 -> 3/7, 0.51*7 = 3.57 -> 4/7
    assertThat(new BitDepthSqueezer(3).apply(in).data())
        .containsExactly(0f, 1f / 7, 3f / 7, 4f / 7, 1f);
  }

  @Test
  void squeezingLeavesTheFrameUnchanged() {
    FloatImage in = image3x3(1, 2, 3, 4, 50, 6, 7, 8, 9);
    new MedianSqueezer(2).apply(in);
    new BitDepthSqueezer(1).apply(in);
    assertThat(in.data()).containsExactly(1, 2, 3, 4, 50, 6, 7, 8, 9);
  }

  @Test
  void noiseCopiesAreSeededByTheFrameSoAReplayGetsTheSameProbe() {
    FloatImage in = image3x3(0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f);
    FloatImage a = Squeezer.parse("noise-0.05").apply(in);
    FloatImage b = Squeezer.parse("noise-0.05").apply(in.copy());
    assertThat(a.data()).containsExactly(b.data());
    assertThat(a.data()).isNotEqualTo(in.data());
    assertThat(Squeezer.parse("noise-0.05#1").apply(in).data()).as("another copy, other noise").isNotEqualTo(a.data());
    assertThat(Squeezer.parse("noise-0.05#1").spec()).isEqualTo("noise-0.05#1");
    for (float v : Squeezer.parse("noise-0.5").apply(in).data()) {
      assertThat(v).isBetween(0f, 1f);
    }
  }

  @Test
  void specsParseAndUnknownOnesNameTheAccepted() {
    assertThat(Squeezer.parse("bit-depth-5").spec()).isEqualTo("bit-depth-5");
    assertThat(Squeezer.parse("median-2x2").spec()).isEqualTo("median-2x2");
    assertThatThrownBy(() -> Squeezer.parse("jpeg-75")).hasMessageContaining("bit-depth-N").hasMessageContaining("median-KxK");
    assertThatThrownBy(() -> Squeezer.parse("median-2x3")).hasMessageContaining("square");
    assertThatThrownBy(() -> Squeezer.parse("bit-depth-9")).hasMessageContaining("1..8");
    assertThat(Squeezer.parse("switching-median-3x3-0.5").spec()).isEqualTo("switching-median-3x3-0.5");
    assertThatThrownBy(() -> Squeezer.parse("switching-median-3x3-1.5")).hasMessageContaining("(0, 1)")
        .hasMessageContaining("switching-median-3x3-1.5");
    assertThatThrownBy(() -> Squeezer.parse("switching-median-2x3-0.5")).hasMessageContaining("square");
    assertThatThrownBy(() -> Squeezer.parse("jpeg-75")).hasMessageContaining("switching-median-KxK-T");
    assertThat(Squeezer.parse("local-median-6x6-5x5").spec()).isEqualTo("local-median-6x6-5x5");
    assertThatThrownBy(() -> Squeezer.parse("local-median-6x5-5x5")).hasMessageContaining("square");
    assertThatThrownBy(() -> Squeezer.parse("local-median-6x6-9x9")).hasMessageContaining("local-median-6x6-9x9").hasMessageContaining("2..7");
    assertThatThrownBy(() -> Squeezer.parse("jpeg-75")).hasMessageContaining("local-median-WxW-KxK");
  }

  /**
   * A 28x28 garment-like frame: a smooth gradient on black, and a sticker of {@code size} x {@code size} pixels with
   * its top-left corner at (row, col): white dots on every other row and column, so that, like an optimised patch,
   * it is equally rough all over (each dot stands 1 from its 3x3 median).
   */
  private static FloatImage frameWithSticker(int size, int row, int col) {
    FloatImage f = new FloatImage(1, 28, 28, new float[28 * 28]);
    for (int y = 4; y < 24; y++) {
      for (int x = 8; x < 24; x++) {
        f.data()[f.index(0, y, x)] = 0.3f + 0.02f * (x - 8);
      }
    }
    for (int y = row; y < row + size; y++) {
      for (int x = col; x < col + size; x++) {
        f.data()[f.index(0, y, x)] = (y - row) % 2 == 0 && (x - col) % 2 == 0 ? 1f : 0f;
      }
    }
    return f;
  }

  @Test
  void localMedianFindsTheStickerAndSmoothsOnlyThatSquare() {
    // a 5x5 sticker of dots at (17, 2): the roughest 6x6 square holds all of its 9 dots
    FloatImage in = frameWithSticker(5, 17, 2);
    LocalMedianSqueezer squeezer = new LocalMedianSqueezer(6, 5);
    int[] corner = squeezer.roughestSquare(in);
    assertThat(corner[0]).as("top").isBetween(16, 17);
    assertThat(corner[1]).as("left").isBetween(1, 2);
    FloatImage out = squeezer.apply(in);
    float[] median = new MedianSqueezer(5).apply(in).data();
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        int i = in.index(0, y, x);
        boolean inside = y >= corner[0] && y < corner[0] + 6 && x >= corner[1] && x < corner[1] + 6;
        assertThat(out.data()[i]).as("pixel (%d, %d)", y, x).isEqualTo(inside ? median[i] : in.data()[i]);
      }
    }
    for (int y = 17; y < 22; y += 2) {
      for (int x = 2; x < 7; x += 2) {
        assertThat(out.data()[in.index(0, y, x)]).as("dot (%d, %d) smoothed away", y, x).isEqualTo(0f);
      }
    }
    assertThat(in.data()[in.index(0, 17, 2)]).as("the frame itself").isEqualTo(1f);
  }

  @Test
  void localMedianLeavesAFlatFrameAsItIsAndTiesGoToTheFirstSquare() {
    FloatImage flat = new FloatImage(1, 10, 12, new float[120]);
    java.util.Arrays.fill(flat.data(), 0.4f);
    LocalMedianSqueezer squeezer = new LocalMedianSqueezer(4, 3);
    assertThat(squeezer.roughestSquare(flat)).containsExactly(0, 0);
    assertThat(squeezer.apply(flat).data()).containsExactly(flat.data());
  }

  @Test
  void localMedianNamesAWindowThatDoesNotFitTheFrame() {
    assertThatThrownBy(() -> new LocalMedianSqueezer(6, 5).apply(image3x3(1, 2, 3, 4, 5, 6, 7, 8, 9)))
        .hasMessageContaining("local-median-6x6-5x5").hasMessageContaining("smaller window");
  }

  @Test
  void tvDenoisingMatchesAnIndependentTorchImplementationAndFlattensCheckerNoiseButKeepsTheEdge() {
    // a step edge (0 | 0.8) under +-0.1 checkerboard noise, clipped; expected values from a torch implementation of
    // Chambolle's projection (same iterations, step and weight), rounded to 8 bits
    float[] in = {0f, 0.1f, 0f, 0.9f, 0.7f, 0.9f, 0.1f, 0f, 0.1f, 0.7f, 0.9f, 0.7f, 0f, 0.1f, 0f, 0.9f, 0.7f, 0.9f,
        0.1f, 0f, 0.1f, 0.7f, 0.9f, 0.7f, 0f, 0.1f, 0f, 0.9f, 0.7f, 0.9f, 0.1f, 0f, 0.1f, 0.7f, 0.9f, 0.7f};
    int[] torch255 = {20, 20, 20, 196, 196, 197, 20, 20, 26, 195, 196, 197, 20, 20, 20, 195, 196, 196, 20, 21, 26, 194,
        196, 196, 21, 21, 21, 194, 195, 196, 21, 21, 27, 192, 196, 196};
    Squeezer tv = Squeezer.parse("tv-0.1");
    assertThat(tv.spec()).isEqualTo("tv-0.1");
    float[] out = tv.apply(new FloatImage(1, 6, 6, in)).data();
    for (int i = 0; i < out.length; i++) {
      assertThat(Math.round(out[i] * 255)).as("pixel %d", i).isBetween(torch255[i] - 1, torch255[i] + 1);
    }
    for (int y = 0; y < 6; y++) {
      assertThat(out[y * 6 + 3] - out[y * 6 + 2]).as("the edge in row %d stays", y).isGreaterThan(0.6f);
      assertThat(Math.abs(out[y * 6 + 1] - out[y * 6])).as("the noise in row %d goes", y).isLessThan(0.05f);
    }
    assertThatThrownBy(() -> Squeezer.parse("tv-1.5")).hasMessageContaining("tv-1.5").hasMessageContaining("(0, 1)");
    assertThatThrownBy(() -> Squeezer.parse("tv-x")).hasMessageContaining("unknown squeezer");
  }
}
