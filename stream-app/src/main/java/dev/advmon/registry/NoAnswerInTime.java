package dev.advmon.registry;

import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * A request to the registry without a whole answer within {@link #waited()}: registry.timeout-ms, or less where the
 * call's deadline (two thirds of streams.transaction-timeout-ms, half of that per URL with several) left less. Carried
 * so that what is said of the wait gives the time waited, not the setting's.
 */
public final class NoAnswerInTime extends HttpTimeoutException {

  private final Duration waited;

  NoAnswerInTime(Duration waited) {
    super("timed out: no complete answer within " + waited.toMillis() + " ms");
    this.waited = waited;
  }

  /** How long the request waited for its answer. */
  public Duration waited() {
    return waited;
  }
}
