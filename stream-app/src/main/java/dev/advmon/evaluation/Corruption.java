package dev.advmon.evaluation;

import dev.advmon.image.FloatImage;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Ordinary camera conditions (after MNIST-C, Mu & Gilmer 2019, and ImageNet-C, Hendrycks & Dietterich 2019):
 * seventeen corruptions at three severities, with the definitions and parameters of the recipe's
 * {@code models/recipe/corruptions.py} (models/README.md, "Ordinary camera conditions"), so that the frames
 * {@code calibrate} makes from training images and the committed evaluation set made from test images are the
 * same conditions. Where the model stays right on such a frame, the frame is clean: it must not raise an alert.
 *
 * <p>Works on any bundle: every channel is treated alike (RGB too), and lengths given in pixels for the
 * 28-pixel frames of the recipe (blur radius and length, shift, line width) scale with the frame's shorter
 * side. Geometric corruptions read black outside the frame, as the recipe does. Every result is rounded to
 * 8 bits, as a camera delivers it. Random draws come from the caller's {@link Random}, so a seeded caller
 * gets the same frames on every run (they are not bit-identical to numpy's draws: the definitions are the
 * same, the random streams are not).
 */
public enum Corruption {
  GAUSSIAN_NOISE("gaussian-noise", "noise", 0.04, 0.08, 0.12),
  SHOT_NOISE("shot-noise", "noise", 100, 50, 25),
  IMPULSE_NOISE("impulse-noise", "noise", 0.01, 0.03, 0.05),
  DEFOCUS_BLUR("defocus-blur", "blur", 1.0, 1.5, 2.0),
  MOTION_BLUR("motion-blur", "blur", 3, 5, 7),
  DUSK("dusk", "light", 0.7, 0.5, 0.35),
  GLARE("glare", "light", 0.1, 0.2, 0.3),
  CONTRAST("contrast", "light", 0.6, 0.45, 0.3),
  GAMMA("gamma", "light", 1.5, 2.0, 2.5),
  JPEG("jpeg", "compression", 40, 25, 15),
  PIXELATE("pixelate", "compression", 0.75, 0.6, 0.45),
  FOG("fog", "weather", 0.3, 0.5, 0.7),
  SHIFT("shift", "geometry", 1, 2, 3),
  ROTATE("rotate", "geometry", 5, 10, 15),
  ZOOM("zoom", "geometry", 1.1, 1.2, 1.3),
  LINES("lines", "occlusion", 1, 2, 3),
  SCRATCHES("scratches", "occlusion", 1, 2, 3);

  /** The recipe's frames are 28 pixels a side: lengths in pixels are given for that size. */
  static final double REFERENCE_SIDE = 28;

  private final String id;
  private final String group;
  private final double[] params;

  Corruption(String id, String group, double... params) {
    this.id = id;
    this.group = group;
    this.params = params;
  }

  /** The name used in reports, manifests and calibration.json ({@code gaussian-noise}). */
  public String id() {
    return id;
  }

  /** Coarse group: noise, blur, light, compression, weather, geometry, occlusion. */
  public String group() {
    return group;
  }

  /** The parameter of severity 1..3 (models/README.md gives its meaning per corruption). */
  public double parameter(int severity) {
    checkSeverity(severity);
    return params[severity - 1];
  }

