package dev.advmon.registry;

/**
 * The registry answered, but not in a way this client can use: 401/403 (credentials), another 4xx, or a
 * body that is not the expected JSON. Not retried: repeating the same request gives the same answer.
 */
public final class RegistryRequestException extends RegistrySerdeException {

  public static final String REASON = "REGISTRY_REQUEST_FAILED";

  private final int httpStatus;

  public RegistryRequestException(String message, int httpStatus, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
  }

  /** The HTTP status, or 0 when the failure was not an HTTP status (e.g. an unreadable body). */
  public int httpStatus() {
    return httpStatus;
  }

  /**
   * The registry refused our credentials or rights (401/403): a configuration error that retrying cannot
   * fix and that would hit every record, so the monitor stops instead of dead-lettering the stream.
   */
  public boolean authenticationFailed() {
    return httpStatus == 401 || httpStatus == 403;
  }

  @Override
  public String reason() {
    return REASON;
  }
}
