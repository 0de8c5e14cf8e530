package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A feature squeezer (Xu, Evans, Qi 2018): a transform that removes detail an honest frame does not need,
 * so that the model's answer moves little on a clean frame and much on an adversarial one.
 */
public interface Squeezer {

  /** The spec string it was made from, as calibration.json stores it ({@code bit-depth-3}, {@code median-2x2}). */
  String spec();

  /** A squeezed copy; {@code frame} is not changed. */
  FloatImage apply(FloatImage frame);

  Pattern BIT_DEPTH = Pattern.compile("bit-depth-(\\d+)");
  Pattern MEDIAN = Pattern.compile("median-(\\d+)x(\\d+)");
  Pattern NOISE = Pattern.compile("noise-([0-9.]+)(?:#(\\d+))?");
  Pattern SWITCHING_MEDIAN = Pattern.compile("switching-median-(\\d+)x(\\d+)-([0-9.]+)");
  Pattern LOCAL_MEDIAN = Pattern.compile("local-median-(\\d+)x(\\d+)-(\\d+)x(\\d+)");
  Pattern TV = Pattern.compile("tv-([0-9.]+)");

  /**
   * Parses {@code bit-depth-N} (1..8), {@code median-KxK} (2..7), {@code switching-median-KxK-T} (a pixel replaced
   * by its KxK median only where it differs from it by more than T, in (0, 1)), {@code local-median-WxW-KxK} (the
   * frame's roughest W x W square replaced by a K x K median, K = 2..7; {@link LocalMedianSqueezer}), {@code tv-W}
   * (total-variation denoising of weight W in (0, 1); {@link TvSqueezer}) or {@code
   * noise-S} (Gaussian noise of standard deviation S, seeded by the frame; {@code noise-S#I} is copy I of it).
   */
  static Squeezer parse(String spec) {
    Matcher b = BIT_DEPTH.matcher(spec);
    if (b.matches()) {
      return new BitDepthSqueezer(Integer.parseInt(b.group(1)));
    }
    Matcher m = MEDIAN.matcher(spec);
    if (m.matches()) {
      if (!m.group(1).equals(m.group(2))) {
        throw new IllegalArgumentException("squeezer '" + spec + "': only square median windows are supported (median-KxK)");
      }
      return new MedianSqueezer(Integer.parseInt(m.group(1)));
    }
    Matcher sm = SWITCHING_MEDIAN.matcher(spec);
    if (sm.matches()) {
      if (!sm.group(1).equals(sm.group(2))) {
        throw new IllegalArgumentException("squeezer '" + spec + "': only square windows are supported (switching-median-KxK-T)");
      }
      try {
        return new SwitchingMedianSqueezer(Integer.parseInt(sm.group(1)), Double.parseDouble(sm.group(3)), spec);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("squeezer '" + spec + "': switching-median-KxK-T needs a number T, e.g. switching-median-3x3-0.5");
      }
    }
    Matcher lm = LOCAL_MEDIAN.matcher(spec);
    if (lm.matches()) {
      if (!lm.group(1).equals(lm.group(2)) || !lm.group(3).equals(lm.group(4))) {
        throw new IllegalArgumentException("squeezer '" + spec + "': only square windows are supported (local-median-WxW-KxK)");
      }
      try {
        return new LocalMedianSqueezer(Integer.parseInt(lm.group(1)), Integer.parseInt(lm.group(3)), spec);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("squeezer '" + spec + "': local-median-WxW-KxK needs whole numbers, e.g. local-median-6x6-5x5");
      }
    }
    Matcher tv = TV.matcher(spec);
    if (tv.matches()) {
      try {
        return new TvSqueezer(Double.parseDouble(tv.group(1)), spec);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("squeezer '" + spec + "': tv-W needs a number W, e.g. tv-0.05");
      }
    }
    Matcher n = NOISE.matcher(spec);
    if (n.matches()) {
      try {
        return new NoiseSqueezer(Double.parseDouble(n.group(1)), n.group(2) == null ? 0 : Integer.parseInt(n.group(2)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("squeezer '" + spec + "': noise-S needs a number S, e.g. noise-0.05");
      }
    }
    throw new IllegalArgumentException("unknown squeezer '" + spec + "': use bit-depth-N (N = 1..8), median-KxK (K = 2..7), switching-median-KxK-T (T in (0, 1)), local-median-WxW-KxK, tv-W (W in (0, 1)) or noise-S (S in (0, 0.5])");
  }
}
