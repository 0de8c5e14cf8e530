package dev.advmon.evaluation;

import dev.advmon.detect.Calibrator;
import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The frames {@code calibrate} sets thresholds on: every clean holdout frame once as it is, and {@code copies}
 * times under an ordinary camera condition ({@link Corruption}): copy {@code j} of frame {@code i} is number
 * {@code k = i * copies + j} of the mix and gets corruption {@code k mod 16} at severity {@code (k / 16) mod 3 + 1},
 * its random draws from {@code new Random(seed * 1_000_003 + k)}. So every corruption and severity is equally
 * represented and a rerun makes the same frames. A frame counts only where the model gives its expected class:
 * the true label where one is known, else the model's class on the clean frame. Corrupted frames are made when
 * they are read, not held in memory.
 */
public final class CalibrationMix implements Calibrator.Hold {

  private final Calibrator.Frames clean;
  private final int[] expected;
  private final int copies;
  private final long seed;

  private CalibrationMix(Calibrator.Frames clean, int[] expected, int copies, long seed) {
    this.clean = clean;
    this.expected = expected;
    this.copies = copies;
    this.seed = seed;
  }

  /**
   * The mix over {@code clean} frames with their true {@code labels} (null: unknown, then the model's class on
   * each clean frame is what its corrupted copies must keep, found with {@code classifier} in batches).
   */
  public static CalibrationMix of(Calibrator.Frames clean, int[] labels, int copies, long seed, BatchClassifier classifier, int batch) {
    if (copies < 0) {
      throw new IllegalArgumentException("corrupted copies per frame must be at least 0, was " + copies);
    }
    int[] expected = new int[clean.size()];
    if (labels != null) {
      if (labels.length != clean.size()) {
        throw new IllegalArgumentException(labels.length + " labels for " + clean.size() + " frames");
      }
      System.arraycopy(labels, 0, expected, 0, labels.length);
    } else {
      for (int start = 0; start < clean.size(); start += batch) {
        List<FloatImage> chunk = new ArrayList<>();
        for (int i = start; i < Math.min(clean.size(), start + batch); i++) {
          chunk.add(clean.get(i));
        }
        BatchOutput out = classifier.classify(chunk);
        for (int r = 0; r < chunk.size(); r++) {
          expected[start + r] = out.argmax(r);
        }
      }
    }
    return new CalibrationMix(clean, expected, copies, seed);
  }

  /** Index of the mix entry that is copy {@code copy} (0 = the clean frame) of clean frame {@code frame}. */
  private int source(int i) {
    return i / (copies + 1);
  }

  private int copy(int i) {
    return i % (copies + 1);
  }

  @Override
  public int size() {
    return clean.size() * (copies + 1);
  }

  /** The corruption of mix entry {@code i}, null for a clean frame. */
  public Corruption corruption(int i) {
    int j = copy(i);
    if (j == 0) {
      return null;
    }
    int k = number(i);
    return Corruption.values()[k % Corruption.values().length];
  }

  public int severity(int i) {
    return copy(i) == 0 ? 0 : (number(i) / Corruption.values().length) % 3 + 1;
  }

  private int number(int i) {
    return source(i) * copies + copy(i) - 1;
  }

  @Override
  public FloatImage get(int i) {
    FloatImage f = clean.get(source(i));
    Corruption c = corruption(i);
    return c == null ? f : c.apply(f, severity(i), new Random(seed * 1_000_003L + number(i)));
  }

  @Override
  public String group(int i) {
    Corruption c = corruption(i);
    return c == null ? Calibrator.CLEAN : c.id();
  }

  @Override
  public int expected(int i) {
    return expected[source(i)];
  }

  /** What the mix is, for calibration.json's record of the data. */
  public String describe() {
    return "each threshold frame once as it is (group clean) and " + copies + " times under an ordinary camera condition: "
        + "copy j of frame i is mix entry k = i * " + copies + " + j, corruption number k mod " + Corruption.values().length
        + " of " + Corruption.ids() + " at severity (k / " + Corruption.values().length + ") mod 3 + 1 "
        + "(dev.advmon.evaluation.Corruption, the definitions of models/recipe/corruptions.py), random draws from "
        + "java.util.Random(seed * 1000003 + k); a frame counts only where the model gives the true label";
  }
}