  public static Corruption parse(String id) {
    for (Corruption c : values()) {
      if (c.id.equals(id)) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown corruption '" + id + "'; known: " + ids());
  }

  public static List<String> ids() {
    return Arrays.stream(values()).map(Corruption::id).toList();
  }

  /** {@code frame} (values in [0,1]) under this corruption at {@code severity} 1..3; a new image, 8-bit rounded. */
  public FloatImage apply(FloatImage frame, int severity, Random rng) {
    double p = parameter(severity);
    double unit = Math.min(frame.height(), frame.width()) / REFERENCE_SIDE; // pixels per recipe pixel
    FloatImage out = switch (this) {
      case GAUSSIAN_NOISE -> map(frame, v -> v + p * rng.nextGaussian());
      case SHOT_NOISE -> map(frame, v -> poisson(Math.max(0, v) * p, rng) / p);
      case IMPULSE_NOISE -> map(frame, v -> rng.nextDouble() < p ? (rng.nextDouble() < 0.5 ? 1 : 0) : v);
      case DEFOCUS_BLUR -> convolve(frame, diskKernel(p * unit));
      case MOTION_BLUR -> convolve(frame, lineKernel(p * unit, rng.nextDouble() * 180));
      case DUSK -> map(frame, v -> v * p);
      case GLARE -> map(frame, v -> v + p);
      case CONTRAST -> contrast(frame, p);
      case GAMMA -> {
        double g = rng.nextDouble() < 0.5 ? p : 1 / p;
        yield map(frame, v -> Math.pow(clip(v), g));
      }
      case JPEG -> jpeg(frame, (int) p);
      case PIXELATE -> pixelate(frame, p);
      case FOG -> fog(frame, p, rng);
      // at least one pixel: under 14 pixels a side the scaled shift rounds to 0, which is no offset to draw from
      case SHIFT -> shift(frame, Math.max(1, (int) Math.round(p * unit)), rng);
      case ROTATE -> warp(frame, rng.nextDouble() < 0.5 ? p : -p, 0, 0, 1);
      case ZOOM -> warp(frame, 0, 0, 0, rng.nextDouble() < 0.5 ? p : 1 / p);
      case LINES -> lines(frame, (int) p, unit, rng);
      case SCRATCHES -> scratches(frame, (int) p, unit, rng);
    };
    return to8Bit(out);
  }

  private static void checkSeverity(int severity) {
    if (severity < 1 || severity > 3) {
      throw new IllegalArgumentException("severity must be 1, 2 or 3, not " + severity);
    }
  }

  // ---- helpers, each on planar [c][y][x] float images ----

  private interface Op {
    double at(double v);
  }

  private static FloatImage map(FloatImage f, Op op) {
    float[] out = new float[f.data().length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) op.at(f.data()[i]);
    }
    return new FloatImage(f.channels(), f.height(), f.width(), out);
  }

  static double clip(double v) {
    return v < 0 ? 0 : v > 1 ? 1 : v;
  }

