package dev.advmon.registry;

/**
 * The registry answered, but not in a way this client can use: 401/403 (credentials), another 4xx, or a
 * body that is not the expected JSON; or its certificate is one this host does not trust. Not retried: repeating
 * the same request gives the same answer.
 */
public final class RegistryRequestException extends RegistrySerdeException {

  public static final String REASON = "REGISTRY_REQUEST_FAILED";

  private final int httpStatus;
  private final boolean notTheApiRoot;
  private final boolean untrustedCertificate;

  public RegistryRequestException(String message, int httpStatus, Throwable cause) {
    this(message, httpStatus, false, cause);
  }

  /**
   * With {@code notTheApiRoot}: the registry (its own JSON error) answered that it serves no such path, i.e.
   * {@code registry.url} does not point at its API root ({@link #misconfigured()}).
   */
  public RegistryRequestException(String message, int httpStatus, boolean notTheApiRoot, Throwable cause) {
    this(message, httpStatus, notTheApiRoot, false, cause);
  }

  private RegistryRequestException(String message, int httpStatus, boolean notTheApiRoot,
      boolean untrustedCertificate, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
    this.notTheApiRoot = notTheApiRoot;
    this.untrustedCertificate = untrustedCertificate;
  }

  /**
   * Every try of a call, at every registry URL, met a certificate this host does not trust (an unknown CA, another host's
   * name, expired):
   * the trust store's setting is what to fix ({@link #untrustedCertificate()}); no HTTP status.
   */
  public static RegistryRequestException untrusted(String message, Throwable cause) {
    return new RegistryRequestException(message, 0, false, true, cause);
  }

  /** Whether the registry's certificate failed this host's checks: see {@link #untrusted}. */
  public boolean untrustedCertificate() {
    return untrustedCertificate;
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

  /**
   * Not the record's fault but the registry's URL or credentials: 401/403, a redirect (not followed), or a 200 whose
   * body is not the registry's JSON (a proxy's page; the URL is not the API root), or the registry's own "no such
   * path" for registering or looking up a schema (the URL is not the API root either), or a certificate this host
   * does not trust. Every record would meet the same answer, so the monitor stops with the message instead of
   * dead-lettering them all. Other 4xx stay the record's.
   */
  public boolean misconfigured() {
    return authenticationFailed() || (httpStatus >= 300 && httpStatus < 400) || httpStatus == 200 || notTheApiRoot
        || untrustedCertificate;
  }

  @Override
  public String reason() {
    return REASON;
  }
}
