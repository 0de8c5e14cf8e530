package dev.advmon.model;

/**
 * The model returned NaN or an infinity for one input of a call. Its row counts every input of that call, the
 * detectors' probes among them, so a caller that knows which frame or probe the row is says it in those terms
 * ({@link #saidOf}): "image 0 of a batch of 13" read as the user's thirteenth file, where the 13 were one image and
 * its probes.
 */
public final class NonFiniteOutputException extends IllegalStateException {

  private static final String CAUSE =
      "the model overflows or is broken on that input (an FP16 engine beyond its range, or NaN weights)";

  private final String what;
  private final float value;
  private final int row;

  public NonFiniteOutputException(String what, float value, int row, int rows) {
    super("model returned a " + what + " of " + value + " for input " + row + " of the " + rows
        + " in one model call: " + CAUSE);
    this.what = what;
    this.value = value;
    this.row = row;
  }

  /** The row of the call's inputs that the value was returned for. */
  public int row() {
    return row;
  }

  /** The same failure said of {@code subject} ("this frame", "a probe that detector x made from this frame"). */
  public String saidOf(String subject) {
    return "model returned a " + what + " of " + value + " for " + subject + ": " + CAUSE;
  }
}
