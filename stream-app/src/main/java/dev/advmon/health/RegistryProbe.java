package dev.advmon.health;

import dev.advmon.registry.NoAnswerInTime;
import dev.advmon.registry.RegistryRequestException;
import dev.advmon.registry.RegistryUnavailableException;
import dev.advmon.registry.SchemaRegistry;
import java.time.Duration;

/**
 * The readiness probe of the schema registry ({@code GET /config}, {@link SchemaRegistry#ping}), whose reason says
 * what to act on first (which setting, what to check), the client's words last, on one line, as the broker's does.
 * The default reason was the exception's message alone, which repeated the URL, said "unavailable after 1 attempt(s)"
 * for a refused login, and named neither the credentials' setting nor the trust store.
 */
public final class RegistryProbe {

  /** Most characters of the client's words: a TLS error can run long, and the reason is read by Kubernetes events. */
  static final int MAX_WORDS = 200;

  private static final String NOT_API_ROOT = "it answered, but not as a registry's API root; check registry.url";

  /** The registry's trust store setting, named where this host refused the registry's certificate. */
  static final String TRUST_STORE = "registry.ssl.truststore.location (ADVMON_REGISTRY_SSL_TRUSTSTORE_LOCATION)";

  /** The registry's client key store setting, named where the registry refused this host's client certificate. */
  static final String KEY_STORE = "registry.ssl.keystore.location (ADVMON_REGISTRY_SSL_KEYSTORE_LOCATION)";

  /** The other cause of a handshake_failure alert, where the registry wants no client certificate. */
  static final String CIPHERS = ", or, where it wants none, that it shares a TLS version and cipher suite with Java's";

  /** What the registry is where its TLS alert refused this host's client certificate, or wanted one. */
  static final String REFUSING_THE_HANDSHAKE = "refusing the TLS handshake";

  /** The probe's time for one try, in the "nothing answered within" sentence. */
  static final String PROBE_TIMEOUT = "health.probe-timeout-ms";

  private RegistryProbe() {}

  /** The probe of {@code registry}, each try taking up to {@code timeoutMs} (health.probe-timeout-ms). */
  public static DependencyProbe of(SchemaRegistry registry, long timeoutMs, java.util.function.LongSupplier clock) {
    return new DependencyProbe("schema registry at " + registry.describe() + " (registry.url)",
        () -> registry.ping(Duration.ofMillis(timeoutMs)), clock, e -> reason(e, timeoutMs), RegistryProbe::state);
  }

  /**
   * What the registry is while {@code e} lasts: "unreachable" for an outage, but not for a registry that answered and
   * refused the monitor's login (401, 403) or its client certificate, nor for one whose certificate (at every URL) this
   * host refuses: the line began "unreachable for N s", and sent the operator to the network before the reason named
   * the setting.
   */
  static String state(Exception e) {
    if (e instanceof RegistryRequestException refused && refused.authenticationFailed()) {
      return "refusing the monitor's login";
    }
    if (e instanceof RegistryUnavailableException unavailable && (unavailable.failures().size() >= 2
        ? EachRegistryUrl.allCertificatesRefused(unavailable.failures())
        : dev.advmon.registry.HttpSchemaRegistryClient.certificateRefused(unavailable.getCause()))) {
      return "with a refused certificate";
    }
    if (e instanceof RegistryUnavailableException unavailable && (unavailable.failures().size() >= 2
        ? EachRegistryUrl.allClientCertificatesRefused(unavailable.failures())
        : dev.advmon.registry.HttpSchemaRegistryClient.clientCertificateAlert(unavailable.getCause()) != null)) {
      // its TLS alert refused this host's client certificate or wanted one (or, for handshake_failure, shared no
      // cipher suite): it answered, and "unreachable for N s" sent the operator to the network; the reason says which
      return REFUSING_THE_HANDSHAKE;
    }
    if (e instanceof RegistryUnavailableException unavailable && (unavailable.failures().size() >= 2
        ? EachRegistryUrl.allHttpErrors(unavailable.failures())
        : unavailable.getCause() == null && !unavailable.notTheApiRoot())) {
      // it answered (503, or a proxy's 502): "unreachable for N s" sent the operator to the network before the reason
      // named the registry's log; the count goes on from an outage's (DependencyProbe.ANSWERING_WITH_ERRORS)
      return DependencyProbe.ANSWERING_WITH_ERRORS;
    }
    return DependencyProbe.UNREACHABLE;
  }