  /** Rounds to 8 bits after clipping, as a PNG from a camera carries it. */
  static FloatImage to8Bit(FloatImage f) {
    float[] out = new float[f.data().length];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.round(clip(f.data()[i]) * 255) / 255f;
    }
    return new FloatImage(f.channels(), f.height(), f.width(), out);
  }

  /** Knuth's method below 200 (exp(-200) is still a normal double), a rounded normal approximation above. */
  static double poisson(double lambda, Random rng) {
    if (lambda <= 0) {
      return 0;
    }
    if (lambda > 200) {
      return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.nextGaussian()));
    }
    double limit = Math.exp(-lambda);
    double prod = rng.nextDouble();
    int k = 0;
    while (prod > limit) {
      prod *= rng.nextDouble();
      k++;
    }
    return k;
  }

  private static FloatImage contrast(FloatImage f, double p) {
    float[] out = new float[f.data().length];
    int plane = f.pixels();
    for (int c = 0; c < f.channels(); c++) {
      double mean = 0;
      for (int i = 0; i < plane; i++) {
        mean += f.data()[c * plane + i];
      }
      mean /= plane;
      for (int i = 0; i < plane; i++) {
        out[c * plane + i] = (float) ((f.data()[c * plane + i] - mean) * p + mean);
      }
    }
    return new FloatImage(f.channels(), f.height(), f.width(), out);
  }

  /** Disk of {@code radius}: each kernel cell weighs the share of it inside the disk (16x16 supersampled). */
  static double[][] diskKernel(double radius) {
    int n = (int) Math.ceil(radius - 0.5);
    int size = 2 * n + 1;
    int ss = 16;
    double[][] k = new double[size][size];
    double sum = 0;
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int inside = 0;
        for (int sy = 0; sy < ss; sy++) {
          for (int sx = 0; sx < ss; sx++) {
            double yy = y + (sy + 0.5) / ss - size / 2.0;
            double xx = x + (sx + 0.5) / ss - size / 2.0;
            inside += yy * yy + xx * xx <= radius * radius ? 1 : 0;
          }
        }
        k[y][x] = (double) inside / (ss * ss);
        sum += k[y][x];
      }
    }
    return normalise(k, sum);
  }

  /** A line of {@code length} through the kernel centre at {@code angleDeg}: 64 points, bilinearly splatted. */
  static double[][] lineKernel(double length, double angleDeg) {
    int n = (int) Math.ceil(length / 2) + 1;
    int size = 2 * n + 1;
    double[][] k = new double[size][size];
    int points = length > 1 ? 64 : 1;
    double a = Math.toRadians(angleDeg);
    double sum = 0;
    for (int i = 0; i < points; i++) {
      double t = points == 1 ? 0 : -(length - 1) / 2 + (length - 1) * i / (points - 1);
      double y = n - t * Math.sin(a);
      double x = n + t * Math.cos(a);
      int y0 = (int) Math.floor(y);
      int x0 = (int) Math.floor(x);
      double fy = y - y0;
      double fx = x - x0;
      k[y0][x0] += (1 - fy) * (1 - fx);
      k[y0][x0 + 1] += (1 - fy) * fx;
      k[y0 + 1][x0] += fy * (1 - fx);
      k[y0 + 1][x0 + 1] += fy * fx;
      sum += 1;
    }
    return normalise(k, sum);
  }

  private static double[][] normalise(double[][] k, double sum) {
    for (double[] row : k) {
      for (int i = 0; i < row.length; i++) {
        row[i] /= sum;
      }
    }
    return k;
  }

  /** Convolution with edges reflected (SciPy 'reflect': the edge pixel repeats). */
  static FloatImage convolve(FloatImage f, double[][] k) {
    int h = f.height();
    int w = f.width();
    int r = k.length / 2;
    float[] out = new float[f.data().length];
    for (int c = 0; c < f.channels(); c++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double s = 0;
          for (int dy = -r; dy <= r; dy++) {
            int yy = FloatImage.reflect(y + dy, h);
            for (int dx = -r; dx <= r; dx++) {
              // convolution flips the kernel; the kernels here are symmetric about their centre except the
              // motion line, whose flip is the same line
              s += k[r - dy][r - dx] * f.get(c, yy, FloatImage.reflect(x + dx, w));
            }
          }
          out[f.index(c, y, x)] = (float) s;
        }
      }
    }
    return new FloatImage(f.channels(), h, w, out);
  }


  /** JPEG encode and decode at {@code quality} (ImageIO's baseline encoder, standard tables scaled by quality). */
  static FloatImage jpeg(FloatImage f, int quality) {
    int h = f.height();
    int w = f.width();
    boolean gray = f.channels() == 1;
    BufferedImage img = new BufferedImage(w, h, gray ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
    WritableRaster r = img.getRaster();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < Math.min(3, f.channels()); c++) {
          r.setSample(x, y, c, Math.round(clip(f.get(c, y, x)) * 255));
        }
      }
    }
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
      try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
        writer.setOutput(out);
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality / 100f);
        writer.write(null, new IIOImage(img, null, null), param);
      } finally {
        writer.dispose();
      }
      BufferedImage back = ImageIO.read(new ByteArrayInputStream(bytes.toByteArray()));
      float[] data = new float[f.data().length];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          for (int c = 0; c < f.channels(); c++) {
            data[f.index(c, y, x)] = back.getRaster().getSample(x, y, gray ? 0 : Math.min(c, 2)) / 255f;
          }
        }
      }
      return new FloatImage(f.channels(), h, w, data);
    } catch (IOException e) {
      throw new UncheckedIOException("JPEG round trip in memory failed", e);
    }
  }

  /** Box-filter down to round(side p), nearest-neighbour back up (the recipe's Pillow BOX then NEAREST). */
  static FloatImage pixelate(FloatImage f, double p) {
    int h = f.height();
    int w = f.width();
    int sh = Math.max(1, (int) Math.round(h * p));
    int sw = Math.max(1, (int) Math.round(w * p));
    float[] out = new float[f.data().length];
    for (int c = 0; c < f.channels(); c++) {
      double[] small = new double[sh * sw];
      for (int y = 0; y < sh; y++) {
        for (int x = 0; x < sw; x++) {
          small[y * sw + x] = boxMean(f, c, (double) y * h / sh, (double) (y + 1) * h / sh, (double) x * w / sw, (double) (x + 1) * w / sw);
        }
      }
      for (int y = 0; y < h; y++) {
        int yy = Math.min(sh - 1, (int) ((y + 0.5) * sh / h));
        for (int x = 0; x < w; x++) {
          int xx = Math.min(sw - 1, (int) ((x + 0.5) * sw / w));
          out[f.index(c, y, x)] = (float) small[yy * sw + xx];
        }
      }
    }
    return new FloatImage(f.channels(), h, w, out);
  }

  /** Area-weighted mean of channel c over the source rectangle [y0,y1) x [x0,x1) (fractional bounds). */
  private static double boxMean(FloatImage f, int c, double y0, double y1, double x0, double x1) {
    double s = 0;
    double area = 0;
    for (int y = (int) Math.floor(y0); y < Math.ceil(y1); y++) {
      double wy = Math.min(y + 1, y1) - Math.max(y, y0);
      for (int x = (int) Math.floor(x0); x < Math.ceil(x1); x++) {
        double wx = Math.min(x + 1, x1) - Math.max(x, x0);
        s += wy * wx * f.get(c, y, x);
        area += wy * wx;
      }
    }
    return s / area;
  }

  /** ImageNet-C's fog: (x + p f) max(x) / (max(x) + p), f a plasma fractal in [0,1], per channel max. */
  private static FloatImage fog(FloatImage f, double p, Random rng) {
    int side = 32;
    while (side < Math.max(f.height(), f.width())) {
      side *= 2;
    }
    double[][] plasma = plasma(side, rng);
    int oy = rng.nextInt(side - f.height() + 1);
    int ox = rng.nextInt(side - f.width() + 1);
    float[] out = new float[f.data().length];
    int plane = f.pixels();
    for (int c = 0; c < f.channels(); c++) {
      double max = 0;
      for (int i = 0; i < plane; i++) {
        max = Math.max(max, f.data()[c * plane + i]);
      }
      for (int y = 0; y < f.height(); y++) {
        for (int x = 0; x < f.width(); x++) {
          out[f.index(c, y, x)] = (float) ((f.get(c, y, x) + p * plasma[oy + y][ox + x]) * max / (max + p));
        }
      }
    }
    return new FloatImage(f.channels(), f.height(), f.width(), out);
  }

  /** Diamond-square fractal on a {@code size} x {@code size} torus (size a power of 2), scaled to [0,1]. */
  static double[][] plasma(int size, Random rng) {
    double[][] m = new double[size][size];
    double wibble = 1;
    for (int step = size; step >= 2; step /= 2) {
      int half = step / 2;
      wibble /= 2;
      for (int y = 0; y < size; y += step) {
        for (int x = 0; x < size; x += step) {
          double corners = (m[y][x] + m[(y + step) % size][x] + m[y][(x + step) % size] + m[(y + step) % size][(x + step) % size]) / 4;
          m[y + half][x + half] = corners + (rng.nextDouble() * 2 - 1) * wibble;
        }
      }
      for (int y = 0; y < size; y += step) {
        for (int x = 0; x < size; x += step) {
          // (y + half, x): left/right diamond centres and the corners above and below
          double lt = m[y + half][x + half] + m[y + half][Math.floorMod(x - half, size)] + m[y][x] + m[(y + step) % size][x];
          m[y + half][x] = lt / 4 + (rng.nextDouble() * 2 - 1) * wibble;
          double tt = m[y + half][x + half] + m[Math.floorMod(y - half, size)][x + half] + m[y][x] + m[y][(x + step) % size];
          m[y][x + half] = tt / 4 + (rng.nextDouble() * 2 - 1) * wibble;
        }
      }
    }
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double[] row : m) {
      for (double v : row) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    double range = Math.max(max - min, 1e-12);
    for (double[] row : m) {
      for (int i = 0; i < row.length; i++) {
        row[i] = (row[i] - min) / range;
      }
    }
    return m;
  }

  /** Integer translation with max(|dx|, |dy|) = p, uniform among those offsets; black comes in. */
  private static FloatImage shift(FloatImage f, int p, Random rng) {
    int ring = 8 * p; // offsets on the square ring of radius p
    int pick = rng.nextInt(ring);
    int n = 0;
    for (int dy = -p; dy <= p; dy++) {
      for (int dx = -p; dx <= p; dx++) {
        if (Math.max(Math.abs(dy), Math.abs(dx)) == p && n++ == pick) {
          return warp(f, 0, dx, dy, 1);
        }
      }
    }
    throw new IllegalStateException("no offset at distance " + p);
  }

  /**
   * Rotation by {@code angle} degrees (counter-clockwise as displayed), scaling by {@code scale} and translation
   * by (dx, dy) pixels, about the frame centre; bilinear, black outside the frame.
   */
  static FloatImage warp(FloatImage f, double angle, double dx, double dy, double scale) {
    int h = f.height();
    int w = f.width();
    double cy = (h - 1) / 2.0;
    double cx = (w - 1) / 2.0;
    double t = Math.toRadians(angle);
    double cos = Math.cos(t);
    double sin = Math.sin(t);
    float[] out = new float[f.data().length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double yr = (y - cy - dy) / scale;
        double xr = (x - cx - dx) / scale;
        double sx = cos * xr - sin * yr + cx;
        double sy = sin * xr + cos * yr + cy;
        int y0 = (int) Math.floor(sy);
        int x0 = (int) Math.floor(sx);
        double fy = sy - y0;
        double fx = sx - x0;
        for (int c = 0; c < f.channels(); c++) {
          double v = (1 - fy) * (1 - fx) * at(f, c, y0, x0) + (1 - fy) * fx * at(f, c, y0, x0 + 1)
              + fy * (1 - fx) * at(f, c, y0 + 1, x0) + fy * fx * at(f, c, y0 + 1, x0 + 1);
          out[f.index(c, y, x)] = (float) v;
        }
      }
    }
    return new FloatImage(f.channels(), h, w, out);
  }

  private static double at(FloatImage f, int c, int y, int x) {
    return y < 0 || x < 0 || y >= f.height() || x >= f.width() ? 0 : f.get(c, y, x);
  }

  /**
   * {@code count} straight lines across the frame, each through a point of the central half at a uniform
   * angle, {@code unit} pixels wide, anti-aliased (coverage from 4x4 subsamples), black or white with even odds.
   */
  private static FloatImage lines(FloatImage f, int count, double unit, Random rng) {
    int h = f.height();
    int w = f.width();
    float[] out = f.data().clone();
    int ss = 4;
    for (int l = 0; l < count; l++) {
      double cy = h / 4.0 + rng.nextDouble() * h / 2.0;
      double cx = w / 4.0 + rng.nextDouble() * w / 2.0;
      double a = rng.nextDouble() * Math.PI;
      double nx = -Math.sin(a);
      double ny = Math.cos(a);
      float v = rng.nextDouble() < 0.5 ? 1f : 0f;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int in = 0;
          for (int sy = 0; sy < ss; sy++) {
            for (int sx = 0; sx < ss; sx++) {
              // pixel (x, y) covers [x, x+1) x [y, y+1): corner-origin coordinates, as the recipe's
              double px = x + (sx + 0.5) / ss;
              double py = y + (sy + 0.5) / ss;
              in += Math.abs((px - cx) * nx + (py - cy) * ny) <= unit / 2 ? 1 : 0;
            }
          }
          if (in > 0) {
            float cov = (float) in / (ss * ss);
            for (int c = 0; c < f.channels(); c++) {
              int i = f.index(c, y, x);
              out[i] = out[i] * (1 - cov) + v * cov;
            }
          }
        }
      }
    }
    return new FloatImage(f.channels(), h, w, out);
  }

  /**
   * {@code count} hard strokes, as a cheap renderer or a dead sensor row draws them: no anti-aliasing, the pixels set
   * to exactly 0 or 1 (even odds). Each is a straight segment of length uniform in [8, 40) recipe pixels (clipped by
   * the frame) through a point of the central half at a uniform angle, solid or dotted (every other pixel; even
   * odds), drawn one pixel per step along its longer axis (a DDA line), as the recipe's {@code scratches}.
   */
  private static FloatImage scratches(FloatImage f, int count, double unit, Random rng) {
    int h = f.height();
    int w = f.width();
    float[] out = f.data().clone();
    for (int l = 0; l < count; l++) {
      double cy = h / 4.0 + rng.nextDouble() * h / 2.0;
      double cx = w / 4.0 + rng.nextDouble() * w / 2.0;
      double a = rng.nextDouble() * Math.PI;
      double length = (8 + rng.nextDouble() * 32) * unit;
      float v = rng.nextDouble() < 0.5 ? 1f : 0f;
      boolean dotted = rng.nextDouble() < 0.5;
      double dy = Math.sin(a);
      double dx = Math.cos(a);
      double steps = Math.max(Math.abs(dx), Math.abs(dy)); // one pixel per step along the longer axis
      int n = (int) Math.floor(length / 2 * steps);
      for (int k = -n; k <= n; k++) {
        if (dotted && Math.floorMod(k, 2) == 1) {
          continue;
        }
        int y = (int) Math.rint(cy + k * dy / steps);
        int x = (int) Math.rint(cx + k * dx / steps);
        if (y >= 0 && y < h && x >= 0 && x < w) {
          for (int c = 0; c < f.channels(); c++) {
            out[f.index(c, y, x)] = v;
          }
        }
      }
    }
    return new FloatImage(f.channels(), h, w, out);
  }
}
