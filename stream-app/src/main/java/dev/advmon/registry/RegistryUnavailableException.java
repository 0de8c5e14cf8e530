package dev.advmon.registry;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * No registry URL answered usefully after all retries (connection failures, timeouts, 5xx, 429 or 408).
 * Retrying later may succeed; the message names the URLs, the number of attempts and the last problem.
 */
public final class RegistryUnavailableException extends RegistrySerdeException {

  public static final String REASON = "REGISTRY_UNAVAILABLE";

  private final int attempts;
  private final String lastProblem;
  private final boolean notTheApiRoot;
  private final Map<String, String> failures;
  private final boolean cutByDeadline;

  public RegistryUnavailableException(String urls, int attempts, String lastProblem, Throwable cause) {
    this(urls, attempts, lastProblem, false, cause);
  }

  /**
   * With {@code notTheApiRoot}: {@code lastProblem} names a URL in registry.url that answered as no API root (the
   * registry's own "no such path"), as {@link #notTheApiRoot()} says.
   */
  public RegistryUnavailableException(String urls, int attempts, String lastProblem, boolean notTheApiRoot,
      Throwable cause) {
    this(urls, attempts, lastProblem, notTheApiRoot, Map.of(), false, cause);
  }

  /**
   * With {@code failures}: each URL of registry.url, in its order, to how its last request failed, in a few words
   * ("connection refused", "no answer within 500 ms", "HTTP 503"): with several URLs, {@code lastProblem} tells of the
   * last one alone. {@code cutByDeadline}: the call's deadline cut a request's wait short of registry.timeout-ms, or
   * left a URL untried.
   */
  public RegistryUnavailableException(String urls, int attempts, String lastProblem, boolean notTheApiRoot,
      Map<String, String> failures, boolean cutByDeadline, Throwable cause) {
    super("schema registry unavailable at " + urls + " after " + attempts + " attempt(s); last problem: "
        + lastProblem + "; check that the registry is running and its URL is right (registry.url for the monitor, "
        + "schema.registry.url in a Kafka client's configuration)", cause);
    this.attempts = attempts;
    this.lastProblem = lastProblem;
    this.notTheApiRoot = notTheApiRoot;
    this.failures = Collections.unmodifiableMap(new LinkedHashMap<>(failures));
    this.cutByDeadline = cutByDeadline;
  }

  /** Each URL of registry.url to how its last request failed, in registry.url's order; empty where not told. */
  public Map<String, String> failures() {
    return failures;
  }

  /** Whether the call's deadline cut a request's wait short of registry.timeout-ms, or left a URL untried. */
  public boolean cutByDeadline() {
    return cutByDeadline;
  }

  /**
   * Whether a URL in registry.url answered as no API root (Apicurio's without /apis/ccompat/v7, say): what to fix is
   * that URL, not the registry. Told by the client, which saw the answer: the words of {@link #lastProblem()} carry
   * the registry's own message, which can say anything.
   */
  public boolean notTheApiRoot() {
    return notTheApiRoot;
  }

  /** The last attempt's problem alone, in the client's words (the message adds the URLs and what to check). */
  public String lastProblem() {
    return lastProblem;
  }

  public int attempts() {
    return attempts;
  }

  @Override
  public String reason() {
    return REASON;
  }
}
