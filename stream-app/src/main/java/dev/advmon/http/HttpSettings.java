package dev.advmon.http;

import dev.advmon.config.MonitorConfig;
import java.time.Duration;
import java.util.List;

/**
 * How the monitor's HTTP server listens and whom it answers.
 *
 * @param bind address to listen on ({@code http.bind})
 * @param port 0 = a free port
 * @param bearerToken when not empty, required as {@code Authorization: Bearer <token>} on every route but the
 *     health probes ({@code http.bearer-token})
 * @param allowedHosts Host header values accepted besides the loopback names; {@code *} = any
 *     ({@code http.allowed-hosts})
 * @param threads worker threads ({@code http.threads})
 * @param timeout time to receive a request and to send a response ({@code http.timeout-ms})
 * @param healthPort a second port that serves only the health probes, on its own workers; 0 = none
 *     ({@code http.health-port})
 */
public record HttpSettings(String bind, int port, String bearerToken, List<String> allowedHosts, int threads,
    Duration timeout, int healthPort) {

  /** Without a health port of its own. */
  public HttpSettings(String bind, int port, String bearerToken, List<String> allowedHosts, int threads,
      Duration timeout) {
    this(bind, port, bearerToken, allowedHosts, threads, timeout, 0);
  }

  public HttpSettings {
    bearerToken = bearerToken == null ? "" : bearerToken.strip(); // a Secret's trailing newline is not the token
    if (!isValidToken(bearerToken)) {
      throw new IllegalArgumentException("http.bearer-token " + TOKEN_RULE);
    }
    allowedHosts = List.copyOf(allowedHosts);
    if (threads < 1) {
      throw new IllegalArgumentException("http.threads must be positive");
    }
  }

  /** What a bearer token may hold, as a sentence after the setting's name. */
  public static final String TOKEN_RULE = "must be printable ASCII without spaces (a client sends it in a header); "
      + "generate one with `openssl rand -hex 32`";

  /** Whether {@code token} can travel in an Authorization header as it is; empty (no token) is valid. */
  public static boolean isValidToken(String token) {
    return token.matches("[\\x21-\\x7e]*");
  }

  public static HttpSettings from(MonitorConfig c) {
    return new HttpSettings(c.string("http.bind"), c.intValue("http.port"), c.string("http.bearer-token"),
        c.list("http.allowed-hosts"), c.intValue("http.threads"), Duration.ofMillis(c.longValue("http.timeout-ms")),
        c.intValue("http.health-port"));
  }

  /** Loopback, no token, no extra hosts, 4 workers, 10 s: what tests and tools need. */
  public static HttpSettings loopback(String bind, int port) {
    return new HttpSettings(bind, port, "", List.of(), 4, Duration.ofSeconds(10));
  }

  public HttpSettings withPort(int port) {
    return new HttpSettings(bind, port, bearerToken, allowedHosts, threads, timeout, healthPort);
  }

  public HttpSettings withHealthPort(int healthPort) {
    return new HttpSettings(bind, port, bearerToken, allowedHosts, threads, timeout, healthPort);
  }

  public HttpSettings withBearerToken(String token) {
    return new HttpSettings(bind, port, token, allowedHosts, threads, timeout, healthPort);
  }

  public HttpSettings withAllowedHosts(List<String> hosts) {
    return new HttpSettings(bind, port, bearerToken, hosts, threads, timeout, healthPort);
  }
}
