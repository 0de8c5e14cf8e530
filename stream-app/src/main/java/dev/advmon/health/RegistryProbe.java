package dev.advmon.health;

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

  private RegistryProbe() {}

  /** The probe of {@code registry}, each try taking up to {@code timeoutMs} (health.probe-timeout-ms). */
  public static DependencyProbe of(SchemaRegistry registry, long timeoutMs, java.util.function.LongSupplier clock) {
    return new DependencyProbe("schema registry at " + registry.describe() + " (registry.url)",
        () -> registry.ping(Duration.ofMillis(timeoutMs)), clock, e -> reason(e, timeoutMs));
  }

  static String reason(Exception e, long timeoutMs) {
    String what;
    String words;
    if (e instanceof RegistryRequestException refused) {
      words = refused.getMessage();
      what = refused.authenticationFailed()
          ? "it refused the monitor's credentials (HTTP " + refused.httpStatus() + "); check"
              + " registry.basic-auth.user-info (user:password, or ADVMON_REGISTRY_BASIC_AUTH_USER_INFO) and that"
              + " user's rights on the registry"
          : NOT_API_ROOT;
    } else if (e instanceof RegistryUnavailableException unavailable) {
      words = unavailable.lastProblem();
      Throwable cause = unavailable.getCause();
      if (has(cause, javax.net.ssl.SSLException.class)) {
        what = "the TLS handshake failed; check that registry.url says https only where the registry speaks TLS, and"
            + " that registry.ssl.truststore.location holds the CA that signed its certificate";
      } else if (has(cause, java.net.http.HttpTimeoutException.class)) {
        what = "nothing answered within " + DependencyProbe.duration(timeoutMs) + " (health.probe-timeout-ms); check"
            + " that the registry runs and is reachable from this host (host name, port, firewall, proxy) and speaks"
            + " the scheme of registry.url (http or https)";
      } else if (has(cause, java.net.ConnectException.class)) {
        what = "nothing accepts connections there; check that the registry runs and that registry.url names its host"
            + " and port";
      } else if (cause == null && unavailable.notTheApiRoot()) {
        what = NOT_API_ROOT;
      } else if (cause == null) {
        what = "it answered with an error; check the registry's log, and the load balancer or proxy in front of it";
      } else {
        what = "its GET /config failed; check that the registry runs and is reachable from this host";
      }
    } else {
      words = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": "
          + e.getMessage();
      what = "its GET /config failed";
    }
    words = words == null ? "" : words.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    words = words.length() > MAX_WORDS ? words.substring(0, MAX_WORDS - 3) + "..." : words;
    // one line: /health/ready is read by Kubernetes and by people, and each change of it is logged
    return what + (words.isEmpty() ? "" : " (registry client: " + words + ")");
  }

  private static boolean has(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }
}
