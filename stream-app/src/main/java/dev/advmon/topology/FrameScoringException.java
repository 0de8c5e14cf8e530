package dev.advmon.topology;

/**
 * Scoring failed for this frame alone (the model scores other frames): the frame goes to the dead-letter topic
 * as SCORING_FAILED. The cause is the scorer's own error.
 */
public final class FrameScoringException extends Exception {

  public FrameScoringException(Throwable cause) {
    super(cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage(), cause);
  }
}
