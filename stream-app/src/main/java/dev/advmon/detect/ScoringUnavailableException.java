package dev.advmon.detect;

/**
 * Scoring fails for every frame, not for one (the model or its engine is broken, the GPU is out of memory, the
 * shared batcher is closed because the monitor stops): the frame being scored is not dead-lettered. The task fails
 * without writing anything for it, and the monitor restarts Kafka Streams after a backoff
 * ({@code streams.restart-backoff-max-ms}) and scores it again from the last commit, with readiness DOWN in between.
 */
public final class ScoringUnavailableException extends RuntimeException {

  public ScoringUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