  /**
   * Whether the registry answered the start-up's request that failed with {@code e}, and so is no outage: with an HTTP
   * error, not as a registry's API root, or in a TLS handshake that failed (a certificate this host refuses, or no TLS
   * spoken there). The start-up's give-up then says so, not "still unreachable", before the advice ({@link #advice}).
   * With several registry.url entries, only where each refused its certificate ({@link #state}).
   */
  public static boolean answered(Exception e) {
    if (!(e instanceof RegistryUnavailableException unavailable)) {
      return e instanceof RegistryRequestException;
    }
    if (unavailable.failures().size() >= 2) {
      return !DependencyProbe.UNREACHABLE.equals(state(e));
    }
    Throwable cause = unavailable.getCause();
    return cause == null || has(cause, javax.net.ssl.SSLException.class)
        || dev.advmon.registry.HttpSchemaRegistryClient.certificateRefused(cause);
  }

  /**
   * The probe's reason for {@code e}: what to act on first, the client's words last, cut at {@link #MAX_WORDS}. With
   * several registry.url entries, each URL and how it failed instead, within {@link #MAX_WORDS} too
   * ({@link EachRegistryUrl}): the advice and the words tell of the URL asked last alone.
   */
  static String reason(Exception e, long timeoutMs) {
    String each = EachRegistryUrl.reason(e, MAX_WORDS);
    if (each != null) {
      return each;
    }
    String words = words(e);
    words = words.length() > MAX_WORDS ? words.substring(0, MAX_WORDS - 3) + "..." : words;
    // one line: /health/ready is read by Kubernetes and by people, and each change of it is logged
    return advice(e, timeoutMs, PROBE_TIMEOUT) + wrapped(words);
  }

