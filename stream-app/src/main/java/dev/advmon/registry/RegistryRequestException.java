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
  private final java.util.Map<String, String> failures;

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
    this(message, httpStatus, notTheApiRoot, untrustedCertificate, java.util.Map.of(), cause);
  }

  private RegistryRequestException(String message, int httpStatus, boolean notTheApiRoot,
      boolean untrustedCertificate, java.util.Map<String, String> failures, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
    this.notTheApiRoot = notTheApiRoot;
    this.untrustedCertificate = untrustedCertificate;
    this.failures = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(failures));
  }

  /**
   * A refused login (401/403) with several registry.url entries: {@code failures} maps each URL, in registry.url's
   * order, to what it did, in RegistryUnavailableException's few words ("HTTP 401", "no answer within 500 ms"), so that
   * a silent URL beside the refusing one is told too; the message tells of the refusing URL.
   */
  public static RegistryRequestException refusedLogin(String message, int httpStatus,
      java.util.Map<String, String> failures) {
    return new RegistryRequestException(message, httpStatus, false, false, failures, null);
  }

  /** Each URL of registry.url to what it did, for a refused login asked at several; empty where not told. */
  public java.util.Map<String, String> failures() {
    return failures;
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