  /**
   * What to act on first when a request to the registry failed with {@code e}: which setting, what to check. A request
   * that got no answer waited {@code timeoutMs}, as {@code timeoutSetting} says ({@value #PROBE_TIMEOUT} for the probe,
   * registry.timeout-ms for the start-up's calls), or the shorter time that the client says it waited
   * ({@link NoAnswerInTime}).
   */
  public static String advice(Exception e, long timeoutMs, String timeoutSetting) {
    if (e instanceof RegistryRequestException refused) {
      return refused.authenticationFailed()
          ? "it refused the monitor's credentials (HTTP " + refused.httpStatus() + "); check"
              + " registry.basic-auth.user-info (user:password, or ADVMON_REGISTRY_BASIC_AUTH_USER_INFO) and that"
              + " user's rights on the registry"
          : NOT_API_ROOT;
    }
    if (!(e instanceof RegistryUnavailableException unavailable)) {
      return "a request to it failed";
    }
    Throwable cause = unavailable.getCause();
    if (dev.advmon.registry.HttpSchemaRegistryClient.certificateRefused(cause)) {
      // the registry answered the handshake: not an outage, and not the scheme (the start-up's call stops on this)
      String validity = dev.advmon.registry.HttpSchemaRegistryClient.outOfValidity(cause);
      return "this host does not trust the registry's certificate"
          + (validity != null
              ? ": it is out of its validity (" + validity + "); renew it on the registry (or its proxy), or set this"
                  + " host's clock right"
              : dev.advmon.registry.HttpSchemaRegistryClient.certificateForAnotherHost(cause)
                  ? ": it does not name the host in registry.url; use a name it holds there, or have it reissued"
                  : "; " + TRUST_STORE + " must hold its CA")
          + "; read only when the monitor starts";
    }
    String closed = dev.advmon.registry.HttpSchemaRegistryClient.closedAfterCertificateRequest(cause);
    if (closed != null) {
      // no alert to read: "a request to it failed; check that the registry runs" sent the operator to a running one
      return closed + "; check " + KEY_STORE + " (the certificate and its key) and that the registry trusts its CA"
          + "; read only when the monitor starts";
    }
    String alert = dev.advmon.registry.HttpSchemaRegistryClient.clientCertificateAlert(cause);
    if (alert != null) {
      // the registry judged this host's certificate: the trust store, which the advice below names, is not it
      return "the registry refused this host's client certificate, or wanted one it did not get (TLS alert "
          + alert + "); check " + KEY_STORE + " (the certificate and its key) and that the registry trusts its CA"
          // a server that shares no cipher suite with Java's sends the same alert: the key store is then not it
          + (alert.equals(dev.advmon.registry.HttpSchemaRegistryClient.HANDSHAKE_FAILURE) ? CIPHERS : "")
          + "; read only when the monitor starts";
    }
    if (has(cause, javax.net.ssl.SSLException.class)) {
      return "the TLS handshake failed; check that registry.url says https only where the registry speaks TLS, and"
          + " that registry.ssl.truststore.location holds the CA that signed its certificate";
    }
    if (has(cause, java.net.http.HttpTimeoutException.class)) {
      // the client's own time where it gives one: a call's deadline can leave a request less than the setting
      long waited = waitedMs(cause, timeoutMs);
      return "nothing answered within " + DependencyProbe.duration(waited) + " (" + timeoutSetting
          + (waited < timeoutMs ? ", cut to the call's deadline: two thirds of streams.transaction-timeout-ms" : "")
          + "); check"
          + " that the registry runs and is reachable from this host (host name, port, firewall, proxy) and speaks"
          + " the scheme of registry.url (http or https)";
    }
    if (dev.advmon.registry.HttpSchemaRegistryClient.unresolved(cause)) {
      // before the refused connection's advice: java.net.http reports both as a ConnectException
      return "its host name does not resolve; check the host name in registry.url (in Kubernetes, the Service's name"
          + " and namespace) and this host's DNS";
    }
    if (has(cause, java.net.ConnectException.class)) {
      return "nothing accepts connections there; check that the registry runs and that registry.url names its host"
          + " and port";
    }
    if (cause == null && unavailable.notTheApiRoot()) {
      return NOT_API_ROOT;
    }
    return cause == null
        ? "it answered with an error; check the registry's log, and the load balancer or proxy in front of it"
        : "a request to it failed; check that the registry runs and is reachable from this host";
  }

  /**
   * The client's own words for {@code e}, on one line, as " (registry client: ...)" to end a reason with; empty when
   * they would only repeat what the reason says already: the URL, and that nothing answered in time.
   */
  public static String clientWords(Exception e) {
    return wrapped(words(e));
  }

  private static String words(Exception e) {
    String words;
    if (e instanceof RegistryRequestException) {
      words = e.getMessage();
    } else if (e instanceof RegistryUnavailableException unavailable) {
      // a timeout's words are the URL and "timed out: no complete answer within N ms", both in the reason already;
      // unless another URL was not the API root, which they add
      words = has(unavailable.getCause(), java.net.http.HttpTimeoutException.class) && !unavailable.notTheApiRoot()
          ? null : unavailable.lastProblem();
    } else {
      words = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": "
          + e.getMessage();
    }
    return words == null ? "" : words.replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }

  private static String wrapped(String words) {
    return words.isEmpty() ? "" : " (registry client: " + words + ")";
  }

  private static long waitedMs(Throwable t, long timeoutMs) {
    NoAnswerInTime late = find(t, NoAnswerInTime.class);
    return late == null ? timeoutMs : late.waited().toMillis();
  }

  private static boolean has(Throwable t, Class<? extends Throwable> type) {
    return find(t, type) != null;
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }
}
